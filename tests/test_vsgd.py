"""Tests of the vSGD solver (skneural.optim.VSGD).

The update rule is checked against a sequence written out here, coordinate by
coordinate with plain Python floats, from the published equations: Schaul & LeCun
(ICLR 2013), Algorithm 1 (vSGD-fd) with one gradient per sample (n = 1), after the
slow start of Schaul, Zhang & LeCun (ICML 2013). Never the code's own output.
"""

import math
import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_digits, make_classification
from sklearn.model_selection import cross_val_score

from skneural import MLPClassifier
from skneural.optim import VSGD, from_estimator_params

# -- a 2-D loss per sample: f_k(w) = 1/2 d^T A d + 1/12 sum(d_i^4), d = w - c_k -------

A = [[2.0, 0.5], [0.5, 1.0]]
W0 = [1.0, -1.0]
# The sample of each step; the fifth lies far off.
CENTERS = [[0.3, -0.2], [-0.1, 0.4], [0.2, 0.1], [0.5, -0.3], [4.0, -3.0],
           [0.0, 0.2], [-0.2, 0.1]]


def quad_grad(w, c):
    d = [w[i] - c[i] for i in range(2)]
    return [sum(A[i][j] * d[j] for j in range(2)) + d[i] ** 3 for i in range(2)]


def quad_loss(w, c):
    d = [w[i] - c[i] for i in range(2)]
    return (0.5 * sum(d[i] * A[i][j] * d[j] for i in range(2) for j in range(2))
            + sum(d[i] ** 4 for i in range(2)) / 12)


def reference_vsgd(n_init, C, k, eps):
    """The published rule, step by step; returns one record per step and the
    number of outlier and regular updates. delta_i = g_bar_i (the batch's own
    gradient on the first step); h_i = |g_i - g_i(w + delta)| / |delta_i|."""
    w = list(W0)
    g_bar, v_bar, h_bar, vh_bar, tau = ([0.0, 0.0] for _ in range(5))
    records, outliers, regular = [], 0, 0
    for t, c in enumerate(CENTERS, start=1):
        g = quad_grad(w, c)
        delta = [g[i] if t == 1 else g_bar[i] for i in range(2)]
        delta = [math.copysign(max(abs(x), eps), x) for x in delta]
        g_shift = quad_grad([w[i] + delta[i] for i in range(2)], c)
        h = [abs(g[i] - g_shift[i]) / abs(delta[i]) for i in range(2)]
        eta = [0.0, 0.0]  # no step during the slow start
        for i in range(2):
            if t <= n_init:
                # Slow start: plain means of the first n_init samples ...
                g_bar[i] = (g_bar[i] * (t - 1) + g[i]) / t
                v_bar[i] = (v_bar[i] * (t - 1) + g[i] ** 2) / t
                h_bar[i] = (h_bar[i] * (t - 1) + h[i]) / t
                vh_bar[i] = (vh_bar[i] * (t - 1) + h[i] ** 2) / t
                if t == n_init:  # ... then v and h overestimated C times.
                    v_bar[i], h_bar[i], vh_bar[i] = (C * v_bar[i], C * h_bar[i],
                                                     C * C * vh_bar[i])
                    tau[i] = 2.0
                continue
            # Outlier: more than k standard deviations off (compared as squares).
            g_test = (g[i] - g_bar[i]) ** 2 - k * k * (v_bar[i] - g_bar[i] ** 2)
            h_test = (h[i] - h_bar[i]) ** 2 - k * k * (vh_bar[i] - h_bar[i] ** 2)
            assert min(abs(g_test), abs(h_test)) > 1e-9, "a borderline test"
            if g_test > 0 or h_test > 0:
                tau[i] += 1
                outliers += 1
            else:
                regular += 1
            a = 1.0 / tau[i]
            g_bar[i] = (1 - a) * g_bar[i] + a * g[i]
            v_bar[i] = (1 - a) * v_bar[i] + a * g[i] ** 2
            h_bar[i] = (1 - a) * h_bar[i] + a * h[i]
            vh_bar[i] = (1 - a) * vh_bar[i] + a * h[i] ** 2
            eta[i] = (h_bar[i] / (vh_bar[i] + eps)) * (g_bar[i] ** 2 / (v_bar[i] + eps))
            tau[i] = (1 - g_bar[i] ** 2 / (v_bar[i] + eps)) * tau[i] + 1
            w[i] = w[i] - eta[i] * g[i]
        records.append(dict(g_bar=list(g_bar), v_bar=list(v_bar), h_bar=list(h_bar),
                            vh_bar=list(vh_bar), tau=list(tau), w=list(w),
                            step=[eta[i] * g[i] for i in range(2)]))
    return records, outliers, regular


