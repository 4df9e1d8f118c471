"""The course's catalogue: activations, losses, initializers, penalties, max-norm,
input noise, dropout and per-layer activations (issue 5).

References are independent of the code under test: formulas written out by hand (the
definitions of torch.nn.GELU, torch.nn.HuberLoss, ...), finite differences,
scikit-learn's estimators, and the statistics of the published schemes.
"""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.stats import norm
from sklearn import neural_network as sk_nn
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV
from sklearn.utils._param_validation import InvalidParameterError

from skneural import MLPClassifier, MLPRegressor, activations, initializers, losses
from skneural import optim as skn_solvers
from skneural._backend import namespace
from skneural.network import Network

NEW_ACTIVATIONS = ["step", "lecun_tanh", "leaky_relu", "elu", "softplus", "gelu"]

# Each activation written out by hand (PyTorch's definitions where it has one).
REFERENCE_ACTIVATIONS = {
    "step": lambda x: (x > 0).astype(float),
    "lecun_tanh": lambda x: 1.7159 * np.tanh(2.0 * x / 3.0),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.01 * x),
    "elu": lambda x: np.where(x > 0, x, np.exp(x) - 1.0),
    "softplus": lambda x: np.log1p(np.exp(x)),
    "gelu": lambda x: x * norm.cdf(x),
}


def _call_derivative(activation, x):
    # The record's protocol: function(X, xp) and derivative(Z, delta, X, xp), which
    # may work in place and return their result.
    xp = namespace(x)
    z = activation.function(x.copy(), xp)
    delta = activation.derivative(z, np.ones_like(z),
                                  x.copy() if activation.needs_input else None, xp)
    return z, delta


def _relative_error(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b), 1e-12)


def _finite_difference_gradient(loss_fn, params, h=1e-6):
    grad = np.empty_like(params)
    for i in range(params.size):
        shifted = params.copy()
        shifted[i] += h
        plus = loss_fn(shifted)
        shifted[i] -= 2 * h
        grad[i] = (plus - loss_fn(shifted)) / (2 * h)
    return grad


# -- activations -----------------------------------------------------------------------

# A grid that avoids the kinks at 0 by far more than the finite-difference step.
GRID = np.concatenate([np.linspace(-4.0, -0.05, 40), np.linspace(0.05, 4.0, 40)])


@pytest.mark.parametrize("name", NEW_ACTIVATIONS)
def test_activation_values_match_their_formulas(name):
    z, _ = _call_derivative(activations.get(name), GRID[None, :].copy())
    np.testing.assert_allclose(z.ravel(), REFERENCE_ACTIVATIONS[name](GRID),
                               rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", NEW_ACTIVATIONS + [
    activations.leaky_relu(0.3), activations.elu(0.5), activations.gelu("tanh")])
def test_activation_derivatives_match_finite_differences(name):
    activation = activations.get(name)
    h = 1e-6
    _, derivative = _call_derivative(activation, GRID[None, :].copy())
    plus = activation(GRID[None, :] + h)
    minus = activation(GRID[None, :] - h)
    numerical = (plus - minus) / (2 * h)
    np.testing.assert_allclose(derivative, numerical, rtol=1e-7, atol=1e-9)


def test_parametrized_activation_records():
    x = np.array([[-2.0, -0.5, 0.0, 1.5]])
    np.testing.assert_allclose(activations.leaky_relu(0.2)(x), [[-0.4, -0.1, 0, 1.5]])
    np.testing.assert_allclose(activations.elu(2.0)(x),
                               np.where(x > 0, x, 2.0 * (np.exp(x) - 1.0)))
    # torch.nn.GELU(approximate="tanh"), written out.
    c = np.sqrt(2.0 / np.pi)
    expected = 0.5 * x * (1.0 + np.tanh(c * (x + 0.044715 * x**3)))
    np.testing.assert_allclose(activations.gelu("tanh")(x), expected, rtol=1e-14)
    assert activations.get("leaky_relu").name == "leaky_relu"
    assert activations.leaky_relu(0.2).name == "leaky_relu(negative_slope=0.2)"


