"""Regularizers: the weight penalty, max-norm, dropout and the training noise (on the
inputs, the weights and the activities), written once.

Every function here works on arrays of any Array API namespace ``xp``
(``skneural._backend``); the network (:mod:`skneural.network`) calls them, the
trainer applies the cumulative L1 step and max-norm after each update.

**The weight penalty and its L1 part**, done so that it produces exact zeros.

The penalty of a network with ``alpha`` and ``l1_ratio`` (:class:`~skneural.network.
Network`) is ``alpha * (l1_ratio * |W|_1 + 0.5 * (1 - l1_ratio) * ||W||^2)``, biases
excluded, and it is divided by the sample-weight sum ``s`` of the batch it is added
to (scikit-learn's scaling), so one batch's objective is::

    F(w) = L_batch(w) + (l2 / 2 ||W||^2) / s + (l1 / s) |W|_1

with ``l1 = alpha * l1_ratio`` and ``l2 = alpha * (1 - l1_ratio)``. The smooth part
goes into the gradient; the non-smooth ``|W|_1`` is not differentiable at 0, and a
subgradient (``l1 * sign(W)``) makes weights oscillate around 0 instead of reaching
it. How each kind of solver handles it instead:

* **SGD** (sgd, momentum, nesterov; any solver with ``proximal_l1 = True``): the
  cumulative L1 penalty of Tsuruoka, Tsujii & Ananiadou (2009), as scikit-learn's
  ``SGDClassifier`` applies it (:class:`CumulativeL1`). After each update, ``u``
  grows by the step's L1 threshold ``lr * l1 / s`` (``s`` the batch's sample-weight
  sum, its size without sample weights): the total L1 any weight could have
  received so far. ``q[j]`` is what weight ``j`` did receive. Each nonzero weight
  is then pulled towards 0 by what it still owes, ``u + q[j]`` if positive,
  ``u - q[j]`` if negative, and clipped at 0 (``q[j]`` records the change). On its
  first step this is the proximal step (soft-thresholding by ``lr * l1 / s``); the
  difference is what happens next: a weight that the noise of the mini-batch
  gradients pushes off 0 owes the penalty of every step it spent there and goes
  back to 0, where soft-thresholding by one step's ``lr * l1 / s`` leaves it just
  off 0. Summed over an epoch of equal batches of an ``n``-sample set the
  thresholds are ``lr * l1 * n_batches / s`` = ``lr * l1 / n`` per sample of the
  epoch, the full-batch penalty ``l1 / n``'s scaling. With momentum the thresholds
  use the schedule's rate ``lr``, while the velocity amplifies the data steps by
  about ``1 / (1 - momentum)``: L1 then acts as a weaker penalty
  (:doc:`/reliability`, "The L1 penalty", has the measurements and why scaling the
  threshold up was rejected). ``u`` and ``q`` are plain data in the training
  state, so ``partial_fit`` continues them (scikit-learn's ``partial_fit`` starts
  them anew at every call).
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

from ._backend import fusable, namespace

__all__ = ["penalty_value", "add_penalty_gradient", "soft_threshold", "CumulativeL1",
           "cumulative_l1", "split_minimize", "max_norm_project", "max_norm_pull_back",
           "dropout_mask", "add_input_noise", "weight_noise", "binary_sample",
           "TrainingNoise"]


def penalty_value(weights, l2, l1, xp):
    """``l2 / 2 ||w||^2 + l1 |w|_1`` of the weights (a 0-d array of ``xp``)."""
    value = 0.5 * l2 * (weights @ weights)
    if l1:
        value = value + l1 * xp.sum(xp.abs(weights))
    return value


def add_penalty_gradient(grad, params, n_coefs, l2, l1, weight_sum, xp):
    """The penalty's gradient added to the weights' part of ``grad`` (the L1 part as
    the subgradient ``l1 * sign(w)``, when ``l1`` is given), then all of ``grad``
    divided by ``weight_sum``: ``(g + l2 w) / s``, as scikit-learn. Returns ``grad``
    (updated in place)."""
    if l1:
        grad[:n_coefs] += l1 * xp.sign(params[:n_coefs])
    return _penalize_divide(grad, params, n_coefs, l2, weight_sum, xp)


@fusable("penalize_divide", 2)
def _penalize_divide(grad, params, n_coefs, l2, weight_sum, xp):
    if l2:
        grad[:n_coefs] += l2 * params[:n_coefs]
    grad /= weight_sum
    return grad


def soft_threshold(weights, threshold, xp):
    """``sign(w) * max(|w| - threshold, 0)``, computed as
    ``w - clip(w, -threshold, threshold)``, which is exactly 0 where
    ``|w| <= threshold``.

    Examples
    --------
    >>> import numpy as np
    >>> from skneural._backend import namespace
    >>> w = np.array([-3.0, -0.5, 0.2, 2.5])
    >>> soft_threshold(w, 1.0, namespace(w))
    array([-2. ,  0. ,  0. ,  1.5])
    """
    return weights - xp.clip(weights, min=-threshold, max=threshold)


class CumulativeL1:
    """The cumulative L1 penalty (Tsuruoka et al. 2009) the trainer applies after
    each update of a solver declaring ``proximal_l1``.

    Its state is plain data, ``{"u": float, "q": array}`` (``q`` like the weights,
    in their namespace), kept in the training state between calls.

    Parameters
    ----------
    network : Network
        Its ``alpha * l1_ratio`` is the L1 strength; the weights are the first
        ``network.n_coefs`` entries of the flat parameter buffer.

    References
    ----------
    Tsuruoka, Tsujii & Ananiadou, "Stochastic gradient descent training for
    L1-regularized log-linear models with cumulative penalty" (ACL 2009);
    scikit-learn's ``sklearn/linear_model/_sgd_fast.pyx.tp``, ``l1penalty``.
    """

    def __init__(self, network):
        self.l1 = network.alpha * network.l1_ratio
        self.n_coefs = network.n_coefs

    def init(self, params):
        """The state at the start of training: nothing owed, nothing received."""
        return {"u": 0.0, "q": namespace(params).zeros_like(params[: self.n_coefs])}

    def __call__(self, params, state, learning_rate, weight_sum):
        """Add this step's threshold ``learning_rate * l1 / weight_sum`` to ``u``,
        then apply what each weight owes (``params`` and ``state`` in place)."""
        state["u"] += learning_rate * self.l1 / weight_sum
        cumulative_l1(params, state["q"], self.n_coefs, state["u"], namespace(params))
        return params


@fusable("cumulative_l1", 2)
def cumulative_l1(params, q, n_coefs, u, xp):
    """The cumulative penalty's clipping on ``params[:n_coefs]``, in place.

    A positive weight ``w`` becomes ``max(0, w - (u + q))``, a negative one
    ``min(0, w + (u - q))``, a zero stays 0; ``q`` (what each weight received so
    far, negative for positive weights) adds the change. scikit-learn's
    ``l1penalty``.

    Examples
    --------
    >>> import numpy as np
    >>> from skneural._backend import namespace
    >>> params, q = np.array([0.5, -0.5, 0.05, 0.0, 9.0]), np.array([-0.1, 0.1, 0, 0])
    >>> cumulative_l1(params, q, 4, 0.2, namespace(params))
    array([ 0.4, -0.4,  0. ,  0. ,  9. ])
    >>> q
    array([-0.2 ,  0.2 , -0.05,  0.  ])
    """
    weights = params[:n_coefs]
    shrunk = xp.where(weights > 0, xp.clip(weights - (u + q), min=0.0),
                      xp.where(weights < 0, xp.clip(weights + (u - q), max=0.0),
                               weights))
    q += shrunk - weights
    params[:n_coefs] = shrunk
    return params


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
        computes it), ``grad`` leaves it out (``loss_gradient(..., l1_gradient=False)``).
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


# -- max-norm ------------------------------------------------------------------------


def max_norm_project(params, coefs, bounds, max_norm, xp):
    """Rescale every unit's incoming weight vector (a column of a weight matrix;
    biases excluded) whose L2 norm exceeds ``max_norm`` to that norm, in ``params``
    (the max-norm constraint of Srivastava et al. 2014, section 5.1).

    ``coefs`` are the weight matrices (views of ``params``), ``bounds`` their
    ``(start, stop)`` in it. Returns the column norms before the projection.
    """
    norms = []
    for coef, (start, stop) in zip(coefs, bounds):
        norm = xp.sqrt(xp.sum(coef * coef, axis=0))
        norms.append(norm)
        # max_norm / max(norm, max_norm): 1 for short columns, no division by 0.
        scale = max_norm / xp.clip(norm, min=max_norm)
        params[start:stop] = xp.reshape(coef * scale, (-1,))
    return norms


def max_norm_pull_back(grad, coefs, bounds, norms, max_norm, xp):
    """The chain rule through :func:`max_norm_project`, in ``grad``: for a rescaled
    column ``v`` (``coefs`` are the projected weights), with ``u = v / |v|``,
    ``max_norm / |v| * (g - u <u, g>)``; other columns keep their gradient."""
    for coef, norm, (start, stop) in zip(coefs, norms, bounds):
        grad_coef = xp.reshape(grad[start:stop], coef.shape)
        unit = coef / max_norm
        projected = (grad_coef - unit * xp.sum(unit * grad_coef, axis=0)) * (
            max_norm / xp.clip(norm, min=max_norm))
        grad[start:stop] = xp.reshape(xp.where(norm > max_norm, projected, grad_coef),
                                      (-1,))
    return grad


# -- noise in training: inputs, weights, activities ---------------------------------
#
# Drawn on the host from the estimator's NumPy generator and moved to the arrays'
# device, so a seed gives the same masks and noise in every namespace.


def dropout_mask(shape, rate, rng, backend, dtype):
    """A scaled inverted-dropout mask: 0 with probability ``rate``, else
    ``1 / (1 - rate)``."""
    mask = (rng.random(shape) >= rate).astype(dtype)
    mask *= 1.0 / (1.0 - rate)
    return backend.asarray(mask)


def add_input_noise(X, sigma, rng, backend, dtype):
    """``X`` plus Gaussian noise of standard deviation ``sigma`` (a new array; a
    sparse ``X`` is densified)."""
    noise = backend.asarray(sigma * rng.standard_normal(X.shape), dtype)
    return backend.cast(backend.dense(X), dtype) + noise


def weight_noise(coefs, sigma, rng, backend, dtype):
    """New weight matrices: each of ``coefs`` plus Gaussian noise of standard
    deviation ``sigma`` (one standard normal per weight, matrix by matrix,
    row-major)."""
    return [coef + backend.asarray(sigma * rng.standard_normal(tuple(coef.shape)),
                                   dtype) for coef in coefs]


def binary_sample(probabilities, rng, backend, dtype):
    """A stochastic binary unit's output: 1 where a uniform draw is below its
    probability (so with that probability), else 0 (a new array)."""
    uniform = backend.asarray(rng.random(tuple(probabilities.shape)), dtype)
    return backend.xp.astype(uniform < probabilities, probabilities.dtype)


class TrainingNoise:
    """The noise of a network's training forward pass (:meth:`Network.forward
    <skneural.network.Network.forward>` with ``training=True``), none of it at
    prediction time.

    Parameters
    ----------
    input_noise : float
        Standard deviation of Gaussian noise added to the inputs.
    input_dropout : float
        Inverted-dropout rate of the inputs.
    dropout : list of float
        Inverted-dropout rate of each hidden layer.
    weight_noise : float
        Standard deviation of Gaussian noise added to every weight matrix.
    stochastic_units : bool
        Hidden units feed forward binary samples of their (logistic) outputs.
    activations : list of Activation
        The hidden layers' activations (stochastic units need ``logistic``).

    Attributes
    ----------
    active : bool
        Whether anything is drawn at all.
    """

    def __init__(self, input_noise, input_dropout, dropout, weight_noise,
                 stochastic_units, activations):
        others = sorted({a.name for a in activations if a.name != "logistic"})
        if stochastic_units and others:
            raise ValueError(
                "Stochastic binary units sample the output of logistic units; the "
                f"hidden layers have {others}: use activation='logistic' (for every "
                "hidden layer) with stochastic activities.")
        self.input_noise, self.input_dropout = input_noise, input_dropout
        self.dropout, self.weight_noise = dropout, weight_noise
        self.stochastic_units = stochastic_units
        self.active = bool(input_noise > 0 or input_dropout > 0 or weight_noise > 0
                           or stochastic_units or any(rate > 0 for rate in dropout))

    def inputs(self, X, rng, backend, dtype):
        """``X`` with the input noise, then the input dropout (a new array when
        either is on; sparse ``X`` is densified then)."""
        if self.input_noise > 0:
            X = add_input_noise(X, self.input_noise, rng, backend, dtype)
        if self.input_dropout > 0:
            mask = dropout_mask(tuple(X.shape), self.input_dropout, rng, backend, dtype)
            X = backend.cast(backend.dense(X), dtype) * mask
        return X

    def weights(self, coefs, rng, backend, dtype):
        """Noisy copies of the weight matrices, or None without weight noise."""
        if self.weight_noise == 0:
            return None
        return weight_noise(coefs, self.weight_noise, rng, backend, dtype)

    def hidden(self, i, out, rng, backend, dtype):
        """``(fed, mask)``: what hidden layer ``i``'s output ``out`` feeds forward
        (its binary samples with stochastic units, then thinned by its dropout
        mask) and the mask (None without dropout)."""
        fed, mask = out, None
        if self.stochastic_units:
            fed = binary_sample(out, rng, backend, dtype)
        if self.dropout[i] > 0:
            mask = dropout_mask(tuple(out.shape), self.dropout[i], rng, backend, dtype)
            fed = fed * mask
        return fed, mask
