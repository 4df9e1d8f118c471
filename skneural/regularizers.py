"""The L1 part of the weight penalty, done so that it produces exact zeros.

The penalty of a network with ``alpha`` and ``l1_ratio`` (:class:`~skneural.network.
Network`) is ``alpha * (l1_ratio * |W|_1 + 0.5 * (1 - l1_ratio) * ||W||^2)``, biases
excluded, and it is divided by the sample-weight sum ``s`` of the batch it is added
to (scikit-learn's scaling), so one batch's objective is::

    F(w) = L_batch(w) + (l2 / 2 ||W||^2) / s + (l1 / s) |W|_1

with ``l1 = alpha * l1_ratio`` and ``l2 = alpha * (1 - l1_ratio)``. The smooth part
goes into the gradient; the non-smooth ``|W|_1`` is not differentiable at 0, and a
subgradient (``l1 * sign(W)``) makes weights oscillate around 0 instead of reaching
it. How each kind of solver handles it instead:

* **SGD** (sgd, momentum, nesterov; any solver with ``proximal_l1 = True``): a
  proximal step after each update. The proximal operator of
  ``t * |W|_1`` is soft-thresholding, ``W <- sign(W) * max(|W| - t, 0)``; for a
  gradient step of length ``lr`` on ``F`` the threshold is
  ``t = lr * l1 / s`` (``s`` the batch's sample-weight sum, its size without sample
  weights), so the threshold has the objective's scaling: summed over an epoch of
  equal batches of an ``n``-sample set it is ``lr * l1 * n_batches / s`` =
  ``lr * l1 / n`` per sample of the epoch, as the full-batch penalty ``l1 / n``.
  For SGD without momentum this is proximal gradient descent (ISTA) on each batch;
  with momentum it is a documented choice (the threshold uses the schedule's rate
  ``lr``, not the velocity's effective step).
* **lbfgs**: the exact reformulation. ``W = P - N`` with ``P, N >= 0`` makes
  ``|W|_1 = sum(P + N)`` at the optimum, a smooth objective under bound
  constraints, which L-BFGS-B solves (:func:`split_minimize`); weights whose both
  parts end on their bound 0 are exactly 0.
* **adam, rmsprop, adaptive_gains, rprop, vsgd, cg**: the subgradient
  ``l1 * sign(W) / s`` in the gradient, as before; weights get small (with adam,
  within about the learning rate of 0) but not exactly 0. A proximal step with the
  base learning rate was tried for the adaptive solvers and rejected: their
  per-weight normalisation makes the data steps about ``lr`` whatever the gradient's
  size, so a threshold of ``lr * l1 / s`` hardly shrinks anything (on
  ``tests/test_catalogue.py``'s L1 problem with adam, 1% of the irrelevant weights
  ended within 1e-2 of 0, against 85% with the subgradient, which adam normalises
  along with the data term).
"""

import numpy as np
import scipy.optimize

__all__ = ["soft_threshold", "ProximalL1", "split_minimize"]


def soft_threshold(weights, threshold, scratch):
    """Soft-threshold ``weights`` in place: ``sign(w) * max(|w| - threshold, 0)``.

    Computed as ``w - clip(w, -threshold, threshold)``, which is exactly 0 where
    ``|w| <= threshold``.

    Parameters
    ----------
    weights : ndarray
    threshold : float, >= 0
    scratch : ndarray like ``weights``

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([-3.0, -0.5, 0.2, 2.5])
    >>> soft_threshold(w, 1.0, np.empty_like(w))
    array([-2. ,  0. ,  0. ,  1.5])
    """
    np.clip(weights, -threshold, threshold, out=scratch)
    weights -= scratch
    return weights


def xp_clip(weights, threshold):
    """``clip(weights, -threshold, threshold)`` in the weights' namespace."""
    from ._array_api import array_namespace

    xp = array_namespace(weights)
    return xp.clip(weights, min=-threshold, max=threshold)


