"""Noise on the weights and in the activities, input dropout, tied weights (issue 25).

Each is checked against its definition computed by hand with the same random draws
(in the order ``Network``'s docstring gives), against finite differences, and at the
estimator: reproducible from ``random_state``, off at prediction time.
"""

import warnings

import numpy as np
import pytest
from scipy.special import expit
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from skneural import MLPClassifier, MLPRegressor
from skneural.network import Network


def _problem(n_features=3, n_outputs=2, n_samples=6, seed=0):
    rng = np.random.RandomState(seed)
    return rng.normal(size=(n_samples, n_features)), rng.normal(size=(n_samples,
                                                                     n_outputs))


def test_every_training_noise_by_hand_with_the_same_draws():
    """Input noise, input dropout, weight noise, stochastic binary units and dropout
    at once: the forward pass, loss and gradient of the definitions."""
    X, y = _problem()
    y = (y > 0).astype(float)
    net = Network([3, 4, 2], "logistic", loss="binary_log_loss", input_noise=0.1,
                  input_dropout=0.25, weight_noise=0.3, stochastic_units=True,
                  dropout=0.5)
    params = net.init_params(np.random.RandomState(1), "glorot_uniform", "logistic")
    params[net.n_coefs:] = np.linspace(-0.5, 0.5, net.n_params - net.n_coefs)
    tape = net.forward(params, X, training=True, rng=np.random.RandomState(7))
    loss, grad = net.backward(params, tape, y)

    (W1, W2), (b1, b2) = [w.copy() for w in net.unpack(params)[0]], net.unpack(params)[1]
    draws = np.random.RandomState(7)
    X_noisy = X + 0.1 * draws.standard_normal(X.shape)
    input_mask = (draws.random(X.shape) >= 0.25) / 0.75
    X_fed = X_noisy * input_mask
    W1n = W1 + 0.3 * draws.standard_normal(W1.shape)
    W2n = W2 + 0.3 * draws.standard_normal(W2.shape)
    p = expit(X_fed @ W1n + b1)
    sample = (draws.random(p.shape) < p).astype(float)
    hidden_mask = (draws.random(p.shape) >= 0.5) / 0.5
    h = sample * hidden_mask
    raw = h @ W2n + b2
    n = len(X)
    expected_loss = np.sum(np.logaddexp(0, raw) - y * raw) / n
    d_raw = (expit(raw) - y) / n
    d_pre = (d_raw @ W2n.T) * hidden_mask * p * (1 - p)  # the ordinary derivative
    expected = np.concatenate([(X_fed.T @ d_pre).ravel(), (h.T @ d_raw).ravel(),
                               d_pre.sum(0), d_raw.sum(0)])

    assert set(np.unique(sample)) == {0.0, 1.0}  # binary, and not all one value
    np.testing.assert_allclose(tape.activations[0], X_fed, rtol=1e-14)
    np.testing.assert_allclose(tape.activations[1], h, rtol=1e-14)
    np.testing.assert_allclose(tape.outputs[0], p, rtol=1e-14)  # for the derivative
    np.testing.assert_allclose(loss, expected_loss, rtol=1e-12)
    np.testing.assert_allclose(grad, expected, rtol=1e-10, atol=1e-14)


def test_weight_noise_gradient_is_the_loss_gradient_at_the_noisy_weights():
    # Finite differences of the loss at the noisy weights (the same draw each time)
    # give the gradient backward computes.
    X, y = _problem(seed=3)
    noisy = Network([3, 5, 2], "tanh", weight_noise=0.2)
    clean = Network([3, 5, 2], "tanh")
    params = noisy.init_params(np.random.RandomState(0))
    _, grad = noisy.loss_gradient(params, X, y, rng=np.random.RandomState(4))
    noise = np.random.RandomState(4).standard_normal(noisy.n_coefs) * 0.2
    at_noisy = params.copy()
    at_noisy[: noisy.n_coefs] += noise
    h = 1e-6
    for i in range(params.size):
        shifted = at_noisy.copy()
        shifted[i] += h
        plus = clean.loss_gradient(shifted, X, y)[0]
        shifted[i] -= 2 * h
        minus = clean.loss_gradient(shifted, X, y)[0]
        assert grad[i] == pytest.approx((plus - minus) / (2 * h), rel=1e-5, abs=1e-9)


