"""vSGD: per-weight learning rates estimated from the gradients (no tuning)."""

from .._backend import namespace
from .base import Solver

__all__ = ["VSGD"]


class VSGD(Solver):
    """vSGD-fd: a learning rate per weight, estimated from the gradients; no tuning.

    Schaul, Zhang & LeCun's variance-based SGD gives each weight the rate that
    minimizes the expected loss after the step on a local noisy quadratic model,
    ``eta* = (1 / h) * E[g]**2 / E[g**2]`` (``h`` the curvature): large while the
    gradient's mean dominates its noise, shrinking like ``1 / (h t)`` near a minimum,
    growing again when the problem changes. The expectations are moving averages
    over an adaptive memory of ``tau`` steps. The curvature is a finite difference
    of two gradients on the same batch (Schaul & LeCun 2013, "vSGD-fd"), so no
    Hessian diagonal is needed, but each step costs **two** forward/backward passes.

    Everything is element-wise (one rate and one memory per weight). Each step, with
    ``g`` the mini-batch gradient at ``w`` and ``g_shift`` the gradient on the same
    batch at ``w + delta``::

        delta  = g_bar     (|delta| raised to epsilon where smaller, sign kept)
        h      = |g - g_shift| / |delta|          finite-difference curvature
        tau   <- tau + 1   where (g - g_bar)**2 > k**2 * (v_bar - g_bar**2)
                              or (h - h_bar)**2 > k**2 * (vh_bar - h_bar**2)
        g_bar  <- (1 - 1/tau) * g_bar  + g / tau
        v_bar  <- (1 - 1/tau) * v_bar  + g**2 / tau
        h_bar  <- (1 - 1/tau) * h_bar  + h / tau
        vh_bar <- (1 - 1/tau) * vh_bar + h**2 / tau
        eta    = h_bar / (vh_bar + epsilon) * g_bar**2 / (v_bar + epsilon)
        tau   <- (1 - g_bar**2 / (v_bar + epsilon)) * tau + 1
        w     <- w - eta * g

    ``k`` is ``outlier_threshold``: a gradient or curvature more than ``k`` standard
    deviations from its average lengthens the memory by one step before it is
    averaged in (the test compares squares, so no square root of a variance that
    rounding made negative is taken). ``h_bar / vh_bar``, i.e. ``E[h] / E[h**2]``,
    is the fd paper's robust stand-in for ``1 / h_bar``. Since ``v_bar >= g_bar**2``
    and ``vh_bar >= h_bar**2`` always hold, ``eta <= 1 / h_bar`` and ``tau >= 1``.

    **Slow start.** The first ``init_batches`` steps only gather statistics and do
    not move the weights: ``g_bar``, ``v_bar``, ``h_bar`` and ``vh_bar`` are the
    plain means over those batches (the finite-difference step is the first batch's
    own gradient, then the running mean of the gradients). Then ``v_bar`` and
    ``h_bar`` are multiplied by ``C = slow_start`` and ``vh_bar`` by ``C**2``, which
    makes the first rates about ``C**2`` times too small, and ``tau`` starts at 2.
    While the rates are too small ``tau`` grows by about one per step, so the
    averages weigh the slow start like 2 of the ``t`` steps since, and the excess
    fades like ``2 (C - 1) / t``.

    **Mini-batches.** The solver sees the mean gradient of a mini-batch, not the
    per-sample gradients of the papers' mini-batch algorithm, so each mini-batch
    counts as one sample (the papers' ``n = 1``). Since ``E[g_batch**2] = E[g]**2 +
    Var(g) / n``, ``g_bar**2 / v_bar`` then estimates the papers' mini-batch factor
    ``n g_bar**2 / (v_bar + (n - 1) g_bar**2)``, which the authors' code also uses
    to update ``tau``. The curvature is that of the batch mean, ``|mean(g) -
    mean(g_shift)| / |delta|``, not the mean of the per-sample ``|g - g_shift| /
    |delta|``. With ``batch_size=1`` this is the papers' online algorithm. On the
    full batch there is no sampling noise: the rates then follow the curvature
    and the drift of the gradient only.

    vSGD sets its own rates: ``learning_rate_init`` and the ``learning_rate``
    schedules do not apply (the ``learning_rate`` argument of :meth:`step` is
    ignored), and none of the estimator's parameters maps onto its settings, so
    ``solver="vsgd"`` is ``VSGD()``.

    Parameters
    ----------
    init_batches : int, default=10
        Mini-batches of the slow start, during which the weights do not move (the
        authors' code: 10 mini-batches; the ICML paper: 0.1% of the training
        samples, one at a time).
    slow_start : float >= 1 or "auto", default=2.0
        The slow start's overestimation factor ``C`` (the authors' code: 2).
        ``"auto"`` is the ICML paper's ``d / 10`` (at least 1, as in the authors'
        code), ``d`` the number of parameters, chosen there for online learning
        with one update per sample: with mini-batches, ``batch_size`` times fewer
        updates an epoch, the slow start then lasts that many times more epochs.
    outlier_threshold : float or None, default=2.0
        ``k`` above, in standard deviations (the fd paper: 2); None turns the
        outlier test off (the ICML paper's algorithm).
    epsilon : float, default=1e-10
        The smallest finite-difference step, and the term added to ``v_bar`` and
        ``vh_bar`` in the divisions, so that a weight whose gradient is always zero
        gets ``eta = 0`` instead of 0 / 0. The papers do not give one; the
        authors' code adds 1e-9 at several places.

    Notes
    -----
    The state (:meth:`init`) holds ``t``, the number of steps taken (the slow start
    included), and ``g_bar``, ``v_bar``, ``h_bar``, ``vh_bar`` and ``tau``: arrays of
    the parameters' shape and dtype (``tau`` is 0 until the slow start ends). The
    rates are recomputed from them each step. A ``slow_start`` below 1 would break
    ``v_bar >= g_bar**2`` (and with it ``tau >= 1``), so it is refused.

    References
    ----------
    T. Schaul, S. Zhang and Y. LeCun, "No more pesky learning rates", ICML 2013
    (arXiv:1206.1106): Algorithm 1 (element-wise vSGD), the slow start.
    T. Schaul and Y. LeCun, "Adaptive learning rates and parallelization for
    stochastic, sparse, non-smooth gradients", ICLR 2013 (arXiv:1301.3764):
    Algorithm 1 (vSGD-fd: finite-difference curvature, outlier detection,
    mini-batches). The authors' code: https://github.com/schaul/py-optim,
    ``PyOptim/algorithms/vsgd.py``.

    Examples
    --------
    >>> import numpy as np
    >>> from skneural.optim import VSGD
    >>> solver = VSGD(init_batches=1, slow_start=1.0)
    >>> w = np.array([2.0])
    >>> state = solver.init(w)
    >>> for _ in range(2):   # f = w**2: curvature 2, no noise
    ...     state, loss = solver.step(w, lambda p: (p @ p, 2 * p), state)
    >>> state["h_bar"], w.round(6)   # a slow-start step, then Newton's step
    (array([2.]), array([0.]))
    """

    def __init__(self, init_batches=10, slow_start=2.0, outlier_threshold=2.0,
                 epsilon=1e-10):
        self.init_batches = init_batches
        self.slow_start = slow_start
        self.outlier_threshold = outlier_threshold
        self.epsilon = epsilon

    def _slow_start_factor(self, n_params):
        if isinstance(self.slow_start, str) and self.slow_start == "auto":
            return max(1.0, n_params / 10.0)
        return float(self.slow_start)

    def init(self, params):
        if int(self.init_batches) != self.init_batches or self.init_batches < 1:
            raise ValueError(
                f"VSGD needs an integer init_batches >= 1, got {self.init_batches!r}."
            )
        if not self._slow_start_factor(params.shape[0]) >= 1:
            raise ValueError(
                f"VSGD needs slow_start >= 1 or 'auto', got {self.slow_start!r}."
            )
        if not self.epsilon > 0:
            raise ValueError(f"VSGD needs epsilon > 0, got {self.epsilon!r}.")
        xp = namespace(params)
        state = {"t": 0}
        for name in ("g_bar", "v_bar", "h_bar", "vh_bar", "tau"):
            state[name] = xp.zeros_like(params)
        return state

    def step(self, params, grad_fn, state, learning_rate=None):
        xp = namespace(params)
        epsilon = float(self.epsilon)
        loss, grad = grad_fn(params)
        g = xp.asarray(grad, copy=True)  # grad_fn reuses its buffer
        delta = g if state["t"] == 0 else state["g_bar"]
        delta = xp.copysign(xp.clip(xp.abs(delta), min=epsilon), delta)
        _, shifted = grad_fn(params + delta)
        h = xp.abs(g - shifted) / xp.abs(delta)
        state["t"] += 1
        if not bool(xp.any(state["tau"] != 0)):  # tau is 0 until the slow start ends
            self._slow_start_step(state, g, h, params.shape[0], xp)
            return state, loss
        self._update_statistics(state, g, h, xp)
        ratio = state["g_bar"] ** 2 / (state["v_bar"] + epsilon)
        eta = state["h_bar"] / (state["vh_bar"] + epsilon) * ratio
        state["tau"] = state["tau"] * (1.0 - ratio) + 1.0
        params -= eta * g
        return state, loss

    def _slow_start_step(self, state, g, h, n_params, xp):
        """Running means over the first batches, then the overestimate."""
        weight = 1.0 / state["t"]
        for name, value in zip(_STATISTICS, (g, g * g, h, h * h), strict=True):
            state[name] = state[name] + weight * (value - state[name])
        if state["t"] >= self.init_batches:
            factor = self._slow_start_factor(n_params)
            state["v_bar"] = state["v_bar"] * factor
            state["h_bar"] = state["h_bar"] * factor
            state["vh_bar"] = state["vh_bar"] * factor**2
            state["tau"] = xp.ones_like(state["tau"]) * 2.0

    def _update_statistics(self, state, g, h, xp):
        """The outlier test, then the moving averages over the memory ``tau``."""
        g_bar, v_bar, h_bar, vh_bar = (state[name] for name in _STATISTICS)
        tau = state["tau"]
        if self.outlier_threshold is not None:
            k2 = float(self.outlier_threshold) ** 2
            outlier = ((g - g_bar) ** 2 > k2 * (v_bar - g_bar**2)) | (
                (h - h_bar) ** 2 > k2 * (vh_bar - h_bar**2))
            tau = state["tau"] = tau + xp.astype(outlier, tau.dtype)
        weight = 1.0 / tau
        for name, value in zip(_STATISTICS, (g, g * g, h, h * h), strict=True):
            state[name] = state[name] + weight * (value - state[name])


_STATISTICS = ("g_bar", "v_bar", "h_bar", "vh_bar")