def test_step_and_kink_conventions():
    x = np.array([[-1.0, 0.0, 1e-300, 3.0]])
    z, derivative = _call_derivative(activations.get("step"), x)
    np.testing.assert_array_equal(z, [[0.0, 0.0, 1.0, 1.0]])
    # Documented: the derivative is taken as 0 everywhere, the jump included.
    np.testing.assert_array_equal(derivative, 0.0)
    _, derivative = _call_derivative(activations.get("leaky_relu"), x)
    np.testing.assert_array_equal(derivative, [[0.01, 0.01, 1.0, 1.0]])


@pytest.mark.parametrize("name", NEW_ACTIVATIONS)
def test_activations_keep_float32(name):
    x = np.linspace(-3, 3, 12, dtype=np.float32).reshape(2, 6)
    z, derivative = _call_derivative(activations.get(name), x)
    assert z.dtype == np.float32 and derivative.dtype == np.float32
    np.testing.assert_allclose(z, REFERENCE_ACTIVATIONS[name](x.astype(float)),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("factory, bad", [
    (activations.leaky_relu, -0.1), (activations.leaky_relu, np.nan),
    (activations.elu, 0.0), (activations.gelu, "erf"), (losses.huber, 0.0),
    (losses.huber, -1.0), (losses.huber, "1"),
])
def test_factories_reject_bad_settings(factory, bad):
    with pytest.raises(ValueError):
        factory(bad)


# -- losses ----------------------------------------------------------------------------


def _huber_by_hand(e, delta):
    # torch.nn.HuberLoss(reduction="none", delta=delta), written out.
    return np.where(np.abs(e) < delta, 0.5 * e**2, delta * (np.abs(e) - 0.5 * delta))


@pytest.mark.parametrize("loss, reference", [
    ("absolute_error", lambda e: np.abs(e)),
    ("huber", lambda e: _huber_by_hand(e, 1.0)),
    (losses.huber(delta=2.5), lambda e: _huber_by_hand(e, 2.5)),
    (losses.huber(delta=0.3), lambda e: _huber_by_hand(e, 0.3)),
])
def test_regression_loss_values_and_gradients(loss, reference):
    loss = losses.get(loss)
    rng = np.random.RandomState(0)
    y = rng.normal(size=(50, 2))
    raw = y + rng.normal(scale=3.0, size=(50, 2))
    sample_weight = rng.uniform(0.5, 2, size=50)
    expected = np.average(reference(raw - y).sum(axis=1), weights=sample_weight)
    assert loss.value(y, raw, sample_weight) == pytest.approx(expected, rel=1e-12)
    assert loss.link == "identity"

    # Away from the kinks (0, and +-delta for Huber), the gradient is exact.
    residual = np.abs(raw - y)
    assert residual.min() > 1e-3
    assert np.abs(residual - 2.5).min() > 1e-3 and np.abs(residual - 0.3).min() > 1e-3
    h = 1e-6
    numerical = (reference(raw + h - y) - reference(raw - h - y)) / (2 * h)
    np.testing.assert_allclose(loss.gradient(y, raw), numerical, rtol=1e-6, atol=1e-8)


CASES = (
    [(name, "squared_error") for name in NEW_ACTIVATIONS]
    + [(name, "log_loss") for name in NEW_ACTIVATIONS]
    + [(name, loss) for name in ["tanh", "leaky_relu", "gelu", "softplus"]
       for loss in ["absolute_error", "huber", losses.huber(0.4)]]
    + [(["lecun_tanh", "elu"], "huber"), (["gelu", activations.leaky_relu(0.3)],
                                          "binary_log_loss")]
)


def _problem(network, loss, rng, n_samples=6):
    X = rng.normal(size=(n_samples, network.layer_sizes[0]))
    n_outputs = network.layer_sizes[-1]
    if loss == "log_loss":
        y = np.eye(n_outputs)[rng.randint(n_outputs, size=n_samples)]
    elif loss == "binary_log_loss":
        y = rng.randint(2, size=(n_samples, n_outputs)).astype(float)
    else:
        y = rng.normal(scale=2.0, size=(n_samples, n_outputs))
    return X, y


def _preactivation_and_residual_gaps(network, params, X, y):
    """Distances of hidden pre-activations from 0 and residuals from the kinks."""
    coefs, intercepts = network.unpack(params)
    gaps, h = [], X
    for i, (coef, intercept) in enumerate(zip(coefs, intercepts, strict=True)):
        pre = h @ coef + intercept
        if i < len(coefs) - 1:
            gaps.append(np.abs(pre).min())
            h = network.activations[i](pre)
    residual = np.abs(pre - y)
    gaps += [residual.min(), np.abs(residual - 1.0).min(), np.abs(residual - 0.4).min()]
    return min(gaps)


@pytest.mark.parametrize("activation, loss", CASES, ids=str)
@pytest.mark.parametrize("penalty", [0.0, 0.5, 1.0])
def test_network_gradient_matches_finite_differences(activation, loss, penalty):
    rng = np.random.RandomState(0)
    network = Network([4, 5, 3, 2], activation, loss=loss, alpha=0.2,
                      l1_ratio=penalty)
    params = rng.normal(scale=0.8, size=network.n_params)
    X, y = _problem(network, loss, rng)
    sample_weight = rng.uniform(0.5, 2.0, size=len(X))
    # Finite differences are only meaningful away from the kinks.
    assert _preactivation_and_residual_gaps(network, params, X, y) > 1e-3
    assert np.abs(params[: network.n_coefs]).min() > 1e-4  # L1's kink

    grad = network.loss_gradient(params, X, y, sample_weight)[1]
    numerical = _finite_difference_gradient(
        lambda p: network.loss_gradient(p, X, y, sample_weight)[0], params)
    assert _relative_error(grad, numerical) < 1e-6


@pytest.mark.parametrize("dropout, input_noise", [(0.4, 0.0), ([0.5, 0.2], 0.3),
                                                  (0.0, 0.5)])
def test_gradient_with_dropout_and_noise_matches_finite_differences(dropout,
                                                                    input_noise):
    # With the random draws fixed (same seed for every evaluation), the training loss
    # is a smooth function of the weights, and backprop must be its exact gradient.
    rng = np.random.RandomState(3)
    network = Network([4, 6, 5, 3], ["tanh", "softplus"], loss="log_loss",
                      dropout=dropout, input_noise=input_noise, alpha=0.1)
    params = rng.normal(scale=0.7, size=network.n_params)
    X, y = _problem(network, "log_loss", rng, n_samples=8)

    def loss_gradient(p):
        return network.loss_gradient(p, X, y, rng=np.random.RandomState(42))

    grad = loss_gradient(params)[1]
    if np.any(np.asarray(dropout) > 0):
        tape = network.forward(params, X, training=True, rng=np.random.RandomState(42))
        assert any(mask is not None for mask in tape.masks)
    numerical = _finite_difference_gradient(lambda p: loss_gradient(p)[0], params)
    assert _relative_error(grad, numerical) < 1e-6


# -- robust regression -----------------------------------------------------------------


def test_robust_losses_resist_gross_outliers():
    rng = np.random.RandomState(0)

    def target(X):
        return np.sin(X[:, 0]) + 0.5 * X[:, 1]

    X = rng.uniform(-2, 2, size=(400, 2))
    y = target(X) + 0.1 * rng.normal(size=400)
    outliers = rng.uniform(size=400) < 0.1
    y[outliers] += rng.uniform(20, 25, size=outliers.sum())  # gross, one-sided
    X_clean = rng.uniform(-2, 2, size=(500, 2))

    median_errors = {}
    for loss in ["squared_error", "huber", "absolute_error"]:
        model = MLPRegressor((20,), loss=loss, learning_rate_init=0.01, max_iter=300,
                             random_state=0).fit(X, y)
        median_errors[loss] = np.median(np.abs(model.predict(X_clean)
                                               - target(X_clean)))
    # The squared error chases the outliers' mean (+2.25 over 10 %); the robust
    # losses follow the bulk of the data.
    assert median_errors["huber"] < 0.5 * median_errors["squared_error"]
    assert median_errors["absolute_error"] < 0.5 * median_errors["squared_error"]
    assert max(median_errors["huber"], median_errors["absolute_error"]) < 0.3


# -- initializers ----------------------------------------------------------------------

FAN_IN, FAN_OUT = 300, 200
INIT_STD = {
    "auto": np.sqrt(2.0 / (FAN_IN + FAN_OUT)),  # U(-b, b), b = sqrt(6 / (in + out))
    "glorot_uniform": np.sqrt(2.0 / (FAN_IN + FAN_OUT)),
    "glorot_normal": np.sqrt(2.0 / (FAN_IN + FAN_OUT)),
    "he_uniform": np.sqrt(2.0 / FAN_IN),
    "he_normal": np.sqrt(2.0 / FAN_IN),
    "lecun_uniform": np.sqrt(1.0 / FAN_IN),
    "lecun_normal": np.sqrt(1.0 / FAN_IN),
}


@pytest.mark.parametrize("name", sorted(INIT_STD))
def test_initializer_standard_deviations_match_their_formulas(name):
    # Through the estimator: a learning rate of 1e-300 leaves the initial weights.
    X = np.random.RandomState(0).normal(size=(4, FAN_IN))
    model = MLPRegressor((FAN_OUT,), weight_init=name, solver="sgd", momentum=0.0,
                         learning_rate_init=1e-300, max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, np.arange(4.0))
    weights = model.coefs_[0]
    std = INIT_STD[name]
    # 60,000 draws: the sample standard deviation is within 1 % with overwhelming
    # probability (its own relative spread is about 0.3 %).
    assert weights.std() == pytest.approx(std, rel=0.01)
    assert abs(weights.mean()) < 0.02 * std
    uniform_bound = np.sqrt(3.0) * std
    beyond = np.mean(np.abs(weights) > uniform_bound)
    if name.endswith("normal"):
        # A normal has 8.3 % of its mass beyond sqrt(3) standard deviations.
        assert beyond == pytest.approx(2 * norm.sf(np.sqrt(3.0)), abs=0.01)
    else:
        assert beyond == 0.0
    if name == "auto":  # scikit-learn draws the biases too
        assert np.abs(model.intercepts_[0]).max() <= uniform_bound
        assert np.unique(model.intercepts_[0]).size == FAN_OUT
    else:
        # 0, up to the 1e-300 step of the one update.
        np.testing.assert_allclose(model.intercepts_[0], 0.0, rtol=0, atol=1e-290)


def test_auto_init_for_logistic_units_uses_scikit_learns_factor():
    coef, _ = initializers.get("auto")(FAN_IN, FAN_OUT, np.random.RandomState(0),
                                       np.float64, "logistic")
    assert coef.std() == pytest.approx(np.sqrt(2.0 / (FAN_IN + FAN_OUT) / 3.0),
                                       rel=0.01)


def test_weight_init_callable_gets_each_layers_activation():
    calls = []

    def init(fan_in, fan_out, random_state, dtype, activation):
        calls.append((fan_in, fan_out, activation))
        return (np.full((fan_in, fan_out), 0.1, dtype=dtype),
                np.zeros(fan_out, dtype=dtype))

    X, y = make_classification(n_samples=30, n_features=4, random_state=0)
    MLPClassifier((5, 3), activation=["tanh", "elu"], weight_init=init,
                  max_iter=2).fit(X, y)
    # Each layer gets the activation of the units it feeds; the output layer that of
    # the last hidden layer, like scikit-learn's "auto" scheme.
    assert calls == [(4, 5, "tanh"), (5, 3, "elu"), (3, 1, "elu")]


# -- per-layer activations -------------------------------------------------------------


def test_list_of_identical_activations_reproduces_scikit_learn():
    X, y = make_classification(n_samples=120, n_features=6, random_state=0)
    params = dict(hidden_layer_sizes=(5, 4), max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = MLPClassifier(activation=["logistic", "logistic"], **params).fit(X, y)
        theirs = sk_nn.MLPClassifier(activation="logistic", **params).fit(X, y)
    for a, b in zip(ours.coefs_ + ours.intercepts_,
                    theirs.coefs_ + theirs.intercepts_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-12)


def test_per_layer_activations_predict_like_a_hand_forward_pass():
    X, y = make_classification(n_samples=80, n_features=5, random_state=1)
    model = MLPRegressor((6, 4), activation=["lecun_tanh", activations.leaky_relu(0.2)],
                         max_iter=30, random_state=0).fit(X, y.astype(float))
    W, b = model.coefs_, model.intercepts_
    h = 1.7159 * np.tanh(2.0 / 3.0 * (X @ W[0] + b[0]))
    pre = h @ W[1] + b[1]
    h = np.where(pre > 0, pre, 0.2 * pre)
    np.testing.assert_allclose(model.predict(X), (h @ W[2] + b[2]).ravel(), rtol=1e-12)


# -- penalties -------------------------------------------------------------------------


@pytest.mark.parametrize("penalty, l1_ratio, expected", [
    ("l2", 0.15, lambda W, a: 0.5 * a * np.sum(W**2)),
    ("l1", 0.15, lambda W, a: a * np.sum(np.abs(W))),
    ("elasticnet", 0.3,
     lambda W, a: a * (0.3 * np.sum(np.abs(W)) + 0.5 * 0.7 * np.sum(W**2))),
    (None, 0.15, lambda W, a: 0.0),
])
def test_penalty_follows_scikit_learns_linear_model_convention(penalty, l1_ratio,
                                                               expected):
    X, y = make_classification(n_samples=40, n_features=3, n_informative=2,
                               n_redundant=0, random_state=0)
    model = MLPRegressor((4,), penalty=penalty, l1_ratio=l1_ratio, alpha=0.7,
                         solver="lbfgs", max_iter=5, random_state=0)
    model.fit(X, y.astype(float))
    # loss_ = mean half squared error + penalty / n_samples (scikit-learn's scaling).
    data_term = 0.5 * np.mean((model.predict(X) - y) ** 2)
    weights = np.concatenate([w.ravel() for w in model.coefs_])
    assert model.loss_ == pytest.approx(data_term + expected(weights, 0.7) / len(X),
                                        rel=1e-10)


def test_l1_drives_irrelevant_input_weights_to_zero():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 20))
    y = (X[:, :4] @ np.array([1.0, -2.0, 1.5, 1.0]) > 0).astype(int)
    common = dict(hidden_layer_sizes=(10,), alpha=1.0, learning_rate_init=0.01,
                  max_iter=300, random_state=0)
    l1 = MLPClassifier(penalty="l1", **common).fit(X, y)
    l2 = MLPClassifier(penalty="l2", **common).fit(X, y)
    irrelevant_l1 = np.abs(l1.coefs_[0][4:])
    irrelevant_l2 = np.abs(l2.coefs_[0][4:])
    # Adam's steps of ~learning_rate keep L1-zeroed weights within about 1e-2 of 0.
    assert np.mean(irrelevant_l1 < 1e-2) > 0.85
    assert np.mean(irrelevant_l2 < 1e-2) < 0.25
    assert np.abs(l1.coefs_[0][:4]).mean() > 10 * irrelevant_l1.mean()
    assert l1.score(X, y) > 0.95


