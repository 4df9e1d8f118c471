"""Export skneural's estimators to ONNX through skl2onnx.

Importing this module registers a shape calculator, a converter and (for the
classifiers) scikit-learn's classifier parser with skl2onnx for
:class:`~skneural.MLPClassifier`, :class:`~skneural.MLPRegressor` and
:class:`~skneural.PerceptronClassifier`. After ``import skneural.onnx``,
``skl2onnx.to_onnx(model, X[:1])`` converts a fitted skneural model, alone or inside a
:class:`~sklearn.pipeline.Pipeline`, as it converts scikit-learn's.
:func:`to_onnx` is a shortcut with defaults suited to deployment (see there).

Graph outputs
-------------
Classifiers have two outputs, as in skl2onnx: ``label``, the classes :meth:`predict`
returns (shape (n,), or (n, n_labels) for multilabel targets; integer, boolean and
float labels come out as int64, as skl2onnx writes scikit-learn's classifiers, strings
as strings), and
``probabilities``: :meth:`predict_proba` for :class:`~skneural.MLPClassifier`,
:meth:`decision_function` for :class:`~skneural.PerceptronClassifier` (for two classes
the columns ``[-score, score]``, as skl2onnx writes scikit-learn's ``Perceptron``).
Unless ``zipmap=False`` is passed as an option (:func:`to_onnx` does), skl2onnx turns
``probabilities`` into a list of dictionaries, one per row. Regressors have one output,
``variable``, of shape (n, n_outputs): (n, 1) for a single target, as skl2onnx writes
scikit-learn's regressors (``predict`` returns shape (n,) there).

The graph computes in the dtype ``predict`` computes in: the weights' dtype, promoted
with the input's (float64 input to a model fitted on float32 data computes in float64,
as NumPy does), except with ``training_dtype`` set, where the input is cast to the
weights' dtype first, as ``predict`` does.

Activations
-----------
Each hidden layer's activation is exported from its *name*: ``"tanh"``, or a
parameterized name such as ``"leaky_relu(negative_slope=0.2)"`` (what
``skneural.activations.leaky_relu(0.2).name`` is), parsed as a Python call. Every
activation registered in :mod:`skneural.activations` has a recipe; one registered by a
user needs one too, given with :func:`register_activation`. onnxruntime's CPU provider
has no float64 kernel for ``Elu``, ``Softplus`` or ``Erf``, and ``LeakyRelu``'s slope
is a float32 attribute, so these are written from elementary operators (``Where``,
``Exp``, ``Log``, ``Tanh``): float64 graphs then match ``predict`` to about 1e-15. The
exact GELU of a float64 graph evaluates ``erf`` as a Chebyshev series of degree 40 on
[0, 6] (absolute error below 3e-15; ``erf(x)`` rounds to 1 beyond 6).

Examples
--------
>>> import numpy as np
>>> import onnxruntime as ort
>>> from skneural import MLPClassifier
>>> from skneural.onnx import to_onnx
>>> X = np.random.RandomState(0).normal(size=(60, 3)).astype(np.float32)
>>> y = (X[:, 0] > 0).astype(int)
>>> clf = MLPClassifier((5,), max_iter=50, random_state=0).fit(X, y)
>>> session = ort.InferenceSession(to_onnx(clf).SerializeToString(),
...                                providers=["CPUExecutionProvider"])
>>> label, proba = session.run(None, {"X": X[:5]})
>>> bool((label == clf.predict(X[:5])).all())
True
"""

import ast
import inspect
from functools import lru_cache

import numpy as np
import scipy.sparse as sp
from onnx import TensorProto
from onnx.helper import np_dtype_to_tensor_dtype
from scipy.special import erf
from skl2onnx import to_onnx as _skl2onnx_to_onnx
from skl2onnx import update_registered_converter
from skl2onnx._parse import _parse_sklearn_classifier
from skl2onnx.common.data_types import (
    DoubleTensorType,
    FloatTensorType,
    Int64TensorType,
    StringTensorType,
    guess_numpy_type,
)
from skl2onnx.common.utils import check_input_and_output_numbers
from sklearn.base import is_classifier
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from ._mlp import MLPClassifier, MLPRegressor
from ._perceptron import PerceptronClassifier

