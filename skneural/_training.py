"""The epoch loop: batching, shuffling, stopping rules, best weights, divergence guard.

Knows the network and the solver protocol, nothing of scikit-learn: the estimators
hand it arrays, a :class:`History` to fill, and (for early stopping) a callable that
scores the current weights on held-out data.
"""

import time
import warnings
from dataclasses import dataclass, field

import numpy as np

# An epoch loss this many times the first epoch's (or 1.0, if larger) is divergence.
EXPLOSION_FACTOR = 1e3


class ConvergenceWarning(UserWarning):
    """Placeholder replaced by scikit-learn's class in ``_base`` (kept sklearn-free)."""


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


def run_epochs(network, solver, params, state, X, y, sample_weight, *, history,
               batch_size, shuffle, random_state, max_iter, tol, n_iter_no_change,
               validation_score=None, incremental=False, verbose=False,
               convergence_warning=UserWarning):
    """Train with a step-based solver for up to ``max_iter`` epochs (1 if incremental).

    Semantics are scikit-learn's ``_fit_stochastic``: the epoch loss is the batch
    losses averaged with batch-size weights; without ``validation_score`` training
    stops once the loss has failed to improve by ``tol`` for more than
    ``n_iter_no_change`` epochs; with it, the same rule applies to the validation
    score and the best weights are restored at the end.

    Returns the solver state.
    """
    n_samples = X.shape[0]
    if getattr(solver, "full_batch", False):
        batch_size = n_samples
    batch_size = int(min(max(batch_size, 1), n_samples))
    sample_idx = history.sample_idx
    if sample_idx is None or len(sample_idx) != n_samples or not incremental:
        sample_idx = np.arange(n_samples)
    grad = np.empty(network.n_params, dtype=network.dtype)
    last_good = params.copy()
    history.n_iter = 0
    first_loss = history.loss_curve[0] if history.loss_curve else None

    try:
        for _ in range(max_iter):
            epoch_start = time.perf_counter()
            if shuffle:
                # sklearn.utils.shuffle(sample_idx): compose with a fresh permutation.
                sample_idx = sample_idx[random_state.permutation(n_samples)]
            accumulated_loss = 0.0
            for start in range(0, n_samples, batch_size):
                stop = min(start + batch_size, n_samples)
                batch = sample_idx[start:stop] if shuffle else slice(start, stop)
                X_batch, y_batch = X[batch], y[batch]
                sw_batch = None if sample_weight is None else sample_weight[batch]

                def grad_fn(p, X_batch=X_batch, y_batch=y_batch, sw_batch=sw_batch):
                    return network.loss_gradient(p, X_batch, y_batch, sw_batch, grad)

                state, batch_loss = solver.step(params, grad_fn, state)
                accumulated_loss += batch_loss * (stop - start)

            history.n_iter += 1
            loss = accumulated_loss / n_samples
            if first_loss is None:
                first_loss = loss
            if _diverged(loss, params, first_loss):
                params[...] = last_good
                history.diverged_at = len(history.loss_curve) + 1
                lr = solver.current_learning_rate(state)
                warnings.warn(
                    f"Training diverged in epoch {history.n_iter} of this call "
                    f"(loss {loss:.4g}, first epoch {first_loss:.4g}): the weights "
                    "from the end of the previous epoch were restored and training "
                    "stopped. The learning rate"
                    + (f" ({lr:g})" if lr is not None else "")
                    + " is probably too large; try a smaller learning_rate_init, "
                    "or scale the inputs.",
                    convergence_warning,
                    stacklevel=3,
                )
                break
            last_good[...] = params
            history.loss = loss
            history.t += n_samples
            history.loss_curve.append(loss)
            if verbose:
                print("Iteration %d, loss = %.8f" % (history.n_iter, loss))

            _update_no_improvement_count(history, tol, params, validation_score,
                                         verbose)
            if verbose and verbose >= 2:
                print("  epoch time: %.3fs" % (time.perf_counter() - epoch_start))
            state = solver.end_epoch(state, history.t)

            if history.no_improvement_count > n_iter_no_change:
                if validation_score is not None:
                    message = (
                        "Validation score did not improve more than tol=%f for %d "
                        "consecutive epochs." % (tol, n_iter_no_change)
                    )
                else:
                    message = (
                        "Training loss did not improve more than tol=%f for %d "
                        "consecutive epochs." % (tol, n_iter_no_change)
                    )
                if solver.on_plateau(state, message, verbose):
                    break
                history.no_improvement_count = 0
            if incremental:
                break
            if history.n_iter == max_iter:
                warnings.warn(
                    "Stochastic Optimizer: Maximum iterations (%d) reached and the "
                    "optimization hasn't converged yet." % max_iter,
                    convergence_warning,
                    stacklevel=3,
                )
    except KeyboardInterrupt:
        warnings.warn("Training interrupted by user.", stacklevel=3)

    history.sample_idx = sample_idx
    if validation_score is not None and history.best_params is not None:
        params[...] = history.best_params
    return state


def _diverged(loss, params, first_loss):
    if not np.isfinite(loss) or not np.isfinite(params).all():
        return True
    return loss > EXPLOSION_FACTOR * max(first_loss, 1.0)


def _update_no_improvement_count(history, tol, params, validation_score, verbose):
    if validation_score is not None:
        score = validation_score()
        history.validation_scores.append(score)
        if verbose:
            print("Validation score: %f" % score)
        if score < history.best_validation_score + tol:
            history.no_improvement_count += 1
        else:
            history.no_improvement_count = 0
        if score > history.best_validation_score:
            history.best_validation_score = score
            history.best_params = params.copy()
    else:
        loss = history.loss_curve[-1]
        if loss > history.best_loss - tol:
            history.no_improvement_count += 1
        else:
            history.no_improvement_count = 0
        if loss < history.best_loss:
            history.best_loss = loss


def run_minimizer(network, solver, params, X, y, sample_weight, *, history,
                  max_iter, tol):
    """Train with a solver that minimizes the full-batch loss itself (L-BFGS, CG).

    ``params`` is updated in place with the result; ``history.loss_curve`` gets one
    entry per iteration. Returns scipy's ``OptimizeResult``. If the result is not
    finite, the last finite iterate is kept.
    """
    grad = np.empty(network.n_params, dtype=network.dtype)
    work = params.copy()
    last_finite = params.copy()

    def fun(x):
        work[...] = x
        loss, g = network.loss_gradient(work, X, y, sample_weight, grad)
        return loss, g.astype(np.float64)

    def callback(intermediate_result):
        history.loss_curve.append(float(intermediate_result.fun))
        if np.isfinite(intermediate_result.fun):
            last_finite[...] = intermediate_result.x

    with np.errstate(over="ignore", invalid="ignore"):
        result = solver.minimize(params.astype(np.float64), fun, max_iter=max_iter,
                                 tol=tol, callback=callback)
    if np.isfinite(result.fun) and np.isfinite(result.x).all():
        params[...] = result.x
    else:
        params[...] = last_finite
        history.diverged_at = int(getattr(result, "nit", 0))
    history.loss = float(result.fun)
    return result
