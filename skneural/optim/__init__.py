"""Pluggable solvers: objects that hold hyperparameters, with explicit state.

The protocol (:mod:`skneural.optim.base`; DESIGN.md, "Solvers"): at most three
members. ``skneural.optim`` is another name for this package.

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
  next call. ``learning_rate`` comes from the schedule (:mod:`skneural.optim.schedules`):
  ``learning_rate_init`` times the schedule's factor; solvers without a
  ``learning_rate_init`` (Rprop, vSGD) are passed None and set their own steps.
* What a solver supports is declared by class attributes (``full_batch``,
  ``proximal_l1``, ``supports_bounds``, ``has_learning_rate``, ``minimizes``; see
  :mod:`skneural.optim.base`). ``full_batch = True`` makes the trainer feed the whole
  training set at each step, whatever ``batch_size`` says: sign-based methods need a
  deterministic gradient. SGD, AdaptiveGains, RMSprop, vSGD and Adam train online
  (``batch_size=1``), on mini-batches or on the full batch (``batch_size >=
  n_samples``).

Minimizers (L-BFGS and CG, :mod:`skneural.optim.minimizers`) run the whole
optimization themselves instead: ``minimize(params, fun, *, max_iter, tol,
callback)``. The learning-rate schedules are in :mod:`skneural.optim.schedules`.

Every rule is written once for every Array API namespace (NumPy, PyTorch, CuPy,
array-api-strict): ``xp = namespace(params)`` gives the arrays' namespace.

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
``"adaptive_gains"``          :class:`AdaptiveGains`             learning_rate_init,
                                                                 momentum
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

``momentum`` is read by the SGD names and ``"adaptive_gains"`` (its estimator
default, 0.9, is scikit-learn's for "sgd"); use ``RMSprop(momentum=...)`` for
RMSprop. The settings with which every solver
reaches >= 0.93 five-fold accuracy on scikit-learn's digits are in
``doc/solvers.rst``.

Writing a solver
----------------
Subclass :class:`Solver`, store the hyperparameters verbatim in ``__init__`` and
implement ``init`` and ``step``; declare ``has_learning_rate = True`` and use the
``learning_rate`` argument so schedules apply. Written with the namespace of the
parameters, it trains on NumPy, PyTorch tensors and Dask arrays alike::

    from skneural.optim import Solver, namespace, register

    class SignSGD(Solver):
        \"\"\"Step every weight by the learning rate against its gradient's sign.\"\"\"

        has_learning_rate = True

        def __init__(self, learning_rate_init=0.01):
            self.learning_rate_init = learning_rate_init

        def init(self, params):
            return {}

        def step(self, params, grad_fn, state, learning_rate):
            loss, grad = grad_fn(params)
            params -= learning_rate * namespace(params).sign(grad)
            return state, loss

    MLPClassifier(solver=SignSGD(learning_rate_init=0.003)).fit(X, y)
    register("sign_sgd", lambda p: SignSGD(p["learning_rate_init"]))  # optional
    MLPClassifier(solver="sign_sgd", learning_rate_init=0.003).fit(X, y)

Examples
--------
>>> from sklearn.datasets import load_iris
>>> from skneural import MLPClassifier
>>> from skneural.optim import RMSprop, Rprop
>>> X, y = load_iris(return_X_y=True)
>>> clf = MLPClassifier((10,), solver=Rprop(variant="irprop+"), max_iter=300,
...                     random_state=0).fit(X, y)
>>> clf.score(X, y) > 0.9
True
>>> MLPClassifier(solver=RMSprop(rho=0.95)).get_params()["solver__rho"]
0.95
"""

from .._backend import namespace
from .._registry import Registry
from .base import Solver
from .minimizers import CG, LBFGS
from .rprop import RPROP_VARIANTS, Rprop
from .schedules import (
    SCHEDULES,
    Adaptive,
    BoldDriver,
    Constant,
    InvScaling,
    Plateau,
    Schedule,
    make_schedule,
)
from .sgd import SGD, Adam, AdaptiveGains, RMSprop
from .vsgd import VSGD

__all__ = ["Solver", "SGD", "AdaptiveGains", "RMSprop", "Rprop", "Adam", "VSGD", "LBFGS",
           "CG", "SOLVERS", "RPROP_VARIANTS", "register", "get", "from_estimator_params",
           "namespace", "Schedule", "Constant", "InvScaling", "Adaptive", "Plateau",
           "BoldDriver", "SCHEDULES", "make_schedule"]

SOLVERS = Registry(
    "solver", lambda obj: False,
    hint="Or pass a solver object (a skneural.optim.Solver).",
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
register("adaptive_gains", lambda p: AdaptiveGains(**_pick(p, *_SGD_PARAMS)))
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
    if not isinstance(solver, Solver):
        raise ValueError(
            f"solver must be a registered name or a skneural.optim.Solver (with "
            f"step() or minimize()), got {solver!r}."
        )
    return solver


def check_partial_fit(solver, estimator_params):
    """True if an estimator's ``solver`` trains step by step, so that it has
    ``partial_fit``; AttributeError for a minimizer. An invalid ``solver`` counts as
    True: ``fit``'s parameter validation reports it.

    ``estimator_params`` is the estimator's parameters, or a function returning
    them: ``partial_fit`` asks on every call, so the answer is kept per registered
    factory (a name registered again gets its own) and per solver class.
    """
    try:
        key = SOLVERS.get(solver) if isinstance(solver, str) else type(solver)
        minimizes = _MINIMIZES.get(key)
        if minimizes is None:
            params = estimator_params() if callable(estimator_params) \
                else estimator_params
            minimizes = _MINIMIZES[key] = from_estimator_params(solver,
                                                                 params).minimizes
    except (ValueError, TypeError, KeyError):
        return True
    if minimizes:
        raise AttributeError("partial_fit is only available for stochastic optimizers. "
                             f"{solver} is not stochastic.")
    return True


_MINIMIZES = {}


def get(solver, **estimator_params):
    """Shorthand for :func:`from_estimator_params` with keyword arguments."""
    return from_estimator_params(solver, estimator_params)
