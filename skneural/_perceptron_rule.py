"""The perceptron's learning rule, unit by unit, for :mod:`skneural._perceptron`.

A unit sees the training samples one at a time and, when it gets one wrong
(``y * (w @ x + b) <= 0`` with ``y`` in {-1, +1}), adds ``eta0 * y * x`` to its
weights and ``eta0 * y`` to its bias. The weights only change on a mistake (or by a
constant shrink factor under an L2 penalty), so :class:`_Unit` scores a block of
upcoming samples with one matrix product, jumps to the first mistake, updates, and
carries on: the same sequence of updates as a sample-by-sample loop, at the cost of
one NumPy call per mistake instead of one per sample. Averaging, the pocket, the
penalties, the stopping rule and scikit-learn's per-epoch shuffle live here too.
"""

import time
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

_MAX_INT = np.iinfo(np.int32).max
# Below this the scale of the weight vector is folded back into it (as scikit-learn).
_WSCALE_THRESHOLD = 1e-9
# Bounds on how many upcoming samples are scored at once while looking for a mistake.
_MIN_BLOCK, _MAX_BLOCK = 8, 4096


def _xorshift_permutation(n_samples, seed):
    """Permutation that one shuffle of scikit-learn's ``SequentialDataset`` applies.

    scikit-learn shuffles its index array in place at the start of every epoch with a
    Fisher-Yates pass driven by a 32-bit xorshift generator restarted from the same
    seed, so epoch ``k`` visits ``order_k = order_{k-1}[perm]``.
    """
    perm = list(range(n_samples))
    state = (int(seed) & 0xFFFFFFFF) or 1
    for i in range(n_samples - 1):
        state ^= (state << 13) & 0xFFFFFFFF
        state ^= state >> 17
        state ^= (state << 5) & 0xFFFFFFFF
        j = i + (state & 0x7FFFFFFF) % (n_samples - i)
        perm[i], perm[j] = perm[j], perm[i]
    return np.asarray(perm, dtype=np.intp)


def _canonical(X):
    """CSR input without duplicate entries (an update adds each stored value once)."""
    if sp.issparse(X) and not X.has_canonical_format:
        X = X.copy()
        X.sum_duplicates()
    return X


class _Rows:
    """The rows of one epoch, in visiting order, for a dense array or a CSR matrix."""

    def __init__(self, X):
        self.n_rows = X.shape[0]
        self.sparse = sp.issparse(X)
        if self.sparse:
            self.data, self.indices, self.indptr = X.data, X.indices, X.indptr
            self.row_of = np.repeat(np.arange(self.n_rows), np.diff(X.indptr))
        else:
            self.X = X

    def dot(self, start, stop, w):
        """``X[start:stop] @ w``."""
        if not self.sparse:
            return self.X[start:stop] @ w
        lo, hi = self.indptr[start], self.indptr[stop]
        products = self.data[lo:hi] * w[self.indices[lo:hi]]
        return np.bincount(
            self.row_of[lo:hi] - start, weights=products, minlength=stop - start
        )

    def add_to(self, target, i, scale):
        """``target += scale * X[i]``."""
        if not self.sparse:
            target += scale * self.X[i]
            return
        lo, hi = self.indptr[i], self.indptr[i + 1]
        target[self.indices[lo:hi]] += scale * self.data[lo:hi]

    def row(self, i):
        """``(features, values)`` of row ``i``: where it is stored, and what."""
        if not self.sparse:
            return slice(None), self.X[i]
        lo, hi = self.indptr[i], self.indptr[i + 1]
        return self.indices[lo:hi], self.data[lo:hi]


