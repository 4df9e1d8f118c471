"""The NumPy core: gradients against finite differences, stable numerics, manual use."""

import itertools

import numpy as np
import pytest
from scipy.special import expit, softmax

from skneural import activations, losses
from skneural._backend import namespace
from skneural.network import Network

# The activations and losses of the foundation; later additions are checked where
# they are added (test_catalogue.py) and by the parametrization over the registry.
ACTIVATION_NAMES = sorted(activations.ACTIVATIONS)
LOSS_NAMES = sorted(losses.LOSSES)


def _targets(loss_name, n_samples, n_outputs, rng):
    if loss_name == "log_loss":
        return np.eye(n_outputs)[rng.randint(n_outputs, size=n_samples)]
    if loss_name == "binary_log_loss":
        return rng.randint(2, size=(n_samples, n_outputs)).astype(float)
    if loss_name == "poisson":
        return rng.poisson(1.5, size=(n_samples, n_outputs)).astype(float)
    return rng.normal(size=(n_samples, n_outputs))


def _finite_difference_gradient(network, params, X, y, sample_weight, h=1e-6):
    grad = np.empty_like(params)
    for i in range(params.size):
        shifted = params.copy()
        shifted[i] += h
        plus = network.loss_gradient(shifted, X, y, sample_weight)[0]
        shifted[i] -= 2 * h
        minus = network.loss_gradient(shifted, X, y, sample_weight)[0]
        grad[i] = (plus - minus) / (2 * h)
    return grad


def _relative_error(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b), 1e-12)


@pytest.mark.parametrize(
    "activation, output_activation, loss_name",
    [
        (a, out, loss)
        for a, loss in itertools.product(ACTIVATION_NAMES, LOSS_NAMES)
        for out in sorted({"identity", a})
        # exp on top of exp (or of the Poisson link) overflows for no teaching value.
        if not (out == "exp" and loss == "poisson")
    ],
)
@pytest.mark.parametrize("weighted", [False, True])
def test_gradient_matches_finite_differences(activation, output_activation, loss_name,
                                             weighted):
    rng = np.random.RandomState(0)
    n_samples, n_outputs = 7, 3
    network = Network([4, 5, 3, n_outputs], activation,
                      output_activation=output_activation, loss=loss_name, alpha=0.1,
                      dtype=np.float64)
    params = network.init_params(rng, "glorot_normal") * 1.5
    params[network.n_coefs:] = rng.normal(scale=0.3, size=params.size - network.n_coefs)
    X = rng.normal(size=(n_samples, 4))
    y = _targets(loss_name, n_samples, n_outputs, rng)
    sample_weight = rng.uniform(0.5, 2.0, size=n_samples) if weighted else None

    loss, grad = network.loss_gradient(params, X, y, sample_weight)
    numerical = _finite_difference_gradient(network, params, X, y, sample_weight)
    assert np.isfinite(loss)
    assert _relative_error(grad, numerical) < 1e-6


@pytest.mark.parametrize("l1_ratio", [0.0, 0.5, 1.0])
def test_penalty_gradient_matches_finite_differences(l1_ratio):
    rng = np.random.RandomState(1)
    network = Network([3, 4, 2], "tanh", loss="squared_error", alpha=0.3,
                      l1_ratio=l1_ratio)
    params = rng.normal(size=network.n_params)
    X, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    _, grad = network.loss_gradient(params, X, y)
    numerical = _finite_difference_gradient(network, params, X, y, None)
    assert _relative_error(grad, numerical) < 1e-6


