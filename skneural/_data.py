"""Training data as one objective: what the trainer asks of the data it trains on.

A data source holds ``X``, the encoded targets and the sample weights, and answers
the trainer's questions: the mini-batches of an epoch, the loss and gradient of the
network on a batch, the full-batch objective, and whether the network's outputs are
finite. Two kinds exist:

* :class:`InMemoryData`: arrays of one namespace on one device (NumPy, sparse, PyTorch,
  CuPy, array-api-strict), batches taken by row;
* a chunked source (``skneural.dask.ChunkedData``): a Dask array whose chunks compute
  their loss and gradient on the workers, summed on the client; full batch only.

:func:`source` picks one from ``X``; Dask collections bring in :mod:`skneural.dask`
(found by the Dask collection protocol, so nothing imports Dask otherwise). Where
arrays live, and the namespace of everything computed, is the
:class:`~skneural._backend.Backend` chosen here, once per fit.
"""

import math
from dataclasses import dataclass

import numpy as np
from sklearn.utils.validation import _check_sample_weight, validate_data
from sklearn.utils.validation import column_or_1d as _column_or_1d

from ._backend import Backend, all_finite, namespace, to_host

__all__ = ["source", "is_chunked", "Batch", "InMemoryData", "validate", "place",
           "check_sample_weight", "map_rows", "unique", "minimum", "value_range",
           "mean"]


def is_chunked(X):
    """Whether ``X`` is a Dask collection (trained chunk by chunk on its workers)."""
    return hasattr(X, "__dask_graph__")


def chunked_source():
    """The chunked data source class (imports :mod:`skneural.dask`)."""
    from .dask import ChunkedData

    return ChunkedData


def source(X, y, sample_weight=None, dtype=None):
    """The data source of ``(X, y, sample_weight)``, in the training ``dtype``."""
    if is_chunked(X):
        return chunked_source()(X, y, sample_weight, dtype)
    return InMemoryData(X, y, sample_weight, dtype)


# -- what the estimators ask of their data, in memory or chunked ------------------------


def validate(estimator, X, y, **options):
    """scikit-learn's ``validate_data(estimator, X, y, **options)``; for a Dask
    array, the same checks computed on its chunks (X stays chunked)."""
    if is_chunked(X):
        return chunked_source().validate(estimator, X, y, **options)
    return validate_data(estimator, X, y, **options)


def check_sample_weight(sample_weight, X):
    """Sample weights checked against ``X`` (non-negative, one per row), or None."""
    if sample_weight is None:
        return None
    if is_chunked(X):
        return chunked_source().check_sample_weight(sample_weight, X)
    return _check_sample_weight(sample_weight, X, dtype=X.dtype,
                                ensure_non_negative=True)


def place(array, X, dtype):
    """``array`` (targets, weights; None stays None) where ``X`` lives, in the
    NumPy ``dtype``: on its device, or chunked by rows as a Dask ``X``."""
    if array is None:
        return None
    if is_chunked(X):
        return chunked_source().rows_like(X, array, dtype)
    backend = Backend.of(X)
    return backend.cast(backend.move(array), dtype)


def map_rows(function, array, columns=None, dtype=None):
    """``function(array)`` for an in-memory array; for a Dask array, ``function``
    of each row block, lazily (``columns`` output columns, None for 1-D)."""
    if is_chunked(array):
        return chunked_source().map_rows(function, array, columns, dtype)
    return function(array)


def unique(y, return_counts=False):
    """``np.unique`` of host or Dask labels (computed on the cluster)."""
    if is_chunked(y):
        return chunked_source().unique(y, return_counts)
    return np.unique(to_host(y), return_counts=return_counts)


def any_nonzero(array):
    """Whether any entry of ``array`` is nonzero (Dask: computed on the cluster)."""
    if is_chunked(array):
        return chunked_source().any_nonzero(array)
    return bool(np.any(to_host(array)))


