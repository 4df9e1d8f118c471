"""Dask paths: training on a ``dask.array`` where its chunks live.

``MLPClassifier.fit`` / ``MLPRegressor.fit`` route a Dask collection here (the
estimators recognise one by its type's module, so nothing imports Dask unless the
data are Dask's). Two paths:

* **Full-batch solvers** ('lbfgs', 'cg', the 'rprop' family): the data are persisted
  on the workers once; every evaluation of the objective sends the parameter vector
  to them, each chunk returns ``(sum of its sample-weighted losses, its weight sum,
  its unscaled gradient sum)`` computed by the same :class:`~skneural.network.Network`
  code as a NumPy fit, and the client adds these up, adds the weight penalty once and
  divides by the total weight: the objective of the NumPy fit up to summation order,
  so the iterates agree with it to rounding. Only parameter-sized vectors travel;
  nothing the size of ``X`` reaches the client. This is the scheme of dask-glm's
  L-BFGS, with the network's backward pass in place of a GLM's gradient.
* **partial_fit** streams the blocks: ``partial_fit(X_dask, y_dask)`` is
  ``partial_fit`` on each row block in turn, each fetched to the client on its own
  (what ``dask_ml.wrappers.Incremental`` does on a worker).

``fit`` with a step solver ('adam', 'sgd', ...) on a Dask array is refused: its epochs
shuffle mini-batches across the whole data set, which a chunked array cannot give
without moving every sample. ``Incremental`` or ``partial_fit`` stream instead.

Classes, the class weights and the target encoding are computed on the cluster too
(``dask.array.unique``, then a per-chunk encoding).
"""

import dask
import dask.array as da
import numpy as np
from sklearn.base import is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.class_weight import compute_class_weight

from . import losses as _losses
from . import solvers as _solvers
from ._training import Trainer
from ._validation import check_validation_set, make_validation
from .callbacks import FitTasks
from .network import Network

__all__ = ["ClusterNetwork", "fit"]


class ClusterNetwork:
    """A :class:`~skneural.network.Network` whose full-batch loss and gradient are
    computed on the Dask workers that hold the data.

    Everything but :meth:`loss_gradient` (and, through it,
    ``constrained_loss_gradient``) is the wrapped network's, so the trainer drives it
    as it drives a NumPy network.

    Parameters
    ----------
    network : Network
        The estimator's network (its penalty is added here, once per evaluation).
    """

    # Network's own projection and chain rule, around the cluster's loss_gradient.
    constrained_loss_gradient = Network.constrained_loss_gradient

    def __init__(self, network):
        self.network = network
        # What a worker needs to rebuild the network without its penalty.
        self.spec = {"layer_sizes": network.layer_sizes,
                     "activation": network.activations,
                     "output_activation": network.output_activation,
                     "loss": network.loss, "dtype": network.dtype}
        self.n_evaluations = 0

    def __getattr__(self, name):
        if name == "network":  # not yet set (copy, unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.network, name)

    def loss_gradient(self, params, X, y, sample_weight=None, grad=None, *, rng=None,
                      workspace=None):
        """``(loss, grad)`` of the full-batch objective, summed over the chunks.

        ``X``, ``y`` and ``sample_weight`` are Dask arrays with the same row chunks
        (``sample_weight`` may be None); ``rng`` and ``workspace`` are unused (no
        dropout or input noise on this path).
        """
        if grad is None:
            grad = np.empty(self.network.n_params, dtype=self.network.dtype)
        blocks = [X.to_delayed().ravel(), y.to_delayed().ravel()]
        blocks.append([None] * len(blocks[0]) if sample_weight is None
                      else sample_weight.to_delayed().ravel())
        shipped = dask.delayed(np.array(params, dtype=self.network.dtype), pure=True)
        sums = dask.delayed(_chunk_sums, pure=True)
        try:
            parts = dask.compute(*[sums(self.spec, shipped, *chunk)
                                   for chunk in zip(*blocks)])
        except Exception as exc:
            raise RuntimeError(
                f"The Dask cluster failed to evaluate the training objective "
                f"(evaluation {self.n_evaluations + 1} of this fit): "
                f"{type(exc).__name__}: {exc}") from exc
        self.n_evaluations += 1
        total, weight_sum = 0.0, 0.0
        grad[...] = 0.0
        for loss_sum, chunk_weight, chunk_grad in parts:
            total += loss_sum
            weight_sum += chunk_weight
            grad += chunk_grad
        # As Network.backward: the penalty once, everything over the weight sum.
        total += self.network._add_penalty(params, grad, weight_sum)
        return total / weight_sum, grad


