"""Training: one state that lives between calls, and the trainer that runs on it.

:class:`TrainingState` is everything that survives from one ``fit`` /
``partial_fit`` call to the next apart from the weights themselves (which live in the
estimator's ``coefs_`` / ``intercepts_``, views of one flat buffer): the solver's
state, the schedule's state, the random generator, the shuffle order, the best
weights and the per-epoch :class:`Record`. The estimator keeps it as a plain dict
(``TrainingState.to_dict``), so a fitted model holds only arrays, numbers, strings and
plain containers.

:class:`Trainer` runs epochs (step solvers) or one minimization (L-BFGS, CG) on a
state. It knows the network, the solver and schedule protocols and nothing of
scikit-learn's estimators: the estimators hand it arrays, a state, and optionally a
:class:`Validation` and per-epoch hooks (how scikit-learn's callbacks are called, see
:mod:`skneural.callbacks`).
"""

import contextlib
import threading
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from ._array_api import all_finite, array_namespace, copy_array, from_host, to_host
from .regularizers import ProximalL1, split_minimize
from .schedules import Schedule

__all__ = ["Record", "TrainingState", "Trainer", "Validation", "accuracy_of_raw",
           "r2_of_raw", "training_objective"]

# An epoch loss this many times the loss at the initial weights (or 1.0, if larger) is
# divergence. The initial loss, not the first epoch's: with an absurd learning rate
# the first epoch's mean loss is already astronomical (Adam, RMSprop).
EXPLOSION_FACTOR = 1e3

