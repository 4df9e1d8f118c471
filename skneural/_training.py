"""The epoch loop: batching, shuffling, stopping rules, best weights, divergence guard.

Knows the network and the solver protocol, nothing of scikit-learn: the estimators
hand it arrays, a :class:`History` to fill, and optionally a callable that scores the
current weights on validation data, a learning-rate schedule
(:mod:`skneural.schedules`) and per-epoch hooks (how scikit-learn's callbacks are
called, see :mod:`skneural.callbacks`).
"""

import contextlib
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

# An epoch loss this many times the loss at the initial weights (or 1.0, if larger) is
# divergence. The initial loss, not the first epoch's: with an absurd learning rate
# the first epoch's mean loss is already astronomical (Adam, RMSprop).
EXPLOSION_FACTOR = 1e3

# Steps of fewer floating-point operations than this run with one BLAS thread: on
# such small products a second thread saves less than its hand-offs and spinning
# cost the element-wise work between them (digits, 64-100-10, batch 200: 11% faster).
SMALL_STEP_FLOPS = 4e6
_thread_controller = None


def _blas_threads_for(network, batch_size):
    """A context that limits BLAS to one thread for small steps, else does nothing."""
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
    return _thread_controller.limit(limits=1, user_api="blas")


@dataclass
class History:
    """What training records; the estimators expose it under scikit-learn's names."""

    loss_curve: list = field(default_factory=list)
    best_loss: float | None = np.inf
    validation_scores: list | None = None
    best_validation_score: float | None = None
    no_improvement_count: int = 0
    best_params: np.ndarray | None = None
    n_iter: int = 0
    t: int = 0
    loss: float | None = None
    sample_idx: np.ndarray | None = None
    diverged_at: int | None = None
    # Training objective at the initial weights: the divergence guard's yardstick.
    initial_loss: float | None = None
    validation_loss_curve: list | None = None
    # Epoch (1-based position in loss_curve) whose weights best_params holds.
    best_epoch: int | None = None
    # Epoch whose weights the model holds after a restore (0: the initial weights).
    restored_epoch: int | None = None
    stop_reason: str | None = None


def run_epochs(network, solver, params, state, X, y, sample_weight, *, history,
               batch_size, shuffle, random_state, max_iter, tol, n_iter_no_change,
               validation=None, early_stopping=False, schedule=None,
               on_epoch_begin=None, on_epoch_end=None, incremental=False,
               verbose=False, convergence_warning=UserWarning):
    """Train with a step-based solver for up to ``max_iter`` epochs (1 if incremental).

    Semantics are scikit-learn's ``_fit_stochastic``: the epoch loss is the batch
    losses averaged with batch-size weights; training stops once the training loss
    (with ``early_stopping``, the validation score) has failed to improve by ``tol``
    for more than ``n_iter_no_change`` epochs; with ``early_stopping`` the weights of
    the best-scoring epoch are restored at the end.

    Parameters
    ----------
    validation : callable or None
        ``validation() -> (score, loss)`` on held-out data at the current weights;
        called after every epoch and recorded in ``history.validation_scores`` and
        ``history.validation_loss_curve``.
    early_stopping : bool
        Stop on the validation score and restore the best weights (needs
        ``validation``); otherwise validation is only recorded.
    schedule : object or None
        A learning-rate schedule from :mod:`skneural.schedules`.
    on_epoch_begin, on_epoch_end : callable or None
        Called without arguments at the start and the end of every epoch;
        ``on_epoch_end()`` returning True stops training after that epoch.

    Returns the solver state. ``history.stop_reason`` says why training ended:
    "max_iter", "no_improvement", "diverged", "callback", "interrupted", or None
    after the single epoch of an incremental call.
    """
    n_samples = X.shape[0]
    if getattr(solver, "full_batch", False):
        batch_size = n_samples
    batch_size = int(min(max(batch_size, 1), n_samples))
    sample_idx = history.sample_idx
    if sample_idx is None or len(sample_idx) != n_samples or not incremental:
        # int32 where it fits: the order is kept between partial_fit calls.
        sample_idx = np.arange(n_samples,
                               dtype=np.int32 if n_samples < 2**31 else np.int64)
    grad = np.empty(network.n_params, dtype=network.dtype)
    last_good = params.copy()
    history.n_iter = 0
    history.restored_epoch = None
    history.stop_reason = None
    if schedule is not None:
        schedule.check(state)

    def objective():
        return training_objective(network, params, X, y, sample_weight)

    if history.initial_loss is None:
        history.initial_loss = (history.loss_curve[0] if history.loss_curve
                                else _initial_loss(network, params, X, y, sample_weight))

    with _blas_threads_for(network, batch_size):
        state = _epochs(network, solver, params, state, X, y, sample_weight,
                        history=history, batch_size=batch_size, shuffle=shuffle,
                        random_state=random_state, max_iter=max_iter, tol=tol,
                        n_iter_no_change=n_iter_no_change, validation=validation,
                        early_stopping=early_stopping, schedule=schedule,
                        on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                        incremental=incremental, verbose=verbose,
                        convergence_warning=convergence_warning, objective=objective,
                        sample_idx=sample_idx, grad=grad, last_good=last_good)
    if early_stopping and history.best_params is not None:
        params[...] = history.best_params
        history.restored_epoch = history.best_epoch
    return state


