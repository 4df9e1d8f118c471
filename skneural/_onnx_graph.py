"""The graph builder, the activation recipes and the inputs' dtype handling that
:mod:`skneural.onnx`'s converters and the autoencoder's share.

Private: import :class:`GraphBuilder`, :func:`register_activation` and
:func:`parse_activation_name` from :mod:`skneural.onnx`, which documents them.
"""

import ast
import inspect
from functools import lru_cache

import numpy as np
from onnx.helper import np_dtype_to_tensor_dtype
from scipy.special import erf
from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType, guess_numpy_type
from skl2onnx.common.utils import check_input_and_output_numbers
from sklearn.utils.validation import check_is_fitted

from ._perceptron import PerceptronClassifier

__all__ = ["GraphBuilder", "parse_activation_name", "register_activation"]


class GraphBuilder:
    """The ONNX graph an activation recipe adds its nodes to.

    A recipe registered with :func:`register_activation` receives one of these and the
    name of the layer's pre-activations, and returns the name of the activations.

    Parameters
    ----------
    scope, container : skl2onnx objects
        The converter's scope and model container.
    dtype : numpy dtype
        The floating-point type the graph computes in.

    Attributes
    ----------
    dtype : numpy.dtype
        float32 or float64; constants made by :meth:`const` have it.
    proto_dtype : int
        The same as an ONNX ``TensorProto`` element type (for ``Cast``).
    """

    def __init__(self, scope, container, dtype):
        self._scope = scope
        self._container = container
        self.dtype = np.dtype(dtype)
        self.proto_dtype = np_dtype_to_tensor_dtype(self.dtype)

    def op(self, op_type, *inputs, output=None, **attributes):
        """Add one ONNX node; return the name of its output.

        Parameters
        ----------
        op_type : str
            An operator of the default ONNX domain, e.g. ``"Tanh"``.
        *inputs : str
            Names of its inputs.
        output : str, default=None
            Name of its output; a fresh one when None.
        **attributes
            The operator's attributes, e.g. ``axis=1``.

        Returns
        -------
        output : str
        """
        if output is None:
            output = self._scope.get_unique_variable_name(op_type.lower())
        self._container.add_node(op_type, list(inputs), output,
                                 name=self._scope.get_unique_operator_name(op_type),
                                 **attributes)
        return output

    def const(self, value, dtype=None):
        """Add a constant tensor (``dtype`` defaults to the graph's); return its name."""
        value = np.asarray(value, dtype=self.dtype if dtype is None else dtype)
        name = self._scope.get_unique_variable_name("const")
        self._container.add_initializer(name, np_dtype_to_tensor_dtype(value.dtype),
                                        list(value.shape), value.ravel().tolist())
        return name


# -- activation recipes -------------------------------------------------------------------

_RECIPES = {}


def register_activation(name, builder, *, overwrite=False):
    """Give the ONNX converters a recipe for an activation.

    Parameters
    ----------
    name : str
        The activation's name without parameters: ``"softsign"`` for an activation
        named ``"softsign"``, ``"leaky_relu"`` for ``"leaky_relu(negative_slope=0.2)"``.
    builder : callable ``builder(graph, x, **parameters) -> str``
        Adds the nodes computing the activation of ``x`` (the name of a tensor of shape
        (n_samples, n_units)) to ``graph``, a :class:`GraphBuilder`, and returns the
        name of the result. The parameters of a parameterized name are passed as
        arguments, so give them defaults matching the plain name.
    overwrite : bool, default=False
        Replace an existing recipe of that name.

    Returns
    -------
    builder : callable

    Examples
    --------
    >>> from skneural.onnx import register_activation
    >>> def softsign(graph, x):
    ...     denominator = graph.op("Add", graph.const(1.0), graph.op("Abs", x))
    ...     return graph.op("Div", x, denominator)
    >>> _ = register_activation("softsign", softsign, overwrite=True)
    """
    if not callable(builder):
        raise TypeError(f"builder must be callable, got {builder!r}.")
    if name in _RECIPES and not overwrite:
        raise ValueError(f"An ONNX recipe for {name!r} is already registered; pass "
                         "overwrite=True to replace it.")
    _RECIPES[name] = builder
    return builder


def parse_activation_name(name):
    """Split an activation name into its base name and parameters.

    ``"leaky_relu(negative_slope=0.2)"`` gives ``("leaky_relu", (), {"negative_slope":
    0.2})``; ``"tanh"`` gives ``("tanh", (), {})``. Parameters must be literals.
    """
    try:
        node = ast.parse(name.strip(), mode="eval").body
        if isinstance(node, ast.Name):
            return node.id, (), {}
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            args = tuple(ast.literal_eval(a) for a in node.args)
            kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords}
            if None not in kwargs:
                return node.func.id, args, kwargs
    except (SyntaxError, ValueError, AttributeError):
        pass
    raise ValueError(f"Cannot read activation name {name!r}: expected 'name' or "
                     "'name(parameter=literal, ...)'.")


