"""Pluggable solvers: objects that hold hyperparameters, with explicit state.

The protocol (see DESIGN.md, "Solvers"): at most three members.

* A solver object holds **hyperparameters only**, exposed through ``get_params`` /
  ``set_params`` so ``GridSearchCV`` can search ``solver__<name>`` and ``clone`` copies
  it. Training never changes them.
* ``state = solver.init(params)`` creates the solver's state (velocities, moments,
  step sizes, a step counter ...): a dict of arrays and numbers, documented in each
  class, so it pickles, loads with skops, and lives in the estimator's training state
  between ``partial_fit`` calls. Scratch space is not state: solvers get it from
  :meth:`Solver._scratch`, which is never pickled.
* ``state, loss = solver.step(params, grad_fn, state, learning_rate)`` updates the
  flat parameter buffer ``params`` **in place**. ``grad_fn(params)`` returns
  ``(loss, flat_grad)`` on the current batch; ``loss`` is the batch loss before the
  update. ``flat_grad`` is a buffer the caller reuses: copy what must outlive the
  next call. ``learning_rate`` comes from the schedule (:mod:`skneural.schedules`):
  ``learning_rate_init`` times the schedule's factor; solvers without a
  ``learning_rate_init`` (Rprop, vSGD) are passed None and set their own steps.
* ``full_batch = True`` (a class attribute) makes the trainer feed the whole
  training set at each step, whatever ``batch_size`` says: sign-based methods need a
  deterministic gradient. SGD, AdaptiveGains, RMSprop, vSGD and Adam train online
  (``batch_size=1``), on mini-batches or on the full batch (``batch_size >=
  n_samples``).

Minimizers (L-BFGS and CG, :mod:`skneural.minimizers`) run the whole optimization
themselves instead: ``minimize(params, fun, *, max_iter, tol, callback)``.

String names
------------
An estimator's ``solver`` is a solver object, which carries its own settings, or one
of these names, which build a solver from the estimator's scikit-learn-named
parameters (settings not listed keep the class defaults; pass an object to change
them):

============================  =================================  =======================
name                          solver                             estimator parameters
============================  =================================  =======================
``"sgd"``                     :class:`SGD` (scikit-learn's)      learning_rate_init,
                                                                 learning_rate, power_t,
                                                                 momentum,
                                                                 nesterovs_momentum
``"momentum"``                ``SGD(nesterovs_momentum=False)``  as "sgd" except
                                                                 nesterovs_momentum
``"nesterov"``                ``SGD(nesterovs_momentum=True)``   as "momentum"
``"adaptive_gains"``          :class:`AdaptiveGains`             learning_rate_init
``"rmsprop"``                 :class:`RMSprop`                   learning_rate_init,
                                                                 epsilon
``"rprop"``                   ``Rprop(variant="irprop-")``       none
``"rprop+"``, ``"rprop-"``,   ``Rprop(variant=name)``            none
``"irprop+"``, ``"irprop-"``
``"adam"``                    :class:`Adam` (scikit-learn's)     learning_rate_init,
                                                                 beta_1, beta_2, epsilon
``"vsgd"``                    :class:`VSGD`                      none (it sets its own
                                                                 learning rates)
``"lbfgs"``                   :class:`LBFGS`                     max_fun (max_iter, tol)
``"cg"``                      :class:`CG`                        (max_iter, tol)
============================  =================================  =======================

``momentum`` is only read by the SGD names (its estimator default, 0.9, is
scikit-learn's for "sgd"); use ``AdaptiveGains(momentum=...)`` or
``RMSprop(momentum=...)`` for the others. The settings with which every solver
reaches >= 0.93 five-fold accuracy on scikit-learn's digits are in
``doc/solvers.rst``.

Writing a solver
----------------
Subclass :class:`Solver`, store the hyperparameters verbatim in ``__init__`` and
implement ``init`` and ``step``; use the ``learning_rate`` argument so schedules apply::

    class SignSGD(Solver):
        \"\"\"Step every weight by the learning rate against its gradient's sign.\"\"\"

        def __init__(self, learning_rate_init=0.01):
            self.learning_rate_init = learning_rate_init

        def init(self, params):
            return {}

        def step(self, params, grad_fn, state, learning_rate):
            loss, grad = grad_fn(params)
            params -= learning_rate * np.sign(grad)
            return state, loss

    MLPClassifier(solver=SignSGD(learning_rate_init=0.003)).fit(X, y)
    register("sign_sgd", lambda p: SignSGD(p["learning_rate_init"]))  # optional

Examples
--------
>>> from sklearn.datasets import load_iris
>>> from skneural import MLPClassifier
>>> from skneural.solvers import RMSprop, Rprop
>>> X, y = load_iris(return_X_y=True)
>>> clf = MLPClassifier((10,), solver=Rprop(variant="irprop+"), max_iter=300,
...                     random_state=0).fit(X, y)
>>> clf.score(X, y) > 0.9
True
>>> MLPClassifier(solver=RMSprop(rho=0.95)).get_params()["solver__rho"]
0.95
"""