def _chunk_sums(spec, params, X, y, sample_weight):
    """One chunk's ``(sum of sample-weighted losses, weight sum, gradient sum)``.

    Runs on a worker: the network is rebuilt from ``spec`` without a penalty, so
    :meth:`Network.loss_gradient` returns the chunk's weighted mean loss and mean
    gradient, which are scaled back to sums.
    """
    weight_sum = float(X.shape[0] if sample_weight is None else sample_weight.sum())
    if weight_sum == 0.0:
        return 0.0, 0.0, np.zeros_like(params)
    network = Network(**spec)
    loss, grad = network.loss_gradient(params, X, y, sample_weight)
    grad *= weight_sum
    return loss * weight_sum, weight_sum, grad


def fit(estimator, X, y, sample_weight=None, incremental=False,
        validation=(None, None, None)):
    """``fit`` / ``partial_fit`` of an MLP on Dask collections (called by ``_fit``).

    ``validation`` is ``fit``'s ``(X_val, y_val, sample_weight_val)``, in memory.
    Returns the estimator.
    """
    X, y, sample_weight = (_as_dask_array(a) for a in (X, y, sample_weight))
    if incremental:
        return _stream(estimator, X, y, sample_weight)
    solver = _solvers.from_estimator_params(estimator.solver, estimator.get_params(False))
    minimizer = _solvers.is_minimizer(solver)
    _check_supported(estimator, solver, minimizer, validation)
    first_pass = not hasattr(estimator, "coefs_") or not estimator.warm_start
    X, y_encoded, sample_weight = _training_data(estimator, X, y, sample_weight,
                                                 first_pass)
    given = check_validation_set(estimator, *validation, X.dtype, False)
    network, params, state = estimator._start(X, first_pass, False)
    data = (X, y_encoded, sample_weight)
    validation = None if given is None else make_validation(estimator, network, *given)
    cluster = ClusterNetwork(network)
    if not minimizer and state.record.initial_loss is None:
        # The divergence guard's yardstick: here the exact objective, not a sample.
        state.record.initial_loss = cluster.loss_gradient(params, *data)[0]
    tasks = FitTasks(estimator, max_subtasks=estimator.max_iter + int(minimizer),
                     X=X, y=lambda: y, metadata=None if sample_weight is None
                     else {"sample_weight": sample_weight})
    name = "iteration" if minimizer else "epoch"
    trainer = Trainer(
        cluster, solver, estimator._schedule(solver), batch_size=X.shape[0],
        shuffle=False, max_iter=estimator.max_iter, tol=estimator.tol,
        n_iter_no_change=estimator.n_iter_no_change,
        early_stopping=estimator.early_stopping, verbose=estimator.verbose,
        convergence_warning=ConvergenceWarning,
        hooks=(lambda: tasks.begin(name, tasks.weights),
               lambda: tasks.end(tasks.weights)))
    if minimizer:
        trainer.run_minimizer(state, params, data, validation)
    else:
        trainer.run(state, params, data, validation)
    tasks.close()
    estimator._publish(state)
    if not np.isfinite(params).all():
        raise ValueError("Solver produced non-finite parameter weights. The input data "
                         "may contain large values and need to be preprocessed.")
    return estimator