# -- max-norm --------------------------------------------------------------------------


class RecordingSolver(skn_solvers.Solver):
    """Wraps a solver and keeps a copy of the weights each step starts from."""

    def __init__(self, inner):
        self.inner = inner
        # What the inner solver declares, declared again here.
        for name in ("full_batch", "proximal_l1", "supports_bounds",
                     "has_learning_rate", "minimizes", "learning_rate_schedules"):
            setattr(self, name, getattr(type(inner), name))
        self.seen = []

    def init(self, params):
        return self.inner.init(params)

    def step(self, params, grad_fn, state, learning_rate):
        self.seen.append(params.copy())
        return self.inner.step(params, grad_fn, state, learning_rate)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def _column_norms(flat, layer_units):
    """Incoming-weight norms per unit, slicing the flat buffer by hand."""
    norms, start = [], 0
    for fan_in, fan_out in zip(layer_units[:-1], layer_units[1:], strict=True):
        W = flat[start:start + fan_in * fan_out].reshape(fan_in, fan_out)
        norms.append(np.linalg.norm(W, axis=0))
        start += fan_in * fan_out
    return np.concatenate(norms)


def _is_minimizer(name, model):
    return skn_solvers.from_estimator_params(name,
                                             model.get_params(deep=False)).minimizes


