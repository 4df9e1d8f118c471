"""The gradient-step solvers: SGD (momentum, Nesterov), adaptive gains, RMSprop, Adam.

Each update rule is written once (:mod:`skneural.optim.base`); SGD's and Adam's have
a compiled kernel on NumPy (``@fusable``, ``skneural._jit``), tested equal to the
rule.
"""

import math

from .._backend import fusable, into, namespace
from .base import Solver

__all__ = ["SGD", "AdaptiveGains", "RMSprop", "Adam", "sgd_update", "adam_update"]


class SGD(Solver):
    """Stochastic gradient descent with optional momentum, classical or Nesterov.

    With velocity ``v`` (starting at 0), learning rate ``lr`` and momentum ``mu``
    (scikit-learn's ``SGDOptimizer``, Sutskever et al. 2013 for the Nesterov form)::

        v <- mu * v - lr * g
        w <- w + v                      (classical momentum; plain SGD when mu = 0)
        w <- w + mu * v - lr * g        (Nesterov, the look-ahead form)

    The learning rate sits inside the velocity, as in scikit-learn and Keras; torch
    applies the current rate to the whole buffer instead, which differs only when
    the rate changes during training.

    Trains online (``batch_size=1``), on mini-batches or on the full batch.

    With ``penalty="l1"`` or ``"elasticnet"`` the L1 part is the cumulative L1
    penalty of Tsuruoka et al. (2009) after each update (a threshold of ``lr *
    alpha * l1_ratio / s`` per step, ``s`` the batch's sample-weight sum), which
    sets weights exactly to 0 (:class:`skneural.regularizers.CumulativeL1`).

    The schedules ("constant", "invscaling", "adaptive", ...) are the estimator's
    ``learning_rate`` (:mod:`skneural.optim.schedules`); they set ``lr`` at each step.

    State: ``velocity`` (array like params).

    Parameters
    ----------
    learning_rate_init : float, default=0.001
        Initial learning rate.
    momentum : float, default=0.9
        Momentum ``mu``, in [0, 1]; 0 is plain SGD.
    nesterovs_momentum : bool, default=True
        Use Nesterov's look-ahead form.

    References
    ----------
    Rumelhart, Hinton & Williams (1986); Polyak (1964); Sutskever, Martens, Dahl &
    Hinton, "On the importance of initialization and momentum in deep learning" (2013).

    Examples
    --------
    >>> import numpy as np
    >>> from skneural.optim import SGD
    >>> solver = SGD(learning_rate_init=0.1, momentum=0.5, nesterovs_momentum=False)
    >>> w = np.array([1.0])
    >>> state = solver.init(w)
    >>> for _ in range(2):
    ...     state, loss = solver.step(w, lambda p: (0.5 * p @ p, p.copy()), state, 0.1)
    >>> w.round(6)     # v1 = -0.1, w1 = 0.9; v2 = -0.05 - 0.09, w2 = 0.76
    array([0.76])
    """

    proximal_l1 = True
    has_learning_rate = True
    learning_rate_schedules = ("constant", "invscaling", "adaptive", "plateau",
                               "bold_driver")

    def __init__(self, learning_rate_init=0.001, momentum=0.9, nesterovs_momentum=True):
        self.learning_rate_init = learning_rate_init
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum

    def init(self, params):
        return {"velocity": namespace(params).zeros_like(params)}

    def step(self, params, grad_fn, state, learning_rate):
        loss, grad = grad_fn(params)
        sgd_update(params, grad, state["velocity"], self._scratch(params),
                   float(learning_rate), float(self.momentum),
                   bool(self.nesterovs_momentum), namespace(params))
        return state, loss


@fusable("sgd_update", 3)
def sgd_update(params, grad, velocity, scratch, learning_rate, momentum, nesterov, xp):
    """SGD's rule (scikit-learn's form), in place on ``params`` and ``velocity``."""
    scaled_grad = into(xp, xp.multiply, grad, learning_rate, out=scratch)
    velocity *= momentum
    velocity -= scaled_grad
    if nesterov:
        params += momentum * velocity - scaled_grad
    else:
        params += velocity