class ProximalL1:
    """The proximal L1 step the trainer applies after each solver update.

    Parameters
    ----------
    network : Network
        Its ``alpha * l1_ratio`` is the L1 strength; the weights are the first
        ``network.n_coefs`` entries of the flat parameter buffer.
    """

    def __init__(self, network):
        self.l1 = network.alpha * network.l1_ratio
        self.n_coefs = network.n_coefs
        self._scratch = None

    def __call__(self, params, learning_rate, weight_sum):
        """Soft-threshold the weights by ``learning_rate * l1 / weight_sum``."""
        weights = params[: self.n_coefs]
        if type(params) is not np.ndarray:  # another Array API namespace
            threshold = learning_rate * self.l1 / weight_sum
            params[: self.n_coefs] = weights - xp_clip(weights, threshold)
            return params
        if self._scratch is None or self._scratch.shape != weights.shape \
                or self._scratch.dtype != weights.dtype:
            self._scratch = np.empty_like(weights)
        return soft_threshold(weights, learning_rate * self.l1 / weight_sum,
                              self._scratch)


def split_minimize(minimize, params, fun, n_coefs, l1, **options):
    """Minimize ``fun(w) + l1 * |w[:n_coefs]|_1`` as a bound-constrained problem.

    ``w[:n_coefs] = P - N`` with ``P, N >= 0``: the objective in ``z = (P, N, rest)``
    is ``fun(P - N, rest) + l1 * sum(P + N)``, smooth, with gradient
    ``(g_W + l1, -g_W + l1, g_rest)``. At a minimizer at most one of ``P_i, N_i``
    is nonzero (else both could shrink), so it is the L1 problem's minimizer.

    Parameters
    ----------
    minimize : callable
        ``minimize(z0, fun, bounds=..., **options)`` (:meth:`LBFGS.minimize`).
    params : ndarray of float64
    fun : callable ``fun(w) -> (loss, grad)``
        ``loss`` includes ``l1 * |w[:n_coefs]|_1`` (as :meth:`Network.loss_gradient`
        computes it), ``grad`` leaves it out (``network.l1_subgradient = False``).
    n_coefs : int
    l1 : float
        The L1 coefficient of this objective (already divided by the weight sum).
    **options
        ``max_iter``, ``tol``, ``callback``; the callback receives results whose
        ``x`` and ``fun`` are in the original parametrization.

    Returns
    -------
    result : OptimizeResult
        With ``x`` in the original parametrization.
    """
    work = np.empty_like(params)
    gradient = np.empty(params.size + n_coefs)

    def merge(z):
        np.subtract(z[:n_coefs], z[n_coefs: 2 * n_coefs], out=work[:n_coefs])
        work[n_coefs:] = z[2 * n_coefs:]
        return work

    def split_fun(z):
        loss, grad = fun(merge(z))
        np.add(grad[:n_coefs], l1, out=gradient[:n_coefs])
        np.subtract(l1, grad[:n_coefs], out=gradient[n_coefs: 2 * n_coefs])
        gradient[2 * n_coefs:] = grad[n_coefs:]
        # sum(P + N) replaces |P - N|_1 (equal where P * N = 0, at the optimum).
        excess = float(z[: 2 * n_coefs].sum()) - float(np.abs(work[:n_coefs]).sum())
        return loss + l1 * excess, gradient

    callback = options.pop("callback", None)
    if callback is not None:
        user_callback = callback

        def callback(intermediate_result):
            intermediate_result.x = merge(intermediate_result.x).copy()
            return user_callback(intermediate_result)

    weights = params[:n_coefs]
    z0 = np.concatenate([np.maximum(weights, 0), np.maximum(-weights, 0),
                         params[n_coefs:]])
    lower = np.full(z0.size, -np.inf)
    lower[: 2 * n_coefs] = 0.0
    bounds = scipy.optimize.Bounds(lower, np.full(z0.size, np.inf))
    result = minimize(z0, split_fun, bounds=bounds, callback=callback, **options)
    result.x = merge(result.x).copy()
    return result
