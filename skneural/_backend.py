"""The backend seam: where a fit's arrays live, decided once, in this module only.

Every rule of skneural (an activation, a loss, a penalty, a solver's update, the
forward and backward pass) is written once, in Array API style, against a namespace
``xp``: NumPy (through ``array_api_compat``'s wrapper), PyTorch on any device, CuPy,
array-api-strict. This module is the one place that knows which namespace that is:

* :func:`namespace` gives the namespace of an array (cached by type: it is called on
  every step). :class:`Backend` is a fit's namespace and device, chosen from ``X``
  (:meth:`Backend.of`); it creates arrays there, moves host arrays (random draws,
  encoded targets) there, and provides the few primitives whose fastest form
  differs between namespaces: products into preallocated outputs, column sums.
* :func:`into` is how a rule asks for an in-place result: ``into(xp, xp.sqrt, v,
  out=buffer)`` writes into ``buffer`` on NumPy (no temporary) and returns a new
  array elsewhere (the standard has no ``out=``); the rule uses the returned array.
* :func:`fusable` marks a rule that has an optional compiled kernel
  (:mod:`skneural._jit`, the numba extra): on contiguous NumPy arrays with the
  kernels enabled the kernel runs, otherwise the rule itself. Kernels are tested
  equal to their rules (``tests/test_jit.py``).

The estimator-facing helpers at the end (:func:`to_namespace`,
:func:`check_same_namespace`, ...) follow scikit-learn's array-API rules: everything
follows ``X``; random numbers are drawn on the host from the estimator's NumPy
generator, so a seed gives the same model in every namespace, up to rounding.

With ``sklearn.set_config(array_api_dispatch=True)`` (and ``SCIPY_ARRAY_API=1`` in the
environment before scipy is imported) the MLPs train in the namespace and on the
device of their input ``X``.
"""

import functools
import itertools
import math
import types

import numpy as np
import scipy.sparse as sp
import scipy.special
from sklearn import config_context, get_config
from sklearn.externals import array_api_compat
from sklearn.externals.array_api_compat import numpy as _numpy_namespace
from sklearn.utils._array_api import (
    _is_numpy_namespace,
    _max_precision_float_dtype,
    get_namespace,
    move_to,
)

from . import _jit

__all__ = ["Backend", "namespace", "into", "fusable", "is_host", "to_host",
           "all_finite", "to_namespace", "dispatching", "numpy_dtype"]


def _clip(x, /, min=None, max=None, *, out=None):
    # NumPy's ufuncs: array_api_compat's wrapper takes 1.7x as long as np.clip, and
    # np.clip itself 3x as long as np.maximum on a row (relu's path).
    if max is None:
        return _numpy_namespace.clip(x, out=out) if min is None else \
            np.maximum(x, min, out=out)
    if min is None:
        return np.minimum(x, max, out=out)
    return np.clip(x, min, max, out=out)


def _max(x, /, *, axis=None, keepdims=False):
    return np.maximum.reduce(x, axis=axis, keepdims=keepdims)


def _sum(x, /, *, axis=None, dtype=None, keepdims=False):
    if dtype is None and x.dtype.kind != "f":  # the standard's integer promotion
        return _numpy_namespace.sum(x, axis=axis, keepdims=keepdims)
    return np.add.reduce(x, axis=axis, dtype=dtype, keepdims=keepdims)


# Arrays of this many bytes and more start at staggered offsets modulo 4 KiB. Large
# allocations come from mmap at the same offset in their page, so a kernel streaming
# several of them at once (Adam reads and writes the weights, the gradient and both
# moments) hits the same cache sets on every access ("4K aliasing"): on W1 in float64
# the fused Adam update took 1.7x as long as with staggered arrays.
STAGGER_BYTES = 1 << 16
_stagger = itertools.count()