@pytest.mark.parametrize("solver", sorted(skn_solvers.SOLVERS))
def test_max_norm_holds_after_every_update(solver):
    X, y = make_classification(n_samples=60, n_features=8, random_state=0)
    X *= 5  # large inputs and a large step make the bound bind quickly
    bound = 0.6
    model = MLPClassifier((6,), max_norm=bound, learning_rate_init=0.05, max_iter=15,
                          batch_size=20, random_state=0)
    if _is_minimizer(solver, model):
        # scipy's line searches run on loss(P(w)); the weights are P(w*) (below, and
        # test_max_norm_reparametrization_gradient).
        model.set_params(solver=solver).fit(X, y)
        norms = np.concatenate([np.linalg.norm(W, axis=0) for W in model.coefs_])
        assert norms.max() <= bound * (1 + 1e-12)
        return
    recorder = RecordingSolver(
        skn_solvers.from_estimator_params(solver, model.get_params(deep=False)))
    model.set_params(solver=recorder).fit(X, y)
    layer_units = [8, 6, 1]
    snapshots = recorder.seen[1:] + [np.concatenate(
        [W.ravel() for W in model.coefs_] + [b for b in model.intercepts_])]
    assert len(snapshots) >= model.n_iter_
    maxima = [_column_norms(p, layer_units).max() for p in snapshots]
    assert max(maxima) <= bound * (1 + 1e-12)
    # ... and the bound was active, so the test is not vacuous.
    assert max(maxima) == pytest.approx(bound, rel=1e-9)