class _Rule:
    """Settings of the learning rule, shared by the one-vs-rest units."""

    def __init__(self, est, max_iter):
        self.eta0 = float(est.eta0)
        self.alpha = float(est.alpha)
        l1_ratio = {None: 0.0, "l2": 0.0, "l1": 1.0}.get(est.penalty, est.l1_ratio)
        self.l1_ratio = float(l1_ratio)
        self.penalized = est.penalty is not None
        # Weight decay of an L2 (or elastic-net) step; never below zero, as in sklearn.
        self.shrink = 1.0
        if est.penalty in ("l2", "elasticnet"):
            self.shrink = max(0.0, 1.0 - (1.0 - self.l1_ratio) * self.eta0 * self.alpha)
        # Truncated-gradient L1 step (Tsuruoka et al. 2009); 0 when there is no L1 part.
        self.l1_step = 0.0
        if est.penalty in ("l1", "elasticnet"):
            self.l1_step = self.l1_ratio * self.eta0 * self.alpha
        self.fit_intercept = bool(est.fit_intercept)
        self.max_iter = int(max_iter)
        self.tol = -np.inf if est.tol is None else float(est.tol)
        self.shuffle = bool(est.shuffle)
        self.n_iter_no_change = int(est.n_iter_no_change)
        self.early_stopping = bool(est.early_stopping)
        self.verbose = int(est.verbose)
        self.average_start = int(est.averaged)  # 0: no averaging
        self.pocket = bool(est.pocket)


