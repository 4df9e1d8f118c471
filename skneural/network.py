"""The backprop core: a dense feed-forward network over one flat parameter buffer.

All weights and biases live in one contiguous 1-D array ``params``: first every
layer's weight matrix (row-major, shape (fan_in, fan_out)), then every layer's bias
vector, the layout of scikit-learn's ``_pack``. :meth:`Network.unpack` returns
reshaped *views* into it, and the gradient has the same layout, so a solver updates the
whole network with a few vector operations and L-BFGS / CG hand the buffer to
``scipy.optimize`` as it is.

The forward and backward pass are written once, for every Array API namespace
(``skneural._backend``): on NumPy the products write into the preallocated buffers
of a :class:`Workspace`; elsewhere each returns a new array. This module knows
nothing of scikit-learn; the estimators are thin layers over it.

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
>>> round(float(loss), 6), grad.shape
(0.227669, (13,))
>>> # d loss / d second-layer weights = (out - y) * tanh(0.3), by hand
>>> net.unpack(grad)[0][1].ravel().round(6)
array([-0.196574, -0.196574, -0.196574])
"""

from dataclasses import dataclass

import numpy as np

from . import activations as _activations
from . import losses as _losses
from ._backend import HOST, Backend, fusable, namespace
from ._layout import Layout, Workspace
from .regularizers import (
    TrainingNoise,
    add_penalty_gradient,
    max_norm_project,
    max_norm_pull_back,
    penalty_value,
)

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
        Source of the training noise (below). Nothing is drawn while it is all off.
    input_dropout : float, default=0.0
        Inverted dropout of the inputs with ``training=True``: each input is zeroed
        with this probability, the others scaled by ``1 / (1 - rate)``.
    weight_noise : float, default=0.0
        Standard deviation of the Gaussian noise added to every weight matrix (not
        the biases) for each ``training=True`` forward pass; the backward pass uses
        the same noisy weights, and the gradient is the loss's at them (Graves
        2011, the fixed-sigma form).
    stochastic_units : bool, default=False
        With ``training=True`` every hidden unit (all must be ``logistic``) feeds
        forward a binary sample, 1 with probability its output ``p``; backprop uses
        the ordinary derivative ``p (1 - p)`` (Hinton's "noise in the activities").
    tied_weights : bool, default=False
        A mirrored network (``[784, 128, 32, 128, 784]``) whose second half's weight
        matrices are the first half's transposed: stored once in the buffer, their
        gradient the sum of both uses (:mod:`skneural._layout`).

    Notes
    -----
    A training forward pass draws, from ``rng`` and in this order: the input
    noise (a standard normal per input), the input dropout mask (a uniform per
    input), the weight noise (a standard normal per stored weight, layer by layer,
    row-major), then for each hidden layer the stochastic units' uniforms and its
    dropout mask's uniforms. Each is drawn only when its option is on.

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
        input_dropout=0.0,
        weight_noise=0.0,
        stochastic_units=False,
        tied_weights=False,
    ):
        self.layer_sizes = [int(n) for n in layer_sizes]
        if len(self.layer_sizes) < 2 or min(self.layer_sizes) < 1:
            raise ValueError(
                f"layer_sizes needs at least an input and an output layer of >= 1 "
                f"unit each, got {self.layer_sizes}."
            )
        n_hidden = len(self.layer_sizes) - 2
        self.activations = _hidden_activations(activation, n_hidden)
        self.output_activation = _activations.get(output_activation)
        self.loss = _losses.get(loss)
        self.alpha = float(alpha)
        self.l1_ratio = float(l1_ratio)
        self.dtype = np.dtype(dtype)
        self.dropout = _dropout_rates(dropout, n_hidden)
        self.input_noise = _checked(input_noise, "input_noise", ">= 0")
        self.max_norm = None if max_norm is None else _checked(max_norm, "max_norm",
                                                               "> 0")
        self.random_state = random_state
        self.input_dropout = float(input_dropout)
        if not 0.0 <= self.input_dropout < 1.0:
            raise ValueError(f"input_dropout must be in [0, 1), got {input_dropout!r}.")
        self.weight_noise = _checked(weight_noise, "weight_noise", ">= 0")
        self.stochastic_units = bool(stochastic_units)
        self.noise = TrainingNoise(self.input_noise, self.input_dropout, self.dropout,
                                   self.weight_noise, self.stochastic_units,
                                   self.activations)

        self.coef_shapes = list(zip(self.layer_sizes[:-1], self.layer_sizes[1:]))
        self.layout = Layout(self.coef_shapes, tied_weights)
        self.tied_weights = self.layout.tied_weights
        self._bounds, self.n_coefs = self.layout.bounds, self.layout.n_coefs
        self.n_params = self.layout.n_params
        self._views = self._gradient_views = (_UNSET, None)
        self._workspaces = {}
        self._layer_activations = self.activations + [self.output_activation]
        self._stochastic = self.noise.active

    def data_term_spec(self):
        """The arguments of a :class:`Network` that computes this one's data term:
        the same layers, activations, loss, dtype and weight tying, without the
        penalty and the training noise (what a Dask worker rebuilds)."""
        return {"layer_sizes": self.layer_sizes, "activation": self.activations,
                "output_activation": self.output_activation, "loss": self.loss,
                "dtype": self.dtype, "tied_weights": self.tied_weights}

    @property
    def n_layers(self):
        """Number of layers of units, input and output included."""
        return len(self.layer_sizes)

    # -- parameters -------------------------------------------------------------------

    def unpack(self, params):
        """Return ``(coefs, intercepts)``: lists of views into the flat ``params``.

        ``reshape`` of a slice is a view in NumPy, PyTorch, CuPy and array-api-strict,
        but the standard does not promise it: code written for every namespace
        never writes through these views (it assigns slices of ``params``).
        """
        cached_params, views = self._views
        if cached_params is not params:
            views = self._views_of(params)
            self._views = (params, views)
        return views

    def _views_of(self, flat):
        return self.layout.views(flat)

    def _grad_views(self, grad):
        cached_grad, views = self._gradient_views
        if cached_grad is not grad:
            views = self._views_of(grad)
            self._gradient_views = (grad, views)
        return views

    def pack(self, coefs, intercepts):
        """A new flat buffer (in the network's dtype, in the arrays' namespace) with
        the values of per-layer arrays."""
        arrays = [a if hasattr(a, "shape") else np.asarray(a)
                  for a in list(coefs) + list(intercepts)]
        shapes = self.coef_shapes + [(n,) for _, n in self.coef_shapes]
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
        backend = Backend.of(arrays[0])
        xp = backend.xp
        # Tied layers' matrices are their owners' transposes: not stored again.
        arrays = self.layout.stored(arrays[: len(coefs)]) + arrays[len(coefs):]
        return backend.staggered(xp.concat([xp.reshape(backend.cast(a, self.dtype),
                                                       (-1,)) for a in arrays]))

    def init_params(self, random_state, initializer="auto", activation_name=None):
        """Draw a flat buffer of initial parameters (NumPy), layer by layer.

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

    def workspace(self, backend=HOST):
        """The :class:`Workspace` of this network for arrays of ``backend``: the
        buffers :meth:`forward` and :meth:`backward` reuse when given it (the
        trainer's hot path), instead of allocating per call; one per backend, kept
        for the next call (small ``partial_fit`` calls reuse it)."""
        key = (id(backend.xp), str(backend.device))
        workspace = self._workspaces.get(key)
        if workspace is None:
            workspace = self._workspaces[key] = Workspace(self, backend)
        return workspace

    def forward(self, params, X, training=False, *, rng=None, workspace=None):
        """Forward pass that keeps what backpropagation needs.

        Parameters
        ----------
        params : array of shape (n_params,)
        X : {array, sparse matrix} of shape (n_samples, layer_sizes[0])
        training : bool, default=False
            Apply the training noise (input noise and dropout, weight noise,
            stochastic units), drawn from ``rng`` (default: the network's
            ``random_state``).
        rng : numpy.random.RandomState, default=None
        workspace : Workspace, default=None
            Write into the workspace's buffers instead of new arrays: the returned
            tape is then valid only until the workspace is used again.

        Returns
        -------
        tape : Tape
            ``tape.activations`` is ``[X, h_1, ..., h_L, out]`` (``X`` as corrupted
            by the input noise; with dropout or stochastic units, ``h_i`` is the
            thinned or sampled output that fed the next layer and
            ``tape.outputs[i - 1]`` the full one), plus the pre-activations,
            dropout masks and noisy weights that the derivatives need.
        """
        workspace = workspace or Workspace(self, Backend.of(params))
        backend, xp = workspace.backend, workspace.backend.xp
        outputs, _, _ = workspace.buffers(X.shape[0])
        coefs, intercepts = self.unpack(params)
        noise = self.noise if training and self._stochastic else None
        tape = Tape(activations=[X], outputs=[], preactivations=[], masks=[])
        if noise is not None:
            rng = self._rng(rng)
            X = tape.activations[0] = noise.inputs(X, rng, backend, self.dtype)
            noisy = noise.weights(self.layout.stored(coefs), rng, backend, self.dtype)
            if noisy is not None:  # the backward pass uses them too
                coefs = tape.coefs = self.layout.tie(noisy)
        inputs = X
        for i, (coef, intercept, activation) in enumerate(
                zip(coefs, intercepts, self._layer_activations)):
            out = backend.matmul(inputs, coef, outputs[i])
            if activation.needs_input:
                out += intercept
                tape.preactivations.append(backend.copy(out))
                out = activation.function(out, xp)
            else:
                tape.preactivations.append(None)
                out = _bias_activation(out, intercept, activation, xp)
            tape.outputs.append(out)
            mask = None
            if noise is not None and i < len(self.dropout):
                # A sampled or thinned copy feeds the next layer; ``outputs`` keeps
                # the full output, which the derivative needs.
                out, mask = noise.hidden(i, out, rng, backend, self.dtype)
            tape.masks.append(mask)
            tape.activations.append(out)
            inputs = out
        return tape

    def backward(self, params, tape, y, sample_weight=None, *, workspace=None,
                 weight_sum=None, l1_gradient=True):
        """Backpropagate the loss of a :meth:`forward` tape against ``y``.

        Also stores the per-layer error signals in ``tape.deltas``: ``deltas[i]`` is
        the derivative of the summed (sample-weighted) loss with respect to the
        pre-activations of weight layer ``i`` (the course's "delta" of each unit).

        A batch whose sample weights are all 0 has loss 0 and a zero gradient.

        Parameters
        ----------
        weight_sum : float, default=None
            The sum of ``sample_weight`` when the caller knows it (the trainer, on
            the host: no wait for a device); computed otherwise.
        l1_gradient : bool, default=True
            Include the L1 penalty's subgradient in ``grad`` (the loss always
            includes the penalty); False when the caller handles L1 itself (a
            cumulative L1 step, or L-BFGS-B on split weights, see
            :mod:`skneural.regularizers`).

        Returns
        -------
        loss : float or 0-d array
            Sample-weighted mean loss plus the weight penalty divided by the weight
            sum (a 0-d array off NumPy: reading it would wait for the device).
        grad : array of shape (n_params,)
            Gradient of ``loss`` in the layout of ``params`` (on NumPy, the
            workspace's gradient buffer when a workspace is given: copy what must
            outlive the next call).
        """
        workspace = workspace or Workspace(self, Backend.of(params))
        backend, xp = workspace.backend, workspace.backend.xp
        n_samples = tape.activations[0].shape[0]
        _, deltas, ones = workspace.buffers(n_samples)
        grad = workspace.gradient()
        if sample_weight is not None and weight_sum is None:
            weight_sum = float(xp.sum(sample_weight))
        if weight_sum == 0:
            # Every sample weighs 0: the batch says nothing, not even the penalty.
            tape.deltas = None
            return 0.0, xp.zeros_like(params)
        per_sample, delta = self.loss.loss_gradient(y, tape.activations[-1], deltas[-1],
                                                    xp)
        delta = _activation_backward(delta, tape.outputs[-1], tape.preactivations[-1],
                                     self.output_activation, xp)
        if sample_weight is None:
            weight_sum = n_samples
            loss = xp.sum(per_sample) / n_samples
        else:
            loss = (sample_weight @ per_sample) / weight_sum
            delta *= sample_weight[:, None]
        grad = self._backpropagate(params, tape, delta, grad, backend, deltas, ones)
        if self.alpha == 0.0:
            grad /= weight_sum
            return loss, grad
        l2, l1 = self.alpha * (1.0 - self.l1_ratio), self.alpha * self.l1_ratio
        loss = loss + penalty_value(params[: self.n_coefs], l2, l1, xp) / weight_sum
        return loss, add_penalty_gradient(grad, params, self.n_coefs, l2,
                                          l1 if l1_gradient else 0.0, weight_sum, xp)

    def _backpropagate(self, params, tape, delta, grad, backend, deltas, ones):
        """The error signals and the (unscaled) gradient, from the output's delta."""
        xp, owners, n_stored = backend.xp, self.layout.owners, self.layout.n_stored
        coefs = self.unpack(params)[0] if tape.coefs is None else tape.coefs
        grad_coefs, grad_intercepts = self._grad_views(grad)
        n_layers = len(coefs)
        parts, signals = [None] * (n_stored + n_layers), [None] * n_layers
        tied_parts = {}
        for i in range(n_layers - 1, -1, -1):
            signals[i] = delta
            if owners[i] == i:
                parts[i] = backend.matmul(tape.activations[i].T, delta, grad_coefs[i])
                if i in tied_parts:  # the tied matrix's other use, transposed
                    parts[i] += tied_parts.pop(i)
            else:  # a tied layer reads its owner's matrix transposed (later in here)
                tied_parts[owners[i]] = backend.matmul(delta.T, tape.activations[i])
            parts[n_stored + i] = backend.column_sums(delta, ones, grad_intercepts[i])
            if i > 0:
                delta = backend.matmul(delta, coefs[i].T, deltas[i - 1])
                if tape.masks[i - 1] is not None:
                    delta *= tape.masks[i - 1]
                delta = _activation_backward(delta, tape.outputs[i - 1],
                                             tape.preactivations[i - 1],
                                             self.activations[i - 1], xp)
        tape.deltas = signals
        return backend.flatten(parts, out=grad)

    def loss_gradient(self, params, X, y, sample_weight=None, *, rng=None,
                      workspace=None, weight_sum=None, l1_gradient=True):
        """Forward (in training mode) and backward in one call: ``(loss, grad)``."""
        tape = self.forward(params, X, training=True, rng=rng, workspace=workspace)
        return self.backward(params, tape, y, sample_weight, workspace=workspace,
                             weight_sum=weight_sum, l1_gradient=l1_gradient)

    def penalty_value(self, params):
        """The weight penalty at ``params`` (not divided by the sample-weight sum)."""
        if self.alpha == 0.0:
            return 0.0
        return float(penalty_value(params[: self.n_coefs],
                                   self.alpha * (1.0 - self.l1_ratio),
                                   self.alpha * self.l1_ratio, namespace(params)))

    def constrain(self, params):
        """Enforce ``max_norm`` on ``params`` in place (a no-op when it is None).

        Each unit's incoming weight vector (a column of a weight matrix; biases are
        excluded) whose L2 norm exceeds ``max_norm`` is rescaled to that norm: the
        max-norm constraint of Srivastava et al. (2014, section 5.1), applied to the
        hidden and the output units alike.
        """
        if self.max_norm is not None:
            self.max_norm_project(params)
        return params

    def max_norm_project(self, params):
        """:meth:`constrain` (``max_norm`` must be set), returning the column norms
        before the projection, which :meth:`max_norm_pull_back` needs."""
        stored = self.layout.stored(self.unpack(params)[0])
        return max_norm_project(params, stored, self._bounds, self.max_norm,
                                namespace(params))

    def max_norm_pull_back(self, grad, params, norms):
        """The chain rule through the projection of :meth:`max_norm_project`:
        ``grad`` (at the projected ``params``) rewritten in place and returned."""
        stored = self.layout.stored(self.unpack(params)[0])
        return max_norm_pull_back(grad, stored, self._bounds, norms, self.max_norm,
                                  namespace(params))

    def constrained_loss_gradient(self, params, X, y, sample_weight=None, *, rng=None,
                                  workspace=None, weight_sum=None, l1_gradient=True):
        """``(loss, grad)`` of ``w -> loss(P(w))``, ``P`` the max-norm projection.

        For optimizers that cannot be constrained (scipy's line searches): they
        minimize this reparametrized objective, so every weight vector evaluated
        satisfies the bound, and ``P`` of the minimizer is a minimizer under the
        bound. ``params`` is projected in place; ``grad`` is the chain rule through
        ``P`` (:func:`skneural.regularizers.max_norm_pull_back`). Without
        ``max_norm`` this is :meth:`loss_gradient`.
        """
        options = dict(rng=rng, workspace=workspace, weight_sum=weight_sum,
                       l1_gradient=l1_gradient)
        if self.max_norm is None:
            return self.loss_gradient(params, X, y, sample_weight, **options)
        norms = self.max_norm_project(params)
        loss, grad = self.loss_gradient(params, X, y, sample_weight, **options)
        return loss, self.max_norm_pull_back(grad, params, norms)

    def _rng(self, rng=None):
        if rng is not None:
            return rng
        if self.random_state is None or isinstance(self.random_state,
                                                   (int, np.integer)):
            self.random_state = np.random.RandomState(self.random_state)
        return self.random_state

    # -- prediction -------------------------------------------------------------------

    def predict_raw(self, coefs, intercepts, X):
        """Output of the last layer (after ``output_activation``, before the link).

        Takes per-layer lists rather than the flat buffer, so it also works on
        ``coefs_`` / ``intercepts_`` that a user assigned.
        """
        backend = Backend.of(coefs[0])
        out = X
        for coef, intercept, activation in zip(coefs, intercepts,
                                               self._layer_activations):
            out = backend.matmul(out, coef)
            out += intercept
            out = activation.function(out, backend.xp)
        return out

    def predict(self, coefs, intercepts, X):
        """Predictions: :meth:`predict_raw` followed by the loss's link."""
        return self.loss.apply_link(self.predict_raw(coefs, intercepts, X))


_UNSET = object()  # no buffer's views are cached yet


@fusable("bias_activation", 2)
def _bias_activation(out, bias, activation, xp):
    """``activation(out + bias)``; one compiled pass for relu on NumPy."""
    out += bias
    return activation.function(out, xp)


@fusable("activation_backward", 2)
def _activation_backward(delta, output, preactivation, activation, xp):
    """``delta`` times the activation's derivative; one compiled pass for relu."""
    return activation.derivative(output, delta, preactivation, xp)


def _hidden_activations(activation, n_hidden):
    """One :class:`~skneural.activations.Activation` per hidden layer."""
    if not isinstance(activation, (list, tuple)):
        return [_activations.get(activation)] * n_hidden
    if len(activation) != n_hidden:
        raise ValueError(
            f"Got {len(activation)} activations for {n_hidden} hidden layers; give "
            "one activation, or one per hidden layer."
        )
    return [_activations.get(a) for a in activation]


def _checked(value, name, condition):
    value = float(value)
    if not (np.isfinite(value) and (value >= 0 if condition == ">= 0" else value > 0)):
        expected = "a finite number >= 0" if condition == ">= 0" else \
            "a finite number > 0 or None"
        raise ValueError(f"{name} must be {expected}, got {value!r}.")
    return value


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
    coefs : list of arrays or None
        The weight matrices of the pass, with ``weight_noise``; None: the
        parameters' own.
    """

    activations: list
    outputs: list
    preactivations: list
    masks: list
    deltas: list = None
    coefs: list = None