def run_vsgd(solver):
    """The solver on the same samples through the solver protocol, with the
    gradient in one reused buffer as in the training loop."""
    w = np.array(W0)
    buffer = np.empty(2)
    state = solver.init(w)
    records = []
    for c in CENTERS:
        calls = []

        def grad_fn(p, c=c, calls=calls):
            calls.append(p.copy())
            buffer[...] = quad_grad(list(p), c)
            return quad_loss(list(p), c), buffer

        before = w.copy()
        state, loss = solver.step(w, grad_fn, state, learning_rate=123.0)
        assert loss == quad_loss(list(before), c)
        assert len(calls) == 2 and np.array_equal(calls[0], before)
        records.append(dict({name: state[name].copy() for name in
                             ("g_bar", "v_bar", "h_bar", "vh_bar", "tau")},
                            step=before - w, w=w.copy()))
    assert state["t"] == len(CENTERS)
    return records, state


@pytest.mark.parametrize("n_init, C", [(3, 3.0), (1, 1.0)])
def test_update_rule_matches_the_published_equations(n_init, C):
    expected, outliers, regular = reference_vsgd(n_init, C, k=2.0, eps=1e-10)
    assert outliers >= 1 and regular >= 1  # both branches of the outlier test run
    solver = VSGD(init_batches=n_init, slow_start=C, outlier_threshold=2.0,
                  epsilon=1e-10)
    records, _ = run_vsgd(solver)
    for step, (mine, theirs) in enumerate(zip(records, expected, strict=True)):
        for name in ("g_bar", "v_bar", "h_bar", "vh_bar", "tau", "w"):
            assert_allclose(mine[name], theirs[name], rtol=1e-12, atol=1e-300,
                            err_msg=f"{name} after step {step + 1}")
        # The rate: the applied step w_before - w_after against eta * g, exact up to
        # the rounding of w (one ulp; a small eta * g loses digits to it).
        assert_allclose(mine["step"], theirs["step"], rtol=1e-12,
                        atol=2 * np.spacing(np.abs(mine["w"]).max()),
                        err_msg=f"eta * g at step {step + 1}")
    for step in range(n_init):  # the slow start does not move the weights
        assert_array_equal(records[step]["w"], W0)


def test_outlier_test_can_be_turned_off_and_state_is_plain_data():
    with_test, _ = run_vsgd(VSGD(init_batches=3, slow_start=3.0))
    without, state = run_vsgd(VSGD(init_batches=3, slow_start=3.0,
                                   outlier_threshold=None))
    # The same slow start; then the outlier test lengthens the memory.
    for step in range(3):
        assert_array_equal(with_test[step]["tau"], without[step]["tau"])
    assert (with_test[3]["tau"] > without[3]["tau"]).any()
    assert set(state) == {"t", "g_bar", "v_bar", "h_bar", "vh_bar", "tau"}
    assert all(isinstance(v, np.ndarray) for k, v in state.items() if k != "t")
    assert isinstance(state["t"], int)


def test_invalid_settings_raise():
    w = np.zeros(3)
    for bad in [dict(init_batches=0), dict(init_batches=2.5), dict(slow_start=0.5),
                dict(slow_start="big"), dict(epsilon=0.0)]:
        with pytest.raises(ValueError):
            VSGD(**bad).init(w)
    # "auto" is the ICML paper's C = max(1, d / 10).
    solver = VSGD(init_batches=1, slow_start="auto")
    w = np.full(40, 2.0)
    state = solver.init(w)
    state, _ = solver.step(w, lambda p: (float(p @ p), 2 * p), state)
    assert_allclose(state["h_bar"], 2.0 * 4.0, rtol=1e-12)
    assert_allclose(state["vh_bar"], 4.0 * 16.0, rtol=1e-12)


# -- the noisy quadratic of the papers' idealized analysis -------------------------------


def test_noisy_quadratic_rate_anneals_like_the_optimal_rate():
    """On L(w) = h/2 (w - c)^2 with c ~ N(0, sigma^2) drawn each step, the rate that
    minimizes the expected loss after a step is (1/h) w^2 / (w^2 + sigma^2) (ICML
    paper, section 3); at E[w^2] = sigma^2 / t, the best any estimator from t samples
    reaches, it is about 1 / (h t). 2000 independent copies run as 2000 coordinates
    (vSGD is element-wise)."""
    d, h, sigma, n_steps = 2000, 2.0, 1.0, 2000
    rng = np.random.default_rng(0)
    w = np.full(d, 3.0)
    buffer = np.empty(d)
    solver = VSGD()
    state = solver.init(w)
    for t in range(1, n_steps + 1):
        c = rng.normal(0.0, sigma, d)

        def grad_fn(p, c=c):
            buffer[...] = h * (p - c)
            return 0.5 * h * float(np.mean((p - c) ** 2)), buffer

        before, g = w.copy(), h * (w - c)
        state, _ = solver.step(w, grad_fn, state)
        if t in (500, 1000, 2000):
            eta = (before - w) / g
            # The mean learned rate tracks 1 / (h t) (a constant rate, or one that
            # stopped annealing, is off by orders of magnitude by now) ...
            assert 0.7 <= eta.mean() * h * t <= 1.2, (t, eta.mean() * h * t)
            # ... and the error stays within a small factor of the bound sigma^2 / t
            # (below it would mean the solver saw the optimum).
            assert 1.0 <= np.mean(w**2) * t / sigma**2 <= 3.5, (t, np.mean(w**2) * t)
    # The finite difference is exact on a quadratic: h_bar only carries what is
    # left of the slow start's overestimate (2 h at first).
    assert_allclose(state["h_bar"], h, rtol=1e-3)


