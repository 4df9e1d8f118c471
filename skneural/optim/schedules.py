"""Learning-rate schedules: every ``learning_rate`` value of the estimators.

A schedule object holds hyperparameters only; its state is a small dict of numbers
(``init()``), kept in the training state between ``partial_fit`` calls. The learning
rate a solver gets at each step is ``base * state["factor"]``, ``base`` the solver's
``learning_rate_init``: the schedule keeps a *factor*, not a rate, so a
``learning_rate_init`` changed with ``set_params`` between ``partial_fit`` calls takes
effect at once and keeps whatever the schedule has done so far. Solvers without a
learning rate (the Rprop family, vSGD) take no schedule.

The trainer calls two hooks per epoch: :meth:`Schedule.after_training` once the
epoch's training loss is known (it may ask to undo the epoch) and
:meth:`Schedule.after_validation` once the validation data are scored (it may ask to
stop). Each is a deterministic function of the losses, so the schedules are checked
against hand-computed sequences (``tests/test_training_control.py``).

``learning_rate="constant"``
    The factor stays 1.

``learning_rate="invscaling"`` (scikit-learn's; 'sgd' only, as in scikit-learn)
    After each epoch the rate becomes ``learning_rate_init / (t + 1) ** power_t``,
    ``t`` the number of samples seen.

``learning_rate="adaptive"`` (scikit-learn's; 'sgd' only, as in scikit-learn)
    When training stops improving (more than ``n_iter_no_change`` epochs without an
    improvement of ``tol``, scikit-learn's rule), the rate is divided by
    ``PLATEAU_FACTOR`` (5) instead of stopping; once it is ``<= MIN_LEARNING_RATE``
    (1e-6), training stops.

``learning_rate="plateau"`` (every solver with a learning rate)
    Monitors the validation loss (with ``early_stopping=True`` or ``X_val``), else the
    training loss. An epoch *improves* when the monitored loss is below the reference
    by more than ``tol``; the reference is then lowered to it. After more than
    ``n_iter_no_change`` consecutive epochs without improvement the rate is divided by
    ``PLATEAU_FACTOR`` and the reference is **reset to the current loss**: improvement
    is measured against the best loss since the last reduction, not the best ever
    (scikit-learn's 'adaptive' keeps the best ever, so once a lucky epoch set a low
    bar the rate keeps dropping while the loss still falls: scikit-learn#15596). When
    a reduction is due and the rate is already ``<= MIN_LEARNING_RATE`` training
    stops. Like 'adaptive', it replaces the "stop after ``n_iter_no_change`` epochs"
    rule.

``learning_rate="bold_driver"`` (every solver with a learning rate)
    Battiti's "bold driver" (1989; Vogl et al. 1988; Bishop 1995, section 7.5.3),
    applied per epoch to the training objective ``E`` (the full-batch training loss
    with the weight penalty, at the weights after the epoch, in inference mode: one
    extra forward pass over the training data per epoch). ``E`` is first evaluated at
    the starting weights. After each epoch: if ``E`` is lower than at the last
    accepted weights, the epoch is accepted and the rate multiplied by
    ``BOLD_DRIVER_INCREASE`` (1.1); if higher, the epoch is undone (the weights return
    to their values at the start of the epoch and the solver starts afresh: zero
    velocity, new moment estimates, as Vogl et al. reset the momentum after a rejected
    step) and the rate multiplied by ``BOLD_DRIVER_DECREASE`` (0.5); if equal, the
    epoch is accepted and the rate kept. The epoch-average loss that scikit-learn
    records is not used for the decision: it is measured while the weights move, so it
    lags behind the weights being judged. An undone epoch still appears in
    ``loss_curve_`` and counts as an epoch without improvement for the usual stopping
    rule, which stays in force.

Examples
--------
>>> import warnings
>>> from sklearn.datasets import load_digits
>>> from skneural import MLPClassifier
>>> X, y = load_digits(return_X_y=True)
>>> clf = MLPClassifier((16,), solver="sgd", learning_rate="bold_driver",
...                     learning_rate_init=0.01, max_iter=20, random_state=0)
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore")   # max_iter reached
...     clf = clf.fit(X / 16, y)
>>> clf.score(X / 16, y) > 0.9
True
"""

import numpy as np

__all__ = ["Schedule", "Constant", "InvScaling", "Adaptive", "Plateau", "BoldDriver",
           "SCHEDULES", "make_schedule", "PLATEAU_FACTOR", "MIN_LEARNING_RATE",
           "BOLD_DRIVER_INCREASE", "BOLD_DRIVER_DECREASE"]

PLATEAU_FACTOR = 5.0
MIN_LEARNING_RATE = 1e-6
BOLD_DRIVER_INCREASE = 1.1
BOLD_DRIVER_DECREASE = 0.5


class Schedule:
    """Base class and the ``"constant"`` schedule: the factor stays 1.

    Subclasses override :meth:`init` to add state entries and the hooks below. The
    class attributes tell the trainer what a schedule needs:

    * ``handles_plateau``: when training stops improving (scikit-learn's
      ``n_iter_no_change`` rule), the schedule acts in :meth:`after_validation`
      instead of the trainer stopping.
    * ``needs_objective``: :meth:`after_training` evaluates the full-batch training
      objective and may undo the epoch.
    """

    name = "constant"
    handles_plateau = False
    needs_objective = False

    def init(self):
        """The initial schedule state."""
        return {"name": self.name, "factor": 1.0}

    @staticmethod
    def learning_rate(state, base):
        """The learning rate for the next step."""
        return base * state["factor"]

    def after_training(self, state, objective, verbose=False):
        """After the epoch's training loss; return True to undo the epoch."""
        return False

    def after_validation(self, state, progress, verbose=False):
        """After the validation data are scored; return True to stop training.

        ``progress`` is a dict: ``t`` (samples seen), ``monitored`` (the validation
        loss, else the training loss), ``plateau`` (scikit-learn's no-improvement
        rule fired), ``base`` (``learning_rate_init``) and ``message`` (why the rule
        fired, for verbose output).
        """
        return False


