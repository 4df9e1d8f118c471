"""Dask arrays as a data source: training and prediction where the chunks live.

The estimators need nothing Dask-specific: their one ``fit`` asks
``skneural._data.source`` for the training data, and a Dask collection (found by
the Dask collection protocol; nothing imports Dask otherwise) becomes a
:class:`ChunkedData`:

* **Full-batch solvers** ('lbfgs', 'cg', the 'rprop' family, any solver declaring
  ``full_batch``): the data are persisted on the workers once; every evaluation of
  the objective sends the parameter vector to them, each chunk returns ``(sum of its
  sample-weighted losses, its weight sum, its unscaled gradient sum)`` computed by
  the same :class:`~skneural.network.Network` code as an in-memory fit, and the
  client adds these up, adds the weight penalty once and divides by the total
  weight: the objective of the NumPy fit up to summation order, so the iterates
  agree with it to rounding. Only parameter-sized vectors travel; nothing the size
  of ``X`` reaches the client. This is the scheme of dask-glm's L-BFGS, with the
  network's backward pass in place of a GLM's gradient.
* **partial_fit** streams the row blocks: ``partial_fit(X_dask, y_dask)`` is
  ``partial_fit`` on each block in turn, each fetched to the client on its own
  (what ``dask_ml.wrappers.Incremental`` does on a worker).
* **predict**, **predict_proba**, **predict_log_proba** return Dask arrays computed
  block by block on the workers; **score** computes the metric there too.

``fit`` with a mini-batch solver ('adam', 'sgd', ...) on a Dask array is refused:
its epochs shuffle mini-batches across the whole data set, which a chunked array
cannot give without moving every sample. ``Incremental`` or ``partial_fit`` stream
instead. The checks of the input (finite values, non-negative weights), the classes
and the class weights are computed on the cluster.
"""

import math

import dask
import dask.array as da
import numpy as np
from sklearn.utils.validation import _check_feature_names, _check_n_features

from . import regularizers
from ._backend import HOST, NUMPY
from ._data import Batch
from .network import Network

__all__ = ["ChunkedData"]


