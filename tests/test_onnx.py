"""ONNX export: onnxruntime against the estimators' own predictions.

Every comparison is between onnxruntime running the exported graph and skneural's
``predict`` / ``predict_proba`` / ``decision_function`` (NumPy); the erf series of the
float64 graphs is checked against SciPy's erf. Values must agree to 1e-5 (float32
graphs) or 1e-10 (float64) relative to the largest magnitude of the output, labels
exactly.
"""

import warnings

import numpy as np
import pytest

pytest.importorskip("skl2onnx")
ort = pytest.importorskip("onnxruntime")

import skl2onnx  # noqa: E402
from numpy.testing import assert_allclose, assert_array_equal  # noqa: E402
from scipy.special import erf  # noqa: E402
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import (  # noqa: E402
    MaxAbsScaler,
    MinMaxScaler,
    QuantileTransformer,
    RobustScaler,
    StandardScaler,
)

import skneural.onnx as skonnx  # noqa: E402
from skneural import (  # noqa: E402
    MLPClassifier,
    MLPRegressor,
    PerceptronClassifier,
    _onnx_graph,
)
from skneural import activations as _activations  # noqa: E402

TOLERANCE = {np.float32: 1e-5, np.float64: 1e-10}
DTYPES = [np.float32, np.float64]


def _defined_by_skneural(record):
    function = getattr(record.function, "func", record.function)
    return getattr(function, "__module__", "") == "skneural.activations"


# Every activation skneural registers (user registrations made elsewhere in the test
# session are left out), the parameterized forms, and one activation per layer.
ACTIVATIONS = sorted(name for name, record in _activations.ACTIVATIONS.items()
                     if _defined_by_skneural(record))
ACTIVATIONS += [_activations.leaky_relu(0.2), _activations.elu(0.5),
                _activations.gelu("tanh"), ["lecun_tanh", _activations.leaky_relu(0.2)]]
TARGETS = ["binary", "multiclass", "multilabel", "string_labels", "regression",
           "multi_output", "poisson"]
LINKS = {"binary": "logistic", "multiclass": "softmax", "multilabel": "logistic",
         "string_labels": "softmax", "regression": "identity",
         "multi_output": "identity", "poisson": "exp"}


def _activation_id(activation):
    if isinstance(activation, list):
        return "+".join(_activation_id(a) for a in activation)
    return activation if isinstance(activation, str) else activation.name


def _data(target, dtype, n_samples=80, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(scale=1.5, size=(n_samples, 4)).astype(dtype)
    score = X @ rng.normal(size=(4, 3))
    if target == "binary":
        return X, (score[:, 0] > 0).astype(int)
    if target == "multiclass":
        return X, np.argmax(score, axis=1) + 3
    if target == "multilabel":
        return X, (score > 0).astype(int)
    if target == "string_labels":
        return X, np.array(["cat", "dog", "emu"])[np.argmax(score, axis=1)]
    if target == "regression":
        return X, score[:, 0]
    if target == "multi_output":
        return X, score[:, :2]
    return X, rng.poisson(np.exp(0.3 * score[:, 0]))  # poisson


def _run(onnx_model, X):
    session = ort.InferenceSession(onnx_model.SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: X})


def _assert_close(actual, expected, dtype):
    """Agreement to the dtype's tolerance, relative to the output's scale."""
    tolerance = TOLERANCE[dtype]
    assert actual.dtype == expected.dtype
    assert_allclose(actual, expected, rtol=tolerance,
                    atol=tolerance * max(np.abs(expected).max(), 1e-30))