class AdaptiveGains(Solver):
    """Gradient descent with a separate adaptive gain for every weight.

    Each weight's step is the learning rate times its own gain ``k``, starting at 1.
    A gain grows additively while the weight keeps moving the same way and shrinks
    multiplicatively when its gradient turns against the direction of travel, then
    is clipped to ``[gain_min, gain_max]``. With velocity ``v`` (starting at 0) and
    ``c = -g * v`` (positive when the new gradient agrees with the last step)::

        k <- k + gain_increase   where c > 0
        k <- k * gain_decrease   where c < 0      (k unchanged where c == 0)
        k <- clip(k, gain_min, gain_max)
        v <- momentum * v - lr * k * g
        w <- w + v

    Without momentum the last step is ``-lr * k * g_prev``, so ``c > 0`` is exactly
    ``g * g_prev > 0``: Hinton's rule comparing successive gradients. With momentum
    the gradient is compared with the velocity, as Hinton (after Jacobs) advises.
    Hinton's slide puts ``g * g_prev == 0`` in the decrease branch; here an exactly
    zero product (the first step, a dead unit) leaves the gain unchanged, as in
    Rprop.

    Meant for full batches or large mini-batches (the sign comparison is noisy on
    small ones); works online too.

    Parameters
    ----------
    learning_rate_init : float, default=0.001
        Global learning rate ``lr``.
    momentum : float, default=0.9
        Momentum of the velocity, in [0, 1); 0 gives Hinton's rule on successive
        gradients. With the string ``"adaptive_gains"`` it is the estimator's
        ``momentum`` (0.9 by default, as for ``"sgd"``): the lecture pairs adaptive
        gains with momentum, and without it the defaults reach 0.896 five-fold
        accuracy on scikit-learn's standardized digits, with it 0.930 (adam: 0.938).
    gain_increase : float, default=0.05
        Added to a gain whose weight keeps its direction.
    gain_decrease : float, default=0.95
        Factor applied to a gain whose weight's gradient flips.
    gain_min, gain_max : float, default=0.1, 10.0
        Range of the gains (Hinton suggests [0.1, 10] or [0.01, 100]).

    References
    ----------
    R. A. Jacobs, "Increased rates of convergence through learning rate adaptation",
    Neural Networks 1(4), 1988. G. Hinton, N. Srivastava, K. Swersky, "Neural Networks
    for Machine Learning", lecture 6d, "Adaptive learning rates for each connection"
    (2012).

    Examples
    --------
    >>> import numpy as np
    >>> from skneural.optim import AdaptiveGains
    >>> solver = AdaptiveGains(learning_rate_init=0.1)
    >>> w = np.array([1.0, -1.0])
    >>> state = solver.init(w)
    >>> for _ in range(2):
    ...     state, loss = solver.step(w, lambda p: (0.5 * p @ p, p.copy()), state, 0.1)
    >>> state["gains"]      # same sign twice: 1 + 0.05
    array([1.05, 1.05])
    """

    has_learning_rate = True

    def __init__(self, learning_rate_init=0.001, momentum=0.9, gain_increase=0.05,
                 gain_decrease=0.95, gain_min=0.1, gain_max=10.0):
        self.learning_rate_init = learning_rate_init
        self.momentum = momentum
        self.gain_increase = gain_increase
        self.gain_decrease = gain_decrease
        self.gain_min = gain_min
        self.gain_max = gain_max

    def init(self, params):
        if not 0 < self.gain_min <= 1 <= self.gain_max:
            raise ValueError(
                f"AdaptiveGains needs 0 < gain_min <= 1 <= gain_max (gains start at "
                f"1), got gain_min={self.gain_min}, gain_max={self.gain_max}."
            )
        xp = namespace(params)
        return {"gains": xp.ones_like(params), "velocity": xp.zeros_like(params)}

    def step(self, params, grad_fn, state, learning_rate):
        loss, grad = grad_fn(params)
        xp = namespace(params)
        gains, velocity = state["gains"], state["velocity"]
        agreement = grad * velocity  # < 0 where g agrees with the direction of travel
        gains = xp.where(agreement < 0, gains + float(self.gain_increase), gains)
        gains = xp.where(agreement > 0, gains * float(self.gain_decrease), gains)
        gains = state["gains"] = xp.clip(gains, min=float(self.gain_min),
                                         max=float(self.gain_max))
        velocity *= float(self.momentum)
        velocity -= grad * gains * float(learning_rate)
        params += velocity
        return state, loss