__all__ = ["DEFAULT_TARGET_OPSET", "GraphBuilder", "parse_activation_name",
           "register_activation", "to_onnx"]

#: Opsets :func:`to_onnx` targets unless told otherwise: opset 17 runs on
#: onnxruntime >= 1.13 and every operator the converters use exists there.
DEFAULT_TARGET_OPSET = {"": 17, "ai.onnx.ml": 3}


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


# -- the network ------------------------------------------------------------------------


def _hidden_activation_names(model):
    """One activation name per hidden layer, from strings or Activation records."""
    n_hidden = len(model.coefs_) - 1
    activation = model.activation
    if not isinstance(activation, (list, tuple)):
        activation = [activation] * n_hidden
    return [a if isinstance(a, str) else a.name for a in activation]


def _compute_dtype(model, input_type):
    """The dtype ``predict`` / ``decision_function`` computes in for this input."""
    input_dtype = np.dtype(guess_numpy_type(input_type))
    if isinstance(model, PerceptronClassifier):
        return np.result_type(input_dtype, model.coef_.dtype, model.intercept_.dtype)
    weights = model.coefs_[0].dtype
    if getattr(model, "training_dtype", None) is not None:
        return weights
    if input_dtype.kind not in "f":  # validate_data converts other input to float64
        input_dtype = np.dtype(np.float64)
    return np.result_type(input_dtype, weights)


def _graph_input(graph, operator):
    """The operator's input, cast to the graph's dtype where it differs."""
    name = operator.inputs[0].full_name
    if np.dtype(guess_numpy_type(operator.inputs[0].type)) == graph.dtype:
        return name
    return graph.op("Cast", name, to=graph.proto_dtype)


def _mlp_raw_output(graph, model, x):
    """The output layer's pre-activations (before the output link)."""
    names = _hidden_activation_names(model)
    for i, (coef, intercept) in enumerate(zip(model.coefs_, model.intercepts_)):
        product = graph.op("MatMul", x, graph.const(coef))
        x = graph.op("Add", product, graph.const(intercept))
        if i < len(names):
            x = _activation(graph, names[i], x)
    return x


def _classes_const(graph, classes):
    """``classes_`` as a tensor whose dtype matches the declared label output."""
    classes = np.asarray(classes)
    if classes.dtype.kind in "iufb":  # float classes are integral (else not classes)
        return graph.const(classes, np.int64)
    name = graph._scope.get_unique_variable_name("classes")
    graph._container.add_initializer(name, TensorProto.STRING, [len(classes)],
                                     [str(c).encode("utf-8") for c in classes])
    return name


def _tensor_type(dtype, shape):
    """skl2onnx's tensor type of a float32 or float64 ``dtype``."""
    return {np.float32: FloatTensorType, np.float64: DoubleTensorType}[
        np.dtype(dtype).type](shape)


def _label_type(classes, shape):
    """int64 for integer, boolean and float labels (as skl2onnx writes scikit-learn's
    classifiers, and as its ZipMap needs), else strings."""
    kind = np.asarray(classes).dtype.kind
    return Int64TensorType(shape) if kind in "iufb" else StringTensorType(shape)


# -- shape calculators and converters -----------------------------------------------------


def _is_multilabel(model):
    return isinstance(model, MLPClassifier) and (
        model.out_activation_ == "logistic" and model.n_outputs_ > 1)


def _classifier_shapes(operator):
    check_input_and_output_numbers(operator, input_count_range=1, output_count_range=2)
    model = operator.raw_operator
    check_is_fitted(model)
    n = operator.inputs[0].get_first_dimension()
    dtype = _compute_dtype(model, operator.inputs[0].type)
    n_classes = len(model.classes_)
    if _is_multilabel(model):
        operator.outputs[0].type = Int64TensorType([n, n_classes])
    else:
        operator.outputs[0].type = _label_type(model.classes_, [n])
    operator.outputs[1].type = _tensor_type(dtype, [n, n_classes])


