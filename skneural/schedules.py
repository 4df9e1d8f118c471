"""Learning-rate schedules that act on any step-based solver between epochs.

scikit-learn's schedules ("constant", "invscaling", "adaptive") live in
:class:`skneural.solvers.SGD`, as in scikit-learn, and apply to 'sgd' only. The two
schedules here act on *every* step-based solver through the convention of
:mod:`skneural.solvers`: a solver keeps its current base learning rate in
``state["learning_rate"]`` and reads it at each step, so the epoch loop changes that
entry between epochs.

``learning_rate="plateau"``
    Monitors the validation loss (with ``early_stopping=True`` or ``X_val``), else the
    training loss. An epoch *improves* when the monitored loss is below the reference
    by more than ``tol``; the reference is then lowered to it. After more than
    ``n_iter_no_change`` consecutive epochs without improvement the learning rate is
    divided by ``PLATEAU_FACTOR`` (5, as 'adaptive') and the reference is **reset to
    the current loss**: improvement is measured against the best loss since the last
    reduction, not the best ever (scikit-learn's 'adaptive' keeps the best ever, so
    once a lucky epoch set a low bar the rate keeps dropping while the loss still
    falls: scikit-learn#15596). When a reduction is due and the rate is already
    ``<= MIN_LEARNING_RATE`` (1e-6, as 'adaptive') training stops. Like 'adaptive',
    the schedule replaces the "stop after ``n_iter_no_change`` epochs" rule.

``learning_rate="bold_driver"``
    Battiti's "bold driver" (1989; Vogl et al. 1988; Bishop 1995, section 7.5.3),
    applied per epoch to the training objective ``E`` (the full-batch training loss
    with the weight penalty, evaluated at the weights after the epoch, in inference
    mode: one extra forward pass over the training data per epoch). ``E`` is first
    evaluated at the starting weights. After each epoch: if ``E`` is lower than at
    the last accepted weights, the epoch is accepted and the learning rate is
    multiplied by ``BOLD_DRIVER_INCREASE`` (1.1); if it is higher, the epoch is
    undone (the weights return to their values at the start of the epoch) and the
    rate is multiplied by ``BOLD_DRIVER_DECREASE`` (0.5); if it is equal, the epoch
    is accepted and the rate kept. After an undone epoch the solver starts afresh
    (``solver.init``: zero velocity, new moment estimates) at the reduced rate, as
    Vogl et al. reset the momentum after a rejected step: the accumulated velocity
    points along the step that just failed, and restoring it would repeat the
    failure however small the rate. The epoch-average loss that scikit-learn
    records is not used for the decision: it is measured while the weights move (for
    a full-batch solver, before the step), so it lags behind the weights being
    judged. An undone epoch still appears in ``loss_curve_`` and counts as an epoch
    without improvement for the usual stopping rule, which stays in force.

Both are deterministic functions of the sequence of losses, so they are checked
against hand-computed sequences (``tests/test_training_control.py``).

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

__all__ = ["Plateau", "BoldDriver", "SCHEDULES", "make_schedule",
           "PLATEAU_FACTOR", "MIN_LEARNING_RATE", "BOLD_DRIVER_INCREASE",
           "BOLD_DRIVER_DECREASE"]

PLATEAU_FACTOR = 5.0
MIN_LEARNING_RATE = 1e-6
BOLD_DRIVER_INCREASE = 1.1
BOLD_DRIVER_DECREASE = 0.5


class _Schedule:
    """Hooks the epoch loop calls; the schedule object holds its own state.

    ``start_epoch`` runs before the first batch, ``after_training_loss`` right after
    the epoch's training loss is known (before the validation data are scored) and
    returns the solver state, and ``after_epoch`` runs once the validation loss is
    known; it returns True to stop. ``objective()`` evaluates the full-batch
    training objective at the current weights.
    """

    #: Whether the schedule replaces the "stop after n_iter_no_change" rule.
    replaces_stopping = False

    def check(self, state):
        if "learning_rate" not in state:
            raise ValueError(
                f"learning_rate={self.name!r} needs a solver that keeps its learning "
                "rate in state['learning_rate'] (see skneural.solvers); this solver's "
                f"state has only {sorted(state)}."
            )

    def start_epoch(self, params, state, objective):
        pass

    def after_training_loss(self, solver, params, state, objective, verbose=False):
        return state

    def after_epoch(self, state, monitored_loss, verbose=False):
        return False


class Plateau(_Schedule):
    """Divide the learning rate when the monitored loss stops improving.

    Parameters
    ----------
    n_iter_no_change : int
        Patience: the rate is divided after more than this many epochs without
        improvement.
    tol : float
        Minimum decrease that counts as an improvement.
    factor : float, default=PLATEAU_FACTOR
    min_learning_rate : float, default=MIN_LEARNING_RATE
    """

    name = "plateau"
    replaces_stopping = True

    def __init__(self, n_iter_no_change, tol, factor=PLATEAU_FACTOR,
                 min_learning_rate=MIN_LEARNING_RATE):
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.factor = factor
        self.min_learning_rate = min_learning_rate
        self.reference = np.inf
        self.count = 0

    def after_epoch(self, state, monitored_loss, verbose=False):
        if monitored_loss < self.reference - self.tol:
            self.count = 0
        else:
            self.count += 1
        self.reference = min(self.reference, monitored_loss)
        if self.count <= self.n_iter_no_change:
            return False
        message = (
            "Loss did not improve more than tol=%f for %d consecutive epochs since "
            "the last change of learning rate." % (self.tol, self.n_iter_no_change)
        )
        if state["learning_rate"] <= self.min_learning_rate:
            if verbose:
                print(message + " Learning rate too small. Stopping.")
            return True
        state["learning_rate"] /= self.factor
        # Recent best, not best ever: the next epochs are compared with where
        # training is now.
        self.reference = monitored_loss
        self.count = 0
        if verbose:
            print(message + " Setting learning rate to %f" % state["learning_rate"])
        return False


class BoldDriver(_Schedule):
    """Grow the learning rate after a good epoch; undo a bad one and cut the rate.

    Parameters
    ----------
    increase : float, default=BOLD_DRIVER_INCREASE
    decrease : float, default=BOLD_DRIVER_DECREASE
    """

    name = "bold_driver"

    def __init__(self, increase=BOLD_DRIVER_INCREASE, decrease=BOLD_DRIVER_DECREASE):
        self.increase = increase
        self.decrease = decrease
        self.reference = None
        self._saved_params = None
        self.n_undone = 0

    def start_epoch(self, params, state, objective):
        if self._saved_params is None or self._saved_params.shape != params.shape:
            self._saved_params = params.copy()
        else:
            self._saved_params[...] = params
        if self.reference is None:
            self.reference = objective()

    def after_training_loss(self, solver, params, state, objective, verbose=False):
        value = objective()
        if value < self.reference:
            state["learning_rate"] *= self.increase
            self.reference = value
        elif value > self.reference:
            learning_rate = state["learning_rate"] * self.decrease
            params[...] = self._saved_params
            state = solver.init(params)
            state["learning_rate"] = learning_rate
            self.n_undone += 1
            if verbose:
                print("Training objective rose from %.8f to %.8f: epoch undone, "
                      "learning rate set to %g" % (self.reference, value, learning_rate))
        return state

    def __getstate__(self):
        # The snapshot is scratch space for one epoch; don't pickle a copy of the
        # weights with the estimator.
        return {**self.__dict__, "_saved_params": None}


SCHEDULES = {"plateau": Plateau, "bold_driver": BoldDriver}


def make_schedule(learning_rate, *, n_iter_no_change, tol):
    """Schedule object for the estimator's ``learning_rate``, or None for the
    schedules implemented by the solver itself ("constant", "invscaling",
    "adaptive")."""
    if learning_rate == "plateau":
        return Plateau(n_iter_no_change=n_iter_no_change, tol=tol)
    if learning_rate == "bold_driver":
        return BoldDriver()
    return None
