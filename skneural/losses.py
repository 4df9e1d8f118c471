"""Loss functions on the network's raw outputs, with their output links.

A :class:`Loss` owns the output link (identity, logistic, softmax, exp): it receives
the raw outputs ``R`` of the last layer and returns both the loss value and
``dLoss/dR``. With each loss's canonical link that derivative is the familiar
``link(R) - y``; computing it from ``R`` lets the log-losses use log-sum-exp and stay
finite for raw outputs of +-1e4.

Scaling follows scikit-learn: the value is the (sample-weighted) mean over samples of
the per-sample loss, summed over outputs; the gradient returned is the per-sample
derivative, which the network weights and divides by the weight sum.

.. note::
   scikit-learn's ``squared_error`` *value* also averages over outputs while its
   gradient does not; skneural sums over outputs so value and gradient agree (this only
   changes ``loss_curve_`` for multi-output regression, by the factor ``n_outputs``).

Registered: ``squared_error``, ``poisson``, ``log_loss``, ``binary_log_loss`` (the
losses of scikit-learn's MLPs) and the robust regression losses ``absolute_error``
(``|y - r|``; its gradient is the sign of the residual) and ``huber``
(``delta=1.0``; :func:`huber` makes other thresholds).
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from numbers import Real

import numpy as np
from scipy.special import expit, xlogy

from . import _jit
from . import activations as _activations
from ._registry import Registry

__all__ = ["Loss", "LOSSES", "register", "get", "huber"]


@dataclass(frozen=True)
class Loss:
    """A loss function of the targets and the network's raw outputs.

    Parameters
    ----------
    name : str
        Registry key.
    link : str
        Name of the registered activation that maps raw outputs to predictions
        (``"identity"``, ``"logistic"``, ``"softmax"``, ``"exp"``); exposed by the
        estimators as ``out_activation_``.
    loss_gradient : callable ``loss_gradient(y, raw, gradient_out) -> per_sample``
        Writes ``dloss_i/draw`` into ``gradient_out`` (which may be ``raw`` itself,
        for an in-place computation) and returns the per-sample loss, shape
        (n_samples,), summed over outputs.
    description : str, default=""
    xp_loss_gradient : callable, default=None
        ``xp_loss_gradient(y, raw, xp) -> (per_sample, gradient)``: the same for
        arrays of any Array API namespace ``xp``, returning new arrays; needed only
        to train on such arrays (see :mod:`skneural._array_api`).
    """

    name: str
    link: str
    loss_gradient: Callable = field(repr=False)
    description: str = field(default="", compare=False, repr=False)
    xp_loss_gradient: Callable | None = field(default=None, compare=False, repr=False)

    def value(self, y, raw, sample_weight=None):
        """Sample-weighted mean loss of raw outputs ``raw`` against targets ``y``."""
        per_sample = self.loss_gradient(y, raw, np.empty_like(raw))
        return float(np.average(per_sample, weights=sample_weight))

    def gradient(self, y, raw):
        """Per-sample derivative of the loss with respect to ``raw`` (a new array)."""
        gradient = np.empty_like(raw)
        self.loss_gradient(y, raw, gradient)
        return gradient

    def predict(self, raw):
        """Apply the output link to a copy of ``raw``."""
        return self.apply_link(np.array(raw))

    def apply_link(self, raw):
        """Apply the output link to ``raw`` in place and return it.

        The ``exp`` link first caps ``raw`` at :func:`exp_cap` (as the Poisson loss
        does in training), so predictions stay finite: at most about 1e154 in
        float64, 1.8e19 in float32.
        """
        if self.link == "exp":
            np.minimum(raw, exp_cap(raw.dtype), out=raw)
        return _activations.get(self.link).function(raw)


def exp_cap(dtype):
    """Largest raw output the ``exp`` link uses: ``log(finfo(dtype).max) / 2``.

    Half the overflow threshold, so ``exp(cap)`` and the Poisson deviance's terms
    (``exp(r) - y r``) stay finite. Raw outputs above it count as the cap, in
    training (loss and gradient, which is ``exp(cap) - y``, pulling a too-large
    output down) and in prediction alike.
    """
    return float(np.log(np.finfo(dtype).max) / 2)


LOSSES = Registry(
    "loss", lambda obj: isinstance(obj, Loss),
    hint="Pass an skneural.losses.Loss record, a call spec such as "
         "'huber(delta=2.0)', or register one with skneural.losses.register.",
)


def register(loss, *, overwrite=False):
    """Add a :class:`Loss` to the registry under ``loss.name``."""
    if not isinstance(loss, Loss):
        raise TypeError(f"Expected a Loss record, got {type(loss)!r}.")
    return LOSSES.register(loss.name, loss, overwrite=overwrite)


def get(loss):
    """The :class:`Loss` for a record, a registered name, or a call spec such as
    ``"huber(delta=2.0)"``."""
    return LOSSES.get(loss)


def _squared_error(y, raw, gradient):
    np.subtract(raw, y, out=gradient)
    return 0.5 * np.einsum("ij,ij->i", gradient, gradient)


def _poisson(y, raw, gradient):
    # Half Poisson deviance with log link, including the constant y*log(y) - y so the
    # value matches scikit-learn's. Raw outputs are capped so exp stays finite.
    raw_capped = np.minimum(raw, exp_cap(raw.dtype))
    mean = np.exp(raw_capped)
    per_sample = (mean - y * raw_capped + xlogy(y, y) - y).sum(axis=1)
    np.subtract(mean, y, out=gradient)
    return per_sample


def _log_loss(y, raw, gradient):
    # Softmax cross-entropy via log-sum-exp, computed in the gradient buffer (which
    # may be ``raw`` itself): with s = r - max(r), the loss is
    # log(sum(exp(s))) * sum(y) - <y, s> and its gradient softmax(r) * sum(y) - y.
    if raw.ndim == 2 and _jit.usable(y, raw, gradient):  # one compiled pass per row
        return _jit.softmax_cross_entropy(y, raw, gradient)
    np.subtract(raw, np.maximum.reduce(raw, axis=1, keepdims=True), out=gradient)
    y_dot_shifted = np.einsum("ij,ij->i", y, gradient)
    np.exp(gradient, out=gradient)
    # Row sums as products with a ones vector: a BLAS gemv is several times faster
    # than NumPy's reduction along a short last axis.
    ones = np.ones(raw.shape[1], dtype=gradient.dtype)
    norm = np.dot(gradient, ones)
    y_sum = np.dot(y, ones.astype(y.dtype, copy=False))
    per_sample = np.log(norm) * y_sum - y_dot_shifted
    gradient /= norm[:, None]  # softmax, divided as scikit-learn does
    gradient *= y_sum[:, None]  # exact no-op for one-hot rows
    gradient -= y
    return per_sample


def _binary_log_loss(y, raw, gradient):
    # log(1 + exp(r)) - y r, summed over the independent logistic outputs.
    per_sample = (np.logaddexp(0, raw) - y * raw).sum(axis=1)
    expit(raw, out=gradient)
    gradient -= y
    return per_sample


# -- generic forms (any Array API namespace): ``(per_sample, gradient)``, new arrays ---


def _xp_squared_error(y, raw, xp):
    gradient = raw - y
    return 0.5 * xp.sum(gradient * gradient, axis=1), gradient


def _xp_poisson(y, raw, xp):
    cap = math.log(xp.finfo(raw.dtype).max) / 2
    raw_capped = xp.clip(raw, max=cap)
    mean = xp.exp(raw_capped)
    y_log_y = xp.where(y > 0, y * xp.log(xp.where(y > 0, y, xp.ones_like(y))),
                       xp.zeros_like(y))
    per_sample = xp.sum(mean - y * raw_capped + y_log_y - y, axis=1)
    return per_sample, mean - y


def _xp_log_loss(y, raw, xp):
    shifted = raw - xp.max(raw, axis=1, keepdims=True)
    y_dot_shifted = xp.sum(y * shifted, axis=1)
    exp = xp.exp(shifted)
    norm = xp.sum(exp, axis=1)
    y_sum = xp.sum(y, axis=1)
    per_sample = xp.log(norm) * y_sum - y_dot_shifted
    gradient = exp / norm[:, None] * y_sum[:, None] - y
    return per_sample, gradient


def _xp_binary_log_loss(y, raw, xp):
    per_sample = xp.sum(xp.logaddexp(xp.zeros_like(raw), raw) - y * raw, axis=1)
    return per_sample, 1.0 / (1.0 + xp.exp(-raw)) - y


for _record in [
    Loss("squared_error", "identity", _squared_error,
         description="0.5 * (y - r)**2", xp_loss_gradient=_xp_squared_error),
    Loss("poisson", "exp", _poisson,
         description="half Poisson deviance, exp(r) - y r + y log y - y",
         xp_loss_gradient=_xp_poisson),
    Loss("log_loss", "softmax", _log_loss,
         description="cross-entropy of softmax(r), for one-of-K targets",
         xp_loss_gradient=_xp_log_loss),
    Loss("binary_log_loss", "logistic", _binary_log_loss,
         description="cross-entropy of independent logistic outputs "
                     "(binary and multilabel)", xp_loss_gradient=_xp_binary_log_loss),
]:
    register(_record)
del _record


# -- robust regression losses ----------------------------------------------------------


def _absolute_error(y, raw, gradient):
    np.subtract(raw, y, out=gradient)
    per_sample = np.abs(gradient).sum(axis=1)
    # sign(0) = 0: the subgradient of |e| at 0 that keeps a perfect fit in place.
    np.sign(gradient, out=gradient)
    return per_sample


def _huber(y, raw, gradient, delta):
    np.subtract(raw, y, out=gradient)
    magnitude = np.abs(gradient)
    quadratic = np.minimum(magnitude, delta)
    # 0.5 q^2 + delta (|e| - q) is 0.5 e^2 inside the threshold and
    # delta (|e| - delta / 2) outside: one expression, no branches.
    per_sample = (0.5 * quadratic**2 + delta * (magnitude - quadratic)).sum(axis=1)
    np.clip(gradient, -delta, delta, out=gradient)
    return per_sample


def huber(delta=1.0):
    """Huber loss with threshold ``delta`` (Huber, 1964), identity link.

    Per output, with residual ``e = r - y``: ``0.5 * e**2`` for ``|e| <= delta`` and
    ``delta * (|e| - delta / 2)`` beyond, so the gradient is ``e`` clipped to
    ``[-delta, delta]``: squared error for small residuals, absolute error (scaled by
    ``delta``) for outliers. The definition of ``torch.nn.HuberLoss``. The registered
    ``"huber"`` uses ``delta=1.0``; ``delta`` is in the units of the targets, so
    scale them (or pick ``delta``) accordingly.

    Parameters
    ----------
    delta : float, default=1.0
        Threshold between the quadratic and the linear part, > 0.

    Returns
    -------
    loss : Loss
        Named ``"huber"`` for ``delta=1.0``, else ``"huber(delta=...)"``.

    Examples
    --------
    >>> import numpy as np
    >>> from skneural import losses
    >>> loss = losses.huber(delta=2.0)
    >>> loss.value(np.array([[0.0], [0.0]]), np.array([[1.0], [5.0]]))
    4.25
    """
    if (isinstance(delta, bool) or not isinstance(delta, Real)
            or not np.isfinite(delta) or delta <= 0):
        raise ValueError(f"Huber's delta must be a finite number > 0, got {delta!r}.")
    delta = float(delta)
    name = "huber" if delta == 1.0 else f"huber(delta={delta!r})"
    return Loss(name, "identity", partial(_huber, delta=delta),
                description=f"0.5 e**2 if |e| <= {delta!r} else "
                            f"{delta!r} (|e| - {delta / 2!r})",
                xp_loss_gradient=partial(_xp_huber, delta=delta))


def _xp_absolute_error(y, raw, xp):
    error = raw - y
    return xp.sum(xp.abs(error), axis=1), xp.sign(error)


def _xp_huber(y, raw, xp, delta):
    error = raw - y
    magnitude = xp.abs(error)
    quadratic = xp.clip(magnitude, max=delta)
    per_sample = xp.sum(0.5 * quadratic**2 + delta * (magnitude - quadratic), axis=1)
    return per_sample, xp.clip(error, min=-delta, max=delta)


for _record in [
    Loss("absolute_error", "identity", _absolute_error, description="|y - r|",
         xp_loss_gradient=_xp_absolute_error),
    huber(),
]:
    register(_record)
del _record

LOSSES.register_factory("huber", huber)
