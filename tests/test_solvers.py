"""Tests of skneural.optim: every update rule against an independent reference.

The references are written out here from the published rules with plain Python
loops over the coordinates (scikit-learn's optimizers, Hinton's lecture slides,
torch's documented algorithms, Riedmiller & Braun / Igel & Husken's pseudo-code), or
they are scikit-learn itself, scipy on problems with known solutions, and a
hand-written backprop for a one-hidden-layer network. Never the code's own output.
"""

import math
import pickle
import textwrap
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.datasets import load_digits, make_classification, make_regression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.neural_network._stochastic_optimizers import AdamOptimizer, SGDOptimizer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skneural import MLPClassifier, MLPRegressor
from skneural import optim as solvers_module
from skneural.optim import (
    CG,
    LBFGS,
    SGD,
    SOLVERS,
    Adam,
    AdaptiveGains,
    RMSprop,
    Rprop,
    from_estimator_params,
)
from skneural.optim.schedules import Adaptive, InvScaling, make_schedule

# -- a small quadratic: f(w) = 1/2 (w - c)^T A (w - c) ---------------------------------

A = [[3.0, 1.0, 0.0], [1.0, 2.0, 0.5], [0.0, 0.5, 1.0]]
C = [0.3, 0.1, -0.4]
W0 = [1.0, -2.0, 0.5]


def quad_loss(w):
    d = [w[i] - C[i] for i in range(3)]
    return 0.5 * sum(d[i] * A[i][j] * d[j] for i in range(3) for j in range(3))


def quad_grad(w):
    d = [w[i] - C[i] for i in range(3)]
    return [sum(A[i][j] * d[j] for j in range(3)) for i in range(3)]


def sign(x):
    return (x > 0) - (x < 0)


def run(solver, n_steps, w0=W0):
    """Trajectory of ``solver`` on the quadratic, through the solver protocol.

    The gradient comes in one reused buffer, as in the training loop, so a solver
    that keeps a reference to it instead of a copy is caught.
    """
    w = np.array(w0, dtype=float)
    buffer = np.empty(3)

    def grad_fn(p):
        buffer[...] = quad_grad(list(p))
        return quad_loss(list(p)), buffer

    state = solver.init(w)
    learning_rate = getattr(solver, "learning_rate_init", None)
    trajectory = []
    for _ in range(n_steps):
        state, _ = solver.step(w, grad_fn, state, learning_rate)
        trajectory.append(w.copy())
    return np.array(trajectory), state


# -- SGD: plain, classical momentum, Nesterov --------------------------------------------


def reference_sgd(lr, mu, nesterov, n_steps):
    """scikit-learn's SGDOptimizer rule, written out: v <- mu v - lr g; w += v (or the
    Nesterov look-ahead w += mu v - lr g)."""
    w, v, out = list(W0), [0.0] * 3, []
    for _ in range(n_steps):
        g = quad_grad(w)
        for i in range(3):
            v[i] = mu * v[i] - lr * g[i]
            w[i] += mu * v[i] - lr * g[i] if nesterov else v[i]
        out.append(list(w))
    return np.array(out)


def reference_torch_sgd(lr, mu, nesterov, n_steps):
    """torch.optim.SGD (dampening 0): b <- mu b + g (b_1 = g); w -= lr (g + mu b) with
    Nesterov, w -= lr b without."""
    w, b, out = list(W0), None, []
    for _ in range(n_steps):
        g = quad_grad(w)
        b = list(g) if b is None else [mu * b[i] + g[i] for i in range(3)]
        for i in range(3):
            w[i] -= lr * (g[i] + mu * b[i]) if nesterov else lr * b[i]
        out.append(list(w))
    return np.array(out)


@pytest.mark.parametrize("momentum, nesterov", [(0.0, False), (0.7, False), (0.7, True)])
def test_sgd_matches_published_rules(momentum, nesterov):
    solver = SGD(learning_rate_init=0.1, momentum=momentum, nesterovs_momentum=nesterov)
    trajectory, _ = run(solver, 12)
    assert_allclose(trajectory, reference_sgd(0.1, momentum, nesterov, 12),
                    rtol=0, atol=1e-14)
    # With a constant rate torch's form is algebraically the same (v = -lr b).
    assert_allclose(trajectory, reference_torch_sgd(0.1, momentum, nesterov, 12),
                    rtol=0, atol=1e-13)