def _activation(graph, name, x):
    base, args, kwargs = parse_activation_name(name)
    builder = _RECIPES.get(base)
    if builder is None:
        raise ValueError(
            f"No ONNX recipe for the activation {name!r}. Register one with "
            f"skneural.onnx.register_activation({base!r}, builder), where "
            "builder(graph, x, **parameters) adds the nodes computing it and returns "
            "the name of their output (see its docstring)."
        )
    try:
        inspect.signature(builder).bind(graph, x, *args, **kwargs)
    except TypeError as exc:
        raise ValueError(f"The ONNX recipe for {base!r} does not take the parameters "
                         f"of {name!r}: {exc}.") from None
    return builder(graph, x, *args, **kwargs)


# Published constants of the definitions (as in skneural.activations).
_LECUN_SCALE, _LECUN_SLOPE = 1.7159, 2.0 / 3.0
_INV_SQRT_2 = 0.7071067811865476
_SQRT_2_OVER_PI = 0.7978845608028654
_GELU_CUBIC = 0.044715


def _expm1(graph, x):
    # exp(x) - 1 = 2 t / (1 - t) with t = tanh(x / 2): no cancellation near 0, where
    # Exp(x) - 1 would lose the relative precision expm1 keeps.
    t = graph.op("Tanh", graph.op("Mul", x, graph.const(0.5)))
    numerator = graph.op("Mul", t, graph.const(2.0))
    return graph.op("Div", numerator, graph.op("Sub", graph.const(1.0), t))


def _log1p(graph, u):
    # Goldberg's log1p: log(w) * u / (w - 1) with w = 1 + u, exact to a few ulps; u
    # itself where w rounds to 1.
    w = graph.op("Add", graph.const(1.0), u)
    shifted = graph.op("Sub", w, graph.const(1.0))
    ratio = graph.op("Div", graph.op("Mul", graph.op("Log", w), u), shifted)
    return graph.op("Where", graph.op("Equal", shifted, graph.const(0.0)), u, ratio)


@lru_cache
def _erf_chebyshev(degree=40, n_nodes=128):
    """Chebyshev coefficients of erf on [0, 6], from SciPy's erf at Chebyshev nodes."""
    theta = np.pi * (np.arange(n_nodes) + 0.5) / n_nodes
    values = erf(3.0 * np.cos(theta) + 3.0)
    coefficients = 2.0 / n_nodes * np.cos(np.outer(np.arange(degree + 1), theta)) @ values
    coefficients[0] /= 2
    return coefficients


def _erf(graph, z):
    """erf(z): the Erf operator in float32; a Chebyshev series in float64, where
    onnxruntime's CPU provider has no Erf kernel."""
    if graph.dtype == np.float32:
        return graph.op("Erf", z)
    magnitude = graph.op("Min", graph.op("Abs", z), graph.const(6.0))
    t = graph.op("Sub", graph.op("Div", magnitude, graph.const(3.0)), graph.const(1.0))
    two_t = graph.op("Mul", t, graph.const(2.0))
    c = _erf_chebyshev()
    # Clenshaw's recurrence b_k = c_k + 2 t b_{k+1} - b_{k+2}, then c_0 + t b_1 - b_2.
    b1, b2 = graph.const(c[-1]), graph.const(0.0)
    for coefficient in c[-2:0:-1]:
        step = graph.op("Sub", graph.op("Mul", two_t, b1), b2)
        b1, b2 = graph.op("Add", step, graph.const(coefficient)), b1
    series = graph.op("Sub", graph.op("Mul", t, b1), b2)
    series = graph.op("Add", series, graph.const(c[0]))
    return graph.op("Mul", graph.op("Sign", z), series)


def _leaky_relu(graph, x, negative_slope=0.01):
    scaled = graph.op("Mul", x, graph.const(negative_slope))
    return graph.op("Where", graph.op("Less", x, graph.const(0.0)), scaled, x)


def _elu(graph, x, alpha=1.0):
    negative = graph.op("Min", x, graph.const(0.0))
    saturating = graph.op("Mul", graph.const(alpha), _expm1(graph, negative))
    return graph.op("Where", graph.op("Less", x, graph.const(0.0)), saturating, x)


def _softplus(graph, x):
    # log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)), as NumPy's logaddexp(0, x).
    tail = graph.op("Exp", graph.op("Neg", graph.op("Abs", x)))
    return graph.op("Add", graph.op("Relu", x), _log1p(graph, tail))