def _regressor_shapes(operator):
    check_input_and_output_numbers(operator, input_count_range=1, output_count_range=1)
    model = operator.raw_operator
    check_is_fitted(model)
    n = operator.inputs[0].get_first_dimension()
    dtype = _compute_dtype(model, operator.inputs[0].type)
    operator.outputs[0].type = _tensor_type(dtype, [n, model.n_outputs_])


def _labels_from_positive(graph, positive, classes, output):
    """classes[positive.ravel()] for a boolean column ``positive``."""
    flat = graph.op("Reshape", positive, graph.const([-1], np.int64))
    index = graph.op("Cast", flat, to=TensorProto.INT64)
    return graph.op("Gather", _classes_const(graph, classes), index, axis=0,
                    output=output)


def _convert_mlp_classifier(scope, operator, container):
    model = operator.raw_operator
    graph = GraphBuilder(scope, container, _compute_dtype(model, operator.inputs[0].type))
    label, proba = operator.outputs[0].full_name, operator.outputs[1].full_name
    raw = _mlp_raw_output(graph, model, _graph_input(graph, operator))
    if model.out_activation_ == "softmax":
        graph.op("Identity", _activation(graph, "softmax", raw), output=proba)
        # predict takes the argmax of the raw outputs; ArgMax keeps the first maximum
        # as NumPy does.
        index = graph.op("ArgMax", raw, axis=1, keepdims=0)
        graph.op("Gather", _classes_const(graph, model.classes_), index, axis=0,
                 output=label)
        return
    positive = _activation(graph, model.out_activation_, raw)
    # predict thresholds the probabilities at 0.5 (LabelBinarizer.inverse_transform).
    above = graph.op("Greater", positive, graph.const(0.5))
    if _is_multilabel(model):
        graph.op("Identity", positive, output=proba)
        graph.op("Cast", above, to=TensorProto.INT64, output=label)
        return
    negative = graph.op("Sub", graph.const(1.0), positive)
    graph.op("Concat", negative, positive, axis=1, output=proba)
    _labels_from_positive(graph, above, model.classes_, label)


def _convert_mlp_regressor(scope, operator, container):
    model = operator.raw_operator
    graph = GraphBuilder(scope, container, _compute_dtype(model, operator.inputs[0].type))
    raw = _mlp_raw_output(graph, model, _graph_input(graph, operator))
    values = _activation(graph, model.out_activation_, raw)
    graph.op("Identity", values, output=operator.outputs[0].full_name)


def _convert_perceptron(scope, operator, container):
    model = operator.raw_operator
    graph = GraphBuilder(scope, container, _compute_dtype(model, operator.inputs[0].type))
    label, scores_out = operator.outputs[0].full_name, operator.outputs[1].full_name
    coef = model.coef_.toarray() if sp.issparse(model.coef_) else model.coef_
    # decision_function: X @ coef_.T in their common dtype, then + intercept_.
    input_dtype = np.dtype(guess_numpy_type(operator.inputs[0].type))
    product_dtype = np.result_type(input_dtype, coef.dtype)
    x = operator.inputs[0].full_name
    if input_dtype != product_dtype:
        x = graph.op("Cast", x, to=np_dtype_to_tensor_dtype(product_dtype))
    product = graph.op("MatMul", x, graph.const(coef.T, product_dtype))
    if product_dtype != graph.dtype:
        product = graph.op("Cast", product, to=graph.proto_dtype)
    scores = graph.op("Add", product, graph.const(model.intercept_))
    if len(model.classes_) == 2:
        graph.op("Concat", graph.op("Neg", scores), scores, axis=1, output=scores_out)
        above = graph.op("Greater", scores, graph.const(0.0))
        _labels_from_positive(graph, above, model.classes_, label)
        return
    graph.op("Identity", scores, output=scores_out)
    index = graph.op("ArgMax", scores, axis=1, keepdims=0)
    graph.op("Gather", _classes_const(graph, model.classes_), index, axis=0, output=label)