def _as_dask_array(data):
    """A Dask array from a Dask array or DataFrame; in-memory data as given."""
    if hasattr(data, "to_dask_array"):  # Dask DataFrame or Series
        return data.to_dask_array(lengths=True)
    if isinstance(data, da.Array) and any(np.isnan(c) for c in data.chunks[0]):
        return data.compute_chunk_sizes()
    return data


def _check_supported(estimator, solver, minimizer, validation):
    """Refuse what this path cannot do exactly as the NumPy fit does."""
    if not minimizer and not getattr(solver, "full_batch", False):
        raise ValueError(
            f"solver={estimator.solver!r} trains on shuffled mini-batches, which a "
            "Dask array cannot give without moving every sample. Stream the blocks "
            "with partial_fit (estimator.partial_fit(X_dask, y_dask) is partial_fit "
            "on each block) or dask_ml.wrappers.Incremental, or use a full-batch "
            "solver ('lbfgs', 'cg', the 'rprop' family), computed on the workers.")
    if estimator.input_noise > 0 or np.any(np.asarray(estimator.dropout) > 0):
        raise ValueError(
            "dropout and input_noise are not available with Dask arrays: each chunk "
            "would draw its own noise, so the objective would differ from the NumPy "
            "fit's. Use a step solver through dask_ml.wrappers.Incremental.")
    if not minimizer and estimator._schedule(solver).needs_objective:
        raise ValueError(f"learning_rate={estimator.learning_rate!r} is not available "
                         "for Dask arrays; use 'constant'.")
    if estimator.early_stopping and not minimizer and validation[0] is None:
        raise ValueError(
            "early_stopping on a Dask array needs fit's X_val / y_val (in memory): "
            "the validation_fraction split would move samples between workers.")


def _training_data(estimator, X, y, sample_weight, first_pass):
    """X, the 2-D encoded y and the sample weights as Dask arrays with the same row
    chunks, persisted on the workers; the checks run there in one pass."""
    if not isinstance(X, da.Array) or X.ndim != 2:
        raise ValueError(f"Expected a 2-D Dask array X, got {type(X).__name__} "
                         f"of shape {getattr(X, 'shape', None)}.")
    if X.dtype.kind not in "fiub":
        raise ValueError(f"X must be numeric, got dtype {X.dtype}.")
    dtype = np.dtype(estimator.training_dtype or (
        X.dtype if X.dtype in (np.float32, np.float64) else np.float64))
    X = X.astype(dtype).rechunk({1: -1})
    y, sample_weight = (_rows_like(X, a, name) for a, name in
                        ((y, "y"), (sample_weight, "sample_weight")))
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if sample_weight is not None:
        sample_weight = sample_weight.astype(dtype)
    X, y, sample_weight = dask.persist(X, y, sample_weight)
    if first_pass:
        estimator.n_features_in_ = X.shape[1]
        if hasattr(estimator, "feature_names_in_"):
            del estimator.feature_names_in_
    elif X.shape[1] != estimator.n_features_in_:
        raise ValueError(f"X has {X.shape[1]} features, but {type(estimator).__name__} "
                         f"is expecting {estimator.n_features_in_} features as input.")
    if is_classifier(estimator):
        y_encoded, class_weights = _encode_classes(estimator, X, y, sample_weight,
                                                    first_pass)
        if class_weights is not None:
            sample_weight = (class_weights if sample_weight is None
                             else sample_weight * class_weights)
    else:
        y_encoded = _encode_targets(estimator, X, y, sample_weight)
    estimator.n_outputs_ = y_encoded.shape[1]
    y_encoded, sample_weight = dask.persist(y_encoded, sample_weight)
    return X, y_encoded, sample_weight


def _rows_like(X, data, name):
    """``data`` (y or sample_weight, Dask or in memory) as a Dask array chunked by
    rows as X is; None stays None."""
    if data is None:
        return None
    if not isinstance(data, da.Array):
        data = da.from_array(np.asarray(data), chunks=-1)
    if data.shape[0] != X.shape[0]:
        raise ValueError(f"Found input variables with inconsistent numbers of samples: "
                         f"X has {X.shape[0]}, {name} has {data.shape[0]}.")
    return data.rechunk((X.chunks[0],) + tuple((n,) for n in data.shape[1:]))


