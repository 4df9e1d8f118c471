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

from . import activations as _activations
from ._backend import device_of, expit, fusable, into, namespace
from ._registry import Registry

__all__ = ["Loss", "LOSSES", "register", "get", "huber", "exp_cap"]


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
    loss_gradient : callable ``loss_gradient(y, raw, out, xp) -> (per_sample, gradient)``
        The per-sample loss, shape (n_samples,), summed over outputs, and
        ``dloss_i/draw``, for targets ``y`` and raw outputs ``raw`` of the Array API
        namespace ``xp`` (``skneural._backend``). The gradient may be written
        into ``out`` (an array like ``raw``, possibly ``raw`` itself; None: leave
        ``raw`` unchanged) and returned.
    description : str, default=""
    """

    name: str
    link: str
    loss_gradient: Callable = field(repr=False)
    description: str = field(default="", compare=False, repr=False)

    def value(self, y, raw, sample_weight=None):
        """Sample-weighted mean loss of raw outputs ``raw`` against targets ``y``."""
        xp = namespace(raw)
        per_sample, _ = self.loss_gradient(y, raw, None, xp)
        if sample_weight is None:
            return float(xp.mean(per_sample))
        return float(xp.sum(per_sample * sample_weight) / xp.sum(sample_weight))

    def gradient(self, y, raw):
        """Per-sample derivative of the loss with respect to ``raw`` (a new array)."""
        return self.loss_gradient(y, raw, None, namespace(raw))[1]

    def predict(self, raw):
        """Apply the output link to a copy of ``raw``."""
        return self.apply_link(namespace(raw).asarray(raw, copy=True))

    def apply_link(self, raw):
        """Apply the output link to ``raw`` (in place where the namespace allows)
        and return the result.

        The ``exp`` link first caps ``raw`` at :func:`exp_cap` (as the Poisson loss
        does in training), so predictions stay finite: at most about 1e154 in
        float64, 1.8e19 in float32.
        """
        xp = namespace(raw)
        if self.link == "exp":
            raw = into(xp, xp.clip, raw, None, exp_cap(raw.dtype, xp), out=raw)
        return _activations.get(self.link).function(raw, xp)


def exp_cap(dtype, xp=np):
    """Largest raw output the ``exp`` link uses: ``log(finfo(dtype).max) / 2``.

    Half the overflow threshold, so ``exp(cap)`` and the Poisson deviance's terms
    (``exp(r) - y r``) stay finite. Raw outputs above it count as the cap, in
    training (loss and gradient, which is ``exp(cap) - y``, pulling a too-large
    output down) and in prediction alike.
    """
    return float(math.log(float(xp.finfo(dtype).max)) / 2)


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


def _squared_error(y, raw, out, xp):
    gradient = into(xp, xp.subtract, raw, y, out=out)
    return 0.5 * xp.vecdot(gradient, gradient, axis=-1), gradient


def _poisson(y, raw, out, xp):
    # Half Poisson deviance with log link, including the constant y*log(y) - y so the
    # value matches scikit-learn's. Raw outputs are capped so exp stays finite.
    raw_capped = xp.clip(raw, max=exp_cap(raw.dtype, xp))
    mean = xp.exp(raw_capped)
    positive = y > 0
    y_log_y = xp.where(positive, y * xp.log(xp.where(positive, y, xp.ones_like(y))),
                       xp.zeros_like(y))
    per_sample = xp.sum(mean - y * raw_capped + y_log_y - y, axis=1)
    return per_sample, into(xp, xp.subtract, mean, y, out=out)


@fusable("log_loss", 3)
def _log_loss(y, raw, out, xp):
    # Softmax cross-entropy via log-sum-exp, computed in the gradient buffer (which
    # may be ``raw`` itself): with s = r - max(r), the loss is
    # log(sum(exp(s))) * sum(y) - <y, s> and its gradient softmax(r) * sum(y) - y.
    gradient = into(xp, xp.subtract, raw, xp.max(raw, axis=1, keepdims=True), out=out)
    y_dot_shifted = xp.vecdot(y, gradient, axis=-1)
    gradient = into(xp, xp.exp, gradient, out=gradient)
    # Row sums as products with a ones vector: a BLAS gemv is several times faster
    # than NumPy's reduction along a short last axis.
    ones = xp.ones(raw.shape[1], dtype=gradient.dtype, device=device_of(raw))
    norm = gradient @ ones
    y_sum = y @ xp.astype(ones, y.dtype)
    per_sample = xp.log(norm) * y_sum - y_dot_shifted
    gradient /= norm[:, None]  # softmax, divided as scikit-learn does
    gradient *= y_sum[:, None]  # exact no-op for one-hot rows
    gradient -= y
    return per_sample, gradient


def _binary_log_loss(y, raw, out, xp):
    # log(1 + exp(r)) - y r, summed over the independent logistic outputs.
    per_sample = xp.sum(xp.logaddexp(xp.zeros_like(raw), raw) - y * raw, axis=1)
    gradient = expit(raw, xp, out=out)
    gradient -= y
    return per_sample, gradient


for _record in [
    Loss("squared_error", "identity", _squared_error, description="0.5 * (y - r)**2"),
    Loss("poisson", "exp", _poisson,
         description="half Poisson deviance, exp(r) - y r + y log y - y"),
    Loss("log_loss", "softmax", _log_loss,
         description="cross-entropy of softmax(r), for one-of-K targets"),
    Loss("binary_log_loss", "logistic", _binary_log_loss,
         description="cross-entropy of independent logistic outputs "
                     "(binary and multilabel)"),
]:
    register(_record)
del _record


# -- robust regression losses ----------------------------------------------------------


def _absolute_error(y, raw, out, xp):
    gradient = into(xp, xp.subtract, raw, y, out=out)
    per_sample = xp.sum(xp.abs(gradient), axis=1)
    # sign(0) = 0: the subgradient of |e| at 0 that keeps a perfect fit in place.
    return per_sample, into(xp, xp.sign, gradient, out=gradient)


def _huber(y, raw, out, xp, delta):
    gradient = into(xp, xp.subtract, raw, y, out=out)
    magnitude = xp.abs(gradient)
    quadratic = xp.clip(magnitude, max=delta)
    # 0.5 q^2 + delta (|e| - q) is 0.5 e^2 inside the threshold and
    # delta (|e| - delta / 2) outside: one expression, no branches.
    per_sample = xp.sum(0.5 * quadratic**2 + delta * (magnitude - quadratic), axis=1)
    return per_sample, into(xp, xp.clip, gradient, -delta, delta, out=gradient)


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
                            f"{delta!r} (|e| - {delta / 2!r})")


for _record in [
    Loss("absolute_error", "identity", _absolute_error, description="|y - r|"),
    huber(),
]:
    register(_record)
del _record

LOSSES.register_factory("huber", huber)