# Steps of fewer floating-point operations than this run with one BLAS thread: on
# such small products a second thread saves less than its hand-offs and spinning
# cost the element-wise work between them (digits, 64-100-10, batch 200: 11% faster).
SMALL_STEP_FLOPS = 4e6
_thread_controller = None
# threadpoolctl's limits are process-wide, so concurrent fits share one: the first
# small-step fit to start sets it, the last one to end restores what was there before.
_blas_lock = threading.Lock()
_blas_users = 0
_blas_limiter = None


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
        The solver's state (:mod:`skneural.solvers`) and the solver class that made it.
    schedule : dict or None
        The schedule's state (:mod:`skneural.schedules`).
    sample_order : ndarray of int or None
        The shuffle order, composed with a fresh permutation each epoch.
    best_params : ndarray or None
        The weights of the best epoch (early stopping).
    """

    rng: np.random.RandomState
    record: Record = field(default_factory=Record)
    t: int = 0
    solver: dict | None = None
    solver_class: str | None = None
    schedule: dict | None = None
    sample_order: np.ndarray | None = None
    best_params: np.ndarray | None = None

    def to_dict(self):
        """The state as plain data (what the estimator keeps)."""
        return {**vars(self), "record": dict(vars(self.record))}

    @classmethod
    def from_dict(cls, data):
        return cls(**{**data, "record": Record(**data["record"])})


class Validation:
    """Scores the current weights on held-out data: one forward pass per call.

    ``score(raw, loss)`` turns the raw outputs (and the loss) into the validation
    score, e.g. :func:`accuracy_of_raw` or ``-loss``. Calling the object returns
    ``(score, loss)``, the loss being the sample-weighted mean without the penalty.
    """

    def __init__(self, network, X, y, sample_weight, score):
        self.network = network
        self.X = X
        if not (isinstance(X, np.ndarray) or hasattr(X, "tocsr")):
            # Another namespace: the forward pass on X's device, in the weights'
            # dtype; the targets and the scoring on the host (see __call__).
            xp = array_namespace(X)
            self.X = xp.astype(X, xp.float32 if network.dtype == np.float32
                               else xp.float64)
            y = to_host(y)
        self.y = y.astype(network.dtype, copy=False)
        self.sample_weight = sample_weight
        self.score = score

    def __call__(self, params):
        network = self.network
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            raw = network.predict_raw(*network.unpack(params), self.X)
            # Other namespaces: the forward pass runs on the device, the scoring on
            # the host (y and the weights are NumPy there, see _base).
            raw = to_host(raw)
            loss = network.loss.value(self.y, raw, self.sample_weight)
            score = self.score(raw, loss)
        return score, loss


def accuracy_of_raw(y_onehot, sample_weight, link):
    """A ``score(raw, loss)`` giving the (subset) accuracy of raw outputs against
    boolean one-hot targets: the argmax for a softmax link, else outputs above 0.5
    after the link (scikit-learn's threshold)."""
    from .activations import get

    link_function = get(link).function

    def score(raw, loss):
        if not np.isfinite(raw).all():
            return np.nan
        if link == "softmax":
            correct = y_onehot[np.arange(len(raw)), np.argmax(raw, axis=1)]
        else:
            correct = ((link_function(raw.copy()) > 0.5) == y_onehot).all(axis=1)
        return float(np.average(correct, weights=sample_weight))

    return score


def r2_of_raw(y, sample_weight, link):
    """A ``score(raw, loss)`` giving the R^2 of the predictions (raw outputs after
    the link) against ``y``, averaged uniformly over outputs (scikit-learn's)."""
    from sklearn.metrics import r2_score

    from .activations import get

    link_function = get(link).function

    def score(raw, loss):
        prediction = link_function(raw.copy())
        if not np.isfinite(prediction).all():
            return np.nan
        return float(r2_score(y, prediction, sample_weight=sample_weight))

    return score


def negated_loss(raw, loss):
    """The ``score(raw, loss)`` of ``scoring="loss"``: higher is better."""
    return -loss


class Trainer:
    """Runs a step solver's epochs, or a minimizer, on a :class:`TrainingState`.

    Semantics are scikit-learn's ``_fit_stochastic``: the epoch loss is the batch
    losses averaged with batch-size weights; training stops once the training loss
    (with ``early_stopping``, the validation score) has failed to improve by ``tol``
    for more than ``n_iter_no_change`` epochs, unless the schedule handles that
    (``adaptive``, ``plateau``); with ``early_stopping`` the weights of the best
    epoch are restored at the end.

    Parameters
    ----------
    network : Network
    solver : solver or minimizer object
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
        self.hooks = hooks
        self.convergence_warning = convergence_warning
        base = getattr(solver, "learning_rate_init", None)
        self.base_rate = None if base is None else float(base)
        self._proximal = None

    # -- step solvers --------------------------------------------------------------------

    def run(self, state, params, data, validation=None, incremental=False):
        """Train ``params`` in place for up to ``max_iter`` epochs (1 if incremental).

        ``data`` is ``(X, y, sample_weight)``. ``state.record.stop_reason`` says why
        training ended: "max_iter", "no_improvement", "diverged", "callback",
        "interrupted", or None after the single epoch of an incremental call.
        """
        X = data[0]
        n_samples = X.shape[0]
        batch_size = n_samples if getattr(self.solver, "full_batch", False) \
            else int(min(max(self.batch_size, 1), n_samples))
        self._prepare(state, params, n_samples, incremental)
        record = state.record
        if validation is not None:
            _open_validation(record)
        if record.initial_loss is None:
            record.initial_loss = (record.loss_curve[0] if record.loss_curve
                                   else _initial_loss(self.network, params, *data))
        if self.schedule.needs_objective:
            self.schedule.start(state.schedule,
                                lambda: training_objective(self.network, params, *data))
        self._proximal = self._proximal_l1()
        # The encoded targets in the network's dtype once, not per batch (X is cast
        # per batch: with training_dtype, a cast copy of X could be large).
        data = (X, _as_dtype(data[1], self.network.dtype), *data[2:])
        self.overflow = _Overflow()  # reset by each NumPy epoch (see _epoch)
        with _blas_threads_for(self.network, batch_size):
            self._epochs(state, params, data, validation, batch_size, incremental)
        if self.early_stopping and state.best_params is not None:
            params[...] = state.best_params
            record.restored_epoch = record.best_epoch
        if record.stop_reason == "diverged" or self.overflow.seen:
            _check_outputs_finite(self.network, params, *data)
        return state

    def _proximal_l1(self):
        """The proximal L1 step for solvers that declare ``proximal_l1 = True`` (SGD),
        or None (no L1 penalty, or another solver): the network's gradient then
        leaves the L1 term out (see :mod:`skneural.regularizers`)."""
        network = self.network
        use = (network.alpha * network.l1_ratio > 0 and self.base_rate is not None
               and getattr(self.solver, "proximal_l1", False))
        network.l1_subgradient = not use
        return ProximalL1(network) if use else None

    def _prepare(self, state, params, n_samples, incremental):
        """Start or continue the solver and schedule states and the shuffle order."""
        solver_class = type(self.solver).__qualname__
        if (not incremental or state.solver is None
                or state.solver_class != solver_class
                or _state_size(state.solver) not in (None, params.shape[0])):
            state.solver, state.solver_class = _init_solver(self.solver, params), \
                solver_class
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

    def learning_rate(self, state):
        """The learning rate the next step gets (None for solvers without one)."""
        if self.base_rate is None:
            return None
        return self.schedule.learning_rate(state.schedule, self.base_rate)

    def _epochs(self, state, params, data, validation, batch_size, incremental):
        record = state.record
        last_good = copy_array(params)
        snapshot = copy_array(params) if self.schedule.needs_objective else None
        epoch = self._epoch
        if isinstance(params, np.ndarray):
            grad = np.empty(self.network.n_params, dtype=self.network.dtype)
            workspace = self.network.workspace()
        else:  # other namespaces: new arrays per step, see Network._backward_xp
            grad = workspace = None
            epoch = self._epoch_xp
        on_begin, on_end = self.hooks or (None, None)
        try:
            for _ in range(self.max_iter):
                if on_begin is not None:
                    on_begin()
                epoch_start = time.perf_counter()
                if snapshot is not None:
                    snapshot[...] = params
                loss = epoch(state, params, data, batch_size, grad, workspace)
                record.n_iter += 1
                if _diverged(loss, params, record.initial_loss):
                    params[...] = last_good
                    record.diverged_at = len(record.loss_curve) + 1
                    record.restored_epoch = len(record.loss_curve)
                    self._warn_divergence(state, loss)
                    stop_reason = "diverged"
                else:
                    stop_reason = self._finish_epoch(
                        state, params, loss, data, validation, snapshot, epoch_start)
                    last_good[...] = params
                if on_end is not None and on_end() and stop_reason is None:
                    stop_reason = "callback"
                    if self.verbose:
                        print("Training stopped by a callback.")
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

    def _epoch(self, state, params, data, batch_size, grad, workspace):
        """One pass over the data; returns the batch-size-weighted mean batch loss."""
        X, y, sample_weight = data
        network, solver, rng = self.network, self.solver, state.rng
        n_samples = X.shape[0]
        if self.shuffle:
            # sklearn.utils.shuffle(sample_idx): compose with a fresh permutation.
            state.sample_order = state.sample_order[rng.permutation(n_samples)]
        total, skipped, proximal = 0.0, 0, self._proximal
        # Overflow is expected when training diverges; the guard reports it with its
        # cause instead of numpy's generic warnings. It is noted, so that a fit whose
        # last epoch overflowed is checked for finite outputs (``run``).
        self.overflow.seen = False
        with np.errstate(over="call", invalid="call", call=self.overflow):
            for start in range(0, n_samples, batch_size):
                stop = min(start + batch_size, n_samples)
                batch = (state.sample_order[start:stop] if self.shuffle
                         else slice(start, stop))
                sw_batch = None if sample_weight is None else sample_weight[batch]
                if sw_batch is not None and not sw_batch.any():
                    skipped += stop - start  # all weights 0: no step at all
                    continue
                X_batch = _as_dtype(X[batch], network.dtype)
                y_batch = y[batch]

                def grad_fn(p, X_batch=X_batch, y_batch=y_batch, sw_batch=sw_batch):
                    return network.loss_gradient(p, X_batch, y_batch, sw_batch, grad,
                                                 rng=rng, workspace=workspace)

                learning_rate = self.learning_rate(state)
                state.solver, batch_loss = solver.step(params, grad_fn, state.solver,
                                                       learning_rate)
                if proximal is not None:
                    proximal(params, learning_rate,
                             stop - start if sw_batch is None else float(sw_batch.sum()))
                if network.max_norm is not None:
                    network.constrain(params)
                total += batch_loss * (stop - start)
        return total / max(n_samples - skipped, 1)

    def _epoch_xp(self, state, params, data, batch_size, grad=None, workspace=None):
        """:meth:`_epoch` for data and ``params`` of another namespace, on their
        device. The shuffle order is drawn on the host from the same generator and
        moved once per epoch; batch losses stay on the device and are summed there,
        so the device is waited for once per epoch, not once per step."""
        X, y, sample_weight = data
        network, solver, rng = self.network, self.solver, state.rng
        xp, device = array_namespace(X), X.device
        n_samples = X.shape[0]
        if self.shuffle:
            state.sample_order = state.sample_order[rng.permutation(n_samples)]
            order = from_host(state.sample_order, xp, device, np.int64)
        total = 0.0
        for start in range(0, n_samples, batch_size):
            stop = min(start + batch_size, n_samples)
            if self.shuffle:
                batch = order[start:stop]
                X_batch, y_batch = xp.take(X, batch, axis=0), xp.take(y, batch, axis=0)
                sw_batch = (None if sample_weight is None
                            else xp.take(sample_weight, batch, axis=0))
            else:
                X_batch, y_batch = X[start:stop, ...], y[start:stop, ...]
                sw_batch = None if sample_weight is None else sample_weight[start:stop]

            def grad_fn(p, X_batch=X_batch, y_batch=y_batch, sw_batch=sw_batch):
                return network.loss_gradient(p, X_batch, y_batch, sw_batch, rng=rng)

            learning_rate = self.learning_rate(state)
            state.solver, batch_loss = solver.step(params, grad_fn, state.solver,
                                                   learning_rate)
            if self._proximal is not None:
                self._proximal(params, learning_rate, stop - start if sw_batch is None
                               else float(xp.sum(sw_batch)))
            if network.max_norm is not None:
                network.constrain(params)
            total = total + batch_loss * (stop - start)
        return float(total / n_samples)

    def _finish_epoch(self, state, params, loss, data, validation, snapshot,
                      epoch_start):
        """Record a finite epoch, apply the schedule, decide whether to stop.

        Returns the stop reason (or None).
        """
        record, schedule, verbose = state.record, self.schedule, self.verbose
        record.loss = loss
        state.t += data[0].shape[0]
        record.loss_curve.append(loss)
        if verbose:
            print("Iteration %d, loss = %.8f" % (record.n_iter, loss))
        # Before validation, so an undone epoch is scored at the restored weights.
        if schedule.needs_objective and schedule.after_training(
                state.schedule, lambda: training_objective(self.network, params, *data),
                verbose):
            params[...] = snapshot
            state.solver = _init_solver(self.solver, params)

        score = validation_loss = None
        if validation is not None:
            score, validation_loss = validation(params)
            record.validation_loss_curve.append(validation_loss)
        self._update_no_improvement_count(state, params, score)
        if verbose and verbose >= 2:
            self._print_epoch_details(state, validation_loss, epoch_start)

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
        if score is not None:
            record.validation_scores.append(score)
            if self.verbose:
                print("Validation score: %f" % score)
        if self.early_stopping:
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
                    state.best_params = copy_array(params)
                record.best_epoch = len(record.loss_curve)
            return
        if score is not None and not score <= record.best_validation_score:
            record.best_validation_score = score
        loss = record.loss_curve[-1]
        if record.best_loss is None:  # early_stopping was switched off since
            record.best_loss = np.inf
        if loss > record.best_loss - tol:
            record.no_improvement_count += 1
        else:
            record.no_improvement_count = 0
        if loss < record.best_loss:
            record.best_loss = loss

    def _print_epoch_details(self, state, validation_loss, epoch_start):
        parts = []
        if validation_loss is not None:
            # The validation score has scikit-learn's own line (verbose >= 1).
            parts.append("validation loss = %.8f" % validation_loss)
        learning_rate = self.learning_rate(state)
        if learning_rate is not None:
            parts.append("learning rate = %g" % learning_rate)
        parts.append("epoch time = %.3fs" % (time.perf_counter() - epoch_start))
        print("  " + ", ".join(parts))

    def _warn_divergence(self, state, loss):
        record = state.record
        learning_rate = self.learning_rate(state)
        if learning_rate is not None:
            advice = (
                f"The learning rate ({learning_rate:g}) is probably too large: try a "
                "smaller learning rate (learning_rate_init), or scale the inputs."
            )
        else:
            advice = (
                "The solver's steps are probably too large: try a smaller learning "
                "rate or step size (e.g. step_init / step_max of Rprop), or scale the "
                "inputs."
            )
        epoch = record.diverged_at
        warnings.warn(
            f"Training diverged in epoch {epoch} (epoch {record.n_iter} of this call; "
            f"loss {loss:.4g}, loss at the initial weights {record.initial_loss:.4g}): "
            f"training stopped and the weights from the end of epoch {epoch - 1} were "
            f"restored. {advice}",
            self.convergence_warning,
            stacklevel=5,
        )

    # -- minimizers --------------------------------------------------------------------

    def run_minimizer(self, state, params, data, validation=None):
        """Train with a solver that minimizes the full-batch objective itself.

        ``params`` is updated in place with the result; the record gets one
        ``loss_curve`` entry (and validation entries) per iteration. If the result is
        not finite, the last finite iterate is kept. Returns scipy's
        ``OptimizeResult``.
        """
        record, network = state.record, self.network
        X, y, sample_weight = data
        X = _as_dtype(X, network.dtype)  # training_dtype: the full batch, cast once
        y = _as_dtype(y, network.dtype)
        on_host = isinstance(params, np.ndarray)
        # The parameter vector lives on the host (scipy); with another namespace,
        # each evaluation moves it to the device and the gradient back.
        grad = np.empty(network.n_params, dtype=network.dtype) if on_host else None
        work, last_finite = copy_array(params), to_host(params).copy()
        on_begin, on_end = self.hooks or (None, None)
        if on_begin is not None:
            on_begin()

        def fun(x):
            _assign(work, x, network.dtype)
            # With max_norm, the minimizer works on the projection of its iterates.
            loss, g = network.constrained_loss_gradient(work, X, y, sample_weight, grad,
                                                        rng=state.rng)
            return float(loss), to_host(g).astype(np.float64)

        last_finite_iteration = len(record.loss_curve)
        record.stop_reason = record.restored_epoch = None
        if validation is not None:
            _open_validation(record)

        def callback(intermediate_result):
            nonlocal last_finite_iteration
            record.loss_curve.append(float(intermediate_result.fun))
            if np.isfinite(intermediate_result.fun):
                last_finite[...] = intermediate_result.x
                last_finite_iteration = len(record.loss_curve)
            # The optimizer works on its own copy: show this iterate through params.
            _assign(params, intermediate_result.x, network.dtype)
            if validation is not None:
                self._record_validation(record, validation(params))
            if on_end is not None and on_end():
                record.stop_reason = "callback"
                raise StopIteration  # scipy >= 1.11 ends the optimization cleanly
            if on_begin is not None:
                on_begin()

        with np.errstate(over="ignore", invalid="ignore"):
            result = self._minimize(params, fun, callback, sample_weight, X.shape[0])
        if np.isfinite(result.fun) and np.isfinite(result.x).all():
            _assign(params, result.x, network.dtype)
        else:
            _assign(params, last_finite, network.dtype)
            record.diverged_at = int(getattr(result, "nit", 0))
            record.restored_epoch = last_finite_iteration
            record.stop_reason = "diverged"
        # The minimizer's iterates are unconstrained; the weights are their projection.
        network.constrain(params)
        record.n_iter = min(int(getattr(result, "nit", len(record.loss_curve))),
                            self.max_iter)
        overflow = _Overflow()
        with np.errstate(over="call", invalid="call", call=overflow):
            record.loss = float(network.loss_gradient(params, X, y, sample_weight,
                                                      rng=state.rng)[0])
        if not np.isfinite(record.loss) or overflow.seen:
            _check_outputs_finite(network, params, X, y, sample_weight)
        if record.stop_reason is None:
            record.stop_reason = ("converged" if result.success
                                  else "max_iter" if result.status == 1 else "failed")
        self._warn_minimizer(record, result)
        return result

    def _minimize(self, params, fun, callback, sample_weight, n_samples):
        """The minimizer's run; with an L1 penalty and a minimizer that takes bounds,
        on split weights (exact L1, :func:`skneural.regularizers.split_minimize`)."""
        network, solver = self.network, self.solver
        l1 = network.alpha * network.l1_ratio
        split = l1 > 0 and getattr(solver, "supports_bounds", False)
        network.l1_subgradient = not split
        options = dict(max_iter=self.max_iter, tol=self.tol, callback=callback)
        start = to_host(params).astype(np.float64)  # scipy works on the host
        if not split:
            return solver.minimize(start, fun, **options)
        weight_sum = (n_samples if sample_weight is None
                      else float(to_host(sample_weight).sum()))
        return split_minimize(solver.minimize, start, fun, network.n_coefs,
                              l1 / weight_sum, **options)

    @staticmethod
    def _record_validation(record, score_and_loss):
        score, loss = score_and_loss
        record.validation_scores.append(score)
        record.validation_loss_curve.append(loss)
        if not score <= record.best_validation_score:
            record.best_validation_score = score

    def _warn_minimizer(self, record, result):
        name = type(self.solver).__name__
        if not result.success and record.stop_reason != "callback":
            warnings.warn(
                f"{name} failed to converge after {record.n_iter} iteration(s) "
                f"(status={result.status}): {result.message}. Increase max_iter, or "
                "scale the data as shown in "
                "https://scikit-learn.org/stable/modules/preprocessing.html",
                self.convergence_warning, stacklevel=4)
        if record.stop_reason == "diverged":
            warnings.warn(
                f"{name} produced a non-finite loss; the last finite iterate was "
                "kept. Scale the inputs or increase alpha.",
                self.convergence_warning, stacklevel=4)


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
        if isinstance(value, np.ndarray):
            return value.size
        if hasattr(value, "shape") and len(value.shape) == 1:  # other namespaces
            return value.shape[0]
    return None


def _init_solver(solver, params):
    """The solver's initial state, in ``params``' namespace and on its device."""
    if isinstance(params, np.ndarray):
        return solver.init(params)
    # Built on a host copy, its arrays moved to params' namespace and device.
    state = solver.init(to_host(params))
    xp = array_namespace(params)
    return {key: from_host(value, xp, params.device)
            if isinstance(value, np.ndarray) else value
            for key, value in state.items()}


def _assign(params, host_values, dtype):
    """``params[...] = host_values``, moving NumPy values to ``params``' device."""
    if isinstance(params, np.ndarray):
        params[...] = host_values
    else:
        params[...] = from_host(host_values, array_namespace(params), params.device,
                                dtype)


def _as_dtype(array, dtype):
    if not hasattr(array, "astype"):  # other namespaces: cast once, up front (_base)
        return array
    return array if array.dtype == dtype else array.astype(dtype)


def _blas_threads_for(network, batch_size):
    """A context that limits BLAS to one thread for small steps, else does nothing.

    The limit is process-wide (threadpoolctl), so it is shared by reference count:
    the first small-step fit to enter sets it, the last to leave restores the
    original limits, whatever the order in which overlapping fits (in threads) end.
    """
    global _thread_controller
    flops = 2 * batch_size * sum(a * b for a, b in network.coef_shapes)
    if flops >= SMALL_STEP_FLOPS:
        return contextlib.nullcontext()
    if _thread_controller is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # threadpoolctl comes with scikit-learn; be safe anyway
            return contextlib.nullcontext()
        _thread_controller = ThreadpoolController()
    return _shared_blas_limit()


@contextlib.contextmanager
def _shared_blas_limit():
    global _blas_users, _blas_limiter
    with _blas_lock:
        if _blas_users == 0:
            _blas_limiter = _thread_controller.limit(limits=1, user_api="blas")
        _blas_users += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_users -= 1
            if _blas_users == 0:
                _blas_limiter.restore_original_limits()
                _blas_limiter = None


def training_objective(network, params, X, y, sample_weight=None, chunk_size=2048):
    """The full-batch training objective at ``params`` in inference mode: the
    sample-weighted mean loss plus the weight penalty over the weight sum (the
    objective 'lbfgs' minimizes), computed in chunks to bound memory."""
    if not isinstance(params, np.ndarray):
        return _training_objective_xp(network, params, X, y, sample_weight, chunk_size)
    coefs, intercepts = network.unpack(params)
    total = weight_sum = 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, X.shape[0], chunk_size):
            rows = slice(start, start + chunk_size)
            raw = network.predict_raw(coefs, intercepts, _as_dtype(X[rows],
                                                                   network.dtype))
            per_sample = network.loss.loss_gradient(_as_dtype(y[rows], network.dtype),
                                                    raw, raw)
            if sample_weight is None:
                total += float(per_sample.sum())
                weight_sum += per_sample.shape[0]
            else:
                total += float(np.dot(sample_weight[rows], per_sample))
                weight_sum += float(sample_weight[rows].sum())
        penalty = network.penalty_value(params)
    return (total + penalty) / weight_sum


