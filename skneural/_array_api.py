"""Namespace and device helpers: thin, over scikit-learn's ``utils._array_api``.

With ``sklearn.set_config(array_api_dispatch=True)`` (and ``SCIPY_ARRAY_API=1`` in the
environment before scipy is imported) the MLPs train in the namespace and on the
device of their input ``X``: NumPy, CuPy, PyTorch on any device, array-api-strict.
The NumPy code path is the in-place one of the rest of the package; every other
namespace takes the generic path written beside it, which uses only the standard's
functions and returns new arrays (the standard has no ``out=``).

Conventions used across the package:

* :func:`is_numpy_array` decides the path (a type check, free on the hot path).
* Random numbers are always drawn from the estimator's NumPy ``RandomState`` on the
  host and moved to the device (:func:`from_host`), so a seed gives the same draws,
  hence the same model up to rounding, in every namespace and on every device.
* :func:`from_host` always copies: ``xp.asarray(numpy_array)`` may share memory
  with the NumPy array (torch on the CPU does), and the callers mutate in place.
"""

import numpy as np
import scipy.sparse as sp
from sklearn import config_context, get_config
from sklearn.utils._array_api import (
    _is_numpy_namespace,
    _max_precision_float_dtype,
    get_namespace,
    get_namespace_and_device,
    move_to,
)

__all__ = ["array_namespace", "is_numpy_array", "namespace_of", "dispatching",
           "from_host", "to_host", "float_dtypes", "copy_array", "numpy_dtype",
           "xp_dtype", "to_namespace"]


def dispatching():
    """Whether scikit-learn's ``array_api_dispatch`` is switched on."""
    return bool(get_config()["array_api_dispatch"])


def is_numpy_array(array):
    """Whether ``array`` takes the NumPy (in-place) path: an ndarray or sparse."""
    return isinstance(array, np.ndarray) or sp.issparse(array)


def namespace_of(*arrays):
    """``(xp, device)`` of the arrays (NumPy and None when dispatch is off)."""
    xp, _, device = get_namespace_and_device(*arrays)
    return xp, device


def float_dtypes(X):
    """The float dtypes ``validate_data`` may convert ``X`` to, in ``X``'s namespace
    (float64 first, float32 where the device has no float64, e.g. MPS)."""
    xp, _ = get_namespace(X)
    if _is_numpy_namespace(xp):
        return (np.float64, np.float32)
    _, device = namespace_of(X)
    if _max_precision_float_dtype(xp, device) == xp.float32:
        return (xp.float32,)
    return (xp.float64, xp.float32)


def numpy_dtype(dtype):
    """The NumPy dtype of a dtype of any namespace, or of a name such as
    ``"float32"`` (``torch.float32`` -> ``np.float32``)."""
    if isinstance(dtype, (np.dtype, str)) or (isinstance(dtype, type)
                                             and issubclass(dtype, np.generic)):
        return np.dtype(dtype)
    return np.dtype(str(dtype).rsplit(".", 1)[-1])


def xp_dtype(xp, dtype):
    """The dtype of ``xp`` for a NumPy floating ``dtype``."""
    return xp.float32 if np.dtype(dtype) == np.float32 else xp.float64


def from_host(array, xp, device, dtype=None):
    """A new array of ``xp`` on ``device`` with the values of a NumPy ``array``
    (cast to the NumPy ``dtype`` first when given). Never shares memory."""
    array = np.array(array, dtype=dtype, copy=True)
    if _is_numpy_namespace(xp):
        return array
    return xp.asarray(array, device=device)


def to_host(array):
    """A NumPy array on the host with the values of ``array`` (itself if NumPy)."""
    if array is None or is_numpy_array(array):
        return array
    return move_to(array, xp=np, device="cpu")


def like(X, host_array):
    """``host_array`` (NumPy) where ``X`` lives: itself for NumPy or sparse ``X`` (and
    for Dask arrays, whose weights stay on the client), else a copy in ``X``'s
    namespace, on its device."""
    if is_numpy_array(X) or not hasattr(X, "device"):
        return host_array
    return from_host(host_array, array_namespace(X), X.device)


