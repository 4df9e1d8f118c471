"""Export skneural's estimators to ONNX through skl2onnx.

Importing this module registers a shape calculator, a converter and (for the
classifiers) scikit-learn's classifier parser with skl2onnx for
:class:`~skneural.MLPClassifier`, :class:`~skneural.MLPRegressor`,
:class:`~skneural.PerceptronClassifier` and :class:`~skneural.MLPAutoencoder` (its
``transform``, the code: one output ``variable`` of shape (n, code_size)), and a
converter for scikit-learn's :class:`~sklearn.compose.TransformedTargetRegressor`
with a linear transformer (StandardScaler, RobustScaler, MinMaxScaler, MaxAbsScaler
or none), which skl2onnx lacks. After ``import skneural.onnx``,
``skl2onnx.to_onnx(model, X[:1])`` converts a fitted skneural model, alone or inside
a :class:`~sklearn.pipeline.Pipeline`, as it converts scikit-learn's; a DataFrame
``X`` gives one input per column.
:func:`to_onnx` is a shortcut with defaults suited to deployment, and
:func:`input_feed` makes ``InferenceSession.run``'s input dictionary from the data.

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
``probabilities`` into a list of dictionaries, one per row, in float32 graphs only:
ONNX's ZipMap takes float32, so a float64 graph keeps the array. Regressors have one output,
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

import re

import numpy as np
import scipy.sparse as sp
from onnx import TensorProto
from onnx.helper import tensor_dtype_to_np_dtype
from skl2onnx import to_onnx as _skl2onnx_to_onnx
from skl2onnx import update_registered_converter
from skl2onnx._parse import _parse_sklearn, _parse_sklearn_classifier
from skl2onnx.algebra.type_helper import guess_initial_types
from skl2onnx.common.data_types import (
    DoubleTensorType,
    FloatTensorType,
    Int64TensorType,
    StringTensorType,
    guess_numpy_type,
)
from skl2onnx.common.utils import check_input_and_output_numbers
from sklearn.base import is_classifier
from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    MaxAbsScaler,
    MinMaxScaler,
    RobustScaler,
    StandardScaler,
)
from sklearn.utils.validation import check_is_fitted

from ._mlp import MLPClassifier, MLPRegressor
from ._onnx_graph import (
    GraphBuilder,
    _activation,
    _compute_dtype,
    _dense_layers,
    _fitted_operator,
    _graph_input,
    _input_dtype,
    _matrix_output_shapes,
    _side_by_side,
    _tensor_type,
    parse_activation_name,
    register_activation,
)
from ._perceptron import PerceptronClassifier

__all__ = ["DEFAULT_TARGET_OPSET", "GraphBuilder", "input_feed", "parse_activation_name",
           "register_activation", "to_onnx"]

#: Opsets :func:`to_onnx` targets unless told otherwise: opset 17 runs on
#: onnxruntime >= 1.13 and every operator the converters use exists there.
DEFAULT_TARGET_OPSET = {"": 17, "ai.onnx.ml": 3}


# -- the network ------------------------------------------------------------------------


def _hidden_activation_names(model):
    """One activation name per hidden layer, from strings or Activation records."""
    n_hidden = len(model.coefs_) - 1
    activation = model.activation
    if not isinstance(activation, (list, tuple)):
        activation = [activation] * n_hidden
    return [a if isinstance(a, str) else a.name for a in activation]


def _mlp_raw_output(graph, model, x):
    """The output layer's pre-activations (before the output link)."""
    return _dense_layers(graph, x, model.coefs_, model.intercepts_,
                         _hidden_activation_names(model))


def _classes_const(graph, classes):
    """``classes_`` as a tensor whose dtype matches the declared label output."""
    classes = np.asarray(classes)
    if classes.dtype.kind in "iufb":  # float classes are integral (else not classes)
        return graph.const(classes, np.int64)
    name = graph._scope.get_unique_variable_name("classes")
    graph._container.add_initializer(name, TensorProto.STRING, [len(classes)],
                                     [str(c).encode("utf-8") for c in classes])
    return name


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
    model, n, dtype = _fitted_operator(operator, 2)
    n_classes = len(model.classes_)
    if _is_multilabel(model):
        operator.outputs[0].type = Int64TensorType([n, n_classes])
    else:
        operator.outputs[0].type = _label_type(model.classes_, [n])
    operator.outputs[1].type = _tensor_type(dtype, [n, n_classes])


