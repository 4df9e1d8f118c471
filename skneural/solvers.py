"""Pluggable solvers: objects that hold hyperparameters, with explicit state.

The protocol (see DESIGN.md, "Solvers"):

* A solver object holds **hyperparameters only**, exposed through ``get_params`` /
  ``set_params`` so ``GridSearchCV`` can search ``solver__<name>`` and ``clone`` copies
  it. Training never mutates it.
* ``state = solver.init(params)`` creates the mutable state (velocities, moments,
  step sizes, the current learning rate ...): a dict of arrays and numbers, so it
  pickles and can live on the estimator between ``partial_fit`` calls.
* ``state, loss = solver.step(params, grad_fn, state)`` updates the flat parameter
  buffer ``params`` **in place**. ``grad_fn(params)`` returns ``(loss, flat_grad)`` on
  the current batch; ``loss`` is the batch loss before the update.
* ``solver.end_epoch(state, n_samples_seen)`` runs after each epoch (learning-rate
  schedules); ``solver.on_plateau(state, message, verbose)`` is called when the loss or
  validation score stopped improving and returns True to stop training, False to go on
  (the ``"adaptive"`` schedule divides the learning rate instead of stopping).
* Every step-based solver keeps its current base learning rate in
  ``state["learning_rate"]`` (initialised from ``learning_rate_init``) and reads it
  at each step, so learning-rate schedules act on any solver by changing that entry.
* ``full_batch = True`` (a class attribute) makes the training loop feed the whole
  training set at each step: sign-based and line-search methods need a deterministic
  gradient.
* A solver with a ``minimize(params, fun, *, max_iter, tol, callback)`` method (L-BFGS,
  CG) runs the whole optimization itself; ``fun(params)`` returns ``(loss, grad)`` on
  the full training set.

Writing a solver is subclassing :class:`Solver` and implementing ``init`` and ``step``::

    class SignSGD(Solver):
        def __init__(self, learning_rate_init=0.01):
            self.learning_rate_init = learning_rate_init

        def init(self, params):
            return {}

        def step(self, params, grad_fn, state):
            loss, grad = grad_fn(params)
            params -= self.learning_rate_init * np.sign(grad)
            return state, loss

String names map to solver objects built from the estimator's scikit-learn-named
parameters, see :func:`from_estimator_params`.
"""

import inspect

import numpy as np
import scipy.optimize

__all__ = ["Solver", "SGD", "Adam", "LBFGS", "SOLVERS", "register", "get",
           "from_estimator_params"]


class Solver:
    """Base class of the solvers: parameter handling and the default hooks."""

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

    def step(self, params, grad_fn, state):
        """Update ``params`` in place; return ``(state, loss)``."""
        raise NotImplementedError

    def end_epoch(self, state, n_samples_seen):
        """Hook called after each epoch with the number of samples seen so far."""
        return state

    def on_plateau(self, state, message, verbose=False):
        """Called when training stopped improving; return True to stop."""
        if verbose:
            print(message + " Stopping.")
        return True

    def current_learning_rate(self, state):
        """The learning rate in use (for display), or None."""
        return state.get("learning_rate")


class SGD(Solver):
    """Stochastic gradient descent with optional momentum, classical or Nesterov.

    With velocity ``v`` (starting at 0), learning rate ``lr`` and momentum ``mu``
    (scikit-learn's ``SGDOptimizer``, Sutskever et al. 2013 for the Nesterov form)::

        v <- mu * v - lr * g
        w <- w + v                      (classical momentum; plain SGD when mu = 0)
        w <- w + mu * v - lr * g        (Nesterov, the look-ahead form)

    Parameters
    ----------
    learning_rate_init : float, default=0.001
    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        Schedule, with scikit-learn's meaning: ``invscaling`` sets
        ``lr = learning_rate_init / (t + 1) ** power_t`` after each epoch, ``t`` the
        number of samples seen; ``adaptive`` divides ``lr`` by 5 each time training
        stops improving, and stops once ``lr <= 1e-6``.
    power_t : float, default=0.5
    momentum : float, default=0.9
    nesterovs_momentum : bool, default=True

    References
    ----------
    Rumelhart, Hinton & Williams (1986); Polyak (1964); Sutskever, Martens, Dahl &
    Hinton, "On the importance of initialization and momentum in deep learning" (2013).
    """

    def __init__(self, learning_rate_init=0.001, learning_rate="constant", power_t=0.5,
                 momentum=0.9, nesterovs_momentum=True):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = learning_rate
        self.power_t = power_t
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum

    def init(self, params):
        return {
            "learning_rate": float(self.learning_rate_init),
            "velocity": np.zeros_like(params),
            "scratch": np.empty_like(params),
        }

    def step(self, params, grad_fn, state):
        loss, grad = grad_fn(params)
        lr, mu = state["learning_rate"], self.momentum
        velocity, scaled_grad = state["velocity"], state["scratch"]
        np.multiply(grad, lr, out=scaled_grad)
        velocity *= mu
        velocity -= scaled_grad
        if self.nesterovs_momentum:
            params += mu * velocity - scaled_grad
        else:
            params += velocity
        return state, loss

    def end_epoch(self, state, n_samples_seen):
        if self.learning_rate == "invscaling":
            state["learning_rate"] = (
                float(self.learning_rate_init) / (n_samples_seen + 1) ** self.power_t
            )
        return state

    def on_plateau(self, state, message, verbose=False):
        if self.learning_rate != "adaptive":
            return super().on_plateau(state, message, verbose)
        if state["learning_rate"] <= 1e-6:
            if verbose:
                print(message + " Learning rate too small. Stopping.")
            return True
        state["learning_rate"] /= 5.0
        if verbose:
            print(message + " Setting learning rate to %f" % state["learning_rate"])
        return False


