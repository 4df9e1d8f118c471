"""The NumPy backprop core: a dense feed-forward network over one flat parameter buffer.

All weights and biases live in one contiguous 1-D array ``params``: first every
layer's weight matrix (row-major, shape (fan_in, fan_out)), then every layer's bias
vector, the layout of scikit-learn's ``_pack``. :meth:`Network.unpack` returns
reshaped *views* into it, and the gradient has the same layout, so a solver updates the
whole network with a few vector operations and L-BFGS / CG hand the buffer to
``scipy.optimize`` as it is.

This module knows nothing of scikit-learn; the estimators are thin layers over it.

Examples
--------
Build a 2-3-1 network from explicit weights and run forward and backward by hand:

>>> import numpy as np
>>> from skneural.network import Network
>>> net = Network([2, 3, 1], activation="tanh", loss="squared_error")
>>> coefs = [np.full((2, 3), 0.1), np.full((3, 1), -0.2)]
>>> intercepts = [np.zeros(3), np.zeros(1)]
>>> params = net.pack(coefs, intercepts)
>>> X, y = np.array([[1.0, 2.0]]), np.array([[0.5]])
>>> activations = net.forward(params, X)
>>> loss, grad = net.backward(params, activations, y)
>>> round(loss, 6), grad.shape
(0.261117, (13,))
>>> net.unpack(grad)[0][1].ravel().round(6)   # d loss / d second-layer weights
array([-0.203311, -0.203311, -0.203311])
"""

import numpy as np
import scipy.sparse as sp

from . import activations as _activations
from . import losses as _losses

__all__ = ["Network"]


