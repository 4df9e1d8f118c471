"""The optional compiled kernels (skneural._jit) against the rules they replace.

Each kernel stands in for one rule marked ``@fusable`` (skneural._backend); the rule,
``rule.definition``, is the reference: with numba installed (the test extra installs
it) each kernel and whole fits must give the rule's numbers on NumPy: to 1e-12 in
float64, to float32 rounding in float32 (Adam's bias-corrected rate is a float64
scalar that NumPy applies in float64 before rounding, the kernel in float32).
"""

import warnings

import numpy as np
import pytest
from scipy.special import softmax as scipy_softmax
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from skneural import MLPClassifier, MLPRegressor, _jit, activations, losses, regularizers
from skneural import network as network_module
from skneural._backend import NUMPY
from skneural.optim import sgd as sgd_module

pytest.importorskip("numba")
pytestmark = pytest.mark.skipif(not _jit.ENABLED, reason="SKNEURAL_JIT=0 is set")


@pytest.fixture
def numpy_only(monkeypatch):
    """Run the NumPy reference path inside a test."""
    def switch(enabled):
        monkeypatch.setattr(_jit, "ENABLED", enabled)
    return switch


def _arrays(dtype, n=1001, seed=0):
    rng = np.random.RandomState(seed)
    return [rng.normal(size=n).astype(dtype) for _ in range(4)]


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 1e-6)])
def test_adam_kernel_equals_its_rule(dtype, rtol):
    params, grad, m, v = _arrays(dtype)
    v = np.abs(v)
    reference = [a.copy() for a in (params, m, v)]
    coefficients = (0.9, 0.999, 3e-3, 1e-8)
    sgd_module.adam_update.definition(reference[0], grad, reference[1], reference[2],
                                      np.empty_like(params), coefficients, NUMPY)
    _jit.adam_update(params, grad, m, v, None, coefficients, NUMPY)
    for got, expected in zip((params, m, v), reference):
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=0)


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_kernel_equals_its_rule(nesterov):
    params, grad, velocity, _ = _arrays(np.float64)
    reference = params.copy(), velocity.copy()
    sgd_module.sgd_update.definition(*reference[:1], grad, reference[1],
                                     np.empty_like(params), 0.05, 0.8, nesterov, NUMPY)
    _jit.sgd_update(params, grad, velocity, None, 0.05, 0.8, nesterov, NUMPY)
    np.testing.assert_allclose(params, reference[0], rtol=1e-12, atol=0)
    np.testing.assert_allclose(velocity, reference[1], rtol=1e-12, atol=0)


def test_elementwise_kernels_equal_their_rules_and_keep_numpy_semantics():
    rng = np.random.RandomState(1)
    relu = activations.get("relu")
    out = rng.normal(size=(7, 5))
    out[0, 0], out[1, 1] = np.nan, -0.3
    bias = rng.normal(size=5)
    expected = network_module._bias_activation.definition(out.copy(), bias, relu, NUMPY)
    np.testing.assert_array_equal(expected, np.maximum(out + bias, 0))
    np.testing.assert_array_equal(_jit.bias_activation(out, bias, relu, NUMPY),
                                  expected)        # NaN stays NaN
    delta, output = rng.normal(size=(7, 5)), np.maximum(rng.normal(size=(7, 5)), 0)
    delta[2, 2], output[2, 2] = np.nan, 0.0
    expected = network_module._activation_backward.definition(delta.copy(), output,
                                                             None, relu, NUMPY)
    np.testing.assert_array_equal(expected, delta * (output > 0))
    np.testing.assert_array_equal(
        _jit.activation_backward(delta, output, None, relu, NUMPY),
        expected)                                  # NaN * 0 is NaN, as NumPy
    grad, params = rng.normal(size=9), rng.normal(size=9)
    expected = regularizers._penalize_divide.definition(grad.copy(), params, 6, 0.3,
                                                        7.0, NUMPY)
    np.testing.assert_allclose(
        expected, np.append(grad[:6] + 0.3 * params[:6], grad[6:]) / 7.0, rtol=1e-15)
    np.testing.assert_allclose(_jit.penalize_divide(grad, params, 6, 0.3, 7.0, NUMPY),
                               expected, rtol=1e-15)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cumulative_l1_kernel_equals_its_rule(dtype):
    params, q, _, _ = _arrays(dtype)
    params[::7] = 0.0  # zeros stay untouched
    q = -np.sign(params[:900]) * np.abs(q[:900]) * 0.1  # what each weight received
    reference = params.copy(), q.copy()
    regularizers.cumulative_l1.definition(*reference, 900, 0.3, NUMPY)
    _jit.cumulative_l1(params, q, 900, 0.3, NUMPY)
    np.testing.assert_array_equal(params, reference[0])
    np.testing.assert_array_equal(q, reference[1])
    assert 0 < np.mean(params[:900] == 0) < 1  # both branches, and clipping, ran


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 1e-6)])
@pytest.mark.parametrize("shape", [(1, 10), (257, 3), (4, 1)])
def test_softmax_kernel_equals_its_rule(dtype, rtol, shape):
    rng = np.random.RandomState(2)
    X = (rng.normal(size=shape) * 30).astype(dtype)
    if shape[0] > 1:
        X[1, 0] = np.nan       # a NaN makes its row NaN, as NumPy's max does
        X[2, :] = -np.inf      # exp(-inf - -inf): NaN
        X[3, 0] = np.inf
    with np.errstate(invalid="ignore"):
        expected = activations.get("softmax").function.definition(X.copy(), NUMPY)
        np.testing.assert_allclose(scipy_softmax(X[4:], axis=1), expected[4:],
                                   rtol=rtol * 10)
        got = _jit.softmax(X, NUMPY)
    assert got is X and got.dtype == dtype  # in place
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=0)  # NaNs in place too