def cast_like(X, reference):
    """``X`` in the dtype of the array ``reference`` (no copy if it has it)."""
    if is_numpy_array(X):
        return X.astype(reference.dtype, copy=False)
    xp = array_namespace(X)
    return X if X.dtype == reference.dtype else xp.astype(X, reference.dtype)


def all_finite(array):
    """Whether every entry of ``array`` is finite (one number read from a device)."""
    if isinstance(array, np.ndarray):
        return bool(np.isfinite(array).all())
    xp = array_namespace(array)
    return bool(xp.all(xp.isfinite(array)))


def device_training_data(estimator, X, y, sample_weight, incremental):
    """The training arrays of a fit on a non-NumPy ``X``, on ``X``'s device.

    scikit-learn's rule for mixed inputs: everything follows ``X``. The targets are
    encoded on the host (labels may be strings; the classifier's ``LabelBinarizer``
    is NumPy's), then moved to ``X``'s device in the training dtype, as are the
    sample weights (times the class weights). ``X`` is cast to the training dtype
    once here rather than batch by batch.
    """
    xp, device = array_namespace(X), X.device
    dtype = numpy_dtype(estimator.training_dtype or X.dtype)
    y = to_host(y)
    y = y.reshape((-1, 1)) if y.ndim == 1 else y
    class_weights = estimator._class_sample_weight(y, incremental)
    if sample_weight is not None:
        sample_weight = xp.astype(move_to(sample_weight, xp=xp, device=device),
                                  xp_dtype(xp, dtype))
    if class_weights is not None:
        class_weights = from_host(class_weights, xp, device, dtype)
        sample_weight = (class_weights if sample_weight is None
                         else sample_weight * class_weights)
    estimator.n_outputs_ = y.shape[1]
    X = X if X.dtype == xp_dtype(xp, dtype) else xp.astype(X, xp_dtype(xp, dtype))
    return X, from_host(y, xp, device, dtype), sample_weight


def check_model_namespace(estimator, X):
    """Raise a clear error when a warm start or ``partial_fit`` gets ``X`` of
    another namespace or device than the fitted weights (or a sparse ``X`` for
    weights that are not NumPy arrays)."""
    coef = estimator.coefs_[0]
    host_X = is_numpy_array(X) or not hasattr(X, "device")  # NumPy, sparse, Dask
    if host_X and isinstance(coef, np.ndarray):
        return
    if not is_numpy_array(X) and not isinstance(coef, np.ndarray) and (
            array_namespace(X) is array_namespace(coef) and X.device == coef.device):
        return
    kind = "a sparse matrix" if sp.issparse(X) else f"{type(X).__module__} arrays"
    raise ValueError(
        f"The fitted weights of this {type(estimator).__name__} are "
        f"{type(coef).__module__} arrays on {getattr(coef, 'device', 'cpu')}, but X "
        f"is {kind}: continue training with X of the weights' namespace and device, "
        "move the model first with skneural.to_namespace(model, xp, device), or "
        "refit without warm_start. Sparse X trains with NumPy weights only."
    )


def check_same_namespace(X, estimator, *, method):
    """scikit-learn's check that ``X`` has the namespace and device of the fitted
    weights (only under ``array_api_dispatch``); sparse ``X`` with weights of
    another namespace is refused with a message that says so."""
    from sklearn.utils._array_api import check_same_namespace as _check

    coef = estimator.coefs_[0]
    if not dispatching() and not isinstance(coef, np.ndarray):
        raise ValueError(
            f"The weights of this {type(estimator).__name__} are "
            f"{type(coef).__module__} arrays: call {method}() under "
            "sklearn.config_context(array_api_dispatch=True) with X of that namespace "
            "and device, or move the model first with "
            "skneural.to_namespace(model, numpy, 'cpu')."
        )
    # The check reads one array attribute and the class name for its message;
    # coefs_ is a list, so it gets a stand-in of the same class name.
    name = type(estimator).__name__
    stand_in = _STAND_INS.setdefault(name, type(name, (), {}))()
    stand_in.coefs_0 = estimator.coefs_[0]
    _check(X, stand_in, attribute="coefs_0", method=method)