def _parse_classifier(scope, model, inputs, custom_parsers=None):
    """skl2onnx's classifier parser (zipmap and class-label options), after the check
    that the model is fitted: the parser reads ``classes_`` before any converter."""
    check_is_fitted(model)
    return _parse_sklearn_classifier(scope, model, inputs, custom_parsers=custom_parsers)


_CLASSIFIER_OPTIONS = {"zipmap": [True, False, "columns"], "nocl": [True, False],
                       "output_class_labels": [False, True]}

for _model, _alias, _shapes, _converter, _parser, _options in [
    (MLPClassifier, "SkneuralMLPClassifier", _classifier_shapes,
     _convert_mlp_classifier, _parse_classifier, _CLASSIFIER_OPTIONS),
    (MLPRegressor, "SkneuralMLPRegressor", _regressor_shapes,
     _convert_mlp_regressor, None, None),
    (PerceptronClassifier, "SkneuralPerceptronClassifier", _classifier_shapes,
     _convert_perceptron, _parse_classifier, _CLASSIFIER_OPTIONS),
]:
    update_registered_converter(_model, _alias, _shapes, _converter, parser=_parser,
                                options=_options)
del _model, _alias, _shapes, _converter, _parser, _options


# -- the shortcut ----------------------------------------------------------------------


def _final_estimator(model):
    return model[-1] if isinstance(model, Pipeline) else model


def _weights_dtype(estimator):
    if hasattr(estimator, "coefs_"):
        return estimator.coefs_[0].dtype
    if hasattr(estimator, "coef_"):
        return estimator.coef_.dtype
    return np.dtype(np.float32)


def to_onnx(model, X=None, *, dtype=None, target_opset=None, options=None, name=None):
    """Convert a fitted skneural estimator, or a Pipeline ending in one, to ONNX.

    A shortcut for ``skl2onnx.to_onnx`` with one input named ``"X"`` of shape
    (None, n_features) and plain-array outputs: classifiers are converted with
    ``zipmap=False``, so ``probabilities`` is an (n, n_classes) array rather than
    skl2onnx's default list of dictionaries.

    Parameters
    ----------
    model : estimator or Pipeline
        Fitted. skneural's estimators, scikit-learn's and anything else skl2onnx
        converts may appear in a pipeline.
    X : array-like of shape (n_samples, n_features), default=None
        A sample of the input: its number of features and dtype set the input's.
        Without it, ``n_features_in_`` and ``dtype`` are used.
    dtype : {numpy.float32, numpy.float64}, default=None
        Element type of the input. Default: X's when it is floating point, else the
        weights' of the final estimator (float32 for models fitted on float32 data).
    target_opset : int or dict, default=None
        ONNX opset(s) to target; None is :data:`DEFAULT_TARGET_OPSET` (opset 17,
        onnxruntime >= 1.13).
    options : dict, default=None
        skl2onnx converter options, merged over ``{type(classifier): {"zipmap":
        False}}``.
    name : str, default=None
        Name of the ONNX graph.

    Returns
    -------
    onnx_model : onnx.ModelProto

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the model is not fitted.
    """
    final = _final_estimator(model)
    check_is_fitted(final)
    if X is not None:
        X = np.asarray(X[:1])
        n_features = X.shape[1]
        if dtype is None and X.dtype.kind == "f":
            dtype = X.dtype
    else:
        n_features = model.n_features_in_
    dtype = np.dtype(_weights_dtype(final) if dtype is None else dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}.")
    all_options = {type(final): {"zipmap": False}} if is_classifier(final) else {}
    all_options.update(options or {})
    return _skl2onnx_to_onnx(
        model, initial_types=[("X", _tensor_type(dtype, [None, n_features]))],
        target_opset=DEFAULT_TARGET_OPSET if target_opset is None else target_opset,
        options=all_options, name=name)
