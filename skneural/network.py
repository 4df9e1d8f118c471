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
>>> tape = net.forward(params, X)
>>> loss, grad = net.backward(params, tape, y)
>>> round(loss, 6), grad.shape
(0.227669, (13,))
>>> # d loss / d second-layer weights = (out - y) * tanh(0.3), by hand
>>> net.unpack(grad)[0][1].ravel().round(6)
array([-0.196574, -0.196574, -0.196574])
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from . import _jit
from . import activations as _activations
from . import losses as _losses
from ._array_api import array_namespace, from_host

__all__ = ["Network", "Tape", "Workspace"]


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
        Elastic-net mixing: ``penalty = alpha * (l1_ratio * |W|_1
        + 0.5 * (1 - l1_ratio) * ||W||^2)``. 0 is scikit-learn's L2.
    dtype : dtype, default=np.float64
    dropout : float or sequence of float, default=0.0
        Dropout rate in [0, 1) of the hidden layers: one for all, or one per hidden
        layer. Inverted dropout: with ``training=True`` each hidden unit's output is
        zeroed with this probability and the survivors are scaled by
        ``1 / (1 - rate)``, so nothing changes at prediction time.
    input_noise : float, default=0.0
        Standard deviation of the Gaussian noise added to the inputs with
        ``training=True`` (sparse inputs are densified batch by batch for it).
    max_norm : float or None, default=None
        Bound on the L2 norm of each unit's incoming weight vector (biases excluded),
        enforced by :meth:`constrain`, which the training loop calls after each update.
    random_state : RandomState, Generator, int or None, default=None
        Source of the dropout masks and the input noise. Nothing is drawn while
        ``dropout`` and ``input_noise`` are 0.

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
        dropout=0.0,
        input_noise=0.0,
        max_norm=None,
        random_state=None,
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
        self.dropout = _dropout_rates(dropout, n_hidden)
        self.input_noise = float(input_noise)
        if not (np.isfinite(self.input_noise) and self.input_noise >= 0):
            raise ValueError(
                f"input_noise must be a finite number >= 0, got {input_noise!r}."
            )
        if max_norm is not None:
            max_norm = float(max_norm)
            if not (np.isfinite(max_norm) and max_norm > 0):
                raise ValueError(
                    f"max_norm must be a finite number > 0 or None, got {max_norm!r}."
                )
        self.max_norm = max_norm
        self.random_state = random_state

        self.coef_shapes = list(zip(self.layer_sizes[:-1], self.layer_sizes[1:]))
        self._bounds, self.n_coefs, self.n_params = _layout(self.coef_shapes)
        self._views = (None, None)
        self._gradient_views = (None, None)
        self._layer_activations = self.activations + [self.output_activation]
        self._derivatives = [self._derivative_caller(a) for a in self._layer_activations]
        self._stochastic = self.input_noise > 0 or any(rate > 0 for rate in self.dropout)
        # Whether the gradient includes the L1 subgradient ``l1 * sign(W)``. The trainer
        # switches it off when it handles L1 itself (a proximal step, or L-BFGS-B on
        # split weights, see skneural.regularizers); the loss value always includes it.
        self.l1_subgradient = True

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
        if not isinstance(params, np.ndarray):
            self._views = (params, self._unpack_xp(params))
            return self._views[1]
        n_weight_layers = len(self.coef_shapes)
        coefs = [
            params[start:stop].reshape(shape)
            for (start, stop), shape in zip(self._bounds, self.coef_shapes)
        ]
        intercepts = [params[start:stop] for start, stop in self._bounds[n_weight_layers:]]
        self._views = (params, (coefs, intercepts))
        return coefs, intercepts

    def _unpack_xp(self, params):
        """:meth:`unpack` for any namespace: ``reshape`` of slices. They are views
        in torch, CuPy and array-api-strict, but the standard does not promise it,
        so the generic path never writes through them: it updates ``params`` as a
        whole and unpacks again (the cache is keyed on the buffer's identity)."""
        xp = array_namespace(params)
        n_weight_layers = len(self.coef_shapes)
        coefs = [xp.reshape(params[start:stop], shape)
                 for (start, stop), shape in zip(self._bounds, self.coef_shapes)]
        intercepts = [params[start:stop] for start, stop in self._bounds[n_weight_layers:]]
        return coefs, intercepts

    def pack(self, coefs, intercepts, out=None):
        """Copy per-layer arrays into a flat buffer (a new one unless ``out`` is given)."""
        if out is None and not all(isinstance(a, np.ndarray)
                                   for a in list(coefs) + list(intercepts)):
            return self._pack_xp(coefs, intercepts)
        if out is None:
            out = np.empty(self.n_params, dtype=self.dtype)
        out_coefs, out_intercepts = self.unpack(out)
        if len(coefs) != len(out_coefs) or len(intercepts) != len(out_intercepts):
            raise ValueError(
                f"Expected {len(out_coefs)} weight matrices and bias vectors for layer "
                f"sizes {self.layer_sizes}, got {len(coefs)} and {len(intercepts)}."
            )
        sources = list(coefs) + list(intercepts)
        for target, source in zip(out_coefs + out_intercepts, sources):
            source = np.asarray(source)
            if source.shape != target.shape:
                raise ValueError(
                    f"A parameter array has shape {source.shape}, expected "
                    f"{target.shape} for layer sizes {self.layer_sizes}."
                )
            target[...] = source
        return out

    def _pack_xp(self, coefs, intercepts):
        """:meth:`pack` of arrays of another namespace: a new flat array there."""
        xp = array_namespace(*coefs, *intercepts)
        shapes = self.coef_shapes + [(n,) for _, n in self.coef_shapes]
        arrays = list(coefs) + list(intercepts)
        if len(coefs) != len(self.coef_shapes) or len(arrays) != len(shapes):
            raise ValueError(
                f"Expected {len(self.coef_shapes)} weight matrices and bias vectors "
                f"for layer sizes {self.layer_sizes}, got {len(coefs)} and "
                f"{len(intercepts)}."
            )
        for array, shape in zip(arrays, shapes):
            if tuple(array.shape) != tuple(shape):
                raise ValueError(
                    f"A parameter array has shape {tuple(array.shape)}, expected "
                    f"{shape} for layer sizes {self.layer_sizes}."
                )
        return xp.concat([xp.reshape(a, (-1,)) for a in arrays])

    def init_params(self, random_state, initializer="auto", activation_name=None):
        """Draw a flat buffer of initial parameters, layer by layer.

        ``initializer`` is a name in :mod:`skneural.initializers` or a callable; the
        draws happen in scikit-learn's order (weights then bias, layer by layer), so
        ``"auto"`` with the same seed reproduces scikit-learn's initial weights.
        ``activation_name`` is one name, or one per weight layer.
        """
        from . import initializers as _initializers

        init = _initializers.get(initializer)
        names = activation_name
        if not isinstance(names, (list, tuple)):
            names = [names] * len(self.coef_shapes)
        elif len(names) != len(self.coef_shapes):
            raise ValueError(
                f"Got {len(names)} activation names for {len(self.coef_shapes)} "
                "weight layers."
            )
        coefs, intercepts = [], []
        for (fan_in, fan_out), name in zip(self.coef_shapes, names, strict=True):
            coef, intercept = init(fan_in, fan_out, random_state, self.dtype, name)
            coefs.append(coef)
            intercepts.append(intercept)
        return self.pack(coefs, intercepts)

    # -- forward and backward ------------------------------------------------------

    def workspace(self):
        """A :class:`Workspace`: buffers that :meth:`forward` and :meth:`backward` reuse
        when given it (the trainer's hot path), instead of allocating per call."""
        return Workspace(self)

    def forward(self, params, X, training=False, *, rng=None, workspace=None):
        """Forward pass that keeps what backpropagation needs.

        Parameters
        ----------
        params : ndarray of shape (n_params,)
        X : {ndarray, sparse matrix} of shape (n_samples, layer_sizes[0])
        training : bool, default=False
            Apply ``input_noise`` and ``dropout``, drawn from ``rng`` (default: the
            network's ``random_state``).
        rng : numpy.random.RandomState, default=None
        workspace : Workspace, default=None
            Write into the workspace's buffers instead of new arrays: the returned
            tape is then valid only until the workspace is used again.

        Returns
        -------
        tape : Tape
            ``tape.activations`` is ``[X, h_1, ..., h_L, out]`` (with dropout, ``h_i``
            is the thinned output that fed the next layer and ``tape.outputs[i - 1]``
            the full one), plus the pre-activations and dropout masks that the
            derivatives need. Without a workspace, every array is new: the tape
            stays valid however often ``forward`` is called again.
        """
        if not isinstance(params, np.ndarray):
            return self._forward_xp(params, X, training, rng)
        coefs, intercepts = self.unpack(params)
        buffers = None if workspace is None else workspace.buffers(X.shape[0])
        stochastic = training and self._stochastic
        if stochastic and self.input_noise > 0:
            X = self._noisy(X, rng)
        tape = Tape(activations=[X], outputs=[], preactivations=[], masks=[])
        inputs = X
        for i, (coef, intercept, activation) in enumerate(
                zip(coefs, intercepts, self._layer_activations)):
            out = _product(inputs, coef, None if buffers is None else buffers[0][i])
            if activation.function is _activations.relu_function \
                    and _jit.usable(out, intercept):
                _jit.bias_relu(out, intercept)  # one fused pass
                tape.preactivations.append(None)
            else:
                out += intercept
                tape.preactivations.append(out.copy() if activation.needs_input
                                           else None)
                activation.function(out)
            tape.outputs.append(out)
            mask = None
            if stochastic and i < len(self.dropout) and self.dropout[i] > 0:
                mask = self._dropout_mask(out.shape, self.dropout[i], rng)
                # A thinned copy feeds the next layer; ``outputs`` keeps the full
                # output, which the derivative needs.
                out = out * mask
            tape.masks.append(mask)
            tape.activations.append(out)
            inputs = out
        return tape

    def backward(self, params, tape, y, sample_weight=None, grad=None, *,
                 workspace=None):
        """Backpropagate the loss of a :meth:`forward` tape against ``y``.

        Also stores the per-layer error signals in ``tape.deltas``: ``deltas[i]`` is
        the derivative of the summed (sample-weighted) loss with respect to the
        pre-activations of weight layer ``i`` (the course's "delta" of each unit).

        A batch whose sample weights are all 0 has loss 0 and a zero gradient.

        Returns
        -------
        loss : float
            Sample-weighted mean loss plus the weight penalty divided by the weight sum.
        grad : ndarray of shape (n_params,)
            Gradient of ``loss`` in the layout of ``params`` (written into ``grad``
            when given).
        """
        if not isinstance(params, np.ndarray):
            return self._backward_xp(params, tape, y, sample_weight)
        coefs, _ = self.unpack(params)
        activations = tape.activations
        n_samples = activations[0].shape[0]
        if workspace is None:
            deltas = [np.empty_like(out) for out in tape.outputs]
            ones = np.ones(n_samples, dtype=self.dtype)
        else:
            _, deltas, ones = workspace.buffers(n_samples)
        if grad is None:
            grad = np.empty(self.n_params, dtype=self.dtype)
        grad_coefs, grad_intercepts = self._grad_views(grad)
        derivatives = self._derivatives

        delta = deltas[-1]
        per_sample = self.loss.loss_gradient(y, activations[-1], delta)
        if derivatives[-1] is not None:
            derivatives[-1](activations[-1], delta, tape.preactivations[-1])
        weight_sum, loss = _weighted_mean(per_sample, sample_weight)
        if weight_sum == 0:
            # Every sample weighs 0: the batch says nothing, not even the penalty.
            grad[...] = 0.0
            tape.deltas = None
            return 0.0, grad
        if sample_weight is not None:
            delta *= sample_weight[:, None]

        for i in range(len(coefs) - 1, -1, -1):
            inputs = activations[i]
            if type(inputs) is not np.ndarray and sp.issparse(inputs):
                grad_coefs[i][...] = inputs.T @ delta
            else:
                np.matmul(inputs.T, delta, out=grad_coefs[i])
            np.dot(ones, delta, out=grad_intercepts[i])
            if i > 0:
                next_delta = deltas[i - 1]
                np.matmul(delta, coefs[i].T, out=next_delta)
                if tape.masks[i - 1] is not None:
                    next_delta *= tape.masks[i - 1]
                if derivatives[i - 1] is not None:
                    derivatives[i - 1](tape.outputs[i - 1], next_delta,
                                       tape.preactivations[i - 1])
                delta = next_delta
        tape.deltas = deltas

        loss += self._add_penalty(params, grad, weight_sum) / weight_sum
        return loss, grad

    def loss_gradient(self, params, X, y, sample_weight=None, grad=None, *, rng=None,
                      workspace=None):
        """Forward (in training mode) and backward in one call: ``(loss, grad)``."""
        tape = self.forward(params, X, training=True, rng=rng, workspace=workspace)
        return self.backward(params, tape, y, sample_weight, grad, workspace=workspace)

    # -- the generic path (any Array API namespace) --------------------------------------

    def _forward_xp(self, params, X, training, rng):
        """:meth:`forward` for arrays of any namespace: new arrays, no ``out=``.

        Dropout masks and input noise are drawn on the host from the same NumPy
        generator, in the same order, as on the NumPy path, then moved to the
        device: a seed gives the same masks in every namespace.
        """
        xp = array_namespace(params)
        device = params.device
        coefs, intercepts = self.unpack(params)
        stochastic = training and self._stochastic
        if stochastic and self.input_noise > 0:
            noise = self.input_noise * self._rng(rng).standard_normal(X.shape)
            X = X + from_host(noise, xp, device, self.dtype)
        tape = Tape(activations=[X], outputs=[], preactivations=[], masks=[])
        inputs = X
        for i, (coef, intercept, activation) in enumerate(
                zip(coefs, intercepts, self._layer_activations)):
            preactivation = inputs @ coef + intercept
            out = _xp_form(activation, "xp_function")(preactivation, xp)
            tape.preactivations.append(preactivation if activation.needs_input
                                       else None)
            tape.outputs.append(out)
            mask = None
            if stochastic and i < len(self.dropout) and self.dropout[i] > 0:
                mask = from_host(self._dropout_mask(tuple(out.shape), self.dropout[i],
                                                    rng), xp, device)
                out = out * mask
            tape.masks.append(mask)
            tape.activations.append(out)
            inputs = out
        return tape

    def _backward_xp(self, params, tape, y, sample_weight):
        """:meth:`backward` for arrays of any namespace. The loss is returned as a
        0-d array of the namespace: reading it as a float would wait for the
        device at every step (the trainer reads the epoch's sum once)."""
        xp = array_namespace(params)
        coefs, _ = self.unpack(params)
        activations, outputs = tape.activations, tape.outputs
        per_sample, delta = _xp_form(self.loss, "xp_loss_gradient")(
            y, activations[-1], xp)
        delta = _xp_form(self.output_activation, "xp_derivative")(
            outputs[-1], delta, tape.preactivations[-1], xp)
        if sample_weight is None:
            weight_sum = per_sample.shape[0]
            loss = xp.sum(per_sample) / weight_sum
        else:
            weight_sum = xp.sum(sample_weight)
            loss = xp.sum(sample_weight * per_sample) / weight_sum
            delta = delta * sample_weight[:, None]
        n_layers = len(coefs)
        grad_coefs, grad_intercepts = [None] * n_layers, [None] * n_layers
        deltas = [None] * n_layers
        for i in range(n_layers - 1, -1, -1):
            deltas[i] = delta
            grad_coefs[i] = xp.reshape(activations[i].T @ delta, (-1,))
            grad_intercepts[i] = xp.sum(delta, axis=0)
            if i > 0:
                delta = delta @ coefs[i].T
                if tape.masks[i - 1] is not None:
                    delta = delta * tape.masks[i - 1]
                delta = _xp_form(self._layer_activations[i - 1], "xp_derivative")(
                    outputs[i - 1], delta, tape.preactivations[i - 1], xp)
        tape.deltas = deltas
        grad = xp.concat(grad_coefs + grad_intercepts)
        if self.alpha != 0.0:
            value, penalty_grad = self._penalty_xp(params, xp)
            loss = loss + value / weight_sum
            grad = xp.concat([grad[: self.n_coefs] + penalty_grad,
                              grad[self.n_coefs:]])
        return loss, grad / weight_sum

    def _penalty_xp(self, params, xp):
        """``(value, gradient of the weights)`` of the penalty, any namespace."""
        weights = params[: self.n_coefs]
        l2 = self.alpha * (1.0 - self.l1_ratio)
        l1 = self.alpha * self.l1_ratio
        value = 0.5 * l2 * xp.sum(weights * weights)
        gradient = l2 * weights
        if l1:
            value = value + l1 * xp.sum(xp.abs(weights))
            if self.l1_subgradient:  # else the trainer handles L1 (regularizers)
                gradient = gradient + l1 * xp.sign(weights)
        return value, gradient

    def _constrain_xp(self, params):
        """:meth:`constrain` for any namespace: ``params`` is rewritten as a whole.
        Returns the column norms before the projection (for the chain rule)."""
        xp = array_namespace(params)
        coefs, intercepts = self.unpack(params)
        norms = [xp.sqrt(xp.sum(coef * coef, axis=0)) for coef in coefs]
        scales = [xp.where(norm > self.max_norm, self.max_norm / norm,
                           xp.ones_like(norm)) for norm in norms]
        params[...] = xp.concat([xp.reshape(coef * scale, (-1,))
                                 for coef, scale in zip(coefs, scales)] + intercepts)
        return norms

    def _constrained_loss_gradient_xp(self, params, X, y, sample_weight, rng):
        xp = array_namespace(params)
        norms = self._constrain_xp(params)
        loss, grad = self.loss_gradient(params, X, y, sample_weight, rng=rng)
        coefs, _ = self.unpack(params)
        grad_coefs, grad_intercepts = self._unpack_xp(grad)
        pulled = []
        for coef, grad_coef, norm in zip(coefs, grad_coefs, norms, strict=True):
            unit = coef / self.max_norm
            projected = (grad_coef - unit * xp.sum(unit * grad_coef, axis=0)) * (
                self.max_norm / norm)
            pulled.append(xp.reshape(xp.where(norm > self.max_norm, projected,
                                              grad_coef), (-1,)))
        return loss, xp.concat(pulled + grad_intercepts)

    def _predict_raw_xp(self, coefs, intercepts, X):
        xp = array_namespace(X, *coefs)
        out = X
        for coef, intercept, activation in zip(coefs, intercepts,
                                               self._layer_activations):
            out = _xp_form(activation, "xp_function")(out @ coef + intercept, xp)
        return out

    @staticmethod
    def _derivative_caller(activation):
        """A callable ``(output, delta, preactivation)``, or None for the identity."""
        if activation.derivative is _activations.relu_derivative:
            return _relu_derivative
        if activation.needs_input:
            return activation.derivative
        if activation.name == "identity":
            return None
        return lambda output, delta, preactivation: activation.derivative(output, delta)

    def _grad_views(self, grad):
        cached_grad, views = self._gradient_views
        if cached_grad is grad:
            return views
        n_weight_layers = len(self.coef_shapes)
        coefs = [grad[start:stop].reshape(shape)
                 for (start, stop), shape in zip(self._bounds, self.coef_shapes)]
        intercepts = [grad[start:stop] for start, stop in self._bounds[n_weight_layers:]]
        self._gradient_views = (grad, (coefs, intercepts))
        return coefs, intercepts

    def penalty_value(self, params):
        """The weight penalty at ``params`` (not divided by the sample-weight sum)."""
        if self.alpha == 0.0:
            return 0.0
        if not isinstance(params, np.ndarray):
            return float(self._penalty_xp(params, array_namespace(params))[0])
        weights = params[: self.n_coefs]
        l2 = self.alpha * (1.0 - self.l1_ratio)
        l1 = self.alpha * self.l1_ratio
        value = 0.5 * l2 * float(np.dot(weights, weights)) if l2 else 0.0
        if l1:
            value += l1 * float(np.abs(weights).sum())
        return value

    def _add_penalty(self, params, grad, weight_sum=1.0):
        """Add the weight penalty's gradient to ``grad``, then divide ``grad`` by
        ``weight_sum``; return the penalty's value (not divided).

        As scikit-learn: ``(g + l2 * w) / s``, in one fused pass over the weights
        when the kernels are on. Every matrix product here and in :meth:`backward`
        goes through NumPy's BLAS: SciPy ships a second BLAS library, and
        alternating between the two leaves two pools of spinning threads competing
        for the cores.
        """
        if self.alpha == 0.0:
            grad /= weight_sum
            return 0.0
        weights = params[: self.n_coefs]
        grad_weights = grad[: self.n_coefs]
        l2 = self.alpha * (1.0 - self.l1_ratio)
        l1 = self.alpha * self.l1_ratio
        if l1 and self.l1_subgradient:
            grad_weights += l1 * np.sign(weights)
        if l2 and _jit.usable(grad, params):  # one fused pass
            _jit.penalize_divide(grad, params, self.n_coefs, l2, weight_sum)
            return self.penalty_value(params)
        if l2 > 1e-100:
            # g + l2 * w as l2 * (g / l2 + w): in place, no weight-sized temporary.
            grad_weights /= l2
            grad_weights += weights
            grad_weights *= l2
        elif l2:
            grad_weights += l2 * weights
        grad /= weight_sum
        return self.penalty_value(params)

    def constrain(self, params):
        """Enforce ``max_norm`` on ``params`` in place (a no-op when it is None).

        Each unit's incoming weight vector (a column of a weight matrix; biases are
        excluded) whose L2 norm exceeds ``max_norm`` is rescaled to that norm: the
        max-norm constraint of Srivastava et al. (2014, section 5.1), applied to the
        hidden and the output units alike.
        """
        if self.max_norm is None:
            return params
        if not isinstance(params, np.ndarray):
            self._constrain_xp(params)
            return params
        coefs, _ = self.unpack(params)
        for coef in coefs:
            norms = np.sqrt(np.einsum("ij,ij->j", coef, coef))
            too_long = norms > self.max_norm
            if too_long.any():
                coef[:, too_long] *= self.max_norm / norms[too_long]
        return params

    def constrained_loss_gradient(self, params, X, y, sample_weight=None, grad=None, *,
                                  rng=None):
        """``(loss, grad)`` of ``w -> loss(P(w))``, ``P`` the max-norm projection.

        For optimizers that cannot be constrained (scipy's line searches): they
        minimize this reparametrized objective, so every weight vector evaluated
        satisfies the bound, and ``P`` of the minimizer is a minimizer under the
        bound. ``params`` is projected in place; ``grad`` is the chain rule through
        ``P`` (for a rescaled column ``v``, with ``u = v / |v|``:
        ``max_norm / |v| * (g - u <u, g>)``). Without ``max_norm`` this is
        :meth:`loss_gradient`.
        """
        if self.max_norm is None:
            return self.loss_gradient(params, X, y, sample_weight, grad, rng=rng)
        if not isinstance(params, np.ndarray):
            return self._constrained_loss_gradient_xp(params, X, y, sample_weight, rng)
        coefs, _ = self.unpack(params)
        norms = [np.sqrt(np.einsum("ij,ij->j", coef, coef)) for coef in coefs]
        self.constrain(params)
        loss, grad = self.loss_gradient(params, X, y, sample_weight, grad, rng=rng)
        grad_coefs, _ = self._grad_views(grad)
        for coef, grad_coef, norm in zip(coefs, grad_coefs, norms, strict=True):
            too_long = norm > self.max_norm
            if too_long.any():
                unit = coef[:, too_long] / self.max_norm
                pulled_back = grad_coef[:, too_long]
                pulled_back -= unit * np.einsum("ij,ij->j", unit, pulled_back)
                pulled_back *= self.max_norm / norm[too_long]
                grad_coef[:, too_long] = pulled_back
        return loss, grad

    def _rng(self, rng=None):
        if rng is not None:
            return rng
        if self.random_state is None or isinstance(self.random_state,
                                                   (int, np.integer)):
            self.random_state = np.random.RandomState(self.random_state)
        return self.random_state

    def _noisy(self, X, rng=None):
        noisy = X.toarray() if sp.issparse(X) else np.array(X, dtype=self.dtype)
        noisy += self.input_noise * self._rng(rng).standard_normal(X.shape)
        return noisy

    def _dropout_mask(self, shape, rate, rng=None):
        mask = (self._rng(rng).random(shape) >= rate).astype(self.dtype)
        mask *= 1.0 / (1.0 - rate)
        return mask

    # -- prediction -------------------------------------------------------------------

    def predict_raw(self, coefs, intercepts, X):
        """Output of the last layer (after ``output_activation``, before the link).

        Takes per-layer lists rather than the flat buffer, so it also works on
        ``coefs_`` / ``intercepts_`` that a user assigned.
        """
        if not (isinstance(coefs[0], np.ndarray) and (isinstance(X, np.ndarray)
                                                       or sp.issparse(X))):
            return self._predict_raw_xp(coefs, intercepts, X)
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
        if not isinstance(out, np.ndarray):
            link = _activations.get(self.loss.link)
            return _xp_form(link, "xp_function")(out, array_namespace(out))
        return self.loss.apply_link(out)