def test_sgd_matches_sklearn_optimizer_with_invscaling():
    w = np.array(W0)
    solver = SGD(learning_rate_init=0.2, momentum=0.8, nesterovs_momentum=True)
    schedule = InvScaling(power_t=0.5)
    state, schedule_state = solver.init(w), schedule.init()
    w_sk = np.array(W0)
    sk = SGDOptimizer([w_sk], learning_rate_init=0.2, lr_schedule="invscaling",
                      momentum=0.8, nesterov=True, power_t=0.5)
    for epoch in range(4):
        for _ in range(3):
            state, _ = solver.step(w, lambda p: (0.0, np.array(quad_grad(list(p)))),
                                   state, schedule.learning_rate(schedule_state, 0.2))
            sk.update_params([w_sk], [np.array(quad_grad(list(w_sk)))])
        schedule.after_validation(schedule_state, {"t": 10 * (epoch + 1)})
        sk.iteration_ends(10 * (epoch + 1))
        assert schedule.learning_rate(schedule_state, 0.2) == pytest.approx(
            0.2 / (10 * (epoch + 1) + 1) ** 0.5)
    assert_allclose(w, w_sk, rtol=0, atol=1e-14)


def test_sgd_adaptive_schedule_divides_by_five_then_stops():
    schedule = Adaptive()
    state = schedule.init()
    rates = []
    progress = {"plateau": True, "base": 1e-4, "message": "plateau"}
    while not schedule.after_validation(state, progress):
        rates.append(schedule.learning_rate(state, 1e-4))
    # 1e-4 / 5**k while the rate before dividing is > 1e-6: k = 1, 2, 3.
    assert_allclose(rates, [2e-5, 4e-6, 8e-7])
    # Epochs that improve leave the rate alone.
    state = schedule.init()
    assert not schedule.after_validation(state, {**progress, "plateau": False})
    assert state["factor"] == 1.0
    # A constant schedule leaves plateaus to the trainer, which stops.
    assert Adaptive.handles_plateau and not make_schedule("constant").handles_plateau


# -- Adaptive gains ------------------------------------------------------------------------


def reference_adaptive_gains(lr, increase, decrease, gain_min, gain_max, n_steps,
                             momentum=0.0):
    """Hinton's lecture 6d per-connection gains; with momentum, Jacobs' comparison of
    the gradient with the velocity. Returns the trajectory and branch counts."""
    w, gains, v = list(W0), [1.0] * 3, [0.0] * 3
    g_prev = [0.0] * 3
    counts = {"increase": 0, "decrease": 0, "clip_max": 0, "clip_min": 0}
    out = []
    for _ in range(n_steps):
        g = quad_grad(w)
        for i in range(3):
            if momentum:
                # Agreement: the gradient points against the velocity (-g . v > 0).
                agree = -g[i] * v[i]
            else:
                agree = g[i] * g_prev[i]
            if agree > 0:
                gains[i] += increase
                counts["increase"] += 1
            elif agree < 0:
                gains[i] *= decrease
                counts["decrease"] += 1
            if gains[i] > gain_max:
                gains[i] = gain_max
                counts["clip_max"] += 1
            if gains[i] < gain_min:
                gains[i] = gain_min
                counts["clip_min"] += 1
            v[i] = momentum * v[i] - lr * gains[i] * g[i]
            w[i] += v[i]
        g_prev = g
        out.append(list(w))
    return np.array(out), counts


@pytest.mark.parametrize("lr, momentum", [(0.45, 0.0), (0.3, 0.5)])
def test_adaptive_gains_matches_hinton_rule(lr, momentum):
    # A large rate makes coordinates overshoot (sign flips: decrease branch) while
    # others creep (increase branch); a narrow range makes both clips bite.
    settings = dict(lr=lr, increase=0.1, decrease=0.6, gain_min=0.5, gain_max=1.25)
    expected, counts = reference_adaptive_gains(n_steps=30, momentum=momentum,
                                                **settings)
    assert min(counts.values()) > 0, counts
    solver = AdaptiveGains(learning_rate_init=lr, momentum=momentum,
                           gain_increase=0.1, gain_decrease=0.6, gain_min=0.5,
                           gain_max=1.25)
    trajectory, _ = run(solver, 30)
    assert_allclose(trajectory, expected, rtol=0, atol=1e-13)


def test_adaptive_gains_hand_computed():
    # One weight, f = w^2 / 2, lr 0.5, w0 = 1: g1 = 1 (no previous gradient, gain 1),
    # w1 = 0.5; g2 = 0.5 agrees, gain 1.05, w2 = 0.5 - 0.5 * 1.05 * 0.5 = 0.2375.
    solver = AdaptiveGains(learning_rate_init=0.5, momentum=0.0)
    w = np.array([1.0])
    state = solver.init(w)
    for expected in (0.5, 0.2375):
        state, _ = solver.step(w, lambda p: (0.5 * p @ p, p.copy()), state, 0.5)
        assert w[0] == pytest.approx(expected, abs=1e-15)


# -- RMSprop -------------------------------------------------------------------------------