def test_max_norm_reparametrization_gradient():
    # The minimizers' objective w -> loss(P(w)): its gradient against finite
    # differences, and P written out by hand.
    rng = np.random.RandomState(0)
    bound = 1.75
    network = Network([4, 5, 3], "tanh", loss="squared_error", alpha=0.1,
                      max_norm=bound)
    params = rng.normal(scale=0.8, size=network.n_params)
    X, y = rng.normal(size=(7, 4)), rng.normal(size=(7, 3))
    norms = _column_norms(params, [4, 5, 3])
    assert norms.max() > 1.2 * bound and norms.min() < 0.8 * bound  # both branches
    assert np.abs(norms - bound).min() > 1e-3  # away from the kink at |v| = bound

    def projected(p):
        p, start = p.copy(), 0
        for fan_in, fan_out in [(4, 5), (5, 3)]:
            W = p[start:start + fan_in * fan_out].reshape(fan_in, fan_out)
            W *= np.minimum(1.0, bound / np.linalg.norm(W, axis=0))
            start += fan_in * fan_out
        return p

    def loss_of_projection(p):
        return Network([4, 5, 3], "tanh", loss="squared_error",
                       alpha=0.1).loss_gradient(projected(p), X, y)[0]

    work = params.copy()
    loss, grad = network.constrained_loss_gradient(work, X, y)
    np.testing.assert_allclose(work, projected(params), rtol=1e-14)
    assert loss == pytest.approx(loss_of_projection(params), rel=1e-12)
    numerical = _finite_difference_gradient(loss_of_projection, params)
    assert _relative_error(grad, numerical) < 1e-6