def _staggered(shape, dtype, fill=None):
    """``np.empty`` (or ``np.full`` with ``fill``), at the next staggered offset
    modulo 4 KiB when large (a contiguous view of a slightly larger array)."""
    dtype = np.dtype(dtype)
    shape = (shape,) if isinstance(shape, int | np.integer) else tuple(shape)
    size = math.prod(shape)
    if size * dtype.itemsize < STAGGER_BYTES:
        return np.empty(shape, dtype) if fill is None else np.full(shape, fill, dtype)
    raw = np.empty(size + 4096 // dtype.itemsize, dtype)
    target = next(_stagger) * 576 % 4096  # nine cache lines apart
    start = (target - raw.__array_interface__["data"][0]) % 4096 // dtype.itemsize
    array = raw[start:start + size].reshape(shape)
    if fill is not None:
        array.fill(fill)
    return array


def _like(fill):
    def like(x, /, *, dtype=None, device=None):
        return _staggered(x.shape, x.dtype if dtype is None else dtype, fill)
    return like


#: The namespace of NumPy arrays (and of sparse matrices, whose products are NumPy):
#: array_api_compat's, with ``clip``, ``max`` and ``sum`` as NumPy's ufuncs (the
#: same results without the Python wrappers, which a one-row call would feel), and
#: new arrays like others (solver states) at staggered offsets.
NUMPY = types.SimpleNamespace(**vars(_numpy_namespace))
NUMPY.clip, NUMPY.max, NUMPY.sum = _clip, _max, _sum
NUMPY.empty_like, NUMPY.zeros_like, NUMPY.ones_like = _like(None), _like(0), _like(1)
NUMPY.full_like = lambda x, /, fill_value, *, dtype=None, device=None: _staggered(
    x.shape, x.dtype if dtype is None else dtype, fill_value)
_NAMESPACES = {np.ndarray: NUMPY}


def namespace(*arrays):
    """The Array API namespace of ``arrays`` (NumPy's for NumPy and sparse input).

    Cached by type, so it costs a dictionary lookup on the hot path, where
    ``array_api_compat.array_namespace`` costs microseconds.
    """
    array = arrays[0]
    xp = _NAMESPACES.get(type(array))
    if xp is None:
        if sp.issparse(array):
            return NUMPY
        xp = array_api_compat.array_namespace(array)
        _NAMESPACES[type(array)] = xp
    return xp


def is_host(array):
    """Whether ``array`` is a NumPy array or a sparse matrix (on the host)."""
    return isinstance(array, np.ndarray) or sp.issparse(array)


def dispatching():
    """Whether scikit-learn's ``array_api_dispatch`` is switched on."""
    return bool(get_config()["array_api_dispatch"])


def into(xp, function, *args, out=None):
    """``function(*args)``, written into ``out`` on NumPy, a new array elsewhere.

    scikit-learn's ``_modify_in_place_if_numpy``: the standard has no ``out=``, so
    a rule that wants to avoid a temporary on NumPy calls ``function`` (a NumPy
    ufunc there, e.g. ``xp.sqrt``) through this and uses the array it returns.
    """
    if out is None or xp is not NUMPY:
        return function(*args)
    return function(*args, out=out)


def fusable(kernel, n_arrays):
    """Decorator: run ``_jit``'s ``kernel`` instead of the rule where it applies.

    The kernel takes the rule's arguments; it applies when the compiled kernels are
    on and the first ``n_arrays`` arguments are contiguous NumPy arrays of one
    floating dtype. A kernel may still decline (return ``NotImplemented``, e.g. for
    an activation it does not fuse); the rule runs then. ``rule.definition`` is the
    rule itself, which the tests hold the kernels to.
    """
    def decorate(rule):
        compiled = getattr(_jit, kernel, None) if _jit.ENABLED else None
        if compiled is None:
            rule.definition = rule
            return rule

        @functools.wraps(rule)
        def fused(*args):
            if type(args[0]) is np.ndarray and _jit.usable(*args[:n_arrays]):
                result = compiled(*args)
                if result is not NotImplemented:
                    return result
            return rule(*args)

        fused.definition = rule
        return fused

    return decorate


def expit(X, xp, out=None):
    """The logistic function ``1 / (1 + exp(-X))``: SciPy's ``expit`` on NumPy (into
    ``out`` when given), the formula elsewhere (scikit-learn's ``_expit``)."""
    if xp is NUMPY:
        return scipy.special.expit(X, out=out)
    return 1.0 / (1.0 + xp.exp(-X))


def erf(X, xp):
    """The error function: SciPy's ``erf``, which dispatches to the array's library
    (``torch.special``, ``cupyx``) when ``SCIPY_ARRAY_API=1`` was set before SciPy
    was imported; where it cannot, it is computed on the host and moved back."""
    if xp is NUMPY:
        return scipy.special.erf(X)
    try:
        result = scipy.special.erf(X)
        if type(result) is type(X):
            return result
    except (TypeError, RuntimeError, ValueError):
        pass
    return Backend.of(X).asarray(scipy.special.erf(to_host(X)), numpy_dtype(X.dtype))


def numpy_dtype(dtype):
    """The NumPy dtype of a dtype of any namespace, or of a name such as
    ``"float32"`` (``torch.float32`` -> ``np.float32``)."""
    if isinstance(dtype, (np.dtype, str)) or (isinstance(dtype, type)
                                             and issubclass(dtype, np.generic)):
        return np.dtype(dtype)
    return np.dtype(str(dtype).rsplit(".", 1)[-1])


def to_host(array):
    """A NumPy array with the values of ``array`` (itself if NumPy or sparse)."""
    if array is None or is_host(array):
        return array
    return move_to(array, xp=np, device="cpu")


def all_finite(array):
    """Whether every entry of ``array`` is finite (one number read from a device)."""
    xp = namespace(array)
    return bool(xp.all(xp.isfinite(array)))


def float_copy(X):
    """A copy of ``X`` in a floating dtype (lists and NumPy: float64 at least), in
    ``X``'s namespace."""
    if is_host(X) or not hasattr(X, "dtype"):
        return np.array(X, dtype=np.result_type(X, np.float64))
    return namespace(X).asarray(X, copy=True)


def device_of(array):
    """The device of an array (``"cpu"`` for NumPy and sparse)."""
    return "cpu" if is_host(array) else array_api_compat.device(array)


class Backend:
    """The namespace and device of one fit's arrays.

    Parameters
    ----------
    xp : namespace
    device : device
        ``"cpu"`` for NumPy.

    Attributes
    ----------
    host : bool
        Whether the arrays are NumPy arrays: products then write into preallocated
        buffers (a :class:`~skneural.network.Workspace`).
    """

    def __init__(self, xp, device):
        self.xp = xp
        self.device = device
        self.host = xp is NUMPY

    @classmethod
    def of(cls, array):
        """The backend of ``array`` (NumPy's for NumPy, sparse and Dask arrays,
        whose computations run on NumPy chunks)."""
        if is_host(array) or not hasattr(array, "__array_namespace__") and not \
                hasattr(array, "device"):
            return HOST
        return cls(namespace(array), device_of(array))

    def __repr__(self):
        return f"Backend({getattr(self.xp, '__name__', self.xp)!r}, {self.device!r})"

    def dtype(self, dtype):
        """The floating dtype of this namespace for a NumPy ``dtype``."""
        return self.xp.float32 if np.dtype(dtype) == np.float32 else self.xp.float64

    def asarray(self, host_array, dtype=None):
        """A NumPy array's values here (cast to the NumPy ``dtype`` first). On NumPy
        no copy is made unless the cast needs one: give it arrays nobody else
        writes to (fresh random draws, encoded targets)."""
        array = np.asarray(host_array, dtype=dtype)
        if self.host:
            return array
        return self.xp.asarray(np.array(array, copy=True), device=self.device)

    def move(self, array):
        """``array`` of any namespace (or a NumPy one, or sparse on the host)
        here."""
        if self.host:
            return to_host(array)
        if is_host(array):
            return self.asarray(array)
        return move_to(array, xp=self.xp, device=self.device)

    def buffer(self, shape, dtype, fill=None):
        """A preallocated output for :meth:`matmul` / :meth:`column_sums` (filled
        with ``fill`` when given): a NumPy array on the host, None elsewhere (where
        every product is a new array)."""
        if not self.host:
            return None
        return _staggered(shape, dtype, fill)

    def staggered(self, array):
        """A contiguous copy of a host array at a staggered offset (see
        ``STAGGER_BYTES``); other namespaces' arrays as they are."""
        if not self.host:
            return array
        copy = _staggered(array.shape, array.dtype)
        copy[...] = array
        return copy

    def abs_max(self, array):
        """The largest absolute value of ``array`` (sparse too), a float."""
        if array.shape[0] == 0:
            return 0.0
        if self.host:
            return float(abs(array).max())
        return float(self.xp.max(self.xp.abs(array)))

    def dense(self, X):
        """``X`` as a dense array (sparse matrices are densified)."""
        return X.toarray() if sp.issparse(X) else X

    def empty(self, shape, dtype):
        return self.xp.empty(shape, dtype=self.dtype(dtype), device=self.device)

    def cast(self, array, dtype):
        """``array`` in the NumPy ``dtype`` (no copy if it has it). Sparse stays
        sparse."""
        if self.host:
            return array if array.dtype == dtype else array.astype(dtype)
        target = self.dtype(dtype)
        return array if array.dtype == target else self.xp.astype(array, target)

    def copy(self, array):
        return array.copy() if self.host else self.xp.asarray(array, copy=True)

    def take_rows(self, array, rows):
        """``array[rows]`` for a slice or an index array of this backend."""
        if array is None:
            return None
        if isinstance(rows, slice):
            return array[rows] if self.host else array[rows, ...]
        return array[rows] if self.host else self.xp.take(array, rows, axis=0)

    def matmul(self, a, b, out=None):
        """``a @ b`` (``a`` may be sparse), into ``out`` on NumPy when given.

        Products into ``out`` use ``np.matmul`` (scikit-learn's ``@``): the same
        BLAS gemm as ``np.dot`` to the bit, and 4-12% less time per call at W1's
        shapes. Every product goes through NumPy's BLAS, never
        ``scipy.linalg.blas`` (SciPy's wheels bring a second OpenBLAS whose thread
        pool fights NumPy's).
        """
        if not self.host:
            return a @ b
        if type(a) is not np.ndarray and sp.issparse(a):
            product = a @ b
            if out is None:
                return np.asarray(product)
            out[...] = product
            return out
        if out is None:
            return a @ b
        return np.matmul(a, b, out=out)

    def column_sums(self, delta, ones=None, out=None):
        """Sums over rows; on NumPy as ``ones @ delta`` (a BLAS gemv several times
        faster than a reduction along a short last axis)."""
        if not self.host or ones is None:
            return self.xp.sum(delta, axis=0)
        return np.dot(ones, delta, out=out)

    def flatten(self, parts, out=None):
        """The flat concatenation of ``parts``; on NumPy ``out`` already holds it
        when every part was written into ``out``'s views."""
        if out is not None and self.host:
            return out
        xp = self.xp
        return xp.concat([xp.reshape(part, (-1,)) for part in parts])


HOST = Backend(NUMPY, "cpu")


# -- the estimators' side: scikit-learn's array-API rules -------------------------------


def float_dtypes(X):
    """The float dtypes ``validate_data`` may convert ``X`` to, in ``X``'s namespace
    (float64 first, float32 where the device has no float64, e.g. MPS)."""
    xp, _ = get_namespace(X)
    if _is_numpy_namespace(xp):
        return (np.float64, np.float32)
    if _max_precision_float_dtype(xp, device_of(X)) == xp.float32:
        return (xp.float32,)
    return (xp.float64, xp.float32)


def prediction_input(X, dtype, training_dtype):
    """``X`` for a forward pass with weights of ``dtype``: in that dtype off NumPy
    (no implicit promotion there) or with a ``training_dtype``; NumPy input
    otherwise keeps scikit-learn's promotion (float64 X, float32 weights: float64
    outputs)."""
    if training_dtype is None and is_host(X):
        return X
    return Backend.of(X).cast(X, numpy_dtype(dtype))


def check_model_namespace(estimator, X):
    """Raise a clear error when a warm start or ``partial_fit`` gets ``X`` of
    another namespace or device than the fitted weights (or a sparse ``X`` for
    weights that are not NumPy arrays)."""
    coef = estimator.coefs_[0]
    weights, data = Backend.of(coef), Backend.of(X)
    if weights.xp is data.xp and (weights.host or weights.device == data.device):
        return
    kind = "a sparse matrix" if sp.issparse(X) else f"{type(X).__module__} arrays"
    raise ValueError(
        f"The fitted weights of this {type(estimator).__name__} are "
        f"{type(coef).__module__} arrays on {device_of(coef)}, but X "
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
    if type(X) is np.ndarray and type(coef) is np.ndarray:
        return  # NumPy input, NumPy weights: the same namespace, dispatch or not
    if not dispatching():
        if is_host(coef):
            return
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
    stand_in.coefs_0 = coef
    _check(X, stand_in, attribute="coefs_0", method=method)


_STAND_INS = {}


def take_classes(classes, indices):
    """``classes[indices]``, computed where ``classes`` lives and returned in the
    namespace and on the device of ``indices`` unless the labels are strings."""
    target = Backend.of(indices)
    if is_host(classes):
        labels = classes[to_host(indices)]
        return labels if labels.dtype.kind not in "biuf" else target.asarray(labels)
    xp_classes = namespace(classes)
    indices = move_to(indices, xp=xp_classes, device=device_of(classes))
    return move_to(xp_classes.take(classes, indices, axis=0), xp=target.xp,
                   device=target.device)


def like(X, host_array):
    """``host_array`` (NumPy) where ``X`` lives: itself for NumPy, sparse and Dask
    ``X`` (whose weights stay on the client), else a copy on ``X``'s device."""
    return Backend.of(X).asarray(host_array)


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
    if xp is np or xp is NUMPY:
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
        for key in ("solver", "penalty"):  # the solver's and the L1 penalty's state
            if training.get(key):
                training[key] = {k: move(v) if hasattr(v, "shape") else v
                                 for k, v in training[key].items()}
        training["best_params"] = move(training.get("best_params"))
        estimator._training = training
    return estimator