def _epochs(network, solver, params, state, X, y, sample_weight, *, history,
            batch_size, shuffle, random_state, max_iter, tol, n_iter_no_change,
            validation, early_stopping, schedule, on_epoch_begin, on_epoch_end,
            incremental, verbose, convergence_warning, objective, sample_idx, grad,
            last_good):
    """The epochs of :func:`run_epochs`; returns the solver state."""
    n_samples = X.shape[0]
    try:
        for _ in range(max_iter):
            if on_epoch_begin is not None:
                on_epoch_begin()
            epoch_start = time.perf_counter()
            if schedule is not None:
                schedule.start_epoch(params, state, objective)
            if shuffle:
                # sklearn.utils.shuffle(sample_idx): compose with a fresh permutation.
                sample_idx = sample_idx[random_state.permutation(n_samples)]
            accumulated_loss = 0.0
            # Overflow is expected when training diverges; the guard below reports
            # it with its cause instead of numpy's generic warnings.
            with np.errstate(over="ignore", invalid="ignore"):
                for start in range(0, n_samples, batch_size):
                    stop = min(start + batch_size, n_samples)
                    batch = sample_idx[start:stop] if shuffle else slice(start, stop)
                    X_batch, y_batch = X[batch], y[batch]
                    if X_batch.dtype != network.dtype:  # training_dtype="float32"
                        X_batch = X_batch.astype(network.dtype)
                    if y_batch.dtype != network.dtype:  # e.g. a boolean one-hot
                        y_batch = y_batch.astype(network.dtype)
                    sw_batch = None if sample_weight is None else sample_weight[batch]

                    def grad_fn(p, X_batch=X_batch, y_batch=y_batch,
                                sw_batch=sw_batch):
                        return network.loss_gradient(p, X_batch, y_batch, sw_batch,
                                                     grad)

                    state, batch_loss = solver.step(params, grad_fn, state)
                    if network.max_norm is not None:
                        network.constrain(params)
                    accumulated_loss += batch_loss * (stop - start)

            history.n_iter += 1
            loss = accumulated_loss / n_samples
            if _diverged(loss, params, history.initial_loss):
                params[...] = last_good
                history.diverged_at = len(history.loss_curve) + 1
                history.restored_epoch = len(history.loss_curve)
                _warn_divergence(history, loss, solver, state, convergence_warning)
                stop_reason = "diverged"
            else:
                state, stop_reason = _finish_epoch(
                    history, solver, state, params, loss, n_samples=n_samples,
                    tol=tol, n_iter_no_change=n_iter_no_change, validation=validation,
                    early_stopping=early_stopping, schedule=schedule,
                    objective=objective, verbose=verbose, epoch_start=epoch_start,
                )
                last_good[...] = params
            if on_epoch_end is not None and on_epoch_end() and stop_reason is None:
                stop_reason = "callback"
                if verbose:
                    print("Training stopped by a callback.")
            if stop_reason is not None:
                history.stop_reason = stop_reason
                break
            if incremental:
                break
            if history.n_iter == max_iter:
                history.stop_reason = "max_iter"
                warnings.warn(
                    "Stochastic Optimizer: Maximum iterations (%d) reached and the "
                    "optimization hasn't converged yet." % max_iter,
                    convergence_warning,
                    stacklevel=3,
                )
    except KeyboardInterrupt:
        history.stop_reason = "interrupted"
        warnings.warn("Training interrupted by user.", stacklevel=3)

    history.sample_idx = sample_idx
    return state