def _gelu(graph, x, approximate="none"):
    if approximate == "tanh":
        cube = graph.op("Mul", graph.op("Mul", x, x), x)
        inner = graph.op("Add", graph.op("Mul", cube, graph.const(_GELU_CUBIC)), x)
        inner = graph.op("Tanh", graph.op("Mul", inner, graph.const(_SQRT_2_OVER_PI)))
    elif approximate == "none":
        inner = _erf(graph, graph.op("Mul", x, graph.const(_INV_SQRT_2)))
    else:
        raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}.")
    half = graph.op("Mul", graph.op("Add", inner, graph.const(1.0)), graph.const(0.5))
    return graph.op("Mul", x, half)


def _lecun_tanh(graph, x):
    inner = graph.op("Tanh", graph.op("Mul", x, graph.const(_LECUN_SLOPE)))
    return graph.op("Mul", inner, graph.const(_LECUN_SCALE))


def _step(graph, x):
    # Heaviside with H(0) = 0, as skneural.activations' step.
    return graph.op("Cast", graph.op("Greater", x, graph.const(0.0)),
                    to=graph.proto_dtype)


def _unary(op_type, **attributes):
    def builder(graph, x):
        return graph.op(op_type, x, **attributes)

    builder.__name__ = op_type.lower()
    return builder


for _name, _builder in [
    ("identity", _unary("Identity")), ("logistic", _unary("Sigmoid")),
    ("sigmoid", _unary("Sigmoid")), ("tanh", _unary("Tanh")),
    ("relu", _unary("Relu")), ("exp", _unary("Exp")),
    ("softmax", _unary("Softmax", axis=1)), ("step", _step),
    ("lecun_tanh", _lecun_tanh), ("leaky_relu", _leaky_relu), ("elu", _elu),
    ("softplus", _softplus), ("gelu", _gelu),
]:
    register_activation(_name, _builder)
del _name, _builder


# -- the converters' inputs and types (shared by skneural.onnx and the autoencoder's)


def _input_dtype(inputs):
    """The dtype of the inputs side by side: one array's, or what NumPy makes of a
    DataFrame's columns (as ``validate_data`` does)."""
    return np.result_type(*[np.dtype(guess_numpy_type(v.type)) for v in inputs])


def _compute_dtype(model, inputs):
    """The dtype ``predict`` / ``decision_function`` computes in for these inputs."""
    input_dtype = _input_dtype(inputs)
    if isinstance(model, PerceptronClassifier):
        return np.result_type(input_dtype, model.coef_.dtype, model.intercept_.dtype)
    weights = model.coefs_[0].dtype
    if getattr(model, "training_dtype", None) is not None:
        return weights
    if input_dtype.kind not in "f":  # validate_data converts other input to float64
        input_dtype = np.dtype(np.float64)
    return np.result_type(input_dtype, weights)


def _side_by_side(graph, inputs, dtype):
    """The inputs (one per DataFrame column, or one array) as one matrix of
    ``dtype``: each cast where it differs, then concatenated."""
    names = []
    for variable in inputs:
        name = variable.full_name
        if np.dtype(guess_numpy_type(variable.type)) != dtype:
            name = graph.op("Cast", name, to=np_dtype_to_tensor_dtype(np.dtype(dtype)))
        names.append(name)
    return names[0] if len(names) == 1 else graph.op("Concat", *names, axis=1)


def _graph_input(graph, operator):
    """The operator's inputs as one matrix in the graph's dtype."""
    return _side_by_side(graph, operator.inputs, graph.dtype)


def _tensor_type(dtype, shape):
    """skl2onnx's tensor type of a float32 or float64 ``dtype``."""
    return {np.float32: FloatTensorType, np.float64: DoubleTensorType}[
        np.dtype(dtype).type](shape)


def _fitted_operator(operator, n_outputs):
    """What every shape calculator starts with: the operator's input and output
    counts checked, and its fitted model, number of rows and computing dtype."""
    check_input_and_output_numbers(operator, input_count_range=[1, None],
                                   output_count_range=n_outputs)
    model = operator.raw_operator
    check_is_fitted(model)
    return (model, operator.inputs[0].get_first_dimension(),
            _compute_dtype(model, operator.inputs))


def _matrix_output_shapes(operator, width_attribute):
    """skl2onnx's shape calculator of a converter with one float output of shape
    (n, ``getattr(model, width_attribute)``) in the dtype the model computes in."""
    model, n, dtype = _fitted_operator(operator, 1)
    operator.outputs[0].type = _tensor_type(dtype, [n, getattr(model, width_attribute)])


def _dense_layers(graph, x, coefs, intercepts, activation_names):
    """``x`` through the layers ``x @ coef + intercept``, each followed by its
    activation; layers beyond ``activation_names`` (an MLP's output layer, whose link
    the caller applies) keep their pre-activations."""
    for i, (coef, intercept) in enumerate(zip(coefs, intercepts)):
        product = graph.op("MatMul", x, graph.const(coef))
        x = graph.op("Add", product, graph.const(intercept))
        if i < len(activation_names):
            x = _activation(graph, activation_names[i], x)
    return x