def _fit(target, activation, dtype):
    X, y = _data(target, dtype)
    hidden = (4, 3) if isinstance(activation, list) else (5,)
    settings = dict(activation=activation, max_iter=15, learning_rate_init=0.05,
                    random_state=0)
    if target in ("regression", "multi_output", "poisson"):
        loss = "poisson" if target == "poisson" else "squared_error"
        model = MLPRegressor(hidden, loss=loss, **settings)
    else:
        model = MLPClassifier(hidden, **settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return X, model.fit(X, y)


def _check_against_estimator(model, onnx_model, X, dtype):
    outputs = _run(onnx_model, X)
    if isinstance(model, MLPRegressor):
        (values,) = outputs
        expected = model.predict(X).reshape(len(X), -1)
        assert values.shape == (len(X), model.n_outputs_)
        _assert_close(values, expected, dtype)
        return
    label, proba = outputs
    assert_array_equal(label, model.predict(X))
    _assert_close(proba, model.predict_proba(X), dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("activation", ACTIVATIONS, ids=_activation_id)
def test_onnxruntime_matches_predict(activation, target, dtype):
    X, model = _fit(target, activation, dtype)
    assert model.out_activation_ == LINKS[target]
    assert model.coefs_[0].dtype == dtype
    onnx_model = skl2onnx.to_onnx(model, X[:1], options={"zipmap": False}
                                  if isinstance(model, MLPClassifier) else None)
    _check_against_estimator(model, onnx_model, X, dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("target", ["binary", "multiclass", "string_labels"])
def test_perceptron_matches_predict_and_decision_function(target, dtype):
    X, y = _data(target, dtype)
    model = PerceptronClassifier(max_iter=5, random_state=0).fit(X, y)
    label, scores = _run(skonnx.to_onnx(model, X), X)
    assert_array_equal(label, model.predict(X))
    expected = model.decision_function(X)
    if expected.ndim == 1:  # two classes: [-score, score], as skl2onnx's Perceptron
        expected = np.column_stack([-expected, expected])
    _assert_close(scores, expected, dtype)


def test_sparsified_perceptron_converts():
    X, y = _data("multiclass", np.float64)
    model = PerceptronClassifier(max_iter=5, random_state=0).fit(X, y).sparsify()
    label, _ = _run(skonnx.to_onnx(model), X)
    assert_array_equal(label, model.predict(X))


@pytest.mark.parametrize(
    "record", [_activations.leaky_relu(0.2), _activations.elu(0.5),
               _activations.gelu("tanh")], ids=lambda r: r.name)
def test_activation_given_as_its_name_string(record):
    # The converter reads names, so the string form of a parameterized activation
    # converts like the record (set after fitting, so this does not depend on the
    # estimators accepting such strings).
    X, model = _fit("multi_output", record, np.float64)
    expected = model.predict(X)
    model.activation = record.name
    (values,) = _run(skonnx.to_onnx(model), X)
    _assert_close(values, expected, np.float64)


def test_float64_erf_series_against_scipy():
    # A one-unit network computing gelu(x): the graph's float64 erf series against
    # SciPy's erf, on a grid that covers the saturation at |x / sqrt(2)| = 6.
    X, model = _fit("regression", "gelu", np.float64)
    x = np.concatenate([np.linspace(-12, 12, 4001), [0.0, 1e-300, -1e-8, 8.4852]])
    model.coefs_ = [np.ones((1, 1)), np.ones((1, 1))]
    model.intercepts_ = [np.zeros(1), np.zeros(1)]
    model.n_features_in_ = 1
    (values,) = _run(skonnx.to_onnx(model), x[:, None])
    reference = x * 0.5 * (1 + erf(x / np.sqrt(2)))
    assert np.all(np.abs(values[:, 0] - reference) <= 3e-15 * np.maximum(np.abs(x), 1))


def test_default_zipmap_output_through_skl2onnx():
    X, y = _data("multiclass", np.float32)
    model = MLPClassifier((5,), max_iter=20, random_state=0).fit(X, y)
    label, proba = _run(skl2onnx.to_onnx(model, X[:1]), X)
    assert_array_equal(label, model.predict(X))
    expected = model.predict_proba(X)
    for row, dictionary in zip(expected, proba):
        assert sorted(dictionary) == list(model.classes_)
        assert_allclose([dictionary[c] for c in model.classes_], row, rtol=1e-5,
                        atol=1e-6)


@pytest.mark.parametrize("Model", [MLPClassifier, PerceptronClassifier])
@pytest.mark.parametrize("kind", [float, bool])
def test_float_and_bool_labels_come_out_as_int64(kind, Model):
    # Also through skl2onnx's default ZipMap, which only takes int64 or string labels.
    X, y = _data("binary", np.float32)
    model = Model(max_iter=5, random_state=0).fit(X, y.astype(kind))
    label, proba = _run(skl2onnx.to_onnx(model, X[:1]), X)
    assert label.dtype == np.int64
    assert_array_equal(label, model.predict(X))
    assert list(proba[0]) == [0, 1]


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("Model", [MLPClassifier, MLPRegressor])
def test_pipeline_with_standard_scaler(Model, dtype):
    X, y = _data("multiclass" if Model is MLPClassifier else "multi_output", dtype)
    X = X * 10 + 5
    pipeline = make_pipeline(StandardScaler(), Model((6,), max_iter=30,
                                                     random_state=0)).fit(X, y)
    options = {"zipmap": False} if Model is MLPClassifier else None
    for onnx_model in [skonnx.to_onnx(pipeline, X),
                       skl2onnx.to_onnx(pipeline, X[:1], options=options)]:
        outputs = _run(onnx_model, X)
        if Model is MLPClassifier:
            assert_array_equal(outputs[0], pipeline.predict(X))
            expected = pipeline.predict_proba(X)
        else:
            expected = pipeline.predict(X)
        # The scaler's graph divides where scikit-learn multiplies: allow for that.
        assert_allclose(outputs[-1], expected, rtol=0,
                        atol=100 * TOLERANCE[dtype] * np.abs(expected).max())


def test_training_dtype_float32_casts_float64_input():
    X, y = _data("multiclass", np.float64)
    model = MLPClassifier((5,), max_iter=20, random_state=0, training_dtype="float32")
    model.fit(X, y)
    label, proba = _run(skonnx.to_onnx(model, X), X)
    assert proba.dtype == np.float32
    assert_array_equal(label, model.predict(X))
    _assert_close(proba, model.predict_proba(X), np.float32)


def test_float64_input_to_float32_model_computes_in_float64():
    X, y = _data("multi_output", np.float32)
    model = MLPRegressor((5,), activation="elu", max_iter=20, random_state=0).fit(X, y)
    X64 = X.astype(np.float64)
    (values,) = _run(skonnx.to_onnx(model, X64), X64)
    _assert_close(values, model.predict(X64), np.float64)


def test_to_onnx_defaults():
    X, y = _data("binary", np.float64)
    model = MLPClassifier((3,), max_iter=5, random_state=0).fit(X, y)
    onnx_model = skonnx.to_onnx(model)
    opsets = {o.domain: o.version for o in onnx_model.opset_import}
    assert opsets[""] == skonnx.DEFAULT_TARGET_OPSET[""]
    session = ort.InferenceSession(onnx_model.SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    (graph_input,) = session.get_inputs()
    assert graph_input.name == "X" and graph_input.type == "tensor(double)"
    assert graph_input.shape[1] == X.shape[1]
    assert [o.name for o in session.get_outputs()] == ["label", "probabilities"]
    with pytest.raises(ValueError, match="float32 or float64"):
        skonnx.to_onnx(model, dtype=np.int64)


@pytest.mark.parametrize("Model", [MLPClassifier, MLPRegressor, PerceptronClassifier])
def test_unfitted_model_raises_not_fitted_error(Model):
    X = np.zeros((2, 3), dtype=np.float32)
    with pytest.raises(NotFittedError):
        skonnx.to_onnx(Model())
    with pytest.raises(NotFittedError):
        skl2onnx.to_onnx(Model(), X)


def _softsign(X, xp):
    return X / (1 + xp.abs(X))


def _softsign_derivative(Z, delta, X, xp):
    return delta * (1 - xp.abs(Z)) ** 2


SOFTSIGN = _activations.Activation("softsign", _softsign, _softsign_derivative)


def test_user_activation_needs_a_recipe(monkeypatch):
    # A private copy of the recipes without softsign (a docstring example adds one).
    recipes = {k: v for k, v in _onnx_graph._RECIPES.items() if k != "softsign"}
    monkeypatch.setattr(_onnx_graph, "_RECIPES", recipes)
    X, model = _fit("regression", SOFTSIGN, np.float64)
    with pytest.raises(ValueError, match=r"'softsign'.*register_activation\('softsign'"):
        skonnx.to_onnx(model)

    def softsign(graph, x):
        denominator = graph.op("Add", graph.const(1.0), graph.op("Abs", x))
        return graph.op("Div", x, denominator)

    skonnx.register_activation("softsign", softsign)
    with pytest.raises(ValueError, match="already"):
        skonnx.register_activation("softsign", softsign)
    (values,) = _run(skonnx.to_onnx(model), X)
    _assert_close(values[:, 0], model.predict(X), np.float64)


def test_recipe_rejecting_the_parameters_of_a_name(monkeypatch):
    X, model = _fit("regression", "tanh", np.float64)
    model.activation = "tanh(scale=2.0)"
    with pytest.raises(ValueError, match="does not take the parameters"):
        skonnx.to_onnx(model)


@pytest.mark.parametrize("name, expected", [
    ("tanh", ("tanh", (), {})),
    ("leaky_relu(negative_slope=0.2)", ("leaky_relu", (), {"negative_slope": 0.2})),
    ("gelu(approximate='tanh')", ("gelu", (), {"approximate": "tanh"})),
    (" elu(0.5) ", ("elu", (0.5,), {})),
])
def test_parse_activation_name(name, expected):
    assert skonnx.parse_activation_name(name) == expected


@pytest.mark.parametrize("name", ["leaky_relu(negative_slope=x)", "a.b", "f()()",
                                  "elu(**{'alpha': 1})", "", "1 +"])
def test_parse_activation_name_rejects(name):
    with pytest.raises(ValueError, match="Cannot read activation name"):
        skonnx.parse_activation_name(name)


# -- issue 24.3: DataFrames, TransformedTargetRegressor, float64 classifiers -------------


def _petrol_frame():
    """The petrol table as pandas reads the CSV: two integer columns, a name with
    characters an ONNX name cannot hold."""
    pytest.importorskip("pandas")
    from skneural.datasets import load_petrol_consumption

    X, y, _ = load_petrol_consumption(as_frame=True)
    assert X.dtypes["Average_income"] == np.int64
    return X, y.to_numpy()


def _fitted_column_pipeline(frame, y, hidden_layer_sizes, max_iter):
    """A ColumnTransformer and an MLPRegressor in a TransformedTargetRegressor, fitted
    on the petrol DataFrame (its convergence warning ignored)."""
    scale = ColumnTransformer([("scale", StandardScaler(), list(frame.columns))])
    regressor = MLPRegressor(hidden_layer_sizes, max_iter=max_iter, random_state=0)
    model = TransformedTargetRegressor(make_pipeline(scale, regressor),
                                       transformer=StandardScaler())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(frame, y)


def _relative_error(actual, expected):
    return np.max(np.abs(actual - expected)) / np.max(np.abs(expected))


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_dataframe_column_transformer_and_scaled_target(dtype):
    frame, y = _petrol_frame()
    model = _fitted_column_pipeline(frame, y, (10,), max_iter=300)
    session = ort.InferenceSession(
        skonnx.to_onnx(model, frame, dtype=dtype).SerializeToString(),
        providers=["CPUExecutionProvider"])
    float_type = {np.float32: "tensor(float)", np.float64: "tensor(double)"}[dtype]
    assert [(i.name, i.type, i.shape[1]) for i in session.get_inputs()] == [
        ("Petrol_tax", float_type, 1), ("Average_income", "tensor(int64)", 1),
        ("Paved_Highways", "tensor(int64)", 1),
        ("Population_Driver_licence___", float_type, 1)]   # "(%)": not an identifier
    (values,) = session.run(None, skonnx.input_feed(session, frame))
    # Side by side, float and int64 columns make float64, as in predict; float32
    # inputs only round the two float columns (hence float32's tolerance).
    assert values.shape == (48, 1) and values.dtype == np.float64
    assert _relative_error(values[:, 0], model.predict(frame)) < TOLERANCE[dtype]


def test_dataframe_pipeline_through_plain_skl2onnx():
    frame, y = _petrol_frame()
    model = _fitted_column_pipeline(frame, y, (5,), max_iter=100)
    onnx_model = skl2onnx.to_onnx(model, frame[:1])
    (values,) = _run_feed(onnx_model, skonnx.input_feed(onnx_model, frame))
    assert _relative_error(values[:, 0], model.predict(frame)) < 1e-10


def _run_feed(onnx_model, feed):
    session = ort.InferenceSession(onnx_model.SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    return session.run(None, feed)


def test_mlp_fitted_on_a_dataframe_takes_one_input_per_column():
    # No ColumnTransformer: the graph puts the columns side by side, as validate_data.
    frame, y = _petrol_frame()
    scaled = (frame - frame.mean()) / frame.std()
    scaled = scaled.astype({"Average_income": np.float32})  # mixed dtypes -> float64
    model = MLPRegressor((5,), max_iter=50, random_state=0).fit(scaled, y / 500)
    for onnx_model in [skonnx.to_onnx(model, scaled), skonnx.to_onnx(model)]:
        (values,) = _run_feed(onnx_model, skonnx.input_feed(onnx_model, scaled))
        _assert_close(values[:, 0], model.predict(scaled), np.float64)
    assert [i.name for i in skonnx.to_onnx(model).graph.input][0] == "Petrol_tax"


TARGET_TRANSFORMERS = {
    "StandardScaler": dict(transformer=StandardScaler()),
    "StandardScaler(with_mean=False)": dict(transformer=StandardScaler(with_mean=False)),
    "MinMaxScaler": dict(transformer=MinMaxScaler((-1, 2))),
    "MaxAbsScaler": dict(transformer=MaxAbsScaler()),
    "RobustScaler": dict(transformer=RobustScaler()),
    "none": {},
}


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("target", ["regression", "multi_output"])
@pytest.mark.parametrize("name", sorted(TARGET_TRANSFORMERS))
def test_transformed_target_regressor_with_linear_transformers(name, target, dtype):
    X, y = _data(target, dtype)
    model = TransformedTargetRegressor(
        MLPRegressor((6,), max_iter=30, random_state=0), **TARGET_TRANSFORMERS[name])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, 300 + 50 * y)
    (values,) = _run(skl2onnx.to_onnx(model, X[:1]), X)
    expected = model.predict(X).reshape(len(X), -1)
    assert values.shape == expected.shape
    _assert_close(values, expected.astype(dtype), dtype)


def test_transformed_target_around_scikit_learns_regressor():
    from sklearn.neural_network import MLPRegressor as SklearnMLPRegressor

    X, y = _data("regression", np.float64)
    regressor = SklearnMLPRegressor(hidden_layer_sizes=(4,), max_iter=30, random_state=0)
    model = TransformedTargetRegressor(regressor, transformer=StandardScaler())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    (values,) = _run(skl2onnx.to_onnx(model, X[:1]), X)
    _assert_close(values[:, 0], model.predict(X), np.float64)


@pytest.mark.parametrize("settings", [
    dict(func=np.log1p, inverse_func=np.expm1, check_inverse=False),
    dict(transformer=QuantileTransformer(n_quantiles=10)),
], ids=["functions", "QuantileTransformer"])
def test_non_linear_target_transformation_is_refused(settings):
    X, y = _data("regression", np.float64)
    model = TransformedTargetRegressor(MLPRegressor((3,), max_iter=5), **settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, np.abs(y))
    with pytest.raises(ValueError, match="transformer is linear: StandardScaler"):
        skonnx.to_onnx(model, X)


@pytest.mark.parametrize("make", [
    lambda: MLPClassifier((5,), max_iter=30, random_state=0),
    lambda: make_pipeline(StandardScaler(), MLPClassifier((5,), max_iter=30,
                                                         random_state=0)),
    lambda: PerceptronClassifier(max_iter=5, random_state=0),
], ids=["MLPClassifier", "Pipeline", "PerceptronClassifier"])
@pytest.mark.parametrize("target", ["binary", "multiclass", "string_labels"])
def test_float64_classifier_through_plain_skl2onnx_loads(make, target):
    # skl2onnx's default ZipMap takes float32 only: without it the graph would not
    # load (scikit-learn's own MLPClassifier fails so).
    X, y = _data(target, np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = make().fit(X, y)
    label, scores = _run(skl2onnx.to_onnx(model, X[:1]), X)
    assert_array_equal(label, model.predict(X))
    if hasattr(model, "predict_proba"):
        _assert_close(scores, model.predict_proba(X), np.float64)
    else:
        expected = model.decision_function(X)
        if expected.ndim == 1:
            expected = np.column_stack([-expected, expected])
        _assert_close(scores, expected, np.float64)


def test_input_feed_checks_the_columns():
    frame, y = _petrol_frame()
    model = MLPRegressor((3,), max_iter=5, random_state=0).fit(frame, y)
    onnx_model = skonnx.to_onnx(model, frame)
    with pytest.raises(ValueError, match="do not match the graph's inputs"):
        skonnx.input_feed(onnx_model, frame.iloc[:, ::-1])
    with pytest.raises(ValueError, match="pass a DataFrame"):
        skonnx.input_feed(onnx_model, frame.to_numpy())
    X, y = _data("binary", np.float32)
    onnx_model = skonnx.to_onnx(MLPClassifier((3,), max_iter=5).fit(X, y), X)
    feed = skonnx.input_feed(onnx_model, X.astype(np.float64))
    assert list(feed) == ["X"] and feed["X"].dtype == np.float32