class RMSprop(Solver):
    """RMSprop: divide the gradient by a running root mean square of its history.

    With ``v``, ``g_bar`` and ``b`` starting at 0 (torch.optim.RMSprop's form, with
    Keras' and Hinton's name ``rho`` for the decay)::

        v     <- rho * v + (1 - rho) * g**2
        g_bar <- rho * g_bar + (1 - rho) * g             (centered only)
        d     <- sqrt(v - g_bar**2) + epsilon            (g_bar = 0 if not centered)
        b     <- momentum * b + g / d;  w <- w - lr * b  (momentum > 0)
        w     <- w - lr * g / d                          (momentum = 0)

    **Epsilon sits outside the square root**, as in torch; Keras and TensorFlow add
    it inside (``sqrt(v + epsilon)``), so their epsilon means something else.

    Trains online (``batch_size=1``), on mini-batches or on the full batch; it was
    designed as the mini-batch version of Rprop's use of the gradient's sign only.

    Parameters
    ----------
    learning_rate_init : float, default=0.001
        Learning rate ``lr``.
    rho : float, default=0.9
        Decay of the mean square, in [0, 1) (torch calls it ``alpha``).
    epsilon : float, default=1e-8
        Added to the root mean square.
    centered : bool, default=False
        Divide by an estimate of the gradient's standard deviation instead.
    momentum : float, default=0.0
        Momentum applied to the normalized gradient.

    References
    ----------
    T. Tieleman and G. Hinton, "Neural Networks for Machine Learning", lecture 6e,
    "rmsprop: Divide the gradient by a running average of its recent magnitude"
    (2012). A. Graves, "Generating sequences with recurrent neural networks" (2013),
    for the centered form.

    Examples
    --------
    >>> import numpy as np
    >>> from skneural.optim import RMSprop
    >>> solver = RMSprop(learning_rate_init=0.01, rho=0.9, epsilon=0.0)
    >>> w = np.array([2.0])
    >>> state = solver.init(w)
    >>> state, loss = solver.step(w, lambda p: (0.5 * p @ p, p.copy()), state, 0.01)
    >>> w.round(6)   # 2 - 0.01 * 2 / sqrt(0.1 * 4)
    array([1.968377])
    """

    has_learning_rate = True

    def __init__(self, learning_rate_init=0.001, rho=0.9, epsilon=1e-8, centered=False,
                 momentum=0.0):
        self.learning_rate_init = learning_rate_init
        self.rho = rho
        self.epsilon = epsilon
        self.centered = centered
        self.momentum = momentum

    def init(self, params):
        xp = namespace(params)
        return {"square_avg": xp.zeros_like(params), "grad_avg": xp.zeros_like(params),
                "momentum_buffer": xp.zeros_like(params)}

    def step(self, params, grad_fn, state, learning_rate):
        loss, grad = grad_fn(params)
        xp = namespace(params)
        rho, scratch = float(self.rho), self._scratch(params)
        square_avg = state["square_avg"]
        square_avg *= rho
        square = into(xp, xp.multiply, grad, grad, out=scratch)
        square *= 1 - rho
        square_avg += square
        if self.centered:
            grad_avg = state["grad_avg"]
            grad_avg *= rho
            grad_avg += (1 - rho) * grad
            denom = into(xp, xp.multiply, grad_avg, grad_avg, out=scratch)
            denom = into(xp, xp.subtract, square_avg, denom, out=denom)
            denom = into(xp, xp.sqrt, denom, out=denom)
        else:
            denom = into(xp, xp.sqrt, square_avg, out=scratch)
        denom += float(self.epsilon)
        normalized = into(xp, xp.divide, grad, denom, out=denom)
        if self.momentum:
            buffer = state["momentum_buffer"]
            buffer *= float(self.momentum)
            buffer += normalized
            normalized = into(xp, xp.multiply, buffer, 1.0, out=normalized)
        normalized *= float(learning_rate)
        params -= normalized
        return state, loss


class Adam(Solver):
    """Adam, in scikit-learn's form (Kingma & Ba 2014, section 2, "epsilon-hat").

    With step count ``t`` (mini-batch updates)::

        m <- beta_1 * m + (1 - beta_1) * g
        v <- beta_2 * v + (1 - beta_2) * g**2
        lr_t = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)
        w <- w - lr_t * m / (sqrt(v) + epsilon)

    (PyTorch divides by ``sqrt(v_hat) + epsilon`` instead, so its effective epsilon is
    larger by ``1 / sqrt(1 - beta_2**t)``.)

    Trains online (``batch_size=1``), on mini-batches or on the full batch.

    Parameters
    ----------
    learning_rate_init : float, default=0.001
        Base learning rate ``lr``.
    beta_1 : float, default=0.9
        Decay of the first-moment estimate, in [0, 1).
    beta_2 : float, default=0.999
        Decay of the second-moment estimate, in [0, 1).
    epsilon : float, default=1e-8
        Numerical-stability term.

    References
    ----------
    D. P. Kingma and J. Ba, "Adam: A method for stochastic optimization", ICLR 2015
    (arXiv:1412.6980).
    """

    has_learning_rate = True

    def __init__(self, learning_rate_init=0.001, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-8):
        self.learning_rate_init = learning_rate_init
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def init(self, params):
        xp = namespace(params)
        return {"t": 0, "m": xp.zeros_like(params), "v": xp.zeros_like(params)}

    def step(self, params, grad_fn, state, learning_rate):
        loss, grad = grad_fn(params)
        state["t"] += 1
        t = state["t"]
        beta_1, beta_2 = float(self.beta_1), float(self.beta_2)
        lr_t = float(learning_rate) * math.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        adam_update(params, grad, state["m"], state["v"], self._scratch(params),
                    (beta_1, beta_2, lr_t, float(self.epsilon)), namespace(params))
        return state, loss


@fusable("adam_update", 4)
def adam_update(params, grad, m, v, scratch, coefficients, xp):
    """Adam's moment updates and step (scikit-learn's form), in place;
    ``coefficients`` is ``(beta_1, beta_2, lr_t, epsilon)``."""
    beta_1, beta_2, lr_t, epsilon = coefficients
    m *= beta_1
    m += into(xp, xp.multiply, grad, 1 - beta_1, out=scratch)
    v *= beta_2
    square = into(xp, xp.multiply, grad, grad, out=scratch)
    square *= 1 - beta_2
    v += square
    step = into(xp, xp.sqrt, v, out=scratch)
    step += epsilon
    step = into(xp, xp.divide, m, step, out=step)
    step *= lr_t
    params -= step
