"""Training: one state that lives between calls, and the one loop that runs on it.

:class:`TrainingState` is everything that survives from one ``fit`` /
``partial_fit`` call to the next apart from the weights themselves (which live in the
estimator's ``coefs_`` / ``intercepts_``, views of one flat buffer): the solver's
state, the schedule's state, the random generator, the shuffle order, the best
weights and the per-epoch :class:`Record`. The estimator keeps it as a plain dict
(``TrainingState.to_dict``), so a fitted model holds only arrays, numbers, strings and
plain containers.

:class:`Trainer` runs a step solver's epochs or a minimizer's iterations on a state.
Both end the same way, in :meth:`Trainer._end_of_epoch`: the record, the divergence
guard, the schedule, the validation score, early stopping's best weights and the
callbacks. It knows the network, the solver and schedule protocols and the data
source (:mod:`skneural._data`), and nothing of scikit-learn's estimators.
"""

import math
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.utils import check_random_state

from ._backend import all_finite, to_host
from ._threads import blas_threads_for
from .optim.schedules import Schedule
from .regularizers import CumulativeL1, split_minimize

__all__ = ["Record", "TrainingState", "Trainer"]

# An epoch loss this many times the loss at the initial weights (or 1.0, if larger) is
# divergence. The initial loss, not the first epoch's: with an absurd learning rate
# the first epoch's mean loss is already astronomical (Adam, RMSprop).
EXPLOSION_FACTOR = 1e3


@dataclass
class Record:
    """What training records, published by the estimators under scikit-learn's names
    (``loss_curve_``, ``best_loss_``, ``validation_scores_``, ...)."""

    loss_curve: list = field(default_factory=list)
    validation_scores: list | None = None
    validation_loss_curve: list | None = None
    best_loss: float | None = np.inf
    best_validation_score: float | None = None
    no_improvement_count: int = 0
    # Epoch (1-based position in loss_curve) whose weights best_params holds.
    best_epoch: int | None = None
    # Epoch whose weights the model holds after a restore (0: the initial weights).
    restored_epoch: int | None = None
    stop_reason: str | None = None
    n_iter: int = 0
    loss: float | None = None
    # Training objective at the initial weights: the divergence guard's yardstick.
    initial_loss: float | None = None
    diverged_at: int | None = None


@dataclass
class TrainingState:
    """Everything that survives between ``fit`` / ``partial_fit`` calls but the weights.

    Attributes
    ----------
    rng : numpy.random.RandomState
        Shuffling, dropout masks, input noise (and the early-stopping split).
    record : Record
    t : int
        Training samples seen by the solver (scikit-learn's ``t_``).
    solver, solver_class : dict or None, str or None
        The solver's state (:mod:`skneural.optim`) and the solver class that made it.
    schedule : dict or None
        The schedule's state (:mod:`skneural.optim.schedules`).
    sample_order : ndarray of int or None
        The shuffle order, composed with a fresh permutation each epoch.
    best_params : array or None
        The weights of the best epoch (early stopping).
    penalty : dict or None
        The cumulative L1 penalty's state (:class:`~skneural.regularizers.
        CumulativeL1`) of step solvers with an L1 penalty.
    """

    rng: np.random.RandomState
    record: Record = field(default_factory=Record)
    t: int = 0
    solver: dict | None = None
    solver_class: str | None = None
    schedule: dict | None = None
    sample_order: np.ndarray | None = None
    best_params: object = None
    penalty: dict | None = None

    @classmethod
    def start(cls, random_state, early_stopping):
        """The state of a first fit (no early stopping: no best validation yet)."""
        record = Record(validation_scores=[], best_validation_score=-np.inf,
                        best_loss=None, validation_loss_curve=[]) \
            if early_stopping else Record()
        return cls(rng=check_random_state(random_state), record=record)

    def fitted_attributes(self):
        """What the estimators publish, under scikit-learn's names."""
        record = self.record
        attributes = {
            "n_iter_": record.n_iter, "t_": self.t,
            "loss_curve_": list(record.loss_curve), "best_loss_": record.best_loss,
            "validation_scores_": _copy(record.validation_scores),
            "best_validation_score_": record.best_validation_score,
            "validation_loss_curve_": _copy(record.validation_loss_curve),
            "restored_epoch_": record.restored_epoch, "stop_reason_": record.stop_reason,
            # scikit-learn's name for it (read by its tests).
            "_no_improvement_count": record.no_improvement_count,
        }
        if record.loss is not None:
            attributes["loss_"] = record.loss
        return attributes

    def to_dict(self):
        """The state as plain data (what the estimator keeps)."""
        return {**vars(self), "record": dict(vars(self.record))}

    @classmethod
    def from_dict(cls, data):
        return cls(**{**data, "record": Record(**data["record"])})