class _Unit:
    """One threshold unit trained by the perceptron rule.

    The weights are stored as ``wscale * v`` so that an L2 step, which multiplies every
    weight by the same factor, costs one multiplication.
    """

    def __init__(self, rule, coef, intercept, t, average):
        self.rule = rule
        self.v = coef
        self.wscale = 1.0
        self.b = float(intercept)
        self.t = float(t)
        self.n_updates = 0
        self.block = _MIN_BLOCK
        if rule.l1_step:
            self.q = np.zeros_like(coef)  # L1 penalty actually applied, per feature
            self.u = 0.0  # L1 penalty that could have been applied, per feature
        if rule.average_start:
            # scikit-learn's running mean at step t divides by t - average_start + 1;
            # within one call its numerator is a plain sum.
            mean_coef, mean_intercept = average
            n_before = max(0.0, self.t - rule.average_start)
            self.mean_coef = np.array(mean_coef, dtype=np.float64)
            self.mean_intercept = float(mean_intercept)
            self.sum_coef = n_before * self.mean_coef
            self.sum_intercept = n_before * self.mean_intercept
        self.pocket_coef = None

    def weights(self):
        return self.wscale * self.v, self.b

    def epoch(self, rows, y, step, weight, need_objective):
        """One pass over ``rows`` in order; returns the summed training objective.

        ``step[i]`` is the signed update ``eta0 * y[i] * sample_weight * class_weight``;
        ``weight[i]`` (sample times class weight) only serves the pocket.
        """
        if self.rule.l1_step:
            return self._epoch_one_by_one(rows, y, step, weight, need_objective)
        return self._epoch_in_blocks(rows, y, step, weight, need_objective)

    def _epoch_one_by_one(self, rows, y, step, weight, need_objective):
        """The rule as written in the textbook, one sample per iteration.

        Used with an L1 penalty, whose truncation changes the weights at every sample.
        """
        rule = self.rule
        shrink, l1_step, alpha, l1_ratio = (
            rule.shrink, rule.l1_step, rule.alpha, rule.l1_ratio)
        w = self.wscale * self.v
        # Norms are kept up to date incrementally for the objective.
        sq_norm, l1_norm = float(w @ w), float(np.abs(w).sum())
        objective = 0.0
        for i in range(rows.n_rows):
            features, x = rows.row(i)
            margin = y[i] * (self.wscale * float(x @ self.v[features]) + self.b)
            if need_objective:
                objective += max(0.0, -margin) + alpha * (
                    (1.0 - l1_ratio) * 0.5 * sq_norm + l1_ratio * l1_norm)
            hit = margin <= 0 and step[i] != 0
            if hit and rule.pocket:
                self.offer_pocket(rows, y, weight, self.wscale * self.v, self.b,
                                  self.run)
            if shrink != 1.0:
                self.wscale *= shrink
                sq_norm *= shrink * shrink
                l1_norm *= shrink
                if self.wscale < _WSCALE_THRESHOLD:
                    self.v *= self.wscale
                    self.wscale = 1.0
            w_before = self.wscale * self.v[features]
            if hit:
                self.v[features] += (step[i] / self.wscale) * x
                if rule.fit_intercept:
                    self.b += float(step[i])
                self.n_updates += 1
            # Truncated gradient with cumulative penalty (Tsuruoka et al. 2009): move
            # each weight towards zero by the penalty it has not received yet, never
            # across zero.
            self.u += l1_step
            w_now = self.wscale * self.v[features]
            sign = np.sign(w_now)
            q = self.q[features]
            w_after = sign * np.maximum(0.0, np.abs(w_now) - (self.u + sign * q))
            self.q[features] = q + (w_after - w_now)
            self.v[features] = w_after / self.wscale
            sq_norm += float(w_after @ w_after - w_before @ w_before)
            l1_norm += float(np.abs(w_after).sum() - np.abs(w_before).sum())
            if rule.average_start and self.t >= rule.average_start:
                self.sum_coef += self.wscale * self.v
                self.sum_intercept += self.b
            if rule.pocket:
                self.run = 0 if hit else self.run + 1
            self.t += 1
        return objective

    def _epoch_in_blocks(self, rows, y, step, weight, need_objective):
        """The same rule, jumping from one mistake to the next.

        Between two mistakes the weights only shrink by the L2 factor, so the margins
        of a block of upcoming samples are one matrix product.
        """
        rule = self.rule
        shrink = rule.shrink
        n_rows = rows.n_rows
        # A sample of weight 0 is never "a mistake": it cannot change the weights.
        some_steps_zero = not step.all()
        objective = 0.0
        pos = 0
        while pos < n_rows:
            stop = min(pos + self.block, n_rows)
            n_ahead = stop - pos
            if shrink != 1.0:
                scales = self.wscale * shrink ** np.arange(n_ahead)
            else:
                scales = self.wscale
            margins = y[pos:stop] * (scales * rows.dot(pos, stop, self.v) + self.b)
            mistakes = margins <= 0
            if some_steps_zero:
                mistakes &= step[pos:stop] != 0
            first = int(mistakes.argmax())
            hit = bool(mistakes[first])
            n_steps = first + 1 if hit else n_ahead
            if need_objective:
                # The perceptron loss max(0, -margin) of the samples before the
                # mistake is 0, unless some have weight 0.
                if some_steps_zero:
                    objective -= float(np.minimum(margins[:n_steps], 0.0).sum())
                elif hit:
                    objective -= float(margins[first])
                if rule.penalized:
                    objective += self._l2_penalty_sum(scales, n_steps)
            if hit and rule.pocket:
                scale = scales[first] if shrink != 1.0 else self.wscale
                self.offer_pocket(
                    rows, y, weight, scale * self.v, self.b, self.run + first
                )
            if rule.average_start:
                self._accumulate_average(rows, pos + first, n_steps, hit, step)

            if shrink != 1.0:
                self.wscale *= shrink**n_steps
                if self.wscale < _WSCALE_THRESHOLD:
                    self.v *= self.wscale
                    self.wscale = 1.0
            if hit:
                i = pos + first
                rows.add_to(self.v, i, step[i] / self.wscale)
                if rule.fit_intercept:
                    self.b += float(step[i])
                self.n_updates += 1
                self.block = min(max(2 * n_steps, _MIN_BLOCK), _MAX_BLOCK)
            else:
                self.block = min(2 * self.block, _MAX_BLOCK)
            if rule.pocket:
                self.run = 0 if hit else self.run + n_steps
            self.t += n_steps
            pos += n_steps
        return objective

    def _l2_penalty_sum(self, scales, n_steps):
        """``0.5 * alpha * ||w||^2`` summed over the next ``n_steps`` samples."""
        if np.ndim(scales) == 0:
            sum_sq_scales = n_steps * scales**2
        else:
            sum_sq_scales = float((scales[:n_steps] ** 2).sum())
        return self.rule.alpha * 0.5 * float(self.v @ self.v) * sum_sq_scales

    def _accumulate_average(self, rows, last, n_steps, hit, step):
        """Add the weights held after each of the next ``n_steps`` steps to the sum."""
        rule = self.rule
        first_counted = max(0, int(np.ceil(rule.average_start - self.t)))
        if first_counted >= n_steps:
            return
        n_counted = n_steps - first_counted
        if rule.shrink != 1.0:
            powers = np.arange(first_counted + 1, n_steps + 1)
            coef_factor = self.wscale * float((rule.shrink**powers).sum())
        else:
            coef_factor = self.wscale * n_counted
        self.sum_coef += coef_factor * self.v
        self.sum_intercept += n_counted * self.b
        if hit:
            rows.add_to(self.sum_coef, last, float(step[last]))
            if rule.fit_intercept:
                self.sum_intercept += float(step[last])

    def errors(self, rows, y, weight, coef, intercept):
        """Weighted count of the samples ``predict`` gets wrong with these weights."""
        scores = rows.dot(0, rows.n_rows, coef) + intercept
        return float(weight[(scores > 0) != (y > 0)].sum())

    def start_pocket(self, rows, y, weight):
        coef, intercept = self.weights()
        self.pocket_coef, self.pocket_intercept = coef.copy(), intercept
        self.pocket_errors = self.errors(rows, y, weight, coef, intercept)
        self.record_run = 0
        self.run = 0

    def offer_pocket(self, rows, y, weight, coef, intercept, run, force=False):
        """Pocket with ratchet (Gallant 1990): weights whose run of samples without
        an update is the longest yet are scored on the training set, and replace the
        pocket if they make strictly fewer errors.

        Gallant scores every run longer than the pocket's; scoring only record runs
        keeps the number of full passes small on noisy data, where most long runs
        come from weights no better than the pocket.
        """
        if run <= self.record_run and not force:
            return
        self.record_run = max(self.record_run, run)
        errors = self.errors(rows, y, weight, coef, intercept)
        if errors < self.pocket_errors:
            self.pocket_coef, self.pocket_intercept = coef.copy(), intercept
            self.pocket_errors = errors

    def finish(self):
        """Fold the scale back in and compute the running mean for averaging."""
        self.v *= self.wscale
        self.wscale = 1.0
        if self.rule.average_start:
            n_counted = self.t - self.rule.average_start
            if n_counted > 0:
                self.mean_coef = self.sum_coef / n_counted
                self.mean_intercept = self.sum_intercept / n_counted