def _xp_form(record, attribute):
    """The generic (any-namespace) form of an activation or loss record."""
    form = getattr(record, attribute)
    if form is None:
        kind = "activation" if attribute != "xp_loss_gradient" else "loss"
        raise TypeError(
            f"The {kind} {record.name!r} has no {attribute}, the form that works on "
            "arrays of any Array API namespace; give the record one to train on "
            "non-NumPy arrays, or pass NumPy arrays."
        )
    return form


def _dropout_rates(dropout, n_hidden):
    """One dropout rate per hidden layer, each in [0, 1)."""
    if isinstance(dropout, (list, tuple, np.ndarray)):
        rates = [float(rate) for rate in dropout]
        if len(rates) != n_hidden:
            raise ValueError(
                f"Got {len(rates)} dropout rates for {n_hidden} hidden layers; give "
                "one rate, or one per hidden layer."
            )
    else:
        rates = [float(dropout)] * n_hidden
    if not all(0.0 <= rate < 1.0 for rate in rates):
        raise ValueError(f"Dropout rates must be in [0, 1), got {dropout!r}.")
    return rates


@dataclass
class Tape:
    """What one forward pass keeps for backpropagation (see :meth:`Network.forward`).

    Attributes
    ----------
    activations : list of arrays
        ``[X, h_1, ..., h_L, out]``: the input, what each hidden layer fed forward
        (after dropout) and the output layer's output (before the loss's link).
    outputs : list of arrays
        Each layer's output before dropout (``activations[1:]`` without dropout).
    preactivations : list of arrays or None
        Each layer's input to its activation, kept where the derivative needs it.
    masks : list of arrays or None
        Each layer's scaled dropout mask, or None.
    deltas : list of arrays or None
        Filled by :meth:`Network.backward`: each layer's error signal.
    """

    activations: list
    outputs: list
    preactivations: list
    masks: list
    deltas: list = None