def _regressor_shapes(operator):
    _matrix_output_shapes(operator, "n_outputs_")


def _labels_from_positive(graph, positive, classes, output):
    """classes[positive.ravel()] for a boolean column ``positive``."""
    flat = graph.op("Reshape", positive, graph.const([-1], np.int64))
    index = graph.op("Cast", flat, to=TensorProto.INT64)
    return graph.op("Gather", _classes_const(graph, classes), index, axis=0,
                    output=output)


def _convert_mlp_classifier(scope, operator, container):
    model = operator.raw_operator
    graph = GraphBuilder(scope, container, _compute_dtype(model, operator.inputs))
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
    graph = GraphBuilder(scope, container, _compute_dtype(model, operator.inputs))
    raw = _mlp_raw_output(graph, model, _graph_input(graph, operator))
    values = _activation(graph, model.out_activation_, raw)
    graph.op("Identity", values, output=operator.outputs[0].full_name)


def _convert_perceptron(scope, operator, container):
    model = operator.raw_operator
    graph = GraphBuilder(scope, container, _compute_dtype(model, operator.inputs))
    label, scores_out = operator.outputs[0].full_name, operator.outputs[1].full_name
    coef = model.coef_.toarray() if sp.issparse(model.coef_) else model.coef_
    # decision_function: X @ coef_.T in their common dtype, then + intercept_.
    product_dtype = np.result_type(_input_dtype(operator.inputs), coef.dtype)
    x = _side_by_side(graph, operator.inputs, product_dtype)
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
    that the model is fitted: the parser reads ``classes_`` before any converter.

    A graph computing in float64 has no ZipMap (``zipmap=True``, skl2onnx's default,
    acts as ``zipmap=False``): ONNX's ZipMap takes float32 probabilities only, and
    onnxruntime refuses to load a graph that gives it doubles.
    """
    check_is_fitted(model)
    if (_compute_dtype(model, inputs) == np.float64
            and scope.get_options(model, {"zipmap": True})["zipmap"] is True):
        # A copy: the options may be the caller's own dictionary.
        scope.options = dict(scope.options or {})
        scope.options[id(model)] = {**scope.options.get(id(model), {}), "zipmap": False}
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


# -- TransformedTargetRegressor ------------------------------------------------------------

#: skl2onnx's name for the operator that undoes the target's scaling.
_TARGET_ALIAS = "SkneuralTransformedTargetRegressor"


def _inverse_steps(transformer):
    """``transformer.inverse_transform`` as (ONNX operator, constant) steps, in
    scikit-learn's order of operations; a ValueError for a non-linear transformer."""
    if isinstance(transformer, StandardScaler):
        return ([("Mul", transformer.scale_)] if transformer.with_std else []) + (
            [("Add", transformer.mean_)] if transformer.with_mean else [])
    if isinstance(transformer, RobustScaler):
        return ([("Mul", transformer.scale_)] if transformer.with_scaling else []) + (
            [("Add", transformer.center_)] if transformer.with_centering else [])
    if isinstance(transformer, MinMaxScaler) and not transformer.clip:
        return [("Sub", transformer.min_), ("Div", transformer.scale_)]
    if isinstance(transformer, MaxAbsScaler):
        return [("Mul", transformer.scale_)]
    if (isinstance(transformer, FunctionTransformer) and transformer.func is None
            and transformer.inverse_func is None):
        return []  # TransformedTargetRegressor without transformer or functions
    raise ValueError(
        "skneural.onnx converts a TransformedTargetRegressor whose transformer is "
        "linear: StandardScaler, RobustScaler, MinMaxScaler (clip=False), MaxAbsScaler "
        f"or none; got {transformer!r}. Export its regressor_ and undo the target's "
        "transformation where the graph is used.")


def _parse_transformed_target(scope, model, inputs, custom_parsers=None):
    """The regressor's graph, then one operator that undoes the target's scaling."""
    check_is_fitted(model)
    _inverse_steps(model.transformer_)  # refuse a non-linear transformer up front
    predictions = _parse_sklearn(scope, model.regressor_, inputs,
                                 custom_parsers=custom_parsers)
    if len(predictions) != 1:
        raise ValueError(f"The regressor {model.regressor_!r} of a "
                         "TransformedTargetRegressor gives more than one output.")
    operator = scope.declare_local_operator(_TARGET_ALIAS, model)
    operator.inputs.append(predictions[0])
    operator.outputs.append(scope.declare_local_variable(
        "variable", type(predictions[0].type)()))
    return operator.outputs