class _Data(NamedTuple):
    """The training set, shared by all the units."""

    X: object
    y: np.ndarray
    sample_weight: np.ndarray
    validation_mask: np.ndarray  # True for the samples held out by early stopping


class _UnitStart(NamedTuple):
    """What one unit starts from: its class, its weights and its sample stream."""

    positive: object  # the class this unit separates from the rest
    class_weights: tuple  # (weight of the positive side, weight of the rest)
    coef: np.ndarray
    intercept: float
    t: float
    average: tuple  # (mean coef, mean intercept) so far, or None without averaging
    seed: int  # seed of the per-epoch shuffle
    order: np.ndarray  # visiting order the previous call left the samples in


class _Targets(NamedTuple):
    """Per-sample targets of one unit."""

    y: np.ndarray  # +1 on the unit's class, -1 on the rest
    weight: np.ndarray  # sample weight times class weight
    step: np.ndarray  # signed update, eta0 * y * weight


def _targets(rule, data, start):
    """The :class:`_Targets` of the unit that separates ``start.positive``."""
    y_sign = np.where(data.y == start.positive, 1.0, -1.0)
    pos_weight, neg_weight = start.class_weights
    weight = data.sample_weight * np.where(y_sign > 0, pos_weight, neg_weight)
    return _Targets(y_sign, weight, rule.eta0 * y_sign * weight)


class _Visits:
    """The training samples of each epoch, in scikit-learn's visiting order.

    With shuffling, epoch ``k`` visits ``order_k = order_{k-1}[perm]``, starting from
    the order the previous call left; without, the samples are visited as given.
    """

    def __init__(self, rule, data, start, targets):
        n_samples = data.X.shape[0]
        self.shuffle = rule.shuffle
        if self.shuffle:
            self.perm = _xorshift_permutation(n_samples, start.seed)
            self.order = start.order
        else:
            self.order = np.arange(n_samples)
        self.X, self.targets = data.X, targets
        self.train_mask = ~data.validation_mask
        self.current = None

    def next_epoch(self):
        """``(rows, y, step, weight)`` of the training samples, in this epoch's order."""
        if self.current is None or self.shuffle:
            if self.shuffle:
                self.order = self.order[self.perm]
            visit = self.order[self.train_mask[self.order]]
            targets = self.targets
            self.current = (_Rows(self.X[visit]), targets.y[visit],
                            targets.step[visit], targets.weight[visit])
        return self.current