class ChunkedData:
    """Training data in a Dask array's row chunks: a data source of
    ``skneural._data`` whose loss and gradient are computed on the workers.

    Parameters
    ----------
    X : dask.array.Array of shape (n_samples, n_features)
    y : dask.array.Array of shape (n_samples, n_outputs)
        Encoded targets, chunked by rows as X.
    sample_weight : dask.array.Array of shape (n_samples,) or None
    dtype : NumPy dtype
        The training dtype.
    """

    minibatches = False
    minibatch_refusal = (
        "solver={solver!r} trains on shuffled mini-batches, which a Dask array "
        "cannot give without moving every sample. Stream the blocks with "
        "partial_fit (estimator.partial_fit(X_dask, y_dask) is partial_fit on each "
        "block) or dask_ml.wrappers.Incremental, or use a full-batch solver "
        "('lbfgs', 'cg', the 'rprop' family), computed on the workers.")
    backend = HOST  # the weights stay on the client; the chunks are NumPy

    def __init__(self, X, y, sample_weight, dtype):
        self.dtype = np.dtype(dtype)
        self.X, self.y, self.sample_weight = dask.persist(
            X.astype(self.dtype), y.astype(self.dtype),
            None if sample_weight is None else sample_weight.astype(self.dtype))
        self._weight_sum = None
        self.n_evaluations = 0

    @property
    def n_samples(self):
        return self.X.shape[0]

    def weight_sum(self):
        if self._weight_sum is None:
            self._weight_sum = (self.n_samples if self.sample_weight is None
                                else float(dask.compute(self.sample_weight.sum())[0]))
        return self._weight_sum

    def full_batch(self):
        return Batch(slice(None), self.n_samples, self.weight_sum())

    def batches(self, order, batch_size):
        yield self.full_batch()

    def loss_gradient(self, network, params, batch=None, *, rng=None, workspace=None,
                      l1_gradient=True, constrained=False):
        """``(loss, grad)`` of the full-batch objective, summed over the chunks on
        the workers; with ``constrained``, of max-norm's reparametrized objective
        (the projection and its chain rule on the client)."""
        if network.noise.active:
            raise ValueError(
                "dropout, input noise, weight noise and stochastic units are not "
                "available with Dask arrays: each chunk would draw its own noise, so "
                "the objective would differ from the NumPy fit's. Use a step solver "
                "through dask_ml.wrappers.Incremental.")
        norms = None
        if constrained and network.max_norm is not None:
            norms = network.max_norm_project(params)
        loss, grad = self._sums(network, params, l1_gradient)
        if norms is not None:
            grad = network.max_norm_pull_back(grad, params, norms)
        return loss, grad

    def _sums(self, network, params, l1_gradient):
        grad = np.empty(network.n_params, dtype=network.dtype)
        blocks = [self.X.to_delayed().ravel(), self.y.to_delayed().ravel()]
        blocks.append([None] * len(blocks[0]) if self.sample_weight is None
                      else self.sample_weight.to_delayed().ravel())
        spec = network.data_term_spec()  # the network without its penalty
        shipped = dask.delayed(np.array(params, dtype=network.dtype), pure=True)
        sums = dask.delayed(_chunk_sums, pure=True)
        try:
            parts = dask.compute(*[sums(spec, shipped, *chunk)
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
        if network.alpha == 0.0:
            grad /= weight_sum
            return total / weight_sum, grad
        l2 = network.alpha * (1.0 - network.l1_ratio)
        l1 = network.alpha * network.l1_ratio
        weights = params[: network.n_coefs]
        total += float(regularizers.penalty_value(weights, l2, l1, np))
        grad = regularizers.add_penalty_gradient(grad, params, network.n_coefs, l2,
                                                 l1 if l1_gradient else 0.0,
                                                 weight_sum, np)
        return total / weight_sum, grad

    def objective(self, network, params):
        return float(self.loss_gradient(network, params)[0])

    def input_scale(self):
        """Not measured on a Dask array (it would cost a pass over the data)."""
        return 0.0

    def initial_loss(self, network, params):
        # The exact objective: one evaluation on the workers.
        return self.objective(network, params)

    def outputs_finite(self, network, params):
        """``(finite, largest absolute input)``, computed on the workers."""
        spec = network.data_term_spec()
        shipped = dask.delayed(np.array(params, dtype=network.dtype), pure=True)
        check = dask.delayed(_chunk_finite, pure=True)
        checks = [check(spec, shipped, X, y) for X, y in
                  zip(self.X.to_delayed().ravel(), self.y.to_delayed().ravel())]
        finite, scale = dask.compute(checks, abs(self.X).max())
        return all(finite), float(scale)

    # -- what the estimators ask of Dask input ----------------------------------------

    @staticmethod
    def validate(estimator, X, y, *, reset, y_numeric=False, **options):
        """scikit-learn's checks of ``validate_data`` on a Dask ``X`` (2-D, numeric,
        finite, the fitted width) and ``y`` (rows, finite if numeric), computed on
        the cluster in one pass; X is rechunked to whole rows. ``y="no_validation"``
        (scikit-learn's value) checks and returns ``X`` alone."""
        X_only = isinstance(y, str) and y == "no_validation"
        X = _as_dask_array(X)
        if not isinstance(X, da.Array) or X.ndim != 2:
            raise ValueError(f"Expected a 2-D Dask array X, got {type(X).__name__} "
                             f"of shape {getattr(X, 'shape', None)}.")
        if X.dtype.kind not in "fiub":
            raise ValueError(f"X must be numeric, got dtype {X.dtype}.")
        if X.dtype not in (np.float32, np.float64):
            X = X.astype(np.float64)
        X = X.rechunk({1: -1})
        _check_n_features(estimator, X, reset=reset)
        _check_feature_names(estimator, X, reset=reset)
        checks = [da.isfinite(X).all()]
        if not X_only:
            y = ChunkedData.rows_like(X, _as_dask_array(y))
            if y_numeric or y.dtype.kind == "f":
                checks.append(da.isfinite(y).all())
        finite = dask.compute(*checks)
        if not finite[0]:
            raise ValueError("Input X contains NaN or infinity.")
        if len(finite) > 1 and not finite[1]:
            raise ValueError("Input y contains NaN or infinity.")
        return dask.persist(X)[0] if X_only else dask.persist(X, y)

    @staticmethod
    def check_sample_weight(sample_weight, X):
        sample_weight = ChunkedData.rows_like(X, _as_dask_array(sample_weight),
                                              name="sample_weight")
        if sample_weight.ndim != 1:
            raise ValueError("sample_weight must be 1-D.")
        if float(dask.compute(sample_weight.min())[0]) < 0:
            raise ValueError("Negative values in data passed to `sample_weight`")
        return sample_weight

    @staticmethod
    def rows_like(X, data, dtype=None, name="y"):
        """``data`` (Dask or in memory) as a Dask array chunked by rows as X is."""
        data = _as_dask_array(data)
        if not isinstance(data, da.Array):
            data = da.from_array(np.asarray(data), chunks=-1)
        if data.shape[0] != X.shape[0]:
            raise ValueError(f"Found input variables with inconsistent numbers of "
                             f"samples: X has {X.shape[0]}, {name} has "
                             f"{data.shape[0]}.")
        data = data.rechunk((X.chunks[0],) + tuple((n,) for n in data.shape[1:]))
        return data if dtype is None else data.astype(dtype)

    @staticmethod
    def map_rows(function, array, columns=None, dtype=None):
        """``function`` of each row block, lazily: a Dask array with ``columns``
        output columns (None: 1-D)."""
        array = _as_dask_array(array)
        if array.ndim == 2:
            array = array.rechunk({1: -1})
        if columns is None:
            return array.map_blocks(function, dtype=dtype, chunks=(array.chunks[0],),
                                    drop_axis=1 if array.ndim == 2 else None)
        return array.map_blocks(function, dtype=dtype,
                                chunks=(array.chunks[0], (columns,)),
                                new_axis=1 if array.ndim == 1 else None)

    @staticmethod
    def unique(y, return_counts=False):
        result = dask.compute(da.unique(_as_dask_array(y), return_counts=return_counts))
        return result[0]

    @staticmethod
    def minimum(y):
        return float(dask.compute(y.min())[0])

    @staticmethod
    def value_range(X):
        smallest, largest = dask.compute(X.min(), X.max())
        return float(smallest), float(largest)

    @staticmethod
    def mean(values, sample_weight=None):
        """The (weighted) mean of 1-D ``values``, summed on the workers."""
        values = _as_dask_array(values)
        if sample_weight is None:
            return float(dask.compute(values.mean())[0])
        weights = ChunkedData.rows_like(values, sample_weight, name="sample_weight")
        total, weight_sum = dask.compute((values * weights).sum(), weights.sum())
        return float(total / weight_sum)

    @staticmethod
    def any_nonzero(array):
        return bool(dask.compute((array != 0).any())[0])

    @staticmethod
    def row_blocks(X, y, sample_weight=None):
        """``(X, y, sample_weight)`` of each row block in turn, each computed on its
        own (one block on the client at a time)."""
        X = _as_dask_array(X)
        if not isinstance(X, da.Array):
            raise ValueError(f"Expected a Dask array X, got {type(X).__name__}.")
        X = X.rechunk({1: -1})
        y = ChunkedData.rows_like(X, y)
        if sample_weight is not None:
            sample_weight = ChunkedData.rows_like(X, sample_weight, name="sample_weight")
        for i in range(X.numblocks[0]):
            yield dask.compute(X.blocks[i], y.blocks[i],
                               None if sample_weight is None
                               else sample_weight.blocks[i])

    @staticmethod
    def score(estimator, X, y, sample_weight=None):
        """Accuracy (classifier) or R^2 (regressor, averaged over outputs as
        scikit-learn's ``r2_score``), computed on the workers."""
        from sklearn.base import is_classifier

        X = _as_dask_array(X)
        y_pred = estimator.predict(X)
        y = ChunkedData.rows_like(X, y)
        weights = (da.ones(X.shape[0], chunks=(X.chunks[0],)) if sample_weight is None
                   else ChunkedData.rows_like(X, sample_weight, name="sample_weight"))
        if is_classifier(estimator):
            correct = (y_pred == y) if y.ndim == 1 else (y_pred == y).all(axis=1)
            hits, total = dask.compute((correct * weights).sum(), weights.sum())
            return float(hits / total)
        if y.ndim == 1:
            y, y_pred = y[:, None], y_pred[:, None]
        w = weights[:, None]
        total = weights.sum()
        mean = (w * y).sum(axis=0) / total
        residual, spread = dask.compute((w * (y - y_pred) ** 2).sum(axis=0),
                                        (w * (y - mean) ** 2).sum(axis=0))
        scores = [_r2(res, tot) for res, tot in zip(residual, spread)]
        return float(np.mean(scores))


def _r2(residual, spread):
    # scikit-learn's r2_score with force_finite=True for constant targets.
    if spread == 0:
        return 1.0 if residual == 0 else 0.0
    return 1.0 - residual / spread


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
    return float(loss) * weight_sum, weight_sum, grad


def _chunk_finite(spec, params, X, y):
    """Whether every layer's outputs on a chunk, and its loss, are finite."""
    network = Network(**spec)
    with np.errstate(over="ignore", invalid="ignore"):
        tape = network.forward(params, X)
        if not all(np.isfinite(out).all() for out in tape.activations[1:]):
            return False
        per_sample, _ = network.loss.loss_gradient(y, tape.activations[-1], None,
                                                   NUMPY)
        return bool(np.isfinite(per_sample).all())


def _as_dask_array(data):
    """A Dask array from a Dask array or DataFrame; other data as given."""
    if hasattr(data, "to_dask_array"):  # Dask DataFrame or Series
        return data.to_dask_array(lengths=True)
    if isinstance(data, da.Array) and any(math.isnan(c) for c in data.chunks[0]):
        return data.compute_chunk_sizes()
    return data