def reference_rmsprop(lr, rho, eps, centered, momentum, n_steps):
    """torch.optim.RMSprop's documented algorithm (alpha = rho), epsilon outside the
    square root."""
    w, v, g_avg, b, out = list(W0), [0.0] * 3, [0.0] * 3, [0.0] * 3, []
    for _ in range(n_steps):
        g = quad_grad(w)
        for i in range(3):
            v[i] = rho * v[i] + (1 - rho) * g[i] ** 2
            v_tilde = v[i]
            if centered:
                g_avg[i] = rho * g_avg[i] + (1 - rho) * g[i]
                v_tilde = v[i] - g_avg[i] ** 2
            if momentum > 0:
                b[i] = momentum * b[i] + g[i] / (math.sqrt(v_tilde) + eps)
                w[i] -= lr * b[i]
            else:
                w[i] -= lr * g[i] / (math.sqrt(v_tilde) + eps)
        out.append(list(w))
    return np.array(out)


@pytest.mark.parametrize("centered", [False, True])
@pytest.mark.parametrize("momentum", [0.0, 0.6])
def test_rmsprop_matches_torch_rule(centered, momentum):
    solver = RMSprop(learning_rate_init=0.01, rho=0.9, epsilon=1e-3, centered=centered,
                     momentum=momentum)
    trajectory, _ = run(solver, 15)
    assert_allclose(trajectory,
                    reference_rmsprop(0.01, 0.9, 1e-3, centered, momentum, 15),
                    rtol=0, atol=1e-14)


def test_rmsprop_hand_computed_and_epsilon_placement():
    # One weight, f = w^2 / 2, w0 = 2, rho 0.9, eps 0.5: v = 0.1 * 4 = 0.4,
    # w1 = 2 - 0.1 * 2 / (sqrt(0.4) + 0.5). Inside the root (Keras) it would be
    # 2 - 0.1 * 2 / sqrt(0.9).
    w = np.array([2.0])
    solver = RMSprop(learning_rate_init=0.1, rho=0.9, epsilon=0.5)
    solver.step(w, lambda p: (0.0, p.copy()), solver.init(w), 0.1)
    assert w[0] == pytest.approx(2 - 0.2 / (math.sqrt(0.4) + 0.5), abs=1e-15)
    assert abs(w[0] - (2 - 0.2 / math.sqrt(0.9))) > 1e-3


# -- the Rprop family ----------------------------------------------------------------------


def reference_rprop(variant, eta_plus, eta_minus, step_init, step_min, step_max,
                    n_steps):
    """Riedmiller & Braun 1993 (Rprop+), Riedmiller 1994 (Rprop-), Igel & Husken 2000
    (iRprop+, iRprop-), as pseudo-code, one weight at a time. Returns the trajectory and
    counts of the branches taken."""
    w = list(W0)
    delta = [step_init] * 3
    g_prev = [0.0] * 3
    dw_prev = [0.0] * 3
    e_prev = math.inf
    counts = dict.fromkeys(["same", "flip", "zero", "backtrack", "freeze",
                            "clip_max", "clip_min"], 0)
    out = []
    for _ in range(n_steps):
        e = quad_loss(w)
        g = quad_grad(w)
        for i in range(3):
            product = g_prev[i] * g[i]
            if product > 0:
                counts["same"] += 1
                delta[i] = delta[i] * eta_plus
                if delta[i] > step_max:
                    delta[i] = step_max
                    counts["clip_max"] += 1
                dw = -sign(g[i]) * delta[i]
                w[i] += dw
                g_prev[i] = g[i]
            elif product < 0:
                counts["flip"] += 1
                delta[i] = delta[i] * eta_minus
                if delta[i] < step_min:
                    delta[i] = step_min
                    counts["clip_min"] += 1
                if variant == "rprop+":
                    dw = -dw_prev[i]
                    counts["backtrack"] += 1
                    g_prev[i] = 0.0
                elif variant == "rprop-":
                    dw = -sign(g[i]) * delta[i]
                    g_prev[i] = g[i]
                elif variant == "irprop+":
                    if e > e_prev:
                        dw = -dw_prev[i]
                        counts["backtrack"] += 1
                    else:
                        dw = 0.0
                        counts["freeze"] += 1
                    g_prev[i] = 0.0
                else:  # irprop-
                    dw = 0.0
                    counts["freeze"] += 1
                    g_prev[i] = 0.0
                w[i] += dw
            else:
                counts["zero"] += 1
                dw = -sign(g[i]) * delta[i]
                w[i] += dw
                g_prev[i] = g[i]
            dw_prev[i] = dw
        e_prev = e
        out.append(list(w))
    return np.array(out), counts