def score(estimator, X, y, sample_weight, score):
    """``score(X, y, sample_weight=...)`` (scikit-learn's); on a Dask array the
    predictions and the metric are computed on the workers and only the result
    reaches the client."""
    if is_chunked(X):
        return chunked_source().score(estimator, X, y, sample_weight)
    return score(X, y, sample_weight=sample_weight)


def host_rows(y):
    """Targets as the estimators encode them: on the host (NumPy) for in-memory
    arrays of any namespace, chunked for a Dask array."""
    return y if is_chunked(y) else to_host(y)


def column_or_1d(y):
    """A one-column ``y`` as 1-D, with scikit-learn's DataConversionWarning."""
    if is_chunked(y):
        import warnings

        from sklearn.exceptions import DataConversionWarning

        warnings.warn("A column-vector y was passed when a 1d array was expected.",
                      DataConversionWarning, stacklevel=3)
        return y[:, 0]
    return _column_or_1d(y, warn=True)


def minimum(y):
    """The smallest value of ``y`` (a float; Dask: computed on the cluster)."""
    if is_chunked(y):
        return chunked_source().minimum(y)
    return float(to_host(y).min())


def value_range(X):
    """``(smallest, largest)`` value of ``X`` as floats, computed where ``X`` lives
    (its device; Dask: on the cluster)."""
    if is_chunked(X):
        return chunked_source().value_range(X)
    xp = namespace(X)
    return float(xp.min(X)), float(xp.max(X))


def mean(values, sample_weight=None):
    """The (sample-weighted) mean of 1-D ``values`` as a float (Dask: computed on
    the cluster)."""
    if is_chunked(values):
        return chunked_source().mean(values, sample_weight)
    return float(np.average(to_host(values), weights=to_host(sample_weight)))


@dataclass
class Batch:
    """Rows of one step: ``rows`` (a slice, or indices on the data's device),
    ``size`` and the sum of their sample weights (computed on the host)."""

    rows: object
    size: int
    weight_sum: float


