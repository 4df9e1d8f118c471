"""The MLPs on other Array API namespaces: array-api-strict (both of its devices)
and PyTorch CPU tensors, under ``sklearn.set_config(array_api_dispatch=True)``.

The reference is always the NumPy path (the in-place code that the rest of the
suite checks against scikit-learn and finite differences): from the same
``random_state``, every namespace must give the NumPy weights to 1e-8 relative in
float64 and 1e-4 in float32. ``tests/conftest.py`` sets ``SCIPY_ARRAY_API=1``.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import config_context
from sklearn.datasets import make_classification, make_regression
from sklearn.utils._array_api import move_to

from skneural import MLPClassifier, MLPRegressor, to_namespace
from skneural import activations as _activations
from skneural.network import Network

xps = pytest.importorskip("array_api_strict")
try:
    import torch
except ImportError:  # the torch extra is not installed: array-api-strict only
    torch = None
requires_torch = pytest.mark.skipif(
    torch is None, reason="needs PyTorch (pip install skneural[torch])")

NAMESPACES = {
    "strict-cpu": (xps, xps.Device("CPU_DEVICE")),
    "strict-device1": (xps, xps.Device("device1")),
}
if torch is not None:
    NAMESPACES["torch-cpu"] = (torch, "cpu")
    # On a machine with a working CUDA GPU (benchmarks/gpu_check.sh), the same tests
    # run there; a CUDA build of torch without a usable GPU is only its CPU.
    if torch.cuda.is_available():
        NAMESPACES["torch-cuda"] = (torch, "cuda")
try:
    import cupy

    if cupy.cuda.runtime.getDeviceCount() > 0:
        from sklearn.externals.array_api_compat import cupy as cupy_xp

        NAMESPACES["cupy"] = (cupy_xp, cupy.cuda.Device(0))
except Exception:  # no CuPy, or no device: CI's case
    pass


def namespaces(*names):
    """Parameters for the named namespaces; torch's are skipped without torch."""
    return [pytest.param(name, marks=requires_torch) if name.startswith("torch")
            else name for name in names]


ALL_NAMESPACES = namespaces("strict-cpu", "strict-device1", "torch-cpu") + [
    name for name in NAMESPACES if name not in ("strict-cpu", "strict-device1",
                                                "torch-cpu")]
STEP_SOLVERS = ["sgd", "momentum", "nesterov", "adaptive_gains", "rmsprop", "rprop",
                "rprop+", "rprop-", "irprop+", "irprop-", "adam", "vsgd"]
SOLVERS = STEP_SOLVERS + ["lbfgs", "cg"]
TOLERANCE = {"float64": 1e-8, "float32": 1e-4}


def to_numpy(array):
    return move_to(array, xp=np, device="cpu")


def on(namespace, *arrays, dtype=None):
    xp, device = NAMESPACES[namespace]
    moved = []
    for array in arrays:
        array = np.asarray(array)
        if dtype is not None and array.dtype.kind == "f":
            array = array.astype(dtype)
        moved.append(xp.asarray(array, device=device))
    return moved[0] if len(moved) == 1 else moved


def namespace_name(array):
    return type(array).__module__.split(".")[0]


def assert_same_weights(model, reference, dtype):
    tolerance = TOLERANCE[dtype]
    for got, expected in zip(model.coefs_ + model.intercepts_,
                             reference.coefs_ + reference.intercepts_, strict=True):
        got = to_numpy(got)
        assert got.dtype == expected.dtype
        np.testing.assert_allclose(got, expected, rtol=tolerance,
                                   atol=tolerance * np.abs(expected).max())


@pytest.fixture(scope="module")
def classification():
    X, y = make_classification(n_samples=120, n_features=8, n_informative=5,
                               n_classes=3, random_state=0)
    return X, y


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("namespace", ALL_NAMESPACES)
@pytest.mark.parametrize("solver", SOLVERS)
def test_five_epochs_give_the_numpy_weights(classification, solver, namespace, dtype):
    X, y = classification
    X = X.astype(dtype)
    params = dict(hidden_layer_sizes=(6,), solver=solver, max_iter=5, batch_size=32,
                  learning_rate_init=0.01, random_state=0)
    reference = MLPClassifier(**params).fit(X, y)
    with config_context(array_api_dispatch=True):
        model = MLPClassifier(**params).fit(*on(namespace, X, y))
    assert namespace_name(model.coefs_[0]) == namespace_name(on(namespace, X))
    assert model.coefs_[0].device == on(namespace, X).device
    assert_same_weights(model, reference, dtype)
    assert model.n_iter_ == reference.n_iter_
    np.testing.assert_allclose(model.loss_curve_, reference.loss_curve_,
                               rtol=TOLERANCE[dtype])