def reference_torch_rprop(eta_plus, eta_minus, step_init, step_min, step_max, n_steps):
    """torch.optim.Rprop.step as its source reads (REFERENCE.md 4.1): iRprop-."""
    w, prev, step_size, out = list(W0), [0.0] * 3, [step_init] * 3, []
    for _ in range(n_steps):
        g = quad_grad(w)
        for i in range(3):
            s = sign(g[i] * prev[i])
            factor = eta_plus if s > 0 else eta_minus if s < 0 else 1.0
            step_size[i] = min(max(step_size[i] * factor, step_min), step_max)
            if s < 0:
                g[i] = 0.0
            w[i] -= sign(g[i]) * step_size[i]
            prev[i] = g[i]
        out.append(list(w))
    return np.array(out)


# step_init 0.4 overshoots at once; step_max 0.5 caps the growth and step_min 0.1 the
# shrinking, so every branch and both clips are taken.
RPROP_SETTINGS = dict(eta_plus=1.2, eta_minus=0.5, step_init=0.4, step_min=0.1,
                      step_max=0.5)


@pytest.mark.parametrize("variant", ["rprop+", "rprop-", "irprop+", "irprop-"])
def test_rprop_variants_match_published_rules(variant):
    expected, counts = reference_rprop(variant, n_steps=40, **RPROP_SETTINGS)
    for branch in ("same", "flip", "zero", "clip_max", "clip_min"):
        assert counts[branch] > 0, (branch, counts)
    if variant == "rprop+":
        assert counts["backtrack"] > 0
    if variant == "irprop+":  # both sides of E_t > E_{t-1}
        assert counts["backtrack"] > 0 and counts["freeze"] > 0, counts
    trajectory, state = run(Rprop(variant=variant, **RPROP_SETTINGS), 40)
    assert_allclose(trajectory, expected, rtol=0, atol=1e-14)
    assert np.all((state["step_size"] >= 0.1) & (state["step_size"] <= 0.5))


def test_irprop_minus_matches_torch_rule():
    trajectory, _ = run(Rprop(variant="irprop-", **RPROP_SETTINGS), 40)
    assert_allclose(trajectory, reference_torch_rprop(n_steps=40, **RPROP_SETTINGS),
                    rtol=0, atol=1e-14)
    # With torch's defaults (lr 0.01, etas (0.5, 1.2), step_sizes (1e-6, 50)).
    trajectory, _ = run(Rprop(), 60)
    assert_allclose(trajectory, reference_torch_rprop(1.2, 0.5, 0.01, 1e-6, 50, 60),
                    rtol=0, atol=1e-14)


def test_rprop_hand_computed():
    # One weight, f = w^2 / 2, w0 = 0.25, step_init 0.1: steps 0.1 and 0.12 (same
    # sign) reach 0.03; then 0.144 overshoots to -0.114; at the flip Rprop+ goes back
    # to 0.03, iRprop- stays, Rprop- steps +0.072 to -0.042.
    expected = {"rprop+": 0.03, "irprop-": -0.114, "rprop-": -0.042}
    for variant, last in expected.items():
        w = np.array([0.25])
        solver = Rprop(variant=variant, step_init=0.1)
        state = solver.init(w)
        seen = []
        for _ in range(4):
            state, _ = solver.step(w, lambda p: (0.5 * p @ p, p.copy()), state, None)
            seen.append(w[0])
        assert_allclose(seen, [0.15, 0.03, -0.114, last], atol=1e-15)


def test_rprop_rejects_bad_settings():
    with pytest.raises(ValueError, match="variant"):
        Rprop(variant="rprop").init(np.zeros(2))
    with pytest.raises(ValueError, match="eta_minus"):
        Rprop(eta_plus=0.9).init(np.zeros(2))
    X, y = make_classification(n_samples=20, random_state=0)
    with pytest.raises(ValueError, match="variant"):
        MLPClassifier((3,), solver=Rprop(variant="RPROP+")).fit(X, y)


# -- Adam ------------------------------------------------------------------------------


def reference_adam(lr, beta_1, beta_2, eps, n_steps):
    """Kingma & Ba 2014, section 2's "epsilon-hat" form (scikit-learn's)."""
    w, m, v, out = list(W0), [0.0] * 3, [0.0] * 3, []
    for t in range(1, n_steps + 1):
        g = quad_grad(w)
        lr_t = lr * math.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        for i in range(3):
            m[i] = beta_1 * m[i] + (1 - beta_1) * g[i]
            v[i] = beta_2 * v[i] + (1 - beta_2) * g[i] ** 2
            w[i] -= lr_t * m[i] / (math.sqrt(v[i]) + eps)
        out.append(list(w))
    return np.array(out)