import inspect
import math

import numpy as np

from . import _jit
from ._array_api import array_namespace
from ._registry import Registry

__all__ = ["Solver", "SGD", "AdaptiveGains", "RMSprop", "Rprop", "Adam", "VSGD", "LBFGS",
           "CG", "SOLVERS", "RPROP_VARIANTS", "register", "get", "from_estimator_params",
           "is_minimizer"]

RPROP_VARIANTS = ("rprop+", "rprop-", "irprop+", "irprop-")


class Solver:
    """Base class of the solvers: parameter handling and the default hooks.

    Subclasses store their hyperparameters verbatim in ``__init__`` (scikit-learn's
    convention, so ``get_params``, ``set_params``, ``clone`` and ``repr`` work) and
    implement :meth:`init` and :meth:`step`, or ``minimize`` for a solver that runs
    the whole optimization itself.
    """

    full_batch = False

    @classmethod
    def _get_param_names(cls):
        init = cls.__init__
        if init is object.__init__:
            return []
        parameters = inspect.signature(init).parameters.values()
        return sorted(
            p.name for p in parameters
            if p.name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        )

    def get_params(self, deep=True):
        """Hyperparameters of this solver, as a dict (scikit-learn's convention)."""
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params):
        """Set hyperparameters; unknown names raise ValueError."""
        valid = self._get_param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(
                    f"Invalid parameter {name!r} for solver {type(self).__name__}. "
                    f"Valid parameters are: {valid}."
                )
            setattr(self, name, value)
        return self

    def __repr__(self):
        defaults = {
            name: p.default
            for name, p in inspect.signature(type(self).__init__).parameters.items()
        }
        changed = [
            f"{name}={value!r}" for name, value in self.get_params().items()
            if not (defaults.get(name) is value or defaults.get(name) == value)
        ]
        return f"{type(self).__name__}({', '.join(changed)})"

    def init(self, params):
        """Return the initial solver state for the flat parameter buffer ``params``."""
        return {}

    def step(self, params, grad_fn, state, learning_rate):
        """Update ``params`` in place; return ``(state, loss)``."""
        raise NotImplementedError

    # -- arrays of other namespaces (torch, CuPy, array-api-strict) -----------------
    #
    # ``step`` is written for NumPy: in place, with ``out=``. A solver that also
    # trains on other Array API namespaces starts its ``step`` with
    # ``if type(params) is not np.ndarray: return self._step_xp(...)`` and implements
    # the same arithmetic in the standard's functions there: new arrays for the state
    # (stored back in the dict) and one in-place update of ``params``
    # (``params += update``), which both paths need because ``params`` is the buffer
    # the caller holds. Python floats only: NumPy scalars do not mix with every
    # namespace's arrays. The trainer builds the state with ``init`` on a host copy
    # and moves its arrays to the device. A solver written with operators only
    # (``params -= lr * grad``) needs nothing more.

    def _scratch(self, params, k=0):
        """Scratch buffer ``k`` shaped like ``params``: allocated once per fit, kept
        on the solver object for the following steps and never pickled."""
        scratch = self.__dict__.setdefault("_scratch_buffers", {})
        key = (k, params.shape, params.dtype)
        if key not in scratch:
            scratch[key] = np.empty_like(params)
        return scratch[key]

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k != "_scratch_buffers"}


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

    With ``penalty="l1"`` or ``"elasticnet"`` the L1 part is a proximal step after
    each update (soft-thresholding by ``lr * alpha * l1_ratio / s``, ``s`` the
    batch's sample-weight sum), which sets weights exactly to 0
    (:mod:`skneural.regularizers`).

    The schedules ("constant", "invscaling", "adaptive", ...) are the estimator's
    ``learning_rate`` (:mod:`skneural.schedules`); they set ``lr`` at each step.

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
    >>> from skneural.solvers import SGD
    >>> solver = SGD(learning_rate_init=0.1, momentum=0.5, nesterovs_momentum=False)
    >>> w = np.array([1.0])
    >>> state = solver.init(w)
    >>> for _ in range(2):
    ...     state, loss = solver.step(w, lambda p: (0.5 * p @ p, p.copy()), state, 0.1)
    >>> w.round(6)     # v1 = -0.1, w1 = 0.9; v2 = -0.05 - 0.09, w2 = 0.76
    array([0.76])
    """

    # An L1 penalty is applied as a proximal (soft-thresholding) step after each
    # update, which zeroes weights exactly (skneural.regularizers).
    proximal_l1 = True

    def __init__(self, learning_rate_init=0.001, momentum=0.9, nesterovs_momentum=True):
        self.learning_rate_init = learning_rate_init
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum

    def init(self, params):
        return {"velocity": np.zeros_like(params)}

    def step(self, params, grad_fn, state, learning_rate):
        if type(params) is not np.ndarray:  # another Array API namespace
            return self._step_xp(params, grad_fn, state, learning_rate)
        loss, grad = grad_fn(params)
        mu = self.momentum
        if _jit.usable(params, grad, state["velocity"]):  # one fused pass
            _jit.sgd_update(params, grad, state["velocity"], learning_rate, mu,
                            self.nesterovs_momentum)
            return state, loss
        velocity, scaled_grad = state["velocity"], self._scratch(params)
        np.multiply(grad, learning_rate, out=scaled_grad)
        velocity *= mu
        velocity -= scaled_grad
        if self.nesterovs_momentum:
            params += mu * velocity - scaled_grad
        else:
            params += velocity
        return state, loss

    def _step_xp(self, params, grad_fn, state, learning_rate):
        loss, grad = grad_fn(params)
        mu = float(self.momentum)
        scaled_grad = grad * float(learning_rate)
        velocity = state["velocity"] = state["velocity"] * mu - scaled_grad
        if self.nesterovs_momentum:
            params += mu * velocity - scaled_grad
        else:
            params += velocity
        return state, loss


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
    momentum : float, default=0.0
        Momentum of the velocity, in [0, 1).
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
    >>> from skneural.solvers import AdaptiveGains
    >>> solver = AdaptiveGains(learning_rate_init=0.1)
    >>> w = np.array([1.0, -1.0])
    >>> state = solver.init(w)
    >>> for _ in range(2):
    ...     state, loss = solver.step(w, lambda p: (0.5 * p @ p, p.copy()), state, 0.1)
    >>> state["gains"]      # same sign twice: 1 + 0.05
    array([1.05, 1.05])
    """

    def __init__(self, learning_rate_init=0.001, momentum=0.0, gain_increase=0.05,
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
        return {"gains": np.ones_like(params), "velocity": np.zeros_like(params)}

    def step(self, params, grad_fn, state, learning_rate):
        if type(params) is not np.ndarray:  # another Array API namespace
            return self._step_xp(params, grad_fn, state, learning_rate)
        loss, grad = grad_fn(params)
        gains, velocity = state["gains"], state["velocity"]
        scratch = self._scratch(params)
        np.multiply(grad, velocity, out=scratch)  # < 0 where g agrees with the step
        # ufuncs with where= rather than boolean indexing: half the time per step.
        np.add(gains, self.gain_increase, out=gains, where=scratch < 0)
        np.multiply(gains, self.gain_decrease, out=gains, where=scratch > 0)
        np.clip(gains, self.gain_min, self.gain_max, out=gains)
        np.multiply(grad, gains, out=scratch)
        scratch *= learning_rate
        velocity *= self.momentum
        velocity -= scratch
        params += velocity
        return state, loss

    def _step_xp(self, params, grad_fn, state, learning_rate):
        loss, grad = grad_fn(params)
        xp = array_namespace(params)
        gains, velocity = state["gains"], state["velocity"]
        agreement = grad * velocity  # < 0 where g agrees with the step
        gains = xp.where(agreement < 0, gains + float(self.gain_increase), gains)
        gains = xp.where(agreement > 0, gains * float(self.gain_decrease), gains)
        gains = state["gains"] = xp.clip(gains, min=float(self.gain_min),
                                         max=float(self.gain_max))
        velocity = state["velocity"] = (velocity * float(self.momentum)
                                        - grad * gains * float(learning_rate))
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
    >>> from skneural.solvers import RMSprop
    >>> solver = RMSprop(learning_rate_init=0.01, rho=0.9, epsilon=0.0)
    >>> w = np.array([2.0])
    >>> state = solver.init(w)
    >>> state, loss = solver.step(w, lambda p: (0.5 * p @ p, p.copy()), state, 0.01)
    >>> w.round(6)   # 2 - 0.01 * 2 / sqrt(0.1 * 4)
    array([1.968377])
    """

    def __init__(self, learning_rate_init=0.001, rho=0.9, epsilon=1e-8, centered=False,
                 momentum=0.0):
        self.learning_rate_init = learning_rate_init
        self.rho = rho
        self.epsilon = epsilon
        self.centered = centered
        self.momentum = momentum

    def init(self, params):
        return {
            "square_avg": np.zeros_like(params),
            "grad_avg": np.zeros_like(params),
            "momentum_buffer": np.zeros_like(params),
        }

    def step(self, params, grad_fn, state, learning_rate):
        if type(params) is not np.ndarray:  # another Array API namespace
            return self._step_xp(params, grad_fn, state, learning_rate)
        loss, grad = grad_fn(params)
        rho = self.rho
        square_avg, denom = state["square_avg"], self._scratch(params)
        square_avg *= rho
        np.square(grad, out=denom)
        denom *= 1 - rho
        square_avg += denom
        if self.centered:
            grad_avg = state["grad_avg"]
            grad_avg *= rho
            grad_avg += (1 - rho) * grad
            np.square(grad_avg, out=denom)
            np.subtract(square_avg, denom, out=denom)
            np.sqrt(denom, out=denom)
        else:
            np.sqrt(square_avg, out=denom)
        denom += self.epsilon
        np.divide(grad, denom, out=denom)  # the normalized gradient
        if self.momentum:
            buffer = state["momentum_buffer"]
            buffer *= self.momentum
            buffer += denom
            denom[...] = buffer
        denom *= learning_rate
        params -= denom
        return state, loss

    def _step_xp(self, params, grad_fn, state, learning_rate):
        loss, grad = grad_fn(params)
        xp = array_namespace(params)
        rho = float(self.rho)
        square_avg = state["square_avg"] = (state["square_avg"] * rho
                                            + grad * grad * (1 - rho))
        if self.centered:
            grad_avg = state["grad_avg"] = state["grad_avg"] * rho + (1 - rho) * grad
            denom = xp.sqrt(square_avg - grad_avg * grad_avg)
        else:
            denom = xp.sqrt(square_avg)
        normalized = grad / (denom + float(self.epsilon))
        if self.momentum:
            normalized = state["momentum_buffer"] = (
                state["momentum_buffer"] * float(self.momentum) + normalized)
        params -= normalized * float(learning_rate)
        return state, loss


class Rprop(Solver):
    """Resilient backpropagation: per-weight step sizes driven by gradient signs.

    Only the sign of each partial derivative is used. Each weight has a step size
    ``D`` (starting at ``step_init``), adapted from the sign of ``g_prev * g``::

        g_prev * g > 0:  D <- min(eta_plus * D, step_max)
        g_prev * g < 0:  D <- max(eta_minus * D, step_min)
        g_prev * g = 0:  D unchanged (clipped to [step_min, step_max], as torch)

    and the weight moves by ``dw = -sign(g) * D``, except after a sign change
    (``g_prev * g < 0``), where the variants differ:

    ===========  =============================================  ======================
    variant      on a sign change                               stored g_prev
    ===========  =============================================  ======================
    "rprop+"     undo the last step: ``dw = -dw_prev``          0
    "rprop-"     step as usual: ``dw = -sign(g) * D``           g
    "irprop+"    undo the last step only if the loss went up    0
                 (``E_t > E_{t-1}``), else ``dw = 0``
    "irprop-"    no step: ``dw = 0`` (torch.optim.Rprop)        0
    ===========  =============================================  ======================

    Storing 0 makes the next step fall in the ``= 0`` branch: ``D`` is kept and the
    weight steps along ``-sign(g)``. iRprop- with the defaults below is
    torch.optim.Rprop with its defaults.

    **Full batch only.** Rprop always sees the whole training set, whatever
    ``batch_size`` says (``full_batch = True``): on mini-batches the gradient's sign
    flips with the batch rather than with the error surface, and since each step's
    size is independent of the gradient's magnitude, weights end up moving by the
    same amount for a batch that says "up a little" as for nine that say "down a
    lot" (the reason Hinton's lecture 6e introduces RMSprop). One ``partial_fit``
    call is one full-batch step on the data it is given.

    Parameters
    ----------
    variant : {"irprop-", "irprop+", "rprop+", "rprop-"}, default="irprop-"
        Sign-change rule, see above.
    eta_plus : float, default=1.2
        Step-size growth factor (> 1).
    eta_minus : float, default=0.5
        Step-size shrink factor (in (0, 1)).
    step_init : float, default=0.01
        Initial step size (torch's ``lr``; Riedmiller & Braun use 0.1).
    step_min : float, default=1e-6
        Smallest step size.
    step_max : float, default=50.0
        Largest step size.

    References
    ----------
    M. Riedmiller and H. Braun, "A direct adaptive method for faster backpropagation
    learning: the RPROP algorithm", IEEE ICNN 1993 (Rprop+). M. Riedmiller, "Advanced
    supervised learning in multi-layer perceptrons: from backpropagation to adaptive
    learning algorithms", Computer Standards & Interfaces 16, 1994 (Rprop-).
    C. Igel and M. Husken, "Improving the Rprop learning algorithm", NC 2000, and
    "Empirical evaluation of the improved Rprop learning algorithms",
    Neurocomputing 50, 2003 (iRprop+, iRprop-).

    Examples
    --------
    >>> import numpy as np
    >>> from skneural.solvers import Rprop
    >>> solver = Rprop(step_init=0.1)
    >>> w = np.array([1.0, -0.05])
    >>> state = solver.init(w)
    >>> for _ in range(2):
    ...     state, loss = solver.step(w, lambda p: (0.5 * p @ p, p.copy()), state, None)
    >>> w.round(6)      # steps 0.1 then 0.12; the second weight overshoots
    array([0.78, 0.05])
    """

    full_batch = True

    def __init__(self, variant="irprop-", eta_plus=1.2, eta_minus=0.5, step_init=0.01,
                 step_min=1e-6, step_max=50.0):
        self.variant = variant
        self.eta_plus = eta_plus
        self.eta_minus = eta_minus
        self.step_init = step_init
        self.step_min = step_min
        self.step_max = step_max

    def _check(self):
        if self.variant not in RPROP_VARIANTS:
            raise ValueError(
                f"Rprop variant must be one of {RPROP_VARIANTS}, got {self.variant!r}."
            )
        if not (0 < self.eta_minus < 1 < self.eta_plus):
            raise ValueError(
                f"Rprop needs 0 < eta_minus < 1 < eta_plus, got eta_minus="
                f"{self.eta_minus}, eta_plus={self.eta_plus}."
            )
        if not (0 <= self.step_min <= self.step_max and self.step_init > 0):
            raise ValueError(
                f"Rprop needs step_init > 0 and 0 <= step_min <= step_max, got "
                f"step_init={self.step_init}, step_min={self.step_min}, "
                f"step_max={self.step_max}."
            )

    def init(self, params):
        self._check()
        return {
            "step_size": np.full_like(params, self.step_init),
            "prev_grad": np.zeros_like(params),
            "prev_update": np.zeros_like(params),
            "prev_loss": np.inf,
        }

    def step(self, params, grad_fn, state, learning_rate=None):
        if type(params) is not np.ndarray:  # another Array API namespace
            return self._step_xp(params, grad_fn, state, learning_rate)
        self._check()  # hyperparameters may change between partial_fit calls
        loss, grad = grad_fn(params)
        step_size, prev_grad = state["step_size"], state["prev_grad"]
        prev_update = state["prev_update"]
        # Compare signs, not the product, which can underflow to 0 for tiny slopes.
        sign = np.sign(grad)
        agreement = sign * np.sign(prev_grad)
        increase, flipped = agreement > 0, agreement < 0
        np.multiply(step_size, self.eta_plus, out=step_size, where=increase)
        np.multiply(step_size, self.eta_minus, out=step_size, where=flipped)
        np.clip(step_size, self.step_min, self.step_max, out=step_size)

        update = -sign * step_size
        if self.variant == "rprop+":
            update[flipped] = -prev_update[flipped]
        elif self.variant == "irprop+":
            update[flipped] = -prev_update[flipped] if loss > state["prev_loss"] else 0
        elif self.variant == "irprop-":
            update[flipped] = 0
        params += update

        prev_grad[...] = grad
        if self.variant != "rprop-":
            prev_grad[flipped] = 0
        prev_update[...] = update
        state["prev_loss"] = loss
        return state, loss

    def _step_xp(self, params, grad_fn, state, learning_rate=None):
        self._check()
        loss, grad = grad_fn(params)
        xp = array_namespace(params)
        step_size, prev_update = state["step_size"], state["prev_update"]
        sign = xp.sign(grad)
        agreement = sign * xp.sign(state["prev_grad"])
        increase, flipped = agreement > 0, agreement < 0
        step_size = xp.where(increase, step_size * float(self.eta_plus), step_size)
        step_size = xp.where(flipped, step_size * float(self.eta_minus), step_size)
        step_size = state["step_size"] = xp.clip(
            step_size, min=float(self.step_min), max=float(self.step_max))
        update = -sign * step_size
        zeros = xp.zeros_like(update)
        if self.variant == "rprop+":
            update = xp.where(flipped, -prev_update, update)
        elif self.variant == "irprop+":
            undo = -prev_update if bool(loss > state["prev_loss"]) else zeros
            update = xp.where(flipped, undo, update)
        elif self.variant == "irprop-":
            update = xp.where(flipped, zeros, update)
        params += update
        state["prev_grad"] = (grad + zeros if self.variant == "rprop-"
                              else xp.where(flipped, zeros, grad))
        state["prev_update"] = update
        state["prev_loss"] = float(loss)
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

    def __init__(self, learning_rate_init=0.001, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-8):
        self.learning_rate_init = learning_rate_init
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def init(self, params):
        return {"t": 0, "m": np.zeros_like(params), "v": np.zeros_like(params)}

    def step(self, params, grad_fn, state, learning_rate):
        if type(params) is not np.ndarray:  # another Array API namespace
            return self._step_xp(params, grad_fn, state, learning_rate)
        loss, grad = grad_fn(params)
        state["t"] += 1
        t = state["t"]
        lr_t = learning_rate * np.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)
        self._update(params, grad, state["m"], state["v"], self._scratch(params),
                     lr_t=lr_t)
        return state, loss

    def _update(self, params, grad, m, v, tmp, *, lr_t):
        beta_1, beta_2 = self.beta_1, self.beta_2
        if _jit.usable(params, grad, m, v):  # one fused pass
            _jit.adam_update(params, grad, m, v, beta_1, beta_2, lr_t, self.epsilon)
            return
        m *= beta_1
        np.multiply(grad, 1 - beta_1, out=tmp)
        m += tmp
        v *= beta_2
        np.square(grad, out=tmp)
        tmp *= 1 - beta_2
        v += tmp
        np.sqrt(v, out=tmp)
        tmp += self.epsilon
        np.divide(m, tmp, out=tmp)
        tmp *= lr_t
        params -= tmp

    def _step_xp(self, params, grad_fn, state, learning_rate):
        loss, grad = grad_fn(params)
        xp = array_namespace(params)
        state["t"] += 1
        t = state["t"]
        beta_1, beta_2 = float(self.beta_1), float(self.beta_2)
        lr_t = learning_rate * math.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        m = state["m"] = state["m"] * beta_1 + grad * (1 - beta_1)
        v = state["v"] = state["v"] * beta_2 + grad * grad * (1 - beta_2)
        params -= m / (xp.sqrt(v) + float(self.epsilon)) * float(lr_t)
        return state, loss


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
    >>> from skneural.solvers import VSGD
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
        if not self._slow_start_factor(params.size) >= 1:
            raise ValueError(
                f"VSGD needs slow_start >= 1 or 'auto', got {self.slow_start!r}."
            )
        if not self.epsilon > 0:
            raise ValueError(f"VSGD needs epsilon > 0, got {self.epsilon!r}.")
        state = {"t": 0}
        for name in ("g_bar", "v_bar", "h_bar", "vh_bar", "tau"):
            state[name] = np.zeros_like(params)
        return state

    def step(self, params, grad_fn, state, learning_rate=None):
        if type(params) is not np.ndarray:  # another Array API namespace
            return self._step_xp(params, grad_fn, state)
        loss, grad = grad_fn(params)
        g = grad.copy()  # grad_fn reuses its buffer
        delta = g.copy() if state["t"] == 0 else state["g_bar"].copy()
        np.copysign(np.maximum(np.abs(delta), self.epsilon), delta, out=delta)
        _, shifted = grad_fn(params + delta)
        h = np.abs(g - shifted)
        h /= np.abs(delta)
        state["t"] += 1
        if not state["tau"].any():  # tau is 0 until the slow start ends
            self._slow_start_step(state, g, h, params.size)
            return state, loss
        self._update_statistics(state, g, h)
        ratio = state["g_bar"] ** 2
        ratio /= state["v_bar"] + self.epsilon
        eta = state["h_bar"] / (state["vh_bar"] + self.epsilon)
        eta *= ratio
        tau = state["tau"]
        tau *= 1.0 - ratio
        tau += 1.0
        eta *= g
        params -= eta
        return state, loss

    def _step_xp(self, params, grad_fn, state):
        """:meth:`step` in ``params``' namespace, without in-place array updates."""
        xp = array_namespace(params)
        epsilon = float(self.epsilon)
        loss, grad = grad_fn(params)
        g = xp.asarray(grad, copy=True)  # grad_fn may reuse its buffer
        delta = g if state["t"] == 0 else state["g_bar"]
        delta = xp.copysign(xp.clip(xp.abs(delta), min=epsilon), delta)
        _, shifted = grad_fn(params + delta)
        h = xp.abs(g - shifted) / xp.abs(delta)
        state["t"] += 1
        names = ("g_bar", "v_bar", "h_bar", "vh_bar")
        values = (g, g * g, h, h * h)
        if not bool(xp.any(state["tau"] != 0)):  # the slow start
            weight = 1.0 / state["t"]
            for name, value in zip(names, values, strict=True):
                state[name] = state[name] + weight * (value - state[name])
            if state["t"] >= self.init_batches:
                factor = self._slow_start_factor(params.shape[0])
                state["v_bar"] = state["v_bar"] * factor
                state["h_bar"] = state["h_bar"] * factor
                state["vh_bar"] = state["vh_bar"] * factor**2
                state["tau"] = xp.ones_like(state["tau"]) * 2.0
            return state, loss
        g_bar, v_bar, h_bar, vh_bar = (state[name] for name in names)
        tau = state["tau"]
        if self.outlier_threshold is not None:
            k2 = float(self.outlier_threshold) ** 2
            outlier = ((g - g_bar) ** 2 > k2 * (v_bar - g_bar**2)) | (
                (h - h_bar) ** 2 > k2 * (vh_bar - h_bar**2))
            tau = tau + xp.astype(outlier, tau.dtype)
        weight = 1.0 / tau
        for name, value in zip(names, values, strict=True):
            state[name] = state[name] + weight * (value - state[name])
        ratio = state["g_bar"] ** 2 / (state["v_bar"] + epsilon)
        eta = state["h_bar"] / (state["vh_bar"] + epsilon) * ratio
        state["tau"] = tau * (1.0 - ratio) + 1.0
        params -= eta * g
        return state, loss

    def _slow_start_step(self, state, g, h, n_params):
        """Running means over the first batches, then the overestimate."""
        weight = 1.0 / state["t"]
        for name, value in (("g_bar", g), ("v_bar", g * g), ("h_bar", h),
                            ("vh_bar", h * h)):
            state[name] += weight * (value - state[name])
        if state["t"] >= self.init_batches:
            factor = self._slow_start_factor(n_params)
            state["v_bar"] *= factor
            state["h_bar"] *= factor
            state["vh_bar"] *= factor**2
            state["tau"][...] = 2.0

    def _update_statistics(self, state, g, h):
        """The outlier test, then the moving averages over the memory ``tau``."""
        g_bar, v_bar, h_bar, vh_bar, tau = (
            state[name] for name in ("g_bar", "v_bar", "h_bar", "vh_bar", "tau"))
        if self.outlier_threshold is not None:
            k2 = float(self.outlier_threshold) ** 2
            outlier = (g - g_bar) ** 2 > k2 * (v_bar - g_bar**2)
            outlier |= (h - h_bar) ** 2 > k2 * (vh_bar - h_bar**2)
            tau += outlier
        weight = 1.0 / tau
        for average, value in ((g_bar, g), (v_bar, g * g), (h_bar, h),
                               (vh_bar, h * h)):
            average += weight * (value - average)


from .minimizers import CG, LBFGS  # noqa: E402  (they build on Solver)

SOLVERS = Registry(
    "solver", lambda obj: False,
    hint="Or pass a solver object (see skneural.solvers).",
)


def register(name, factory, *, overwrite=False):
    """Register a solver name.

    ``factory(estimator_params)`` receives the estimator's parameters as a dict and
    returns a solver object; this is how ``solver="sgd"`` takes its settings from
    ``learning_rate_init``, ``momentum`` and the other scikit-learn-named parameters.
    The estimators accept registered names at once.
    """
    return SOLVERS.register(name, factory, overwrite=overwrite)


def _pick(params, *names):
    return {name: params[name] for name in names if name in params}


_SGD_PARAMS = ("learning_rate_init", "momentum")

register("sgd", lambda p: SGD(**_pick(p, *_SGD_PARAMS, "nesterovs_momentum")))
register("momentum", lambda p: SGD(**_pick(p, *_SGD_PARAMS), nesterovs_momentum=False))
register("nesterov", lambda p: SGD(**_pick(p, *_SGD_PARAMS), nesterovs_momentum=True))
register("adaptive_gains", lambda p: AdaptiveGains(**_pick(p, "learning_rate_init")))
register("rmsprop", lambda p: RMSprop(**_pick(p, "learning_rate_init", "epsilon")))
register("rprop", lambda p: Rprop(variant="irprop-"))
for _variant in RPROP_VARIANTS:
    register(_variant, lambda p, variant=_variant: Rprop(variant=variant))
register("adam", lambda p: Adam(**_pick(
    p, "learning_rate_init", "beta_1", "beta_2", "epsilon")))
register("vsgd", lambda p: VSGD())
register("lbfgs", lambda p: LBFGS(**_pick(p, "max_fun")))
register("cg", lambda p: CG())


def from_estimator_params(solver, estimator_params):
    """Solver object for an estimator's ``solver`` parameter (a name or an object)."""
    if isinstance(solver, str):
        return SOLVERS.get(solver)(estimator_params)
    if not (hasattr(solver, "step") or hasattr(solver, "minimize")):
        raise ValueError(
            f"solver must be a registered name or an object with a step() or "
            f"minimize() method, got {solver!r}."
        )
    return solver


def get(solver, **estimator_params):
    """Shorthand for :func:`from_estimator_params` with keyword arguments."""
    return from_estimator_params(solver, estimator_params)


def is_minimizer(solver):
    """Whether the solver runs the whole optimization itself (L-BFGS, CG)."""
    return hasattr(solver, "minimize")