def _check_data(X, sample_weight, *checks):
    """Compute ``checks`` (small Dask results) together with the finiteness of X and
    the smallest sample weight, in one pass over the data; return the checks'
    values."""
    extra = [] if sample_weight is None else [sample_weight.min()]
    finite, *values = dask.compute(da.isfinite(X).all(), *extra, *checks)
    if not finite:
        raise ValueError("Input X contains NaN or infinity.")
    if extra and values.pop(0) < 0:
        raise ValueError("Negative values in data passed to `sample_weight`")
    return values


def _encode_classes(estimator, X, y, sample_weight, first_pass):
    """One-hot targets (computed per chunk) and the per-sample class weights."""
    if y.ndim != 1:
        raise ValueError("Dask targets of MLPClassifier must be 1-D class labels "
                         "(multilabel targets are for in-memory arrays).")
    classes, counts = _check_data(X, sample_weight, *da.unique(y, return_counts=True))
    if first_pass:
        estimator._label_binarizer = LabelBinarizer().fit(classes)
        estimator.classes_ = estimator._label_binarizer.classes_
        if len(estimator.classes_) < 2:
            raise ValueError(
                f"{type(estimator).__name__} needs samples of at least 2 classes in "
                f"the data, but the data contains only one class: {classes[0]}.")
    elif set(classes) != set(estimator.classes_):
        raise ValueError(
            "warm_start can only be used where `y` has the same classes as in the "
            f"previous call to fit. Previously got {estimator.classes_}, `y` has "
            f"{classes}")
    binarizer, dtype = estimator._label_binarizer, X.dtype
    n_outputs = 1 if len(estimator.classes_) == 2 else len(estimator.classes_)
    y_encoded = y.map_blocks(_binarize, binarizer, dtype, dtype=dtype, new_axis=1,
                             chunks=(y.chunks[0], (n_outputs,)))
    if estimator.class_weight is None:
        return y_encoded, None
    # compute_class_weight on the counts: y=classes weighted by the counts is the
    # full y as far as 'balanced' is concerned.
    weights = compute_class_weight(estimator.class_weight, classes=estimator.classes_,
                                   y=classes, sample_weight=counts).astype(dtype)
    return y_encoded, y.map_blocks(_lookup, estimator.classes_, weights, dtype=dtype)


def _binarize(y, binarizer, dtype):
    return binarizer.transform(y).astype(dtype)


def _lookup(y, keys, values):
    return values[np.searchsorted(keys, y)]


def _encode_targets(estimator, X, y, sample_weight):
    """The regressor's 2-D float targets, after the checks (one pass)."""
    y = y.astype(X.dtype)
    finite_y, y_min = _check_data(X, sample_weight, da.isfinite(y).all(), y.min())
    if not finite_y:
        raise ValueError("Input y contains NaN or infinity.")
    if _losses.get(estimator._loss_name()).link == "exp" and y_min < 0:
        raise ValueError(f"loss={estimator.loss!r} needs non-negative targets y; got "
                         f"a minimum of {y_min}.")
    return y[:, None] if y.ndim == 1 else y


def _stream(estimator, X, y, sample_weight):
    """``partial_fit`` on each row block of X in turn (one block on the client at a
    time)."""
    if not isinstance(X, da.Array):
        raise ValueError(f"Expected a Dask array X, got {type(X).__name__}.")
    X = X.rechunk({1: -1})
    y, sample_weight = _rows_like(X, y, "y"), _rows_like(X, sample_weight,
                                                         "sample_weight")
    for i in range(X.numblocks[0]):
        X_block, y_block, sw_block = dask.compute(
            X.blocks[i], y.blocks[i],
            None if sample_weight is None else sample_weight.blocks[i])
        estimator._fit(X_block, y_block, sample_weight=sw_block, incremental=True)
    return estimator