def test_adam_matches_kingma_ba_and_sklearn():
    solver = Adam(learning_rate_init=0.05, beta_1=0.8, beta_2=0.99, epsilon=1e-6)
    trajectory, _ = run(solver, 20)
    assert_allclose(trajectory, reference_adam(0.05, 0.8, 0.99, 1e-6, 20),
                    rtol=0, atol=1e-14)
    w_sk = np.array(W0)
    sk = AdamOptimizer([w_sk], learning_rate_init=0.05, beta_1=0.8, beta_2=0.99,
                       epsilon=1e-6)
    for _ in range(20):
        sk.update_params([w_sk], [np.array(quad_grad(list(w_sk)))])
    assert_allclose(trajectory[-1], w_sk, rtol=0, atol=1e-14)


# -- L-BFGS and CG ---------------------------------------------------------------------


@pytest.mark.parametrize("solver", [LBFGS(), CG()])
def test_minimizers_reach_the_quadratic_minimum(solver):
    # The minimum is c. L-BFGS-B also stops on its relative loss decrease (ftol), so
    # it gets there to about 1e-7.
    losses = []

    def fun(w):
        return quad_loss(list(w)), np.array(quad_grad(list(w)))

    def callback(intermediate_result):  # scipy passes the result by this name
        losses.append(intermediate_result.fun)

    result = solver.minimize(np.array(W0), fun, max_iter=50, tol=1e-10,
                             callback=callback)
    assert_allclose(result.x, C, rtol=0, atol=1e-6)
    assert len(losses) == result.nit
    assert losses[-1] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("solver", ["lbfgs", "cg"])
def test_minimizer_loss_curve_has_one_entry_per_iteration(solver):
    X, y = make_classification(n_samples=60, n_features=5, random_state=0)
    clf = MLPClassifier((6,), solver=solver, max_iter=15, random_state=0).fit(X, y)
    assert len(clf.loss_curve_) == clf.n_iter_ == 15
    # Both line searches enforce a decrease at every iteration.
    assert np.all(np.diff(clf.loss_curve_) < 0)
    assert clf.loss_curve_[-1] == pytest.approx(clf.loss_, rel=1e-12)
    assert not hasattr(clf, "partial_fit")


# -- string names and the estimators ---------------------------------------------------


def test_string_names_build_the_documented_solvers():
    params = MLPClassifier(learning_rate_init=0.02, momentum=0.5, epsilon=1e-6,
                           beta_1=0.8, beta_2=0.95, learning_rate="invscaling",
                           power_t=0.3, nesterovs_momentum=False,
                           max_fun=77).get_params()
    # The schedule (learning_rate, power_t) is the estimator's, not the solver's.
    sgd_settings = dict(learning_rate_init=0.02, momentum=0.5)
    expected = {
        "sgd": SGD(nesterovs_momentum=False, **sgd_settings),
        "momentum": SGD(nesterovs_momentum=False, **sgd_settings),
        "nesterov": SGD(nesterovs_momentum=True, **sgd_settings),
        "adaptive_gains": AdaptiveGains(**sgd_settings),
        "rmsprop": RMSprop(learning_rate_init=0.02, epsilon=1e-6),
        "rprop": Rprop(variant="irprop-"),
        "rprop+": Rprop(variant="rprop+"),
        "rprop-": Rprop(variant="rprop-"),
        "irprop+": Rprop(variant="irprop+"),
        "irprop-": Rprop(variant="irprop-"),
        "adam": Adam(learning_rate_init=0.02, beta_1=0.8, beta_2=0.95, epsilon=1e-6),
        "lbfgs": LBFGS(max_fun=77),
        "cg": CG(),
    }
    assert set(expected) <= set(SOLVERS)
    for name, solver in expected.items():
        built = from_estimator_params(name, params)
        assert type(built) is type(solver), name
        assert built.get_params() == solver.get_params(), name
    assert Rprop().get_params() == dict(variant="irprop-", eta_plus=1.2, eta_minus=0.5,
                                        step_init=0.01, step_min=1e-6, step_max=50.0)
    assert Rprop.full_batch and LBFGS.full_batch and CG.full_batch
    assert not (SGD.full_batch or AdaptiveGains.full_batch or RMSprop.full_batch
                or Adam.full_batch)