Constant = Schedule


class InvScaling(Schedule):
    """scikit-learn's ``"invscaling"``: ``factor = 1 / (t + 1) ** power_t``."""

    name = "invscaling"

    def __init__(self, power_t=0.5):
        self.power_t = power_t

    def after_validation(self, state, progress, verbose=False):
        state["factor"] = 1.0 / (progress["t"] + 1) ** self.power_t
        return False


def _reduce(state, base, factor, message, verbose):
    """Divide the rate by ``factor``, or return True (stop) if it is already tiny."""
    if base * state["factor"] <= MIN_LEARNING_RATE:
        if verbose:
            print(message + " Learning rate too small. Stopping.")
        return True
    state["factor"] /= factor
    if verbose:
        print(message + " Setting learning rate to %f" % (base * state["factor"]))
    return False


class Adaptive(Schedule):
    """scikit-learn's ``"adaptive"``: divide by 5 on a plateau, stop below 1e-6."""

    name = "adaptive"
    handles_plateau = True

    def __init__(self, factor=PLATEAU_FACTOR):
        self.factor = factor

    def after_validation(self, state, progress, verbose=False):
        if not progress["plateau"]:
            return False
        return _reduce(state, progress["base"], self.factor, progress["message"],
                       verbose)


class Plateau(Schedule):
    """Divide the rate when the monitored loss stops improving on its recent best.

    Parameters
    ----------
    n_iter_no_change : int
        Patience: the rate is divided after more than this many epochs without
        improvement.
    tol : float
        Minimum decrease that counts as an improvement.
    factor : float, default=PLATEAU_FACTOR
    """

    name = "plateau"
    handles_plateau = True

    def __init__(self, n_iter_no_change=10, tol=1e-4, factor=PLATEAU_FACTOR):
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.factor = factor

    def init(self):
        return {**super().init(), "reference": np.inf, "count": 0}

    def after_validation(self, state, progress, verbose=False):
        monitored = progress["monitored"]
        state["count"] = 0 if monitored < state["reference"] - self.tol \
            else state["count"] + 1
        state["reference"] = min(state["reference"], monitored)
        if state["count"] <= self.n_iter_no_change:
            return False
        message = (
            "Loss did not improve more than tol=%f for %d consecutive epochs since "
            "the last change of learning rate." % (self.tol, self.n_iter_no_change)
        )
        if _reduce(state, progress["base"], self.factor, message, verbose):
            return True
        # Recent best, not best ever: later epochs are compared with where training
        # is now.
        state["reference"], state["count"] = monitored, 0
        return False


class BoldDriver(Schedule):
    """Grow the rate after a good epoch; undo a bad one and cut the rate.

    Parameters
    ----------
    increase : float, default=BOLD_DRIVER_INCREASE
    decrease : float, default=BOLD_DRIVER_DECREASE
    """

    name = "bold_driver"
    needs_objective = True

    def __init__(self, increase=BOLD_DRIVER_INCREASE, decrease=BOLD_DRIVER_DECREASE):
        self.increase = increase
        self.decrease = decrease

    def init(self):
        return {**super().init(), "reference": None, "n_undone": 0}

    def start(self, state, objective):
        """Before the first epoch: the objective at the starting weights."""
        if state["reference"] is None:
            state["reference"] = objective()

    def after_training(self, state, objective, verbose=False):
        value = objective()
        if value < state["reference"]:
            state["factor"] *= self.increase
            state["reference"] = value
        elif value > state["reference"]:
            state["factor"] *= self.decrease
            state["n_undone"] += 1
            if verbose:
                print("Training objective rose from %.8f to %.8f: epoch undone, "
                      "learning rate factor set to %g"
                      % (state["reference"], value, state["factor"]))
            return True
        return False


SCHEDULES = {"constant": Constant, "invscaling": InvScaling, "adaptive": Adaptive,
             "plateau": Plateau, "bold_driver": BoldDriver}


def make_schedule(learning_rate, *, power_t=0.5, n_iter_no_change=10, tol=1e-4,
                  solver=None):
    """The schedule object for an estimator's ``learning_rate`` value.

    With a ``solver``, a schedule it does not declare is the constant one: as in
    scikit-learn, "invscaling" and "adaptive" apply to SGD only, and minimizers
    ignore the schedules.
    """
    if solver is not None and (solver.minimizes or (
            solver.has_learning_rate
            and learning_rate not in solver.learning_rate_schedules)):
        learning_rate = "constant"
    if learning_rate == "invscaling":
        return InvScaling(power_t=power_t)
    if learning_rate == "plateau":
        return Plateau(n_iter_no_change=n_iter_no_change, tol=tol)
    try:
        return SCHEDULES[learning_rate]()
    except KeyError:
        raise ValueError(
            f"Unknown learning_rate {learning_rate!r}; expected one of "
            f"{sorted(SCHEDULES)}."
        ) from None