class Network:
    """A dense feed-forward network: layer sizes, activations, a loss and a penalty.

    Parameters
    ----------
    layer_sizes : sequence of int
        Units per layer, input first and output last, e.g. ``[784, 256, 10]``.
    activation : str, Activation or list of them, default="relu"
        Activation of the hidden layers: one for all, or one per hidden layer.
    output_activation : str or Activation, default="identity"
        Activation applied to the last layer before the loss. The loss applies its own
        link on top (softmax for ``log_loss`` ...), so keep ``"identity"`` for the
        canonical pairs; e.g. ``"logistic"`` with ``"squared_error"`` gives the
        textbook sigmoid-output network.
    loss : str or Loss, default="squared_error"
    alpha : float, default=0.0
        Strength of the weight penalty (biases are not penalised). As in scikit-learn
        the penalty is divided by the sum of sample weights of the batch, like the
        data term's sum.
    l1_ratio : float, default=0.0
        Elastic-net mixing: penalty = alpha * (l1_ratio * |W|_1
        + 0.5 * (1 - l1_ratio) * ||W||^2). 0 is scikit-learn's L2.
    dtype : dtype, default=np.float64

    Attributes
    ----------
    n_params : int
        Length of the flat parameter buffer.
    n_coefs : int
        Number of weights (they come first in the buffer; biases follow).
    """

    def __init__(
        self,
        layer_sizes,
        activation="relu",
        *,
        output_activation="identity",
        loss="squared_error",
        alpha=0.0,
        l1_ratio=0.0,
        dtype=np.float64,
    ):
        self.layer_sizes = [int(n) for n in layer_sizes]
        if len(self.layer_sizes) < 2 or min(self.layer_sizes) < 1:
            raise ValueError(
                f"layer_sizes needs at least an input and an output layer of >= 1 "
                f"unit each, got {self.layer_sizes}."
            )
        n_hidden = len(self.layer_sizes) - 2
        if isinstance(activation, (list, tuple)):
            if len(activation) != n_hidden:
                raise ValueError(
                    f"Got {len(activation)} activations for {n_hidden} hidden layers; "
                    "give one activation, or one per hidden layer."
                )
            self.activations = [_activations.get(a) for a in activation]
        else:
            self.activations = [_activations.get(activation)] * n_hidden
        self.output_activation = _activations.get(output_activation)
        self.loss = _losses.get(loss)
        self.alpha = float(alpha)
        self.l1_ratio = float(l1_ratio)
        self.dtype = np.dtype(dtype)

        shapes = list(zip(self.layer_sizes[:-1], self.layer_sizes[1:]))
        self.coef_shapes = shapes
        bounds, start = [], 0
        for fan_in, fan_out in shapes:
            bounds.append((start, start + fan_in * fan_out))
            start += fan_in * fan_out
        self.n_coefs = start
        for _, fan_out in shapes:
            bounds.append((start, start + fan_out))
            start += fan_out
        self.n_params = start
        self._bounds = bounds
        self._buffers = {}
        self._views = (None, None)

    @property
    def n_layers(self):
        """Number of layers of units, input and output included."""
        return len(self.layer_sizes)

    # -- parameters -------------------------------------------------------------------

    def unpack(self, params):
        """Return ``(coefs, intercepts)``: lists of views into the flat ``params``."""
        cached_params, views = self._views
        if cached_params is params:
            return views
        n_weight_layers = len(self.coef_shapes)
        coefs = [
            params[start:stop].reshape(shape)
            for (start, stop), shape in zip(self._bounds, self.coef_shapes)
        ]
        intercepts = [params[start:stop] for start, stop in self._bounds[n_weight_layers:]]
        self._views = (params, (coefs, intercepts))
        return coefs, intercepts

    def pack(self, coefs, intercepts, out=None):
        """Copy per-layer arrays into a flat buffer (a new one unless ``out`` is given)."""
        if out is None:
            out = np.empty(self.n_params, dtype=self.dtype)
        out_coefs, out_intercepts = self.unpack(out)
        if len(coefs) != len(out_coefs) or len(intercepts) != len(out_intercepts):
            raise ValueError(
                f"Expected {len(out_coefs)} weight matrices and bias vectors for layer "
                f"sizes {self.layer_sizes}, got {len(coefs)} and {len(intercepts)}."
            )
        for target, source in zip(out_coefs + out_intercepts, list(coefs) + list(intercepts)):
            source = np.asarray(source)
            if source.shape != target.shape:
                raise ValueError(
                    f"A parameter array has shape {source.shape}, expected "
                    f"{target.shape} for layer sizes {self.layer_sizes}."
                )
            target[...] = source
        return out

    def init_params(self, random_state, initializer="auto", activation_name=None):
        """Draw a flat buffer of initial parameters, layer by layer.

        ``initializer`` is a name in :mod:`skneural.initializers` or a callable; the
        draws happen in scikit-learn's order (weights then bias, layer by layer), so
        ``"auto"`` with the same seed reproduces scikit-learn's initial weights.
        """
        from . import initializers as _initializers

        init = _initializers.get(initializer)
        coefs, intercepts = [], []
        for fan_in, fan_out in self.coef_shapes:
            coef, intercept = init(fan_in, fan_out, random_state, self.dtype,
                                   activation_name)
            coefs.append(coef)
            intercepts.append(intercept)
        return self.pack(coefs, intercepts)

    # -- forward and backward ------------------------------------------------------

    def _layer_buffers(self, n_samples):
        """Per-batch-size activation and delta buffers, allocated once and reused."""
        buffers = self._buffers.get(n_samples)
        if buffers is None:
            if len(self._buffers) > 4:  # e.g. partial_fit on ever-changing sizes
                self._buffers.clear()
            outputs = [np.empty((n_samples, n), dtype=self.dtype)
                       for n in self.layer_sizes[1:]]
            deltas = [np.empty((n_samples, n), dtype=self.dtype)
                      for n in self.layer_sizes[1:]]
            buffers = self._buffers[n_samples] = (outputs, deltas)
        return buffers

    def forward(self, params, X, training=False):
        """Forward pass that keeps what backpropagation needs.

        Parameters
        ----------
        params : ndarray of shape (n_params,)
        X : {ndarray, sparse matrix} of shape (n_samples, layer_sizes[0])
        training : bool, default=False
            Training-time behaviour (reserved for stochastic layers such as dropout).

        Returns
        -------
        activations : list of arrays
            ``[X, h_1, ..., h_L, out]``: the input, each hidden layer's output and the
            output layer after ``output_activation`` (before the loss's link). The
            arrays are reusable buffers: the next call with the same batch size
            overwrites them. When an activation needs its input, its pre-activations
            are kept in ``self.preactivations_``.
        """
        coefs, intercepts = self.unpack(params)
        outputs, _ = self._layer_buffers(X.shape[0])
        layer_activations = self.activations + [self.output_activation]
        self.preactivations_ = [None] * len(outputs)
        activations = [X]
        inputs = X
        for i, (coef, intercept, out) in enumerate(zip(coefs, intercepts, outputs)):
            if sp.issparse(inputs):
                out[...] = inputs @ coef
            else:
                np.dot(inputs, coef, out=out)
            out += intercept
            activation = layer_activations[i]
            if activation.needs_input:
                self.preactivations_[i] = out.copy()
            activation.function(out)
            activations.append(out)
            inputs = out
        return activations

    def backward(self, params, activations, y, sample_weight=None, grad=None):
        """Backpropagate the loss of ``activations`` (from :meth:`forward`) against ``y``.

        Returns
        -------
        loss : float
            Sample-weighted mean loss plus the weight penalty divided by the weight sum.
        grad : ndarray of shape (n_params,)
            Gradient of ``loss`` in the layout of ``params`` (written into ``grad``
            when given).
        """
        coefs, _ = self.unpack(params)
        n_samples = activations[0].shape[0]
        _, deltas = self._layer_buffers(n_samples)
        if grad is None:
            grad = np.empty(self.n_params, dtype=self.dtype)
        grad_coefs, grad_intercepts = self._grad_views(grad)
        layer_activations = self.activations + [self.output_activation]

        delta = deltas[-1]
        per_sample = self.loss.loss_gradient(y, activations[-1], delta)
        self._apply_derivative(layer_activations[-1], activations[-1], delta, -1)
        if sample_weight is None:
            weight_sum = n_samples
            loss = float(per_sample.mean())
        else:
            weight_sum = float(sample_weight.sum())
            loss = float(np.dot(sample_weight, per_sample) / weight_sum)
            delta *= sample_weight[:, None]

        for i in range(len(coefs) - 1, -1, -1):
            inputs = activations[i]
            if sp.issparse(inputs):
                grad_coefs[i][...] = inputs.T @ delta
            else:
                np.dot(inputs.T, delta, out=grad_coefs[i])
            np.sum(delta, axis=0, out=grad_intercepts[i])
            if i > 0:
                next_delta = deltas[i - 1]
                np.dot(delta, coefs[i].T, out=next_delta)
                self._apply_derivative(layer_activations[i - 1], inputs, next_delta,
                                       i - 1)
                delta = next_delta

        loss += self._add_penalty(params, grad) / weight_sum
        grad /= weight_sum
        return loss, grad

    def loss_gradient(self, params, X, y, sample_weight=None, grad=None):
        """Forward and backward in one call: ``(loss, grad)`` at ``params``."""
        activations = self.forward(params, X, training=True)
        return self.backward(params, activations, y, sample_weight, grad)

    def _apply_derivative(self, activation, output, delta, layer):
        if activation.needs_input:
            activation.derivative(output, delta, self.preactivations_[layer])
        elif activation.name != "identity":
            activation.derivative(output, delta)

    def _grad_views(self, grad):
        n_weight_layers = len(self.coef_shapes)
        coefs = [grad[start:stop].reshape(shape)
                 for (start, stop), shape in zip(self._bounds, self.coef_shapes)]
        intercepts = [grad[start:stop] for start, stop in self._bounds[n_weight_layers:]]
        return coefs, intercepts

    def _add_penalty(self, params, grad):
        """Add the weight penalty's gradient to ``grad``; return its value (unscaled)."""
        if self.alpha == 0.0:
            return 0.0
        weights = params[: self.n_coefs]
        grad_weights = grad[: self.n_coefs]
        value = 0.0
        l2 = self.alpha * (1.0 - self.l1_ratio)
        if l2:
            value += 0.5 * l2 * float(np.dot(weights, weights))
            grad_weights += l2 * weights
        l1 = self.alpha * self.l1_ratio
        if l1:
            value += l1 * float(np.abs(weights).sum())
            grad_weights += l1 * np.sign(weights)
        return value

    # -- prediction -------------------------------------------------------------------

    def predict_raw(self, coefs, intercepts, X):
        """Output of the last layer (after ``output_activation``, before the link).

        Takes per-layer lists rather than the flat buffer, so it also works on
        ``coefs_`` / ``intercepts_`` that a user assigned.
        """
        layer_activations = self.activations + [self.output_activation]
        out = X
        for coef, intercept, activation in zip(coefs, intercepts, layer_activations):
            out = out @ coef
            if sp.issparse(out):
                out = out.toarray()
            out += intercept
            activation.function(out)
        return out

    def predict(self, coefs, intercepts, X):
        """Predictions: :meth:`predict_raw` followed by the loss's link."""
        out = self.predict_raw(coefs, intercepts, X)
        return _activations.get(self.loss.link).function(out)
