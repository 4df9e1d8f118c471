"""The optimized training path against a straightforward reference, and its memory."""

import tracemalloc
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skneural import MLPClassifier, MLPRegressor


def _reference_adam_fit(X, Y, hidden, *, alpha, lr, epochs, batch_size, seed,
                        beta_1=0.9, beta_2=0.999, eps=1e-8):
    """A plain, per-layer NumPy MLP: relu hidden layers, softmax output, cross-entropy,
    L2 scaled by the batch size, Adam in Kingma & Ba's epsilon-hat form, scikit-learn's
    Glorot-uniform initialization and shuffling order. Written from the formulas, with
    no buffers, views or fused products."""
    rng = np.random.RandomState(seed)
    sizes = [X.shape[1], *hidden, Y.shape[1]]
    weights, biases = [], []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        weights.append(rng.uniform(-bound, bound, (fan_in, fan_out)))
        biases.append(rng.uniform(-bound, bound, fan_out))
    params = weights + biases
    first_moments = [np.zeros_like(p) for p in params]
    second_moments = [np.zeros_like(p) for p in params]
    step = 0
    order = np.arange(len(X))
    for _ in range(epochs):
        order = order[rng.permutation(len(X))]
        for start in range(0, len(X), batch_size):
            rows = order[start:start + batch_size]
            layers = [X[rows]]
            for i, (W, b) in enumerate(zip(weights, biases)):
                z = layers[-1] @ W + b
                if i < len(weights) - 1:
                    layers.append(np.maximum(z, 0))
                else:
                    e = np.exp(z - z.max(axis=1, keepdims=True))
                    layers.append(e / e.sum(axis=1, keepdims=True))
            n = len(rows)
            delta = layers[-1] - Y[rows]
            grads_w, grads_b = [None] * len(weights), [None] * len(weights)
            for i in reversed(range(len(weights))):
                grads_w[i] = (layers[i].T @ delta + alpha * weights[i]) / n
                grads_b[i] = delta.sum(axis=0) / n
                if i > 0:
                    delta = (delta @ weights[i].T) * (layers[i] > 0)
            step += 1
            rate = lr * np.sqrt(1 - beta_2**step) / (1 - beta_1**step)
            for p, g, m, v in zip(params, grads_w + grads_b, first_moments,
                                  second_moments):
                m[...] = beta_1 * m + (1 - beta_1) * g
                v[...] = beta_2 * v + (1 - beta_2) * g**2
                p -= rate * m / (np.sqrt(v) + eps)
    return weights, biases


def test_optimized_path_equals_a_straightforward_reference():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 12))
    y = np.digitize(X[:, 0] + X[:, 1] ** 2 - X[:, 2], [-1.0, 0.5, 1.5])
    Y = np.eye(4)[y]
    settings = dict(alpha=1e-2, lr=3e-3, epochs=4, batch_size=64, seed=7)
    weights, biases = _reference_adam_fit(X, Y, (16, 8), **settings)

    clf = MLPClassifier((16, 8), solver="adam", alpha=settings["alpha"],
                        learning_rate_init=settings["lr"], max_iter=settings["epochs"],
                        batch_size=settings["batch_size"], random_state=settings["seed"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    for got, expected in zip(clf.coefs_ + clf.intercepts_, weights + biases):
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("Model, solver", [(MLPClassifier, "adam"),
                                           (MLPClassifier, "sgd"),
                                           (MLPRegressor, "adam")])
def test_fit_makes_no_hidden_copy_of_float32_input(Model, solver):
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(40_000, 200)).astype(np.float32)  # 32 MB
    y = (X[:, 0] > 0.5).astype(int) if Model is MLPClassifier else X[:, 0]
    model = Model((32,), solver=solver, batch_size=256, max_iter=1, random_state=0)
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Everything training allocates (one-hot targets, the shuffling order, batch
    # buffers, weights, solver state) is far below one copy of X.
    assert peak < 0.2 * X.nbytes, f"peak {peak / 1e6:.1f} MB for X of {X.nbytes / 1e6} MB"