def _finish_epoch(history, solver, state, params, loss, *, n_samples, tol,
                  n_iter_no_change, validation, early_stopping, schedule, objective,
                  verbose, epoch_start):
    """Record a finite epoch, apply the schedules, decide whether to stop.

    Returns the solver state and the stop reason (or None).
    """
    history.loss = loss
    history.t += n_samples
    history.loss_curve.append(loss)
    if verbose:
        print("Iteration %d, loss = %.8f" % (history.n_iter, loss))
    if schedule is not None:
        # Before validation, so an undone epoch is scored at the restored weights.
        state = schedule.after_training_loss(solver, params, state, objective,
                                             verbose)

    score = validation_loss = None
    if validation is not None:
        score, validation_loss = validation()
        history.validation_loss_curve.append(validation_loss)
    _update_no_improvement_count(history, tol, params, score, early_stopping, verbose)
    state = solver.end_epoch(state, history.t)
    if verbose and verbose >= 2:
        _print_epoch_details(solver, state, validation_loss,
                             time.perf_counter() - epoch_start)

    stop_reason = None
    if schedule is not None and schedule.after_epoch(
            state, loss if validation_loss is None else validation_loss, verbose):
        stop_reason = "no_improvement"
    if history.no_improvement_count > n_iter_no_change:
        if schedule is not None and schedule.replaces_stopping:
            history.no_improvement_count = 0
        else:
            what = "Validation score" if early_stopping else "Training loss"
            message = (
                "%s did not improve more than tol=%f for %d consecutive epochs."
                % (what, tol, n_iter_no_change)
            )
            if solver.on_plateau(state, message, verbose):
                stop_reason = "no_improvement"
            else:
                history.no_improvement_count = 0
    return state, stop_reason


def _print_epoch_details(solver, state, validation_loss, seconds):
    parts = []
    if validation_loss is not None:
        # The validation score has scikit-learn's own line (verbose >= 1).
        parts.append("validation loss = %.8f" % validation_loss)
    learning_rate = solver.current_learning_rate(state)
    if learning_rate is not None:
        parts.append("learning rate = %g" % learning_rate)
    parts.append("epoch time = %.3fs" % seconds)
    print("  " + ", ".join(parts))


def training_objective(network, params, X, y, sample_weight=None, chunk_size=2048):
    """The full-batch training objective at ``params`` in inference mode: the
    sample-weighted mean loss plus the weight penalty over the weight sum (the
    objective 'lbfgs' minimizes), computed in chunks to bound memory."""
    coefs, intercepts = network.unpack(params)
    total = weight_sum = 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, X.shape[0], chunk_size):
            rows = slice(start, start + chunk_size)
            raw = network.predict_raw(coefs, intercepts,
                                      X[rows].astype(network.dtype, copy=False))
            per_sample = network.loss.loss_gradient(
                y[rows].astype(network.dtype, copy=False), raw, raw)
            if sample_weight is None:
                total += float(per_sample.sum())
                weight_sum += per_sample.shape[0]
            else:
                total += float(np.dot(sample_weight[rows], per_sample))
                weight_sum += float(sample_weight[rows].sum())
        penalty = network.penalty_value(params)
    return (total + penalty) / weight_sum


