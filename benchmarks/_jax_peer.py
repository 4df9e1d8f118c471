"""The JAX peer: the same MLP with its whole Adam step jit-compiled by XLA (CPU).

Trained like scikit-learn's ``MLPClassifier(solver="adam")`` and the PyTorch peer:
mean softmax cross-entropy, Adam in scikit-learn's form (``lr_t = lr sqrt(1 -
beta_2^t) / (1 - beta_1^t)``, epsilon outside the root), a fresh permutation every
epoch, the last batch smaller, no L2 term (as the PyTorch peer). One compiled
function takes the parameters, the Adam moments, the whole training set and the
batch's indices: gathering, forward, backward and update are one XLA program, the
strongest CPU peer we know for fused element-wise work. Glorot-uniform weights,
drawn with NumPy so the seed means the same as elsewhere.
"""

import numpy as np
from _common import PeerMixin


def jax_available():
    try:
        import jax  # noqa: F401
    except ImportError:
        return False
    return True


def _make_step():
    import jax
    import jax.numpy as jnp

    def loss_fn(params, X, y):
        out = X
        for i, (W, b) in enumerate(params):
            out = out @ W + b
            if i < len(params) - 1:
                out = jax.nn.relu(out)
        log_prob = jax.nn.log_softmax(out, axis=1)
        return -jnp.mean(jnp.take_along_axis(log_prob, y[:, None], axis=1))

    def step(params, m, v, t, X_all, y_all, batch, lr, beta_1=0.9, beta_2=0.999,
             epsilon=1e-8):
        loss, grads = jax.value_and_grad(loss_fn)(params, X_all[batch], y_all[batch])
        t = t + 1
        lr_t = lr * jnp.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        m = jax.tree_util.tree_map(lambda m_, g: beta_1 * m_ + (1 - beta_1) * g, m,
                                   grads)
        v = jax.tree_util.tree_map(lambda v_, g: beta_2 * v_ + (1 - beta_2) * g * g,
                                   v, grads)
        params = jax.tree_util.tree_map(
            lambda p, m_, v_: p - lr_t * m_ / (jnp.sqrt(v_) + epsilon), params, m, v)
        return params, m, v, t, loss

    return jax.jit(step, donate_argnums=(0, 1, 2))


class JaxMLPClassifier(PeerMixin):
    """``fit(X, y, n_epochs)`` / ``partial_fit`` / ``predict`` like the other peers."""

    _fitted_attribute = "params_"

    def _build(self, X, classes):
        import jax
        import jax.numpy as jnp

        if X.dtype == np.float64:  # JAX computes in float32 unless told otherwise
            jax.config.update("jax_enable_x64", True)

        self.classes_ = np.unique(classes)
        rng = np.random.RandomState(self.random_state)
        sizes = [X.shape[1], *self.hidden_layer_sizes, len(self.classes_)]
        params = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
            bound = np.sqrt(6.0 / (fan_in + fan_out))
            params.append((jnp.asarray(rng.uniform(-bound, bound, (fan_in, fan_out)),
                                       dtype=X.dtype),
                           jnp.zeros(fan_out, dtype=X.dtype)))
        self.params_ = params
        zeros = [(jnp.zeros_like(W), jnp.zeros_like(b)) for W, b in params]
        self.m_, self.v_ = zeros, [(jnp.zeros_like(W), jnp.zeros_like(b))
                                   for W, b in params]
        self.t_ = jnp.asarray(0.0, dtype=X.dtype)
        self._rng = rng
        self._step = _make_step()
        self._data = None

    def _epochs(self, X, y, n_epochs):
        import jax.numpy as jnp

        if self._data is None or self._data[0] is not X:
            # Moved once; the compiled step gathers its batches on the device.
            self._data = (X, jnp.asarray(X),
                          jnp.asarray(np.searchsorted(self.classes_, y).astype(np.int32)))
        _, X_all, y_all = self._data
        n_samples = len(X)
        batch_size = min(self.batch_size, n_samples)
        lr = jnp.asarray(self.learning_rate_init, dtype=X.dtype)
        params, m, v, t = self.params_, self.m_, self.v_, self.t_
        for _ in range(n_epochs):
            order = self._rng.permutation(n_samples).astype(np.int32)
            for start in range(0, n_samples, batch_size):
                batch = jnp.asarray(order[start:start + batch_size])
                params, m, v, t, _ = self._step(params, m, v, t, X_all, y_all,
                                                batch, lr)
        params[-1][1].block_until_ready()
        self.params_, self.m_, self.v_, self.t_ = params, m, v, t
        return self

    def predict(self, X):
        out = np.asarray(X)
        for i, (W, b) in enumerate(self.params_):
            out = out @ np.asarray(W) + np.asarray(b)
            if i < len(self.params_) - 1:
                out = np.maximum(out, 0)
        return self.classes_[out.argmax(axis=1)]



def jax_epoch(X, y, hidden_layer_sizes, batch_size):
    """``(model, epoch)`` after a warm-up epoch (which also compiles the step)."""
    if batch_size == "auto":
        batch_size = min(200, len(X))
    model = JaxMLPClassifier(hidden_layer_sizes, batch_size=batch_size)
    model.partial_fit(X, y)
    return model, lambda: model.partial_fit(X, y)