# -- input noise and dropout -----------------------------------------------------------


def test_input_noise_statistics_and_training_only():
    network = Network([3, 2, 1], "relu", input_noise=0.5, random_state=0)
    params = network.init_params(np.random.RandomState(0))
    X = np.full((20000, 3), 2.0)
    noisy = network.forward(params, X, training=True).activations[0]
    assert noisy.std() == pytest.approx(0.5, rel=0.02)
    assert noisy.mean() == pytest.approx(2.0, abs=0.01)
    assert network.forward(params, X, training=False).activations[0] is X
    # Sparse inputs are densified for the noise.
    sparse = network.forward(params, sp.csr_matrix(X[:10]),
                             training=True).activations[0]
    assert not sp.issparse(sparse) and sparse.std() > 0.1


def test_inverted_dropout_statistics():
    rate = 0.3
    network = Network([2, 4000, 1], "identity", dropout=rate, random_state=0)
    coefs = [np.ones((2, 4000)), np.ones((4000, 1))]
    params = network.pack(coefs, [np.zeros(4000), np.zeros(1)])
    X = np.ones((5, 2))  # every hidden unit outputs 2 without dropout
    hidden = network.forward(params, X, training=True).activations[1]
    assert np.mean(hidden == 0) == pytest.approx(rate, abs=0.01)
    np.testing.assert_allclose(hidden[hidden != 0], 2.0 / (1 - rate))
    assert hidden.mean() == pytest.approx(2.0, rel=0.02)
    np.testing.assert_array_equal(
        network.forward(params, X, training=False).activations[1], 2.0)