class Adam(Solver):
    """Adam, in scikit-learn's form (Kingma & Ba 2014, section 2, "epsilon-hat").

    With step count ``t`` (mini-batch updates)::

        m <- beta_1 * m + (1 - beta_1) * g
        v <- beta_2 * v + (1 - beta_2) * g**2
        lr_t = learning_rate_init * sqrt(1 - beta_2**t) / (1 - beta_1**t)
        w <- w - lr_t * m / (sqrt(v) + epsilon)

    (PyTorch divides by ``sqrt(v_hat) + epsilon`` instead, so its effective epsilon is
    larger by ``1 / sqrt(1 - beta_2**t)``.)

    Parameters
    ----------
    learning_rate_init : float, default=0.001
    beta_1 : float, default=0.9
    beta_2 : float, default=0.999
    epsilon : float, default=1e-8
    """

    def __init__(self, learning_rate_init=0.001, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-8):
        self.learning_rate_init = learning_rate_init
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def init(self, params):
        return {
            "t": 0,
            "learning_rate": float(self.learning_rate_init),
            "m": np.zeros_like(params),
            "v": np.zeros_like(params),
            "scratch": np.empty_like(params),
            "scratch2": np.empty_like(params),
        }

    def step(self, params, grad_fn, state):
        loss, grad = grad_fn(params)
        beta_1, beta_2 = self.beta_1, self.beta_2
        state["t"] += 1
        t = state["t"]
        m, v, tmp, update = state["m"], state["v"], state["scratch"], state["scratch2"]
        m *= beta_1
        np.multiply(grad, 1 - beta_1, out=tmp)
        m += tmp
        v *= beta_2
        np.square(grad, out=tmp)
        tmp *= 1 - beta_2
        v += tmp
        lr_t = state["learning_rate"] * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        np.sqrt(v, out=tmp)
        tmp += self.epsilon
        np.multiply(m, -lr_t, out=update)
        update /= tmp
        params += update
        return state, loss



class LBFGS(Solver):
    """Limited-memory BFGS through ``scipy.optimize.minimize(method="L-BFGS-B")``.

    A quasi-Newton method on the full-batch objective (Liu & Nocedal 1989). The
    estimator's ``max_iter`` and ``tol`` become scipy's ``maxiter`` and ``gtol``.

    Parameters
    ----------
    max_fun : int, default=15000
        Maximum number of loss/gradient evaluations.
    """

    full_batch = True

    def __init__(self, max_fun=15000):
        self.max_fun = max_fun

    def minimize(self, params, fun, *, max_iter, tol, callback=None):
        """Minimize ``fun`` from ``params``; return scipy's ``OptimizeResult``."""
        return scipy.optimize.minimize(
            fun, params, method="L-BFGS-B", jac=True, callback=callback,
            options={"maxfun": self.max_fun, "maxiter": max_iter, "gtol": tol},
        )


SOLVERS = {}


def register(name, factory, *, overwrite=False):
    """Register a solver name.

    ``factory(estimator_params)`` receives the estimator's parameters as a dict and
    returns a solver object; this is how ``solver="sgd"`` takes its settings from
    ``learning_rate_init``, ``momentum`` and the other scikit-learn-named parameters.
    """
    if name in SOLVERS and not overwrite:
        raise ValueError(
            f"A solver named {name!r} is already registered; "
            "pass overwrite=True to replace it."
        )
    SOLVERS[name] = factory
    return factory


def _pick(params, *names):
    return {name: params[name] for name in names if name in params}


register("sgd", lambda p: SGD(**_pick(
    p, "learning_rate_init", "learning_rate", "power_t", "momentum",
    "nesterovs_momentum")))
register("adam", lambda p: Adam(**_pick(
    p, "learning_rate_init", "beta_1", "beta_2", "epsilon")))
register("lbfgs", lambda p: LBFGS(**_pick(p, "max_fun")))


def from_estimator_params(solver, estimator_params):
    """Solver object for an estimator's ``solver`` parameter (a name or an object)."""
    if isinstance(solver, str):
        try:
            factory = SOLVERS[solver]
        except KeyError:
            raise ValueError(
                f"Unknown solver {solver!r}. Registered solvers: {sorted(SOLVERS)}, "
                "or pass a solver object (see skneural.solvers)."
            ) from None
        return factory(estimator_params)
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
