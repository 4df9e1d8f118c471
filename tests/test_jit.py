"""The optional compiled kernels (skneural._jit) against the NumPy path they replace.

The NumPy path is the reference; with numba installed (the test extra installs it)
each kernel and whole fits must give the NumPy path's numbers: to 1e-12 in float64,
to float32 rounding in float32 (Adam's bias-corrected rate is a float64 scalar that
NumPy applies in float64 before rounding, the kernel in float32).
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from skneural import MLPClassifier, MLPRegressor, _jit
from skneural import network as network_module
from skneural import solvers as solvers_module

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
def test_adam_kernel_equals_numpy(dtype, rtol, numpy_only):
    params, grad, m, v = _arrays(dtype)
    v = np.abs(v)
    reference = [a.copy() for a in (params, m, v)]
    adam = solvers_module.Adam()
    numpy_only(False)
    adam._update(*reference[:1], grad, *reference[1:], np.empty_like(params),
                 lr_t=3e-3)
    numpy_only(True)
    adam._update(params, grad, m, v, np.empty_like(params), lr_t=3e-3)
    for got, expected in zip((params, m, v), reference):
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=0)


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_kernel_equals_numpy(nesterov, numpy_only):
    params, grad, velocity, _ = _arrays(np.float64)
    reference = params.copy(), velocity.copy()
    solver = solvers_module.SGD(momentum=0.8, nesterovs_momentum=nesterov)

    def step(p, v):
        solver.step(p, lambda _: (0.0, grad), {"velocity": v}, 0.05)

    numpy_only(False)
    step(*reference)
    numpy_only(True)
    step(params, velocity)
    np.testing.assert_allclose(params, reference[0], rtol=1e-12, atol=0)
    np.testing.assert_allclose(velocity, reference[1], rtol=1e-12, atol=0)


def test_elementwise_kernels_keep_numpy_semantics():
    rng = np.random.RandomState(1)
    out = rng.normal(size=(7, 5))
    out[0, 0], out[1, 1] = np.nan, -0.3
    bias = rng.normal(size=5)
    expected = np.maximum(out + bias, 0)
    _jit.bias_relu(out, bias)
    np.testing.assert_array_equal(out, expected)        # NaN stays NaN
    delta, output = rng.normal(size=(7, 5)), np.maximum(rng.normal(size=(7, 5)), 0)
    delta[2, 2], output[2, 2] = np.nan, 0.0
    expected = delta * (output > 0)
    _jit.relu_backward(delta, output)
    np.testing.assert_array_equal(delta, expected)      # NaN * 0 is NaN, as NumPy
    grad, params = rng.normal(size=9), rng.normal(size=9)
    expected = np.append(grad[:6] + 0.3 * params[:6], grad[6:]) / 7.0
    _jit.penalize_divide(grad, params, 6, 0.3, 7.0)
    np.testing.assert_allclose(grad, expected, rtol=1e-15)


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
    assert network_module._jit is _jit


@pytest.mark.parametrize("aliased", [False, True])
def test_softmax_cross_entropy_kernel_equals_numpy(aliased, numpy_only):
    from skneural import losses

    rng = np.random.RandomState(3)
    raw = rng.normal(scale=30, size=(50, 7))
    y = np.eye(7)[rng.randint(7, size=50)]
    y[0] = 0.5 * y[0]                       # a row that does not sum to 1
    loss = losses.get("log_loss")
    numpy_only(False)
    reference_gradient = np.empty_like(raw)
    reference = loss.loss_gradient(y, raw.copy(), reference_gradient)
    numpy_only(True)
    work = raw.copy()
    gradient = work if aliased else np.empty_like(raw)
    per_sample = loss.loss_gradient(y, work, gradient)
    np.testing.assert_allclose(per_sample, reference, rtol=1e-12)
    np.testing.assert_allclose(gradient, reference_gradient, rtol=1e-12, atol=1e-15)