def test_per_layer_dropout_rates():
    network = Network([3, 500, 500, 1], "relu", dropout=[0.0, 0.9], random_state=0)
    params = network.init_params(np.random.RandomState(0))
    tape = network.forward(params, np.ones((4, 3)), training=True)
    first, second = tape.masks[:2]
    assert first is None
    assert np.mean(second == 0) == pytest.approx(0.9, abs=0.02)


@pytest.mark.parametrize("Model, options", [
    (MLPClassifier, dict(dropout=0.5)), (MLPClassifier, dict(input_noise=0.3)),
    (MLPRegressor, dict(dropout=[0.3, 0.6], input_noise=0.1)),
])
def test_predictions_are_deterministic_and_use_the_whole_network(Model, options):
    X, y = make_classification(n_samples=100, n_features=5, random_state=0)
    model = Model((8, 6), max_iter=20, random_state=0, **options).fit(X, y)
    # A hand forward pass with every unit, unscaled (inverted dropout).
    h = X
    for W, b in zip(model.coefs_[:-1], model.intercepts_[:-1], strict=True):
        h = np.maximum(h @ W + b, 0)
    raw = (h @ model.coefs_[-1] + model.intercepts_[-1]).ravel()
    if Model is MLPClassifier:
        np.testing.assert_allclose(model.predict_proba(X)[:, 1],
                                   1 / (1 + np.exp(-raw)), rtol=1e-12)
        np.testing.assert_array_equal(model.predict_proba(X), model.predict_proba(X))
    else:
        np.testing.assert_allclose(model.predict(X), raw, rtol=1e-12)
    np.testing.assert_array_equal(model.predict(X), model.predict(X))


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_zero_rates_change_nothing(solver):
    # Exactly scikit-learn's trajectory: no random draw happens at rate 0.
    X, y = make_classification(n_samples=150, n_features=6, random_state=0)
    params = dict(hidden_layer_sizes=(7, 5), solver=solver, max_iter=25,
                  random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = sk_nn.MLPClassifier(**params).fit(X, y)
        for zero in [dict(dropout=0.0, input_noise=0.0),
                     dict(dropout=[0.0, 0.0], input_noise=0, max_norm=None)]:
            ours = MLPClassifier(**params, **zero).fit(X, y)
            for a, b in zip(ours.coefs_, theirs.coefs_, strict=True):
                np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
            assert ours.n_iter_ == theirs.n_iter_


def test_dropout_and_noise_regularize_and_are_reproducible():
    X, y = make_classification(n_samples=150, n_features=6, random_state=0)
    plain = MLPClassifier((10,), max_iter=30, random_state=0).fit(X, y)
    first = MLPClassifier((10,), max_iter=30, random_state=0, dropout=0.3,
                          input_noise=0.2).fit(X, y)
    second = MLPClassifier((10,), max_iter=30, random_state=0, dropout=0.3,
                           input_noise=0.2).fit(X, y)
    np.testing.assert_array_equal(first.coefs_[0], second.coefs_[0])
    assert not np.allclose(first.coefs_[0], plain.coefs_[0])


@pytest.mark.parametrize("Model", [MLPClassifier, MLPRegressor])
def test_k_partial_fits_equal_fit_with_dropout_and_noise(Model):
    X, y = make_classification(n_samples=90, n_features=5, random_state=0)
    options = dict(hidden_layer_sizes=(6, 5), dropout=[0.2, 0.4], input_noise=0.3,
                   max_norm=1.5, penalty="elasticnet", batch_size=32, random_state=0)
    fitted = Model(max_iter=4, **options).fit(X, y)
    incremental = Model(**options)
    for _ in range(4):
        if Model is MLPClassifier:
            incremental.partial_fit(X, y, classes=[0, 1])
        else:
            incremental.partial_fit(X, y)
    for a, b in zip(fitted.coefs_ + fitted.intercepts_,
                    incremental.coefs_ + incremental.intercepts_, strict=True):
        np.testing.assert_array_equal(a, b)


# -- every solver, partial_fit, GridSearchCV, pickling, errors -------------------------

ALL_OPTIONS = dict(activation=["gelu", activations.leaky_relu(0.1)],
                   weight_init="he_uniform", penalty="elasticnet", l1_ratio=0.5,
                   max_norm=2.0, input_noise=0.05, dropout=[0.2, 0.1])


@pytest.mark.parametrize("solver", sorted(skn_solvers.SOLVERS))
@pytest.mark.parametrize("Model, loss", [(MLPClassifier, None),
                                         (MLPRegressor, "huber"),
                                         (MLPRegressor, "absolute_error")])
def test_every_solver_takes_every_option(solver, Model, loss):
    X, y = make_classification(n_samples=80, n_features=5, random_state=0)
    extra = {} if loss is None else dict(loss=loss)
    model = Model((6, 4), solver=solver, max_iter=10, random_state=0, **ALL_OPTIONS,
                  **extra)
    model.fit(X, y)
    weights = model.coefs_ + model.intercepts_
    assert all(np.isfinite(w).all() for w in weights)
    for W in model.coefs_:
        assert np.linalg.norm(W, axis=0).max() <= 2.0 * (1 + 1e-12)
    np.testing.assert_array_equal(model.predict(X), model.predict(X))
    if _is_minimizer(solver, model):
        assert not hasattr(model, "partial_fit")
        return
    before = [w.copy() for w in model.coefs_]
    if Model is MLPClassifier:
        model.partial_fit(X, y)
    else:
        model.partial_fit(X, y)
    assert model.n_iter_ == 1
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.coefs_,
                                                         strict=True))