class Workspace:
    """Reusable forward/backward buffers of one network, per batch size (opt-in)."""

    def __init__(self, network):
        self.network = network
        self._by_size = {}

    def buffers(self, n_samples):
        """``(outputs, deltas, ones)`` for ``n_samples`` rows, allocated once."""
        buffers = self._by_size.get(n_samples)
        if buffers is None:
            if len(self._by_size) > 4:  # e.g. partial_fit on ever-changing sizes
                self._by_size.clear()
            sizes, dtype = self.network.layer_sizes[1:], self.network.dtype
            buffers = self._by_size[n_samples] = (
                [np.empty((n_samples, n), dtype=dtype) for n in sizes],
                [np.empty((n_samples, n), dtype=dtype) for n in sizes],
                # Bias gradients as ones @ delta: a BLAS gemv beats a column sum.
                np.ones(n_samples, dtype=dtype),
            )
        return buffers


def _relu_derivative(output, delta, preactivation=None):
    if _jit.usable(delta, output):
        _jit.relu_backward(delta, output)  # one fused pass
    else:
        _activations.relu_derivative(output, delta)


def _layout(shapes):
    """``(bounds, n_coefs, n_params)`` of the flat buffer: every weight matrix, then
    every bias vector, as ``(start, stop)`` slices."""
    sizes = [fan_in * fan_out for fan_in, fan_out in shapes]
    sizes += [fan_out for _, fan_out in shapes]
    stops = np.cumsum(sizes).tolist()
    bounds = list(zip([0] + stops[:-1], stops))
    return bounds, sum(sizes[:len(shapes)]), stops[-1]


def _product(inputs, coef, out=None):
    """``inputs @ coef``, into ``out`` when given.

    Products into ``out`` use ``np.matmul`` (as scikit-learn's ``@``), not ``np.dot``:
    the same BLAS result to the bit, and 4-12% less time per call at W1's shapes.
    """
    if type(inputs) is not np.ndarray and sp.issparse(inputs):
        product = inputs @ coef
        if out is None:
            return np.asarray(product)
        out[...] = product
    elif out is None:
        return inputs @ coef
    else:
        np.matmul(inputs, coef, out=out)
    return out


def _weighted_mean(per_sample, sample_weight):
    """``(weight sum, weighted mean)`` of per-sample losses."""
    if sample_weight is None:
        n_samples = per_sample.shape[0]
        return n_samples, float(np.add.reduce(per_sample)) / n_samples
    weight_sum = float(sample_weight.sum())
    if weight_sum == 0:
        return 0.0, 0.0
    return weight_sum, float(np.dot(sample_weight, per_sample)) / weight_sum