@pytest.mark.parametrize("namespace", ALL_NAMESPACES)
def test_random_draws_come_from_the_host(classification, namespace):
    # Dropout masks and input noise are drawn from the estimator's NumPy generator
    # and moved to the device: the same seed gives the NumPy model.
    X, y = classification
    params = dict(hidden_layer_sizes=(6, 5), max_iter=5, random_state=3,
                  dropout=[0.3, 0.2], input_noise=0.1, early_stopping=True,
                  validation_fraction=0.2, n_iter_no_change=50)
    reference = MLPClassifier(**params).fit(X, y)
    with config_context(array_api_dispatch=True):
        model = MLPClassifier(**params).fit(*on(namespace, X, y))
    assert_same_weights(model, reference, "float64")
    np.testing.assert_allclose(model.validation_scores_, reference.validation_scores_)


@pytest.mark.parametrize("namespace", namespaces("strict-device1", "torch-cpu"))
@pytest.mark.parametrize("loss, solver", [("squared_error", "adam"),
                                          ("poisson", "sgd"), ("huber", "rmsprop"),
                                          ("absolute_error", "irprop+"),
                                          ("squared_error", "lbfgs")])
def test_regressor_gives_the_numpy_weights(loss, solver, namespace):
    X, y = make_regression(n_samples=90, n_features=5, n_targets=2, noise=0.1,
                           random_state=1)
    y = np.abs(y) / 50 if loss == "poisson" else y / 100
    params = dict(hidden_layer_sizes=(7,), loss=loss, solver=solver, max_iter=5,
                  batch_size=25, random_state=0, alpha=1e-3, penalty="elasticnet",
                  max_norm=3.0, activation="tanh")
    reference = MLPRegressor(**params).fit(X, y)
    with config_context(array_api_dispatch=True):
        X_xp, y_xp = on(namespace, X, y)
        model = MLPRegressor(**params).fit(X_xp, y_xp)
        prediction = model.predict(X_xp)
        score = model.score(X_xp, y_xp)
    assert_same_weights(model, reference, "float64")
    assert namespace_name(prediction) == namespace_name(X_xp)
    np.testing.assert_allclose(to_numpy(prediction), reference.predict(X), rtol=1e-8)
    assert isinstance(score, float)
    assert score == pytest.approx(reference.score(X, y), rel=1e-8)


@pytest.mark.parametrize("namespace", ALL_NAMESPACES)
@pytest.mark.parametrize("activation", sorted(_activations.ACTIVATIONS.keys()))
@pytest.mark.parametrize("loss", ["squared_error", "log_loss", "binary_log_loss",
                                  "poisson", "huber", "absolute_error"])