_STAND_INS = {}


def take_classes(classes, indices):
    """``classes[indices]``, computed where ``classes`` lives and returned in the
    namespace and on the device of ``indices`` unless the labels are strings."""
    xp, device = array_namespace(indices), indices.device
    if isinstance(classes, np.ndarray):
        labels = classes[to_host(indices)]
        return labels if labels.dtype.kind not in "biuf" else from_host(labels, xp,
                                                                         device)
    xp_classes = array_namespace(classes)
    indices = move_to(indices, xp=xp_classes, device=classes.device)
    return move_to(xp_classes.take(classes, indices, axis=0), xp=xp, device=device)


def copy_array(array):
    """A copy of ``array`` in its own namespace and on its own device."""
    if isinstance(array, np.ndarray):
        return array.copy()
    xp, _ = get_namespace(array)
    return xp.asarray(array, copy=True)


def to_namespace(estimator, xp, device=None):
    """Move a fitted MLP (weights, training state, numeric ``classes_``) to ``xp``.

    The estimator is modified in place and returned: ``coefs_`` / ``intercepts_``
    become arrays of ``xp`` on ``device``; so do the solver's state and the best
    weights kept for early stopping, so that ``partial_fit`` and ``warm_start``
    continue there. The random generator, the shuffle order and the label encoder
    stay on the host, where they always live. A numeric ``classes_`` follows; a
    string one stays a NumPy array (other namespaces have no strings). Predict with
    inputs of the new namespace, under ``array_api_dispatch=True`` unless ``xp`` is
    NumPy.

    Parameters
    ----------
    estimator : MLPClassifier or MLPRegressor
        A fitted estimator.
    xp : module
        The target namespace, e.g. ``numpy``, ``torch``, ``array_api_strict``
        (``sklearn.utils._array_api.get_namespace`` returns a compatible wrapper).
    device : device, default=None
        The target device (``"cpu"`` for NumPy; e.g. ``"cuda"`` for torch).

    Returns
    -------
    estimator : the same estimator, moved.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from skneural import MLPClassifier, to_namespace
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier((5,), max_iter=5).fit(X, y)
    >>> to_namespace(clf, np, "cpu").coefs_[0].shape
    (4, 5)
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)
    if _is_numpy_namespace(xp):
        xp, device = np, "cpu"
    else:
        # A plain module (``torch``) becomes scikit-learn's compatible namespace.
        with config_context(array_api_dispatch=True):
            xp, _ = get_namespace(xp.asarray([0.0], device=device))

    def move(array):
        if array is None or not hasattr(array, "shape") or sp.issparse(array):
            return array
        return move_to(array, xp=xp, device=device)

    estimator.coefs_ = [move(c) for c in estimator.coefs_]
    estimator.intercepts_ = [move(b) for b in estimator.intercepts_]
    classes = getattr(estimator, "classes_", None)
    if classes is not None and np.asarray(to_host(classes)).dtype.kind in "biuf":
        estimator.classes_ = move(classes)
    training = getattr(estimator, "_training", None)
    if training is not None:
        training = dict(training)
        if training.get("solver"):
            training["solver"] = {k: move(v) if hasattr(v, "shape") else v
                                  for k, v in training["solver"].items()}
        training["best_params"] = move(training.get("best_params"))
        estimator._training = training
    return estimator


def array_namespace(*arrays):
    """The namespace of the arrays, whatever ``array_api_dispatch`` says (the core
    follows its arrays; the estimators decide where the arrays live)."""
    from sklearn.externals.array_api_compat import array_namespace as _namespace

    return _namespace(*arrays)