def _initial_loss(network, params, X, y, sample_weight, n_rows=2048):
    """The objective at the initial weights on evenly spaced rows (at most about
    ``2 * n_rows``): a representative yardstick for the divergence guard, unlike one
    mini-batch (think ``batch_size=1``), for a small fraction of an epoch's work."""
    rows = slice(None, None, max(1, X.shape[0] // n_rows))
    weights = None if sample_weight is None else sample_weight[rows]
    # Small chunks: this runs before the first epoch and should not raise the peak.
    return training_objective(network, params, X[rows], y[rows], weights,
                              chunk_size=256)


def _diverged(loss, params, initial_loss):
    if not np.isfinite(loss) or not np.isfinite(params).all():
        return True
    return loss > EXPLOSION_FACTOR * max(initial_loss, 1.0)


def _warn_divergence(history, loss, solver, state, convergence_warning):
    learning_rate = solver.current_learning_rate(state)
    if learning_rate is not None:
        advice = (
            f"The learning rate ({learning_rate:g}) is probably too large: try a "
            "smaller learning rate (learning_rate_init), or scale the inputs."
        )
    else:
        advice = (
            "The solver's steps are probably too large: try a smaller learning rate "
            "or step size (e.g. step_init / step_max of Rprop), or scale the inputs."
        )
    epoch = history.diverged_at
    warnings.warn(
        f"Training diverged in epoch {epoch} (epoch {history.n_iter} of this call; "
        f"loss {loss:.4g}, loss at the initial weights {history.initial_loss:.4g}): "
        f"training stopped and the weights from the end of epoch {epoch - 1} were "
        f"restored. {advice}",
        convergence_warning,
        stacklevel=4,
    )


def _update_no_improvement_count(history, tol, params, score, early_stopping,
                                 verbose):
    if score is not None:
        history.validation_scores.append(score)
        if verbose:
            print("Validation score: %f" % score)
    if early_stopping:
        if score < history.best_validation_score + tol:
            history.no_improvement_count += 1
        else:
            history.no_improvement_count = 0
        if score > history.best_validation_score:
            history.best_validation_score = score
            if history.best_params is not None and \
                    history.best_params.shape == params.shape:
                history.best_params[...] = params
            else:
                history.best_params = params.copy()
            history.best_epoch = len(history.loss_curve)
    else:
        if score is not None and not score <= history.best_validation_score:
            history.best_validation_score = score
        loss = history.loss_curve[-1]
        if loss > history.best_loss - tol:
            history.no_improvement_count += 1
        else:
            history.no_improvement_count = 0
        if loss < history.best_loss:
            history.best_loss = loss


def run_minimizer(network, solver, params, X, y, sample_weight, *, history,
                  max_iter, tol, on_iteration=None):
    """Train with a solver that minimizes the full-batch loss itself (L-BFGS, CG).

    ``params`` is updated in place with the result; ``history.loss_curve`` gets one
    entry per iteration. Returns scipy's ``OptimizeResult``. If the result is not
    finite, the last finite iterate is kept (``history.restored_epoch`` says which).
    ``on_iteration(x)``, if given, is called after every iteration with the iterate;
    returning True stops the optimizer (``history.stop_reason = "callback"``).
    """
    grad = np.empty(network.n_params, dtype=network.dtype)
    work = params.copy()
    last_finite = params.copy()

    def fun(x):
        work[...] = x
        # With max_norm, the minimizer works on the projection of its iterates.
        loss, g = network.constrained_loss_gradient(work, X, y, sample_weight, grad)
        return loss, g.astype(np.float64)

    last_finite_iteration = len(history.loss_curve)

    def callback(intermediate_result):
        nonlocal last_finite_iteration
        history.loss_curve.append(float(intermediate_result.fun))
        if np.isfinite(intermediate_result.fun):
            last_finite[...] = intermediate_result.x
            last_finite_iteration = len(history.loss_curve)
        if on_iteration is not None and on_iteration(intermediate_result.x):
            history.stop_reason = "callback"
            raise StopIteration  # scipy >= 1.11 ends the optimization cleanly

    with np.errstate(over="ignore", invalid="ignore"):
        result = solver.minimize(params.astype(np.float64), fun, max_iter=max_iter,
                                 tol=tol, callback=callback)
    if np.isfinite(result.fun) and np.isfinite(result.x).all():
        params[...] = result.x
    else:
        params[...] = last_finite
        history.diverged_at = int(getattr(result, "nit", 0))
        history.restored_epoch = last_finite_iteration
        history.stop_reason = "diverged"
    # The minimizer's iterates are unconstrained; the weights are their projection.
    network.constrain(params)
    history.loss = float(result.fun)
    return result