def test_kernels_decline_what_they_do_not_fuse():
    tanh = activations.get("tanh")
    out, bias = np.zeros((2, 3)), np.zeros(3)
    assert _jit.bias_activation(out, bias, tanh, NUMPY) is NotImplemented
    assert _jit.activation_backward(out, out, None, tanh, NUMPY) is NotImplemented
    assert _jit.softmax(np.zeros(3), NUMPY) is NotImplemented  # rows only
    # The network's fusable rules still give tanh through the definition.
    np.testing.assert_array_equal(
        network_module._bias_activation(np.ones((2, 3)), bias, tanh, NUMPY),
        np.tanh(np.ones((2, 3))))


@pytest.mark.parametrize("solver", ["adam", "sgd", "nesterov", "momentum"])
@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 1e-4)])
def test_whole_fits_equal_the_numpy_path(solver, dtype, rtol, numpy_only):
    X, y = load_digits(return_X_y=True)
    X = (X[:400] / 16).astype(dtype)
    y = y[:400]

    def fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return MLPClassifier((32, 16), solver=solver, learning_rate_init=0.01,
                                 max_iter=5, batch_size=50, random_state=0).fit(X, y)

    numpy_only(False)
    reference = fit()
    numpy_only(True)
    compiled = fit()
    np.testing.assert_allclose(compiled.loss_curve_, reference.loss_curve_, rtol=rtol)
    for got, expected in zip(compiled.coefs_ + compiled.intercepts_,
                             reference.coefs_ + reference.intercepts_):
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol * 1e-2)


def test_kernels_only_touch_numpy_arrays_of_one_dtype():
    a64, a32 = np.zeros(3), np.zeros(3, dtype=np.float32)
    assert _jit.usable(a64, a64)
    assert not _jit.usable(a64, a32)
    assert not _jit.usable(a64[::2], a64[::2])          # not contiguous
    assert not _jit.usable(np.zeros(3, dtype=int))


def test_regressor_with_l2_through_the_fused_penalty(numpy_only):
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(120, 6)), rng.normal(size=120)

    def fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return MLPRegressor((10,), alpha=0.3, max_iter=8, random_state=0).fit(X, y)

    numpy_only(False)
    reference = fit()
    numpy_only(True)
    np.testing.assert_allclose(fit().coefs_[0], reference.coefs_[0], rtol=1e-12)
    # The penalty's rule is the kernel's when the kernels are on.
    assert regularizers._penalize_divide is not regularizers._penalize_divide.definition


@pytest.mark.parametrize("aliased", [False, True])
def test_softmax_cross_entropy_kernel_equals_its_rule(aliased):
    rng = np.random.RandomState(3)
    raw = rng.normal(scale=30, size=(50, 7))
    y = np.eye(7)[rng.randint(7, size=50)]
    y[0] = 0.5 * y[0]                       # a row that does not sum to 1
    reference, reference_gradient = losses._log_loss.definition(
        y, raw.copy(), np.empty_like(raw), NUMPY)
    work = raw.copy()
    per_sample, gradient = _jit.log_loss(y, work, work if aliased
                                         else np.empty_like(raw), NUMPY)
    np.testing.assert_allclose(per_sample, reference, rtol=1e-12)
    np.testing.assert_allclose(gradient, reference_gradient, rtol=1e-12, atol=1e-15)