def _transformed_target_shapes(operator):
    check_input_and_output_numbers(operator, input_count_range=1, output_count_range=1)
    prediction = operator.inputs[0].type
    operator.outputs[0].type = type(prediction)(list(prediction.shape))


def _convert_transformed_target(scope, operator, container):
    graph = GraphBuilder(scope, container, guess_numpy_type(operator.inputs[0].type))
    values = operator.inputs[0].full_name
    for op_type, constant in _inverse_steps(operator.raw_operator.transformer_):
        values = graph.op(op_type, values, graph.const(constant))
    graph.op("Identity", values, output=operator.outputs[0].full_name)


update_registered_converter(
    TransformedTargetRegressor, _TARGET_ALIAS, _transformed_target_shapes,
    _convert_transformed_target, parser=_parse_transformed_target)


# -- the shortcut ----------------------------------------------------------------------


def _final_estimator(model):
    """The estimator at the end of pipelines and target wrappers."""
    while True:
        if isinstance(model, Pipeline):
            model = model[-1]
        elif isinstance(model, TransformedTargetRegressor):
            model = model.regressor_
        else:
            return model


def _weights_dtype(estimator):
    if hasattr(estimator, "coefs_"):
        return estimator.coefs_[0].dtype
    if hasattr(estimator, "coef_"):
        return estimator.coef_.dtype
    return np.dtype(np.float32)


def _is_dataframe(X):
    return hasattr(X, "columns") and hasattr(X, "dtypes") and hasattr(X, "iloc")


def _column_types(X, dtype):
    """One input per column of the DataFrame ``X``, named after it, of shape
    (None, 1): strings for text columns, int64 for integer ones, and ``dtype`` (when
    given) or the column's own for floating-point ones."""
    types = guess_initial_types(X.iloc[:1], None)
    if dtype is None:
        return types
    return [(name, _tensor_type(dtype, [None, 1])
             if isinstance(kind, (FloatTensorType, DoubleTensorType)) else kind)
            for name, kind in types]


def _float_dtype(dtype):
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}.")
    return dtype


def _initial_types(model, final, X, dtype):
    """skl2onnx's ``initial_types`` for :func:`to_onnx` (see there)."""
    if _is_dataframe(X):
        return _column_types(X, None if dtype is None else _float_dtype(dtype))
    if X is not None:
        X = np.asarray(X[:1])
        if dtype is None and X.dtype.kind == "f":
            dtype = X.dtype
    dtype = _float_dtype(_weights_dtype(final) if dtype is None else dtype)
    if X is None and hasattr(model, "feature_names_in_"):
        return [(str(c), _tensor_type(dtype, [None, 1])) for c in model.feature_names_in_]
    n_features = model.n_features_in_ if X is None else X.shape[1]
    return [("X", _tensor_type(dtype, [None, n_features]))]