class _Stopping:
    """scikit-learn's stopping rule: stop after ``n_iter_no_change`` epochs in a row
    that do not improve on the best by at least ``tol``.

    What is watched is the weighted accuracy on the held-out samples under early
    stopping, the mean training objective otherwise.
    """

    def __init__(self, rule, data, y_sign):
        self.rule = rule
        self.n_train = int((~data.validation_mask).sum())
        if rule.early_stopping:
            mask = data.validation_mask
            self.X_val, self.y_val = data.X[mask], y_sign[mask]
            self.sw_val = data.sample_weight[mask]
        self.best_objective, self.best_score, self.no_improvement = np.inf, -np.inf, 0

    def update(self, coef, intercept, objective):
        """Record one epoch (``objective`` summed over it); returns whether to stop."""
        tol = self.rule.tol
        if self.rule.early_stopping:
            correct = ((self.X_val @ coef + intercept) > 0) == (self.y_val > 0)
            score = float(self.sw_val[correct].sum() / self.sw_val.sum())
            improved = not score < self.best_score + tol
            self.best_score = max(self.best_score, score)
        else:
            objective /= self.n_train
            improved = not objective > self.best_objective - tol
            self.best_objective = min(self.best_objective, objective)
        self.no_improvement = 0 if improved else self.no_improvement + 1
        return self.no_improvement >= self.rule.n_iter_no_change


class _Log:
    """Progress messages of one unit, printed when ``verbose > 0``."""

    def __init__(self, verbose, n_train):
        self.verbose, self.n_train = verbose, n_train
        self.start_time = time.time()

    def epoch_start(self, epoch):
        if self.verbose > 0:
            print(f"-- Epoch {epoch + 1}")

    def epoch_end(self, epoch, coef, intercept, objective):
        if self.verbose > 0:
            print(
                f"Norm: {np.linalg.norm(coef):.2f}, "
                f"NNZs: {np.count_nonzero(coef)}, Bias: {intercept:.6f}, "
                f"T: {(epoch + 1) * self.n_train}, "
                f"Avg. loss: {objective / self.n_train:f}"
            )
            print(f"Total training time: {time.time() - self.start_time:.2f} seconds.")

    def converged(self, epoch):
        if self.verbose > 0:
            print(
                f"Convergence after {epoch + 1} epochs took "
                f"{time.time() - self.start_time:.2f} seconds"
            )


def _check_finite(coef, intercept, rows, epoch):
    """Raise if the weights, or the scores they give ``rows``, are not finite."""
    if not (
        np.isfinite(intercept)
        and np.isfinite(coef).all()
        and np.isfinite(rows.dot(0, rows.n_rows, coef)).all()
    ):
        raise ValueError(
            f"Floating-point under-/overflow occurred at epoch #{epoch + 1}. "
            "Scaling input data with StandardScaler or MinMaxScaler might help."
        )


# Overflow is reported by the check on the weights and scores after each epoch.
@np.errstate(over="ignore", invalid="ignore")
def _fit_unit(rule, data, start):
    """Train one unit (``start.positive`` against the rest) on ``data``.

    Runs up to ``rule.max_iter`` epochs with scikit-learn's stopping rules, visiting
    the samples in ``start.order`` reshuffled before each epoch. Returns the trained
    :class:`_Unit`, the number of epochs run and the last order.
    """
    targets = _targets(rule, data, start)
    unit = _Unit(rule, start.coef, start.intercept, start.t, start.average)
    visits = _Visits(rule, data, start, targets)
    stopping = _Stopping(rule, data, targets.y)
    log = _Log(rule.verbose, stopping.n_train)
    need_objective = rule.verbose > 0 or not rule.early_stopping
    for epoch in range(rule.max_iter):
        log.epoch_start(epoch)
        rows, y_epoch, step_epoch, weight_epoch = visits.next_epoch()
        if epoch == 0 and rule.pocket:
            unit.start_pocket(rows, y_epoch, weight_epoch)
        objective = unit.epoch(rows, y_epoch, step_epoch, weight_epoch, need_objective)
        if rule.pocket:
            unit.offer_pocket(rows, y_epoch, weight_epoch, *unit.weights(), unit.run,
                              force=True)
        coef_now, intercept_now = unit.weights()
        _check_finite(coef_now, intercept_now, rows, epoch)
        log.epoch_end(epoch, coef_now, intercept_now, objective)
        if stopping.update(coef_now, intercept_now, objective):
            log.converged(epoch)
            break
    unit.finish()
    return unit, epoch + 1, visits.order