@pytest.mark.parametrize("loss_name", ["log_loss", "binary_log_loss"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_losses_are_finite_for_huge_logits(loss_name, dtype):
    raw = np.array([[1e4, -1e4], [-1e4, 1e4], [0.0, 1e4]], dtype=dtype)
    y = np.array([[1, 0], [1, 0], [0, 1]], dtype=dtype)
    loss = losses.get(loss_name)
    per_sample, gradient = loss.loss_gradient(y, raw, np.empty_like(raw), namespace(raw))
    assert np.isfinite(per_sample).all() and np.isfinite(gradient).all()
    # Exact values: a confidently wrong pair of logits costs 2e4 under softmax, and
    # each confidently wrong logistic unit 1e4; a confidently right one costs ~0.
    if loss_name == "log_loss":
        np.testing.assert_allclose(per_sample, [0.0, 2e4, 0.0], atol=1e-3)
        np.testing.assert_allclose(gradient, softmax(raw.astype(float), axis=1) - y,
                                   atol=1e-6)
    else:
        np.testing.assert_allclose(per_sample, [0.0, 2e4, np.log(2)], rtol=1e-6)
        np.testing.assert_allclose(gradient, expit(raw.astype(float)) - y, atol=1e-6)


def test_huge_logits_through_the_network_give_finite_gradients():
    network = Network([2, 3], "relu", loss="log_loss")
    coefs = [np.array([[1e4, -1e4, 0.0], [0.0, 0.0, 1e4]])]
    params = network.pack(coefs, [np.zeros(3)])
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    y = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    loss, grad = network.loss_gradient(params, X, y)
    assert np.isfinite(loss) and np.isfinite(grad).all()
    np.testing.assert_allclose(loss, (2e4 + 1e4) / 2, rtol=1e-9)


def test_manual_forward_backward_matches_hand_computation():
    """A 2-3-2 logistic-output, squared-error network (the textbook worked example)."""
    rng = np.random.RandomState(2)
    W1, b1 = rng.normal(size=(2, 3)), rng.normal(size=3)
    W2, b2 = rng.normal(size=(3, 2)), rng.normal(size=2)
    X, y = rng.normal(size=(4, 2)), rng.uniform(size=(4, 2))
    network = Network([2, 3, 2], "tanh", output_activation="logistic",
                      loss="squared_error")
    params = network.pack([W1, W2], [b1, b2])

    # By hand: h = tanh(X W1 + b1); o = sigmoid(h W2 + b2); E = mean 0.5 |o - y|^2.
    h = np.tanh(X @ W1 + b1)
    o = expit(h @ W2 + b2)
    expected_loss = 0.5 * ((o - y) ** 2).sum(axis=1).mean()
    d_out = (o - y) * o * (1 - o) / len(X)
    d_hidden = (d_out @ W2.T) * (1 - h**2)
    expected = {"W2": h.T @ d_out, "b2": d_out.sum(0), "W1": X.T @ d_hidden,
                "b1": d_hidden.sum(0)}

    tape = network.forward(params, X)
    # A second forward pass (other inputs, same batch size) leaves the tape intact.
    network.forward(params, X[::-1] + 1.0)
    np.testing.assert_allclose(tape.activations[1], h)
    np.testing.assert_allclose(tape.activations[2], o)
    loss, grad = network.backward(params, tape, y)
    np.testing.assert_allclose(loss, expected_loss)
    # The per-layer error signals, for teaching: the summed loss's derivative with
    # respect to each layer's pre-activations (the hand-computed deltas times n).
    np.testing.assert_allclose(tape.deltas[1], d_out * len(X))
    np.testing.assert_allclose(tape.deltas[0], d_hidden * len(X))
    (gW1, gW2), (gb1, gb2) = network.unpack(grad)
    for got, name in [(gW1, "W1"), (gW2, "W2"), (gb1, "b1"), (gb2, "b2")]:
        np.testing.assert_allclose(got, expected[name], err_msg=name)
    np.testing.assert_allclose(network.predict([W1, W2], [b1, b2], X), o)


def test_parameters_live_in_one_flat_buffer():
    network = Network([3, 4, 2], "relu")
    params = network.init_params(np.random.RandomState(0))
    assert params.shape == (network.n_params,) == (3 * 4 + 4 * 2 + 4 + 2,)
    coefs, intercepts = network.unpack(params)
    for view in coefs + intercepts:
        assert np.shares_memory(view, params)
    coefs[1][0, 0] = 42.0
    assert params[12] == 42.0  # the second weight matrix starts after the first


def test_per_layer_activations_and_registry_errors():
    network = Network([2, 3, 3, 1], ["tanh", "relu"])
    assert [a.name for a in network.activations] == ["tanh", "relu"]
    with pytest.raises(ValueError, match="one per hidden layer"):
        Network([2, 3, 3, 1], ["tanh"])
    with pytest.raises(ValueError, match="Unknown activation 'swish'"):
        Network([2, 3, 1], "swish")
    with pytest.raises(ValueError, match="Unknown loss"):
        Network([2, 3, 1], loss="hinge2")


def test_user_registered_activation_is_usable_by_name():
    name = "test_softsign"
    record = activations.Activation(
        name,
        function=lambda X, xp: X / (1 + xp.abs(X)),
        derivative=lambda Z, delta, X, xp: delta * (1 - xp.abs(Z)) ** 2,
    )
    activations.register(record)
    try:
        rng = np.random.RandomState(3)
        network = Network([3, 4, 1], name)
        params = rng.normal(size=network.n_params)
        X, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 1))
        _, grad = network.loss_gradient(params, X, y)
        numerical = _finite_difference_gradient(network, params, X, y, None)
        assert _relative_error(grad, numerical) < 1e-6
        with pytest.raises(ValueError, match="already registered"):
            activations.register(record)
    finally:
        del activations.ACTIVATIONS[name]


def test_float32_network_stays_float32():
    network = Network([3, 4, 2], "relu", loss="log_loss", dtype=np.float32)
    params = network.init_params(np.random.RandomState(0))
    X = np.random.RandomState(1).normal(size=(5, 3)).astype(np.float32)
    y = np.eye(2, dtype=np.float32)[[0, 1, 0, 1, 1]]
    loss, grad = network.loss_gradient(params, X, y)
    assert params.dtype == grad.dtype == np.float32
    assert all(a.dtype == np.float32
               for a in network.forward(params, X).activations[1:])


def test_large_arrays_a_solver_streams_together_start_at_different_4k_offsets():
    """Adam streams the weights, the gradient and both moments in one loop; large
    NumPy allocations all start at the same offset in their page (mmap), which makes
    such a loop thrash the same cache sets. The backend staggers them."""
    from skneural._backend import NUMPY, Backend

    # Above glibc's largest mmap threshold (32 MiB) every allocation is an mmap, at
    # offset 16 in its page: unstaggered, these arrays would all share it.
    plain = np.ones(4_500_000)
    backend = Backend.of(plain)
    arrays = [backend.buffer(plain.shape, plain.dtype), NUMPY.zeros_like(plain),
              NUMPY.full_like(plain, 2.0), backend.staggered(plain)]
    offsets = {a.__array_interface__["data"][0] % 4096 for a in arrays}
    assert len(offsets) == len(arrays)
    for array, value in zip(arrays[1:], [0.0, 2.0, 1.0]):
        assert array.shape == plain.shape and array.flags.c_contiguous
        assert np.all(array == value)
    assert NUMPY.ones_like(plain[:10_000], dtype=np.float32).dtype == np.float32
    # A packed buffer (staggered too) keeps its values, and the coefficient views
    # see it.
    network = Network([784, 256, 10], dtype=np.float64)
    initial = network.init_params(np.random.RandomState(0))
    params = network.pack(*network.unpack(initial))
    np.testing.assert_array_equal(params, initial)
    assert np.shares_memory(network.unpack(params)[0][0], params)