@pytest.mark.parametrize("name, sk_settings", [
    ("sgd", dict(solver="sgd")),
    ("momentum", dict(solver="sgd", nesterovs_momentum=False)),
    ("nesterov", dict(solver="sgd", nesterovs_momentum=True)),
    ("sgd", dict(solver="sgd", learning_rate="invscaling", learning_rate_init=0.2)),
    ("sgd", dict(solver="sgd", learning_rate="adaptive", n_iter_no_change=2,
                 learning_rate_init=0.05)),
    ("adam", dict(solver="adam")),
])
def test_sgd_and_adam_names_reproduce_sklearn(name, sk_settings):
    X, y = make_classification(n_samples=80, n_features=6, n_classes=3,
                               n_informative=4, random_state=1)
    settings = dict(hidden_layer_sizes=(7,), batch_size=16, max_iter=40,
                    random_state=3, **sk_settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk = SkMLPClassifier(**settings).fit(X, y)
        ours = MLPClassifier(**{**settings, "solver": name}).fit(X, y)
    assert ours.n_iter_ == sk.n_iter_
    assert_allclose(ours.loss_curve_, sk.loss_curve_, rtol=1e-10)
    for mine, theirs in zip(ours.coefs_ + ours.intercepts_, sk.coefs_ + sk.intercepts_):
        assert_allclose(mine, theirs, rtol=0, atol=1e-10)


# -- batch modes -------------------------------------------------------------------------


def counting(solver_class):
    """A subclass that counts its steps in the state (the object stays untouched)."""

    def step(self, params, grad_fn, state, learning_rate):
        state["n_steps"] = state.get("n_steps", 0) + 1
        return solver_class.step(self, params, grad_fn, state, learning_rate)

    return type(f"Counting{solver_class.__name__}", (solver_class,), {"step": step})


@pytest.mark.parametrize("solver_class", [SGD, AdaptiveGains, RMSprop, Adam, Rprop])
@pytest.mark.parametrize("batch_size", [1, 7, 30])
def test_batch_modes(solver_class, batch_size):
    X, y = make_regression(n_samples=30, n_features=4, noise=0.1, random_state=0)
    y /= y.std()
    solver = counting(solver_class)()
    reg = MLPRegressor((5,), solver=solver, batch_size=batch_size, max_iter=3,
                       random_state=0).fit(X, y)
    steps_per_epoch = 1 if solver_class.full_batch else math.ceil(30 / batch_size)
    assert reg._training["solver"]["n_steps"] == 3 * steps_per_epoch


def one_hidden_layer_gradient(W1, b1, W2, b2, X, y, alpha):
    """Backprop written out for tanh hidden units, identity output and scikit-learn's
    squared loss 1/2 mean (y - out)^2 + alpha/2 ||W||^2 / n."""
    n = X.shape[0]
    h = np.tanh(X @ W1 + b1)
    d2 = (h @ W2 + b2 - y[:, None]) / n
    d1 = (d2 @ W2.T) * (1 - h**2)
    return (X.T @ d1 + alpha * W1 / n, d1.sum(0), h.T @ d2 + alpha * W2 / n,
            d2.sum(0))


def assign_weights(reg, rng):
    """Give ``reg`` known weights (the next partial_fit starts from them); return
    them as ``W1, b1, W2, b2``."""
    W1, W2 = (rng.normal(scale=0.5, size=c.shape) for c in reg.coefs_)
    b1, b2 = (rng.normal(scale=0.5, size=b.shape) for b in reg.intercepts_)
    reg.coefs_, reg.intercepts_ = [W1.copy(), W2.copy()], [b1.copy(), b2.copy()]
    return W1, b1, W2, b2


def test_online_sgd_and_full_batch_rprop_match_hand_written_loops():
    X, y = make_regression(n_samples=12, n_features=3, noise=0.1, random_state=2)
    y = y / y.std()
    alpha = 1e-2
    # A first fit with another solver class only sets up the shapes; partial_fit then
    # starts the new solver from fresh state at the weights assigned here.
    reg = MLPRegressor((4,), activation="tanh", solver="adam", max_iter=1,
                       shuffle=False, alpha=alpha, random_state=0).fit(X, y)
    W1, b1, W2, b2 = assign_weights(reg, np.random.RandomState(0))

    # Online plain SGD: one step per sample, in order.
    reg.set_params(solver="sgd", momentum=0.0, batch_size=1, learning_rate_init=0.05)
    reg.partial_fit(X, y)
    for i in range(12):
        grads = one_hidden_layer_gradient(W1, b1, W2, b2, X[i:i + 1], y[i:i + 1],
                                          alpha)
        for p, g in zip((W1, b1, W2, b2), grads):
            p -= 0.05 * g
    for mine, expected in zip(reg.coefs_ + reg.intercepts_, (W1, W2, b1, b2)):
        assert_allclose(mine, expected, rtol=0, atol=1e-12)

    # Rprop ignores batch_size=1: one step on the full-batch gradient.
    W1, b1, W2, b2 = assign_weights(reg, np.random.RandomState(1))
    reg.set_params(solver=Rprop(step_init=0.03))
    reg.partial_fit(X, y)
    grads = one_hidden_layer_gradient(W1, b1, W2, b2, X, y, alpha)
    for p, g in zip((W1, b1, W2, b2), grads):
        p -= 0.03 * np.sign(g)
    for mine, expected in zip(reg.coefs_ + reg.intercepts_, (W1, W2, b1, b2)):
        assert_allclose(mine, expected, rtol=0, atol=1e-15)


def test_set_params_between_partial_fit_calls_takes_effect():
    X, y = make_regression(n_samples=20, n_features=3, noise=0.1, random_state=3)
    y = y / y.std()
    alpha = 1e-3
    reg = MLPRegressor((4,), activation="tanh", solver="adam", max_iter=1,
                       shuffle=False, alpha=alpha, random_state=0).fit(X, y)
    W1, b1, W2, b2 = assign_weights(reg, np.random.RandomState(0))
    velocity = [np.zeros_like(p) for p in (W1, b1, W2, b2)]
    schedule = [(0.05, 0.5), (0.01, 0.8), (0.02, 0.0)]
    for call, (lr, mu) in enumerate(schedule):
        # Epoch `call` with classical momentum at (lr, mu); the velocity carries over.
        reg.set_params(solver="momentum", batch_size=8, learning_rate_init=lr,
                       momentum=mu)
        reg.partial_fit(X, y)
        for start in range(0, 20, 8):
            batch = slice(start, start + 8)
            grads = one_hidden_layer_gradient(W1, b1, W2, b2, X[batch], y[batch],
                                              alpha)
            for p, v, g in zip((W1, b1, W2, b2), velocity, grads):
                v *= mu
                v -= lr * g
                p += v
        for mine, expected in zip(reg.coefs_ + reg.intercepts_, (W1, W2, b1, b2)):
            assert_allclose(mine, expected, rtol=0, atol=1e-12, err_msg=f"call {call}")


def test_changed_learning_rate_init_keeps_the_schedule_factor():
    X, y = make_regression(n_samples=20, n_features=3, random_state=0)
    reg = MLPRegressor((3,), solver="sgd", learning_rate="invscaling", power_t=0.5,
                       learning_rate_init=1e-3, random_state=0)
    reg.partial_fit(X, y).partial_fit(X, y)
    reg.set_params(learning_rate_init=4e-3).partial_fit(X, y)
    # After 3 epochs of 20 samples: 4e-3 / (60 + 1) ** 0.5, as if it had always been.
    rate = reg.learning_rate_init * reg._training["schedule"]["factor"]
    assert rate == pytest.approx(4e-3 / 61**0.5)


def test_switching_solver_between_partial_fit_calls_restarts_its_state():
    X, y = make_regression(n_samples=20, n_features=3, random_state=0)
    reg = MLPRegressor((3,), solver="sgd", random_state=0).partial_fit(X, y)
    reg.set_params(solver="adam").partial_fit(X, y)
    assert reg._training["solver"]["t"] == 1
    reg.set_params(solver="rmsprop").partial_fit(X, y)
    assert "square_avg" in reg._training["solver"]


# -- solver objects as scikit-learn parameters -----------------------------------------


def test_solver_objects_are_clone_safe_and_searchable():
    X, y = make_classification(n_samples=60, n_features=5, random_state=0)
    solver = RMSprop(rho=0.8, learning_rate_init=0.01)
    before = pickle.dumps(solver)
    clf = MLPClassifier((5,), solver=solver, max_iter=20, random_state=0)
    assert clf.get_params()["solver__rho"] == 0.8
    clf.fit(X, y)
    assert clf.solver is solver
    assert pickle.dumps(solver) == before  # fit never mutates the solver
    assert "RMSprop(" in repr(clf) and "rho=0.8" in repr(clf)

    cloned = clone(clf)
    assert cloned.solver is not solver and cloned.solver.get_params() == \
        solver.get_params()

    search = GridSearchCV(clone(clf), {"solver__rho": [0.5, 0.99]}, cv=2).fit(X, y)
    assert [p["solver__rho"] for p in search.cv_results_["params"]] == [0.5, 0.99]
    assert search.best_estimator_.solver.rho == search.best_params_["solver__rho"]
    assert solver.rho == 0.8  # the search worked on clones
    # The searched value reaches the solver: different rho, different weights.
    fitted = [clone(clf).set_params(solver__rho=rho).fit(X, y).coefs_[0]
              for rho in (0.5, 0.99)]
    assert not np.allclose(*fitted)


def extract_documented_solver():
    """The SignSGD class of the module docstring, as a user would copy it."""
    doc = solvers_module.__doc__
    start = doc.index("    from skneural.optim import Solver")
    stop = doc.index("    MLPClassifier(solver=SignSGD", start)
    namespace = {}
    exec(textwrap.dedent(doc[start:stop]), namespace)
    return namespace["SignSGD"]


def test_documented_user_solver_trains_end_to_end():
    SignSGD = extract_documented_solver()
    X, y = make_classification(n_samples=100, n_features=5, random_state=0)
    clf = MLPClassifier((8,), solver=SignSGD(learning_rate_init=0.003), max_iter=60,
                        random_state=0).fit(X, y)
    assert clf.loss_curve_[-1] < 0.7 * clf.loss_curve_[0]
    assert clf.score(X, y) > 0.85
    clone(clf).set_params(solver__learning_rate_init=0.01).fit(X, y)
    clf.partial_fit(X, y)

    solvers_module.register("sign_sgd", lambda p: SignSGD(p["learning_rate_init"]))
    try:
        by_name = MLPClassifier((8,), solver="sign_sgd", learning_rate_init=0.003,
                                max_iter=60, random_state=0).fit(X, y)
        assert_array_equal(by_name.coefs_[0], MLPClassifier(
            (8,), solver=SignSGD(0.003), max_iter=60, random_state=0).fit(
                X, y).coefs_[0])
        with pytest.raises(ValueError, match="already registered"):
            solvers_module.register("sign_sgd", SignSGD)
    finally:
        SOLVERS.pop("sign_sgd")


# The new solvers keep the estimators scikit-learn compatible (test_common.py covers
# the default, 'sgd' and 'lbfgs').
@pytest.mark.parametrize("name", sorted(set(SOLVERS) - {"sgd", "adam", "lbfgs"}))
def test_float32_training_stays_float32(name):
    X, y = make_classification(n_samples=40, n_features=4, random_state=0)
    clf = MLPClassifier((5,), solver=name, max_iter=5, random_state=0)
    clf.fit(X.astype(np.float32), y)
    assert all(c.dtype == np.float32 for c in clf.coefs_ + clf.intercepts_)
    assert np.isfinite(clf.loss_curve_).all()


# -- exact partial_fit resumption ------------------------------------------------------

RESUMABLE = ["sgd", "momentum", "nesterov", "adaptive_gains", "rmsprop", "adam",
             "rprop", "rprop+", "rprop-", "irprop+", "irprop-"]


@pytest.mark.parametrize("name", RESUMABLE)
def test_partial_fit_resumes_exactly(name):
    X, y = make_classification(n_samples=50, n_features=5, n_classes=3,
                               n_informative=3, random_state=0)
    classes = np.unique(y)
    settings = dict(hidden_layer_sizes=(6,), solver=name, batch_size=16,
                    learning_rate_init=0.01, random_state=0)
    fitted = MLPClassifier(max_iter=5, **settings).fit(X, y)

    stepped = MLPClassifier(**settings)
    for _ in range(5):
        stepped.partial_fit(X, y, classes=classes)
    for mine, expected in zip(stepped.coefs_ + stepped.intercepts_,
                              fitted.coefs_ + fitted.intercepts_):
        assert_allclose(mine, expected, rtol=0, atol=1e-12)
    assert_allclose(stepped.loss_curve_, fitted.loss_curve_, rtol=1e-12)

    # Pickled after 2 calls and resumed: the same as never stopping.
    resumed = MLPClassifier(**settings)
    for _ in range(2):
        resumed.partial_fit(X, y, classes=classes)
    resumed = pickle.loads(pickle.dumps(resumed))
    for _ in range(3):
        resumed.partial_fit(X, y)
    for mine, expected in zip(resumed.coefs_ + resumed.intercepts_,
                              stepped.coefs_ + stepped.intercepts_):
        assert_array_equal(mine, expected)


# -- they all learn ----------------------------------------------------------------------

# The table of doc/solvers.rst: with these settings each solver reaches >= 0.93 mean
# five-fold CV accuracy on scikit-learn's digits, standardized, with
# hidden_layer_sizes=(32,), alpha=1.0, max_iter=100, random_state=0.
DIGITS_SETTINGS = {
    "sgd": dict(solver="sgd", learning_rate_init=0.1),
    "sgd, momentum=0": dict(solver="sgd", momentum=0.0, learning_rate_init=0.1),
    "momentum": dict(solver="momentum", learning_rate_init=0.1),
    "nesterov": dict(solver="nesterov", learning_rate_init=0.1),
    "adaptive_gains": dict(solver="adaptive_gains", learning_rate_init=0.1),
    "rmsprop": dict(solver="rmsprop", learning_rate_init=0.001),
    "adam": dict(solver="adam", learning_rate_init=0.001),
    **{name: dict(solver=name)
       for name in ["rprop", "rprop+", "rprop-", "irprop+", "irprop-", "lbfgs", "cg"]},
}


@pytest.mark.parametrize("name", list(DIGITS_SETTINGS))
def test_every_solver_learns_digits(name):
    X, y = load_digits(return_X_y=True)
    clf = MLPClassifier((32,), alpha=1.0, max_iter=100, random_state=0,
                        **DIGITS_SETTINGS[name])
    scores = cross_val_score(make_pipeline(StandardScaler(), clf), X, y, cv=5)
    assert scores.mean() >= 0.93, scores