def _training_objective_xp(network, params, X, y, sample_weight, chunk_size):
    """:func:`training_objective` for arrays of another namespace, on their device."""
    xp = array_namespace(params)
    coefs, intercepts = network.unpack(params)
    loss_gradient = network.loss.xp_loss_gradient
    total = weight_sum = 0.0
    for start in range(0, X.shape[0], chunk_size):
        stop = min(start + chunk_size, X.shape[0])
        raw = network.predict_raw(coefs, intercepts, X[start:stop, ...])
        per_sample, _ = loss_gradient(y[start:stop, ...], raw, xp)
        if sample_weight is None:
            total += float(xp.sum(per_sample))
            weight_sum += per_sample.shape[0]
        else:
            total += float(xp.sum(sample_weight[start:stop] * per_sample))
            weight_sum += float(xp.sum(sample_weight[start:stop]))
    return (total + network.penalty_value(params)) / weight_sum


def _initial_loss(network, params, X, y, sample_weight, n_rows=2048):
    """The objective at the initial weights on evenly spaced rows (at most about
    ``2 * n_rows``): a representative yardstick for the divergence guard, unlike one
    mini-batch (think ``batch_size=1``), for a small fraction of an epoch's work."""
    rows = slice(None, None, max(1, X.shape[0] // n_rows))
    weights = None if sample_weight is None else sample_weight[rows]
    # Small chunks: this runs before the first epoch and should not raise the peak.
    if not isinstance(params, np.ndarray):  # the standard indexes every axis
        return training_objective(network, params, X[rows, ...], y[rows, ...], weights,
                                  chunk_size=256)
    return training_objective(network, params, X[rows], y[rows], weights,
                              chunk_size=256)


class _Overflow:
    """An ``np.errstate(call=...)`` handler that notes that a floating-point
    overflow or invalid operation happened, instead of warning."""

    seen = False

    def __call__(self, kind, flag):
        self.seen = True


def _check_outputs_finite(network, params, X, y, sample_weight=None, chunk_size=2048):
    """Raise ValueError unless every layer's outputs on ``X``, and the loss against
    ``y``, are finite.

    Run after training that ended in a non-finite loss, diverged, or overflowed
    somewhere in its last epoch (a hidden ``exp`` unit, say, whose ``inf`` a capped
    link would hide from the loss), so that no fitted model predicts NaN or inf,
    or overflows, on its own training data, and none is published whose training
    loss is infinite (inputs near the largest float give finite outputs but an
    infinite squared error). scikit-learn refuses such fits too.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, X.shape[0], chunk_size):
            rows = slice(start, start + chunk_size)
            tape = network.forward(params, _as_dtype(X[rows], network.dtype),
                                   training=False)
            finite = all(all_finite(out) for out in tape.activations[1:])
            if finite:
                raw, y_rows = tape.activations[-1], _as_dtype(y[rows], network.dtype)
                if isinstance(raw, np.ndarray):
                    per_sample = network.loss.loss_gradient(y_rows, raw, raw)
                else:
                    per_sample, _ = network.loss.xp_loss_gradient(
                        y_rows, raw, array_namespace(raw))
                finite = all_finite(per_sample)
            if not finite:
                scale = abs(X).max()
                raise ValueError(
                    "Training ended with weights whose outputs or loss on the "
                    "training data are not finite (the largest absolute input value "
                    f"is {scale:.3g}): the input data contain values too large for "
                    "the network and need to be preprocessed, e.g. with "
                    "sklearn.preprocessing.StandardScaler.")


def _diverged(loss, params, initial_loss):
    if not isinstance(params, np.ndarray):
        xp = array_namespace(params)
        finite = bool(xp.all(xp.isfinite(params)))
        return not (np.isfinite(loss) and finite) or \
            loss > EXPLOSION_FACTOR * max(initial_loss, 1.0)
    if not np.isfinite(loss) or not np.isfinite(params).all():
        return True
    return loss > EXPLOSION_FACTOR * max(initial_loss, 1.0)