def test_noise_is_off_at_prediction_and_draws_nothing_when_off():
    X, y = _problem()
    net = Network([3, 4, 2], "logistic", weight_noise=0.5, stochastic_units=True,
                  input_dropout=0.3)
    clean = Network([3, 4, 2], "logistic")
    params = net.init_params(np.random.RandomState(0))
    rng = np.random.RandomState(0)
    state = rng.get_state()[1].copy()
    np.testing.assert_array_equal(net.forward(params, X, rng=rng).activations[-1],
                                  clean.forward(params, X).activations[-1])
    np.testing.assert_array_equal(net.predict_raw(*net.unpack(params), X),
                                  clean.predict_raw(*clean.unpack(params), X))
    np.testing.assert_array_equal(rng.get_state()[1], state)  # nothing drawn
    clean.forward(params, X, training=True, rng=rng)
    np.testing.assert_array_equal(rng.get_state()[1], state)


def test_stochastic_units_need_logistic_units():
    with pytest.raises(ValueError, match="logistic"):
        Network([3, 4, 4, 2], ["logistic", "relu"], stochastic_units=True)
    X, y = load_digits(return_X_y=True)
    with pytest.raises(ValueError, match="activation='logistic'"):
        MLPClassifier((5,), stochastic_activities=True, max_iter=1).fit(X, y)


@pytest.mark.parametrize("params", [dict(weight_noise=0.1),
                                    dict(stochastic_activities=True,
                                         activation="logistic"),
                                    dict(input_dropout=0.2)])
def test_estimators_reproduce_from_random_state_and_predict_without_noise(params):
    X, y = load_digits(return_X_y=True)
    X, y = X[:300] / 16, y[:300]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fits = [MLPClassifier((8,), max_iter=3, random_state=seed, **params).fit(X, y)
                for seed in (0, 0, 1)]
        plain = MLPClassifier((8,), max_iter=3, random_state=0,
                              activation=params.get("activation", "relu")).fit(X, y)
    np.testing.assert_array_equal(fits[0].coefs_[0], fits[1].coefs_[0])
    assert not np.array_equal(fits[0].coefs_[0], plain.coefs_[0])  # noise trained
    # Predictions: the clean forward pass by hand, the same at every call.
    model = fits[0]
    hidden = X @ model.coefs_[0] + model.intercepts_[0]
    hidden = expit(hidden) if model.activation == "logistic" else np.maximum(hidden, 0)
    raw = hidden @ model.coefs_[1] + model.intercepts_[1]
    expected = np.exp(raw - raw.max(1, keepdims=True))
    expected /= expected.sum(1, keepdims=True)
    np.testing.assert_allclose(model.predict_proba(X), expected, rtol=1e-12)
    np.testing.assert_array_equal(model.predict_proba(X), model.predict_proba(X))


# -- tied weights --------------------------------------------------------------------


def test_tied_weights_share_one_matrix_and_sum_both_gradients():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(7, 5))
    net = Network([5, 3, 2, 3, 5], "tanh", tied_weights=True, alpha=0.3)
    # Stored: the encoder's 5x3 and 3x2 matrices, then four bias vectors.
    assert net.n_coefs == 5 * 3 + 3 * 2
    assert net.n_params == net.n_coefs + 3 + 2 + 3 + 5
    params = net.init_params(rng, "glorot_uniform")
    coefs, _ = net.unpack(params)
    assert [c.shape for c in coefs] == [(5, 3), (3, 2), (2, 3), (3, 5)]
    np.testing.assert_array_equal(coefs[3], coefs[0].T)
    np.testing.assert_array_equal(coefs[2], coefs[1].T)
    params[0] += 1.0  # a view: the decoder reads the change
    assert coefs[3][0, 0] == coefs[0][0, 0]
    np.testing.assert_array_equal(net.pack(*net.unpack(params)), params)

    _, grad = net.loss_gradient(params, X, X)
    h = 1e-6
    numeric = np.empty_like(params)
    for i in range(params.size):
        shifted = params.copy()
        shifted[i] += h
        plus = net.loss_gradient(shifted, X, X)[0]
        shifted[i] -= 2 * h
        numeric[i] = (plus - net.loss_gradient(shifted, X, X)[0]) / (2 * h)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


def test_tied_weights_need_a_mirrored_network():
    with pytest.raises(ValueError, match="mirrored"):
        Network([5, 3, 2, 4, 5], tied_weights=True)
    with pytest.raises(ValueError, match="mirrored"):
        Network([5, 3, 5, 2], tied_weights=True)


def test_regressor_with_weight_noise_and_input_dropout_learns():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 4))
    y = X @ np.array([1.0, -2.0, 0.5, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPRegressor((16,), weight_noise=0.02, input_dropout=0.1,
                             learning_rate_init=0.01, max_iter=200,
                             random_state=0).fit(X, y)
    assert model.score(X, y) > 0.9