def to_onnx(model, X=None, *, dtype=None, target_opset=None, options=None, name=None):
    """Convert a fitted skneural estimator, or a Pipeline ending in one, to ONNX.

    A shortcut for ``skl2onnx.to_onnx`` with deployment defaults: the inputs are named
    after the data (see ``X``), and classifiers are converted with ``zipmap=False``,
    so ``probabilities`` is an (n, n_classes) array rather than skl2onnx's default
    list of dictionaries.

    Parameters
    ----------
    model : estimator
        Fitted: a skneural estimator, or a Pipeline or TransformedTargetRegressor
        (with a linear transformer) around one, nested in any order.
        scikit-learn's estimators and anything else skl2onnx converts may appear in a
        pipeline, ColumnTransformer included.
    X : array-like or DataFrame of shape (n_samples, n_features), default=None
        A sample of the input. An array gives one input named ``"X"`` of shape
        (None, n_features) and, when floating point, its dtype. A pandas DataFrame
        gives one input per column, named after it, of shape (None, 1): feed
        ``{column: df[[column]].to_numpy()}``. Text columns are strings, integer
        columns int64, floating-point columns their own dtype or ``dtype``. Without
        ``X``: one input per name of ``feature_names_in_`` for a model fitted on a
        DataFrame, else one named ``"X"`` of ``n_features_in_`` columns, of
        ``dtype``.
    dtype : {numpy.float32, numpy.float64}, default=None
        Element type of the (floating-point) inputs. Default: X's when it is
        floating point, else the weights' of the final estimator (float32 for models
        fitted on float32 data).
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
    check_is_fitted(model)
    final = _final_estimator(model)
    initial_types = _initial_types(model, final, X, dtype)
    all_options = {type(final): {"zipmap": False}} if is_classifier(final) else {}
    all_options.update(options or {})
    return _skl2onnx_to_onnx(
        model, initial_types=initial_types,
        target_opset=DEFAULT_TARGET_OPSET if target_opset is None else target_opset,
        options=all_options, name=name)


#: numpy element types of the ONNX tensor types onnxruntime's sessions report.
_SESSION_TYPES = {"tensor(float)": np.float32, "tensor(double)": np.float64,
                  "tensor(int64)": np.int64, "tensor(int32)": np.int32,
                  "tensor(bool)": np.bool_, "tensor(string)": object}


def _declared_inputs(graph):
    """(name, numpy dtype) of each input of an ONNX model or onnxruntime session."""
    if hasattr(graph, "get_inputs"):
        return [(i.name, _SESSION_TYPES[i.type]) for i in graph.get_inputs()]
    return [(i.name, object if i.type.tensor_type.elem_type == TensorProto.STRING
             else tensor_dtype_to_np_dtype(i.type.tensor_type.elem_type))
            for i in graph.graph.input]


def _onnx_name(column):
    """What skl2onnx makes of a column name: an identifier, as ONNX requires."""
    name = re.sub(r"[^\w+]", "_", str(column))
    return "_" + name if name[:1].isdigit() else name


def input_feed(onnx_model, X):
    """The input dictionary for ``InferenceSession.run``, made from the data.

    Parameters
    ----------
    onnx_model : onnx.ModelProto or onnxruntime.InferenceSession
        A graph made by :func:`to_onnx`.
    X : array-like or DataFrame
        An array for a graph with one input, or a DataFrame for a graph with one
        input per column (in the columns' order; ONNX names are identifiers, so
        skl2onnx writes ``"tax (%)"`` as ``"tax____"``).

    Returns
    -------
    feed : dict of str to ndarray
        Each input's name and its values, of the declared element type: the
        array itself, or one (n_samples, 1) column of the DataFrame.

    Raises
    ------
    ValueError
        If the columns do not match the graph's inputs.

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime as ort
    >>> import pandas as pd
    >>> from skneural import MLPRegressor
    >>> from skneural.onnx import input_feed, to_onnx
    >>> df = pd.DataFrame({"tax (%)": [7.0, 8.5, 9.0], "income": [3571, 4092, 3865]})
    >>> model = MLPRegressor((3,), max_iter=5, random_state=0).fit(df, [5.4, 5.2, 5.8])
    >>> session = ort.InferenceSession(to_onnx(model, df).SerializeToString(),
    ...                                providers=["CPUExecutionProvider"])
    >>> sorted(input_feed(session, df))
    ['income', 'tax____']
    >>> (values,) = session.run(None, input_feed(session, df))
    """
    inputs = _declared_inputs(onnx_model)
    if not _is_dataframe(X):
        if len(inputs) != 1:
            raise ValueError(f"The graph has {len(inputs)} inputs "
                             f"{[name for name, _ in inputs]}: pass a DataFrame.")
        (name, dtype), = inputs
        return {name: np.asarray(X, dtype=dtype)}
    names = [_onnx_name(c) for c in X.columns]
    if len(inputs) != len(names) or any(
            not name.startswith(expected) for (name, _), expected in zip(inputs, names)):
        raise ValueError(f"The DataFrame's columns {list(X.columns)} do not match the "
                         f"graph's inputs {[name for name, _ in inputs]}.")
    return {name: X.iloc[:, [i]].to_numpy(dtype=dtype)
            for i, (name, dtype) in enumerate(inputs)}


# The autoencoder's converter (its transform) lives in a module of its own.
from . import _onnx_autoencoder  # noqa: E402, F401