# -- the course's claim: digits without a learning rate -----------------------------------


def test_vsgd_learns_digits_without_a_learning_rate():
    X, y = load_digits(return_X_y=True)
    clf = MLPClassifier((64,), solver="vsgd", max_iter=100, random_state=0)
    scores = cross_val_score(clf, X / 16, y, cv=5)
    assert scores.mean() >= 0.93, scores


def test_vsgd_name_and_learning_rate_are_ignored():
    built = from_estimator_params("vsgd", MLPClassifier(learning_rate_init=0.5)
                                  .get_params())
    assert type(built) is VSGD and built.get_params() == VSGD().get_params()
    X, y = make_classification(n_samples=60, n_features=5, random_state=0)
    fits = [MLPClassifier((5,), solver="vsgd", learning_rate_init=lr, max_iter=8,
                          random_state=0).fit(X, y) for lr in (1e-3, 0.5)]
    assert_array_equal(fits[0].coefs_[0], fits[1].coefs_[0])


# -- exact partial_fit resumption (as tests/test_solvers.py for the other solvers) ------


@pytest.mark.parametrize("stop_after", [2, 3])  # in the slow start / after it
def test_partial_fit_resumes_exactly(stop_after):
    X, y = make_classification(n_samples=50, n_features=5, n_classes=3,
                               n_informative=3, random_state=0)
    classes = np.unique(y)
    # 4 mini-batches an epoch: the 10-batch slow start ends in the third epoch.
    settings = dict(hidden_layer_sizes=(6,), solver="vsgd", batch_size=16,
                    random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = MLPClassifier(max_iter=6, **settings).fit(X, y)

    stepped = MLPClassifier(**settings)
    for _ in range(6):
        stepped.partial_fit(X, y, classes=classes)
    for mine, expected in zip(stepped.coefs_ + stepped.intercepts_,
                              fitted.coefs_ + fitted.intercepts_, strict=True):
        assert_allclose(mine, expected, rtol=0, atol=1e-12)
    assert_allclose(stepped.loss_curve_, fitted.loss_curve_, rtol=1e-12)
    assert not np.array_equal(fitted.coefs_[0], MLPClassifier(
        max_iter=2, **settings).fit(X, y).coefs_[0])  # it did train

    # Pickled mid-training and resumed: the same as never stopping.
    resumed = MLPClassifier(**settings)
    for _ in range(stop_after):
        resumed.partial_fit(X, y, classes=classes)
    resumed = pickle.loads(pickle.dumps(resumed))
    for _ in range(6 - stop_after):
        resumed.partial_fit(X, y)
    for mine, expected in zip(resumed.coefs_ + resumed.intercepts_,
                              stepped.coefs_ + stepped.intercepts_, strict=True):
        assert_array_equal(mine, expected)


def test_set_params_between_partial_fit_calls_takes_effect():
    """Shortening the slow start mid-way ends it at the next step: 8 steps gathered
    with init_batches=10, then init_batches=5, is the slow start of init_batches=9."""
    X, y = make_classification(n_samples=64, n_features=5, random_state=0)
    classes = np.unique(y)
    settings = dict(hidden_layer_sizes=(4,), batch_size=16, random_state=0)
    changed = MLPClassifier(solver=VSGD(init_batches=10), **settings)
    for _ in range(2):  # 8 steps
        changed.partial_fit(X, y, classes=classes)
    changed.set_params(solver__init_batches=5)
    reference = MLPClassifier(solver=VSGD(init_batches=9), **settings)
    for _ in range(2):
        reference.partial_fit(X, y, classes=classes)
    start = reference.coefs_[0].copy()
    assert_array_equal(changed.coefs_[0], start)  # neither has moved yet
    for _ in range(3):
        changed.partial_fit(X, y)
        reference.partial_fit(X, y)
    assert not np.array_equal(reference.coefs_[0], start)
    for mine, expected in zip(changed.coefs_ + changed.intercepts_,
                              reference.coefs_ + reference.intercepts_, strict=True):
        assert_array_equal(mine, expected)