def test_grid_search_over_the_catalogue():
    X, y = make_classification(n_samples=80, n_features=5, random_state=0)
    grid = GridSearchCV(
        MLPClassifier((6,), max_iter=30, random_state=0),
        {"dropout": [0.0, 0.3], "penalty": ["l2", "l1"],
         "activation": [["tanh"], activations.leaky_relu(0.2)]},
        cv=2,
    ).fit(X, y)
    assert len(grid.cv_results_["params"]) == 8
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()

    grid = GridSearchCV(
        MLPRegressor((6,), max_iter=30, random_state=0),
        {"loss": ["huber", losses.huber(delta=0.5), "absolute_error"],
         "weight_init": ["auto", "lecun_normal"], "max_norm": [None, 1.0]},
        cv=2,
    ).fit(X, y.astype(float))
    assert len(grid.cv_results_["params"]) == 12
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()


def test_parametrized_records_pickle_with_the_estimator():
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    model = MLPRegressor((5,), activation=activations.leaky_relu(0.2),
                         loss=losses.huber(delta=0.5), dropout=0.2, max_iter=10,
                         random_state=0).fit(X, y.astype(float))
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))
    assert restored.activation.name == "leaky_relu(negative_slope=0.2)"
    assert restored.loss.name == "huber(delta=0.5)"


@pytest.mark.parametrize("params, error, message", [
    (dict(dropout=1.0), InvalidParameterError, "dropout"),
    (dict(dropout=-0.1), InvalidParameterError, "dropout"),
    (dict(dropout=[0.1]), ValueError, "1 dropout rates for 2 hidden layers"),
    (dict(dropout=[0.1, 1.2]), ValueError, r"Dropout rates must be in \[0, 1\)"),
    (dict(penalty="l3"), InvalidParameterError, "penalty"),
    (dict(l1_ratio=1.5), InvalidParameterError, "l1_ratio"),
    (dict(max_norm=0.0), InvalidParameterError, "max_norm"),
    (dict(input_noise=-1.0), InvalidParameterError, "input_noise"),
    (dict(weight_init="zeros_please"), InvalidParameterError, "weight_init"),
    (dict(activation="swish_please"), InvalidParameterError, "activation"),
    (dict(activation=["relu"]), ValueError, "1 activations for 2 hidden layers"),
    (dict(activation=["relu", "nope"]), ValueError, "Unknown activation 'nope'"),
    (dict(loss="quantile"), InvalidParameterError, "loss"),
])
def test_invalid_values_give_clear_errors(params, error, message):
    X, y = make_classification(n_samples=30, n_features=4, random_state=0)
    with pytest.raises(error, match=message):
        MLPRegressor((4, 3), max_iter=2, **params).fit(X, y.astype(float))


# scikit-learn's estimator checks with the new options are in test_common.py.