class Trainer:
    """Runs a solver on a :class:`TrainingState`: epochs, or a minimizer's iterations.

    Semantics are scikit-learn's ``_fit_stochastic``: the epoch loss is the batch
    losses averaged with batch-size weights; training stops once the training loss
    (with ``early_stopping``, the validation score) has failed to improve by ``tol``
    for more than ``n_iter_no_change`` epochs, unless the schedule handles that
    (``adaptive``, ``plateau``); with ``early_stopping`` the weights of the best
    epoch are restored at the end. Minimizers (``solver.minimizes``) stop by their
    own ``tol``; each of their iterations is recorded, validated, guarded and
    reported to the callbacks as an epoch is.

    What the solver supports is read here, once, from its declared class attributes
    (:mod:`skneural.optim.base`).

    Parameters
    ----------
    network : Network
    solver : Solver
    schedule : Schedule, default=None
        None is the constant schedule.
    batch_size, shuffle, max_iter, tol, n_iter_no_change, early_stopping, verbose :
        As the estimators' parameters (``batch_size`` an int).
    hooks : tuple of two callables or None
        ``(on_epoch_begin, on_epoch_end)``, called without arguments around every
        epoch (iteration); ``on_epoch_end()`` returning True stops training.
    convergence_warning : Warning class, default=UserWarning
    """

    def __init__(self, network, solver, schedule=None, *, batch_size=200, shuffle=True,
                 max_iter=200, tol=1e-4, n_iter_no_change=10, early_stopping=False,
                 verbose=False, hooks=None, convergence_warning=UserWarning):
        self.network = network
        self.solver = solver
        self.schedule = schedule if schedule is not None else Schedule()
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.verbose = verbose
        self.hooks = hooks or (None, None)
        self.convergence_warning = convergence_warning
        # The solver's declared capabilities, read in this one place.
        self.minimizes = solver.minimizes
        self.full_batch = solver.full_batch or solver.minimizes
        self.base_rate = (float(solver.learning_rate_init) if solver.has_learning_rate
                          else None)
        l1 = network.alpha * network.l1_ratio > 0
        self.proximal = (CumulativeL1(network) if l1 and solver.proximal_l1
                         and self.base_rate is not None and not self.minimizes else None)
        self.split_l1 = l1 and self.minimizes and solver.supports_bounds
        # The gradient leaves L1 out where the cumulative penalty or the split handles it.
        self.l1_gradient = self.proximal is None and not self.split_l1

    def learning_rate(self, state):
        """The learning rate the next step gets (None for solvers without one)."""
        if self.base_rate is None:
            return None
        return self.schedule.learning_rate(state.schedule, self.base_rate)

    # -- the run -------------------------------------------------------------------------

    def run(self, state, params, data, validation=None, incremental=False):
        """Train ``params`` (updated in place) on a data source (:mod:`skneural._data`):
        up to ``max_iter`` epochs or iterations (one epoch if incremental).

        ``state.record.stop_reason`` says why training ended: "max_iter",
        "no_improvement", "diverged", "callback", "interrupted", for minimizers also
        "converged" and "failed", or None after the single epoch of an incremental
        call.
        """
        if not (self.full_batch or data.minibatches):
            raise ValueError(data.minibatch_refusal.format(solver=self.solver))
        batch_size = data.n_samples if self.full_batch \
            else int(min(max(self.batch_size, 1), data.n_samples))
        self._prepare(state, params, data.n_samples, incremental)
        record = state.record
        if validation is not None:
            _open_validation(record)
        if record.initial_loss is None:
            record.initial_loss = (record.loss_curve[0] if record.loss_curve
                                   else data.initial_loss(self.network, params))
        if self.schedule.needs_objective:
            self.schedule.start(state.schedule,
                                lambda: data.objective(self.network, params))
        self.overflow = _Overflow()  # noted in each epoch, see _epoch
        self.backend, self.workspace = data.backend, self.network.workspace(data.backend)
        self._last_good = data.backend.copy(params)
        steps = (1 if incremental else self.max_iter) * -(-data.n_samples // batch_size)
        with blas_threads_for(data.backend, self.network.coef_shapes, batch_size, steps):
            if self.minimizes:
                self._minimize(state, params, data, validation)
            else:
                self._epochs(state, params, data, validation, batch_size, incremental)
        if self.early_stopping and state.best_params is not None:
            params[...] = state.best_params
            record.restored_epoch = record.best_epoch
        if record.stop_reason == "diverged" or self.overflow.seen:
            _check_outputs_finite(self.network, params, data)
        return state

    def _prepare(self, state, params, n_samples, incremental):
        """Start or continue the solver and schedule states and the shuffle order."""
        solver_class = type(self.solver).__qualname__
        if not self.minimizes and (
                not incremental or state.solver is None
                or state.solver_class != solver_class
                or _state_size(state.solver) not in (None, params.shape[0])):
            state.solver, state.solver_class = self.solver.init(params), solver_class
        if self.proximal is not None and (
                not incremental or state.penalty is None
                or state.penalty["q"].shape[0] != self.network.n_coefs):
            state.penalty = self.proximal.init(params)
        schedule = self.schedule
        if (not incremental or state.schedule is None
                or state.schedule.get("name") != schedule.name):
            state.schedule = schedule.init()
        if self.base_rate is None and schedule.name != "constant":
            raise ValueError(
                f"learning_rate={schedule.name!r} needs a solver with a learning rate "
                f"(learning_rate_init); {type(self.solver).__name__} sets its own steps."
            )
        if (not incremental or state.sample_order is None
                or len(state.sample_order) != n_samples):
            # int32 where it fits: the order is kept between partial_fit calls.
            state.sample_order = np.arange(
                n_samples, dtype=np.int32 if n_samples < 2**31 else np.int64)
        state.record.n_iter = 0
        state.record.restored_epoch = None
        state.record.stop_reason = None

    # -- step solvers ----------------------------------------------------------------

    def _epochs(self, state, params, data, validation, batch_size, incremental):
        record = state.record
        snapshot = data.backend.copy(params) if self.schedule.needs_objective else None
        on_begin, _ = self.hooks
        try:
            for _ in range(self.max_iter):
                if on_begin is not None:
                    on_begin()
                epoch_start = time.perf_counter()
                if snapshot is not None:
                    snapshot[...] = params
                loss = self._epoch(state, params, data, batch_size)
                record.n_iter += 1
                stop_reason = self._end_of_epoch(state, params, loss, data, validation,
                                                 snapshot, epoch_start)
                if stop_reason is not None or incremental:
                    record.stop_reason = stop_reason
                    break
                if record.n_iter == self.max_iter:
                    record.stop_reason = "max_iter"
                    warnings.warn(
                        "Stochastic Optimizer: Maximum iterations (%d) reached and "
                        "the optimization hasn't converged yet." % self.max_iter,
                        self.convergence_warning, stacklevel=4)
        except KeyboardInterrupt:
            record.stop_reason = "interrupted"
            warnings.warn("Training interrupted by user.", stacklevel=4)

    def _epoch(self, state, params, data, batch_size):
        """One pass over the data; returns the batch-size-weighted mean batch loss."""
        network, solver, rng = self.network, self.solver, state.rng
        n_samples = data.n_samples
        if self.shuffle:
            # sklearn.utils.shuffle(sample_idx): compose with a fresh permutation.
            state.sample_order = state.sample_order[rng.permutation(n_samples)]
        total, skipped = 0.0, 0
        # Overflow is expected when training diverges; the guard reports it with its
        # cause instead of numpy's generic warnings. It is noted, so that a fit whose
        # last epoch overflowed is checked for finite outputs (``run``).
        self.overflow.seen = False
        with np.errstate(over="call", invalid="call", call=self.overflow):
            for batch in data.batches(state.sample_order if self.shuffle else None,
                                      batch_size):
                if batch.weight_sum == 0:
                    skipped += batch.size  # all weights 0: no step at all
                    continue

                def grad_fn(p, batch=batch):
                    return data.loss_gradient(network, p, batch, rng=rng,
                                              workspace=self.workspace,
                                              l1_gradient=self.l1_gradient)

                learning_rate = self.learning_rate(state)
                state.solver, batch_loss = solver.step(params, grad_fn, state.solver,
                                                       learning_rate)
                if self.proximal is not None:
                    self.proximal(params, state.penalty, learning_rate,
                                  batch.weight_sum)
                network.constrain(params)
                # Batch losses stay on the device; it is read once per epoch.
                total = total + batch_loss * batch.size
        return float(total) / max(n_samples - skipped, 1)

    # -- minimizers -------------------------------------------------------------------

    def _minimize(self, state, params, data, validation):
        """The minimizer's run: scipy iterates on the host; each evaluation moves the
        parameter vector to the data's device and the gradient back; each iteration
        ends as an epoch does (:meth:`_end_of_epoch`)."""
        network, record, backend = self.network, state.record, data.backend
        full, work = data.full_batch(), backend.copy(params)
        on_begin, _ = self.hooks
        if on_begin is not None:
            on_begin()

        def fun(x):
            work[...] = backend.asarray(x, network.dtype)
            # With max_norm, the minimizer works on the projection of its iterates.
            loss, g = data.loss_gradient(network, work, full, rng=state.rng,
                                         workspace=self.workspace, constrained=True,
                                         l1_gradient=self.l1_gradient)
            return float(loss), to_host(g).astype(np.float64)

        def callback(intermediate_result):
            # The optimizer works on its own copy: show this iterate through params.
            params[...] = backend.asarray(intermediate_result.x, network.dtype)
            record.n_iter += 1
            stop = self._end_of_epoch(state, params, float(intermediate_result.fun),
                                      data, validation, None, None)
            if stop is not None:
                record.stop_reason = stop
                raise StopIteration  # scipy >= 1.11 ends the optimization cleanly
            if on_begin is not None:
                on_begin()

        with np.errstate(over="ignore", invalid="ignore"):
            result = self._run_minimizer(params, fun, callback, data)
        if record.stop_reason is None:
            if math.isfinite(result.fun) and np.isfinite(result.x).all():
                params[...] = backend.asarray(result.x, network.dtype)
            else:
                self._diverged(state, params, float(result.fun), result)
        # The minimizer's iterates are unconstrained; the weights are their projection.
        network.constrain(params)
        record.n_iter = min(int(getattr(result, "nit", record.n_iter)), self.max_iter)
        with np.errstate(over="call", invalid="call", call=self.overflow):
            record.loss = float(data.loss_gradient(network, params, full,
                                                   rng=state.rng)[0])
        if not math.isfinite(record.loss):
            self.overflow.seen = True  # checked layer by layer in run()
        if record.stop_reason is None:
            record.stop_reason = ("converged" if result.success
                                  else "max_iter" if result.status == 1 else "failed")
        if not result.success and record.stop_reason not in ("callback", "diverged"):
            warnings.warn(
                f"{type(self.solver).__name__} failed to converge after "
                f"{record.n_iter} iteration(s) (status={result.status}): "
                f"{result.message}. Increase max_iter, or scale the data as shown in "
                "https://scikit-learn.org/stable/modules/preprocessing.html",
                self.convergence_warning, stacklevel=4)

    def _run_minimizer(self, params, fun, callback, data):
        """With an L1 penalty and a minimizer that takes bounds, on split weights
        (exact L1, :func:`skneural.regularizers.split_minimize`)."""
        network = self.network
        options = dict(max_iter=self.max_iter, tol=self.tol, callback=callback)
        start = to_host(params).astype(np.float64)  # scipy works on the host
        if not self.split_l1:
            return self.solver.minimize(start, fun, **options)
        l1 = network.alpha * network.l1_ratio / data.weight_sum()
        return split_minimize(self.solver.minimize, start, fun, network.n_coefs, l1,
                              **options)

    # -- the end of an epoch (or iteration) -------------------------------------------

    def _end_of_epoch(self, state, params, loss, data, validation, snapshot,
                      epoch_start):
        """Guard, record, schedule, validate, report; return the stop reason or None.
        """
        if _diverged(loss, params, state.record.initial_loss):
            self._diverged(state, params, loss)
            stop_reason = "diverged"
        else:
            stop_reason = self._record_epoch(state, params, loss, data, validation,
                                             snapshot, epoch_start)
            self._last_good[...] = params
        _, on_end = self.hooks
        if on_end is not None and on_end() and stop_reason is None:
            stop_reason = "callback"
            if self.verbose:
                print("Training stopped by a callback.")
        return stop_reason

    def _diverged(self, state, params, loss, result=None):
        """Restore the last finite weights and say what happened."""
        record = state.record
        params[...] = self._last_good
        record.diverged_at = len(record.loss_curve) + 1
        record.restored_epoch = len(record.loss_curve)
        record.stop_reason = "diverged"
        epoch, what = record.diverged_at, "iteration" if self.minimizes else "epoch"
        learning_rate = self.learning_rate(state)
        if self.minimizes:
            advice = "Scale the inputs or increase alpha."
        elif learning_rate is not None:
            advice = (f"The learning rate ({learning_rate:g}) is probably too large: try "
                      "a smaller learning rate (learning_rate_init), or scale the inputs.")
        else:
            advice = ("The solver's steps are probably too large: try a smaller learning "
                      "rate or step size (e.g. step_init / step_max of Rprop), or scale "
                      "the inputs.")
        warnings.warn(
            f"Training diverged in {what} {epoch} ({what} {record.n_iter} of this call; "
            f"loss {loss:.4g}, loss at the initial weights {record.initial_loss:.4g}): "
            f"training stopped and the weights from the end of {what} {epoch - 1} were "
            f"restored. {advice}",
            self.convergence_warning, stacklevel=6)

    def _record_epoch(self, state, params, loss, data, validation, snapshot,
                      epoch_start):
        """Record a finite epoch, apply the schedule, decide whether to stop."""
        record, schedule, verbose = state.record, self.schedule, self.verbose
        record.loss = loss
        record.loss_curve.append(loss)
        if not self.minimizes:
            state.t += data.n_samples
        if verbose:
            print("Iteration %d, loss = %.8f" % (record.n_iter, loss))
        # Before validation, so an undone epoch is scored at the restored weights.
        if schedule.needs_objective and schedule.after_training(
                state.schedule, lambda: data.objective(self.network, params), verbose):
            params[...] = snapshot
            state.solver = self.solver.init(params)

        score = validation_loss = None
        if validation is not None:
            score, validation_loss = validation(params)
            record.validation_loss_curve.append(validation_loss)
        if verbose and verbose >= 2:
            self._print_epoch_details(state, validation_loss, epoch_start)
        if self.minimizes:  # scipy's tol decides when a minimizer stops
            _record_score(record, score, self.verbose)
            return None
        self._update_no_improvement_count(state, params, score)
        plateau = record.no_improvement_count > self.n_iter_no_change
        # Only when it fires: n_iter_no_change may be np.inf (scikit-learn's "never").
        message = None if not plateau else (
            "%s did not improve more than tol=%f for %d consecutive epochs."
            % ("Validation score" if self.early_stopping else "Training loss", self.tol,
               self.n_iter_no_change))
        progress = {"t": state.t, "plateau": plateau, "base": self.base_rate,
                    "monitored": loss if validation_loss is None else validation_loss,
                    "message": message}
        stop = schedule.after_validation(state.schedule, progress, verbose)
        if plateau:
            if schedule.handles_plateau:
                record.no_improvement_count = 0
            else:
                stop = True
                if verbose:
                    print(message + " Stopping.")
        return "no_improvement" if stop else None

    def _update_no_improvement_count(self, state, params, score):
        """scikit-learn's rule, on the validation score or the training loss."""
        record, tol = state.record, self.tol
        if not self.early_stopping:
            _record_score(record, score, self.verbose)
            loss = record.loss_curve[-1]
            if record.best_loss is None:  # early_stopping was switched off since
                record.best_loss = np.inf
            if loss > record.best_loss - tol:
                record.no_improvement_count += 1
            else:
                record.no_improvement_count = 0
            if loss < record.best_loss:
                record.best_loss = loss
            return
        record.validation_scores.append(score)
        if self.verbose:
            print("Validation score: %f" % score)
        if score < record.best_validation_score + tol:
            record.no_improvement_count += 1
        else:
            record.no_improvement_count = 0
        if score > record.best_validation_score:
            record.best_validation_score = score
            if state.best_params is not None \
                    and state.best_params.shape == params.shape:
                state.best_params[...] = params
            else:
                state.best_params = self.backend.copy(params)
            record.best_epoch = len(record.loss_curve)

    def _print_epoch_details(self, state, validation_loss, epoch_start):
        parts = []
        if validation_loss is not None:
            # The validation score has scikit-learn's own line (verbose >= 1).
            parts.append("validation loss = %.8f" % validation_loss)
        learning_rate = self.learning_rate(state)
        if learning_rate is not None:
            parts.append("learning rate = %g" % learning_rate)
        if epoch_start is not None:
            parts.append("epoch time = %.3fs" % (time.perf_counter() - epoch_start))
        print("  " + ", ".join(parts))


def _record_score(record, score, verbose):
    """A validation score without early stopping: recorded, best kept."""
    if score is None:
        return
    record.validation_scores.append(score)
    if verbose:
        print("Validation score: %f" % score)
    if not score <= record.best_validation_score:
        record.best_validation_score = score


def _copy(values):
    return None if values is None else list(values)


def _open_validation(record):
    """Make the record's validation entries ready for a run with validation data."""
    if record.validation_scores is None:
        record.validation_scores = []
    if record.validation_loss_curve is None:
        record.validation_loss_curve = []
    if record.best_validation_score is None:
        record.best_validation_score = -np.inf


def _state_size(solver_state):
    """Length of the first array in a solver state (None if it holds none)."""
    for value in (solver_state or {}).values():
        if hasattr(value, "shape") and len(value.shape) == 1:
            return value.shape[0]
    return None


class _Overflow:
    """An ``np.errstate(call=...)`` handler that notes that a floating-point
    overflow or invalid operation happened, instead of warning."""

    seen = False

    def __call__(self, kind, flag):
        self.seen = True


def _check_outputs_finite(network, params, data):
    """Raise ValueError unless every layer's outputs on the training data, and the
    loss, are finite.

    Run after training that ended in a non-finite loss, diverged, or overflowed
    somewhere in its last epoch (a hidden ``exp`` unit, say, whose ``inf`` a capped
    link would hide from the loss), so that no fitted model predicts NaN or inf, or
    overflows, on its own training data, and none is published whose training loss
    is infinite (inputs near the largest float give finite outputs but an infinite
    squared error). scikit-learn refuses such fits too.
    """
    finite, scale = data.outputs_finite(network, params)
    if not finite:
        raise ValueError(
            "Training ended with weights whose outputs or loss on the training data "
            f"are not finite (the largest absolute input value is {scale:.3g}): the "
            "input data contain values too large for the network and need to be "
            "preprocessed, e.g. with sklearn.preprocessing.StandardScaler.")


def _diverged(loss, params, initial_loss):
    if not math.isfinite(loss) or not all_finite(params):
        return True
    return loss > EXPLOSION_FACTOR * max(initial_loss, 1.0)