class InMemoryData:
    """``X``, the encoded targets ``y`` (2-D) and sample weights in one namespace.

    Parameters
    ----------
    X : {array, sparse matrix} of shape (n_samples, n_features)
    y : array of shape (n_samples, n_outputs)
        Encoded targets, in ``X``'s namespace and on its device.
    sample_weight : array of shape (n_samples,) or None
    dtype : NumPy dtype
        The training dtype. ``y`` and the weights are cast once; ``X`` one
        mini-batch at a time (a cast copy of a large ``X`` could be large), or once
        for full-batch solvers.
    """

    minibatches = True
    #: Why a solver that needs mini-batches cannot train here (None: it can).
    minibatch_refusal = None

    def __init__(self, X, y, sample_weight, dtype):
        self.backend = Backend.of(X)
        self.dtype = np.dtype(dtype)
        self.X = X
        self.y = place(y, X, self.dtype)
        self.sample_weight = place(sample_weight, X, self.dtype)
        # Batch weight sums and the all-zero check on the host: no wait for a device.
        self._host_weights = to_host(self.sample_weight)
        self._X_cast = None

    @property
    def n_samples(self):
        return self.X.shape[0]

    def batches(self, order, batch_size):
        """The batches of an epoch: consecutive rows of ``order`` (host indices;
        None: in storage order)."""
        n_samples = self.n_samples
        on_device = None if order is None else self.backend.asarray(order)
        for start in range(0, n_samples, batch_size):
            stop = min(start + batch_size, n_samples)
            if order is None:
                rows = host_rows = slice(start, stop)
            else:
                rows, host_rows = on_device[start:stop], order[start:stop]
            weight_sum = (stop - start if self._host_weights is None
                          else float(self._host_weights[host_rows].sum()))
            yield Batch(rows, stop - start, weight_sum)

    def full_batch(self):
        return Batch(slice(None), self.n_samples, self.weight_sum())

    def weight_sum(self):
        if self._host_weights is None:
            return self.n_samples
        return float(self._host_weights.sum())

    def arrays(self, batch):
        """``(X, y, sample_weight)`` of a batch, ``X`` in the training dtype."""
        rows = batch.rows
        if isinstance(rows, slice) and rows == slice(None):  # the full batch
            if self._X_cast is None:
                self._X_cast = self.backend.cast(self.X, self.dtype)
            return self._X_cast, self.y, self.sample_weight
        take = self.backend.take_rows
        return (self.backend.cast(take(self.X, rows), self.dtype), take(self.y, rows),
                take(self.sample_weight, rows))

    def loss_gradient(self, network, params, batch, *, rng=None, workspace=None,
                      l1_gradient=True, constrained=False):
        """``(loss, grad)`` of ``network`` on a batch (max-norm's reparametrized
        objective with ``constrained``); ``grad`` is the workspace's buffer when a
        workspace is given."""
        X, y, sample_weight = self.arrays(batch)
        evaluate = (network.constrained_loss_gradient if constrained
                    else network.loss_gradient)
        return evaluate(params, X, y, sample_weight, rng=rng, workspace=workspace,
                        weight_sum=None if sample_weight is None else batch.weight_sum,
                        l1_gradient=l1_gradient)

    def objective(self, network, params, rows=None, chunk_size=2048):
        """The training objective at ``params`` in inference mode: the
        sample-weighted mean loss plus the weight penalty over the weight sum (the
        objective 'lbfgs' minimizes), in chunks to bound memory; on ``rows`` (a
        slice) only when given."""
        rows = slice(None) if rows is None else rows
        indices = range(self.n_samples)[rows]
        coefs, intercepts = network.unpack(params)
        total = weight_sum = 0.0
        with np.errstate(over="ignore", invalid="ignore"):
            for start in range(0, len(indices), chunk_size):
                chunk = indices[start:start + chunk_size]
                part = slice(chunk.start, chunk.stop, chunk.step)
                X, y, sample_weight = self.arrays(Batch(part, len(chunk), 0.0))
                raw = network.predict_raw(coefs, intercepts, X)
                per_sample, _ = network.loss.loss_gradient(y, raw, raw, self.backend.xp)
                if sample_weight is None:
                    total += float(self.backend.xp.sum(per_sample))
                    weight_sum += len(chunk)
                else:
                    total += float(sample_weight @ per_sample)
                    weight_sum += float(self._host_weights[part].sum())
            penalty = network.penalty_value(params)
        return (total + penalty) / weight_sum

    def input_scale(self, n_rows=2048):
        """The largest absolute value of ``X`` on evenly spaced rows (at most about
        ``2 * n_rows``): whether the inputs need scaling, at a small cost."""
        rows = slice(None, None, max(1, self.n_samples // n_rows))
        return self.backend.abs_max(self.backend.take_rows(self.X, rows))

    def initial_loss(self, network, params, n_rows=2048):
        """The objective at the initial weights on evenly spaced rows (at most
        about ``2 * n_rows``): a representative yardstick for the divergence
        guard, unlike one mini-batch (think ``batch_size=1``), for a small fraction
        of an epoch's work; small chunks, so it does not raise the peak memory."""
        rows = slice(None, None, max(1, self.n_samples // n_rows))
        return self.objective(network, params, rows, chunk_size=256)

    def outputs_finite(self, network, params, chunk_size=2048):
        """``(finite, largest absolute input)``: whether every layer's outputs on
        ``X``, and the loss against ``y``, are finite."""
        xp = self.backend.xp
        with np.errstate(over="ignore", invalid="ignore"):
            for start in range(0, self.n_samples, chunk_size):
                part = slice(start, start + chunk_size)
                X, y, _ = self.arrays(Batch(part, min(chunk_size, self.n_samples - start),
                                            0.0))
                tape = network.forward(params, X, training=False)
                finite = all(all_finite(out) for out in tape.activations[1:])
                if finite:
                    per_sample, _ = network.loss.loss_gradient(y, tape.activations[-1],
                                                               None, xp)
                    finite = all_finite(per_sample)
                if not finite:
                    return False, self.backend.abs_max(self.X)
        return True, math.nan