def test_generic_forms_match_the_in_place_ones(activation, loss, namespace):
    # Every registered activation and loss: loss and gradient of the generic path
    # equal those of the NumPy path (itself checked against finite differences in
    # test_network.py), with an L1 + L2 penalty.
    rng = np.random.RandomState(0)
    net = Network([4, 5, 3], activation=activation, loss=loss, alpha=0.1,
                  l1_ratio=0.3)
    params = net.init_params(rng, "glorot_uniform")
    X = rng.normal(size=(6, 4))
    y = np.eye(3)[rng.randint(3, size=6)]
    sample_weight = rng.uniform(0.5, 2.0, size=6)
    loss_np, grad_np = net.loss_gradient(params, X, y, sample_weight)
    loss_xp, grad_xp = net.loss_gradient(*on(namespace, params, X, y, sample_weight))
    assert float(loss_xp) == pytest.approx(loss_np, rel=1e-12)
    np.testing.assert_allclose(to_numpy(grad_xp), grad_np, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("namespace", ALL_NAMESPACES)
def test_predictions_live_in_the_input_namespace(classification, namespace):
    X, y = classification
    reference = MLPClassifier((6,), max_iter=20, random_state=0).fit(X, y)
    with config_context(array_api_dispatch=True):
        X_xp, y_xp = on(namespace, X, y)
        model = MLPClassifier((6,), max_iter=20, random_state=0).fit(X_xp, y_xp)
        outputs = {name: getattr(model, name)(X_xp)
                   for name in ("predict", "predict_proba", "predict_log_proba")}
        score = model.score(X_xp, y_xp)
    for name, output in outputs.items():
        assert namespace_name(output) == namespace_name(X_xp), name
        assert output.device == X_xp.device, name
        np.testing.assert_allclose(to_numpy(output), getattr(reference, name)(X),
                                   rtol=1e-8, atol=1e-10)
    # classes_ follows y's namespace (scikit-learn's array-API classifiers).
    assert namespace_name(model.classes_) == namespace_name(y_xp)
    assert isinstance(score, float)
    assert score == pytest.approx(reference.score(X, y), rel=1e-6)  # torch: float32


@pytest.mark.parametrize("namespace", namespaces("strict-cpu", "torch-cpu"))
def test_string_labels_and_binary_and_multilabel(classification, namespace):
    X, y = classification
    labels = np.array(["ant", "bee", "cat"])[y]
    binary = y == 1
    multilabel = np.stack([y == 0, y != 2], axis=1).astype(int)
    for target in (labels, binary, multilabel):
        reference = MLPClassifier((5,), max_iter=10, random_state=0).fit(X, target)
        with config_context(array_api_dispatch=True):
            X_xp = on(namespace, X)
            model = MLPClassifier((5,), max_iter=10, random_state=0).fit(X_xp, target)
            predicted = model.predict(X_xp)
            proba = model.predict_proba(X_xp)
        # String labels cannot leave NumPy; numeric ones follow X.
        if target.dtype.kind == "U":
            assert isinstance(predicted, np.ndarray)
        else:
            assert namespace_name(predicted) == namespace_name(X_xp)
        np.testing.assert_array_equal(to_numpy(predicted), reference.predict(X))
        np.testing.assert_allclose(to_numpy(proba), reference.predict_proba(X),
                                   rtol=1e-8)


@requires_torch
def test_mixed_namespaces_follow_X(classification):
    # scikit-learn's rule: y and sample_weight move to X's namespace and device.
    X, y = classification
    weights = np.linspace(0.5, 1.5, len(y))
    reference = MLPClassifier((6,), max_iter=5, random_state=0).fit(
        X, y, sample_weight=weights)
    with config_context(array_api_dispatch=True):
        model = MLPClassifier((6,), max_iter=5, random_state=0).fit(
            on("torch-cpu", X), y, sample_weight=on("strict-device1", weights))
        assert isinstance(model.coefs_[0], torch.Tensor)
        assert_same_weights(model, reference, "float64")
        numpy_model = MLPClassifier((6,), max_iter=5, random_state=0).fit(
            X, on("torch-cpu", y))
        assert isinstance(numpy_model.coefs_[0], np.ndarray)
        with pytest.raises(ValueError, match="must use the same namespace"):
            model.predict(on("strict-cpu", X))


@requires_torch
def test_sparse_input_with_dispatch(classification):
    X, y = classification
    X_sparse = sp.csr_matrix(np.where(X > 0.5, X, 0.0))
    with config_context(array_api_dispatch=True):
        # Sparse matrices belong to NumPy (scikit-learn's rule): they train there.
        numpy_model = MLPClassifier((4,), max_iter=3).fit(X_sparse, y)
        assert isinstance(numpy_model.coefs_[0], np.ndarray)
        model = MLPClassifier((4,), max_iter=3).fit(on("torch-cpu", X), y)
        with pytest.raises(ValueError, match="sparse"):
            model.predict(X_sparse)
        with pytest.raises(ValueError, match="[Ss]parse"):
            model.partial_fit(X_sparse, y)


@pytest.mark.parametrize("namespace", ALL_NAMESPACES)
def test_to_namespace_moves_a_fitted_model(classification, namespace):
    X, y = classification
    params = dict(hidden_layer_sizes=(6,), max_iter=1, random_state=0)
    with config_context(array_api_dispatch=True):
        model = MLPClassifier(**params).partial_fit(*on(namespace, X, y),
                                                    classes=np.unique(y))
    reference = MLPClassifier(**params).partial_fit(X, y, classes=np.unique(y))
    # Train on the device, continue and predict with NumPy, then go back.
    to_namespace(model, np, "cpu")
    assert all(isinstance(c, np.ndarray) for c in model.coefs_ + model.intercepts_)
    model.partial_fit(X, y)
    reference.partial_fit(X, y)
    assert_same_weights(model, reference, "float64")
    np.testing.assert_array_equal(model.predict(X), reference.predict(X))
    xp, device = NAMESPACES[namespace]
    to_namespace(model, xp, device)
    with config_context(array_api_dispatch=True):
        model.partial_fit(*on(namespace, X, y))
        predicted = model.predict(on(namespace, X))
    reference.partial_fit(X, y)
    assert namespace_name(predicted) == namespace_name(on(namespace, X))
    assert_same_weights(model, reference, "float64")


@requires_torch
def test_device_weights_without_dispatch_are_a_clear_error(classification):
    X, y = classification
    with config_context(array_api_dispatch=True):
        model = MLPClassifier((4,), max_iter=2).fit(*on("torch-cpu", X, y))
    for method in ("predict", "predict_proba", "predict_log_proba"):
        with pytest.raises(ValueError, match="to_namespace"):
            getattr(model, method)(X)


@requires_torch
def test_warm_start_refuses_another_namespace(classification):
    X, y = classification
    with config_context(array_api_dispatch=True):
        model = MLPClassifier((4,), max_iter=2, warm_start=True).fit(
            *on("torch-cpu", X, y))
        with pytest.raises(ValueError, match="to_namespace"):
            model.fit(*on("strict-cpu", X, y))


def test_views_of_the_flat_buffer():
    # The flat-buffer design needs reshape(slice) to be a view: it is in torch and
    # array-api-strict (the generic path does not rely on it for writes).
    for namespace in NAMESPACES:
        xp, device = NAMESPACES[namespace]
        params = xp.zeros(10, device=device)
        view = xp.reshape(params[2:8], (2, 3))
        params += 1.0
        assert float(xp.sum(view)) == 6.0, namespace


@pytest.mark.parametrize("namespace", ALL_NAMESPACES)
def test_vsgd_generic_step_follows_the_numpy_one(namespace):
    # vSGD's rule on its own, past the slow start, on noisy gradients of a quadratic
    # whose noise makes the outlier test fire: every statistic and the weights follow
    # the in-place NumPy step (tests/test_vsgd.py checks that one against the papers).
    from skneural.optim import VSGD
    rng = np.random.RandomState(0)
    curvature = rng.uniform(0.5, 3.0, 40)
    noise = rng.standard_t(2, size=(60, 40))  # heavy tails: outliers

    def gradients(host):
        step = [0]

        def grad_fn(w):
            value = to_numpy(w) if not host else w
            g = curvature * value + noise[step[0] // 2]
            step[0] += 1
            return float(0.5 * curvature @ value**2), (g if host else on(namespace, g))
        return grad_fn

    solver = VSGD(init_batches=5)
    w = rng.normal(size=40)
    w_xp = on(namespace, w.copy())  # asarray may share memory
    state, state_xp = solver.init(w), solver.init(w)
    state_xp = {k: on(namespace, v) if isinstance(v, np.ndarray) else v
                for k, v in state_xp.items()}
    grad_fn, grad_fn_xp = gradients(True), gradients(False)
    outliers = 0
    for _ in range(30):
        tau_before = state["tau"].copy()
        state, _ = solver.step(w, grad_fn, state)
        state_xp, _ = solver.step(w_xp, grad_fn_xp, state_xp)
        outliers += np.sum(state["tau"] > tau_before + 1)  # memory lengthened
    assert outliers > 0
    np.testing.assert_allclose(to_numpy(w_xp), w, rtol=1e-12)
    for name in ("g_bar", "v_bar", "h_bar", "vh_bar", "tau"):
        np.testing.assert_allclose(to_numpy(state_xp[name]), state[name], rtol=1e-12)


@pytest.mark.parametrize("namespace", namespaces("strict-device1", "torch-cpu"))
@pytest.mark.parametrize("scoring", ["loss", "accuracy", "balanced_accuracy",
                                     "neg_log_loss", "f1_macro"])
def test_early_stopping_scorers_on_device_data(classification, namespace, scoring):
    # A scorer calls predict on the device's validation rows: the labels and weights
    # it compares with are moved there too, and the scores are the NumPy fit's.
    X, y = classification
    weights = np.random.RandomState(0).uniform(0.5, 2.0, len(y))
    params = dict(hidden_layer_sizes=(6,), max_iter=6, early_stopping=True,
                  n_iter_no_change=50, random_state=0, scoring=scoring)
    reference = MLPClassifier(**params).fit(X, y, sample_weight=weights)
    with config_context(array_api_dispatch=True):
        model = MLPClassifier(**params).fit(*on(namespace, X, y, weights))
    assert all(type(score) is float for score in model.validation_scores_)
    np.testing.assert_allclose(model.validation_scores_, reference.validation_scores_,
                               rtol=1e-6)
    assert model.best_validation_score_ == max(model.validation_scores_)


@requires_torch
def test_early_stopping_scorer_with_string_labels_on_device(classification):
    X, y = classification
    labels = np.array(["ant", "bee", "cat"])[y]
    params = dict(hidden_layer_sizes=(6,), max_iter=4, early_stopping=True,
                  n_iter_no_change=50, random_state=0, scoring="balanced_accuracy")
    reference = MLPClassifier(**params).fit(X, labels)
    with config_context(array_api_dispatch=True):
        model = MLPClassifier(**params).fit(on("torch-cpu", X), labels)
    np.testing.assert_allclose(model.validation_scores_, reference.validation_scores_,
                               rtol=1e-6)
