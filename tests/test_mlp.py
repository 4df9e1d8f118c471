"""MLPClassifier / MLPRegressor against scikit-learn 1.9's, and their contract."""

import inspect
import pickle
import warnings

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.neural_network as sk
from sklearn.base import clone
from sklearn.datasets import load_digits, make_multilabel_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skneural import MLPClassifier, MLPRegressor


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _small_problems():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 5))
    binary = (X[:, 0] + X[:, 1] > 0).astype(int)
    multiclass = np.digitize(X[:, 0] + 0.5 * X[:, 2], [-0.5, 0.5])
    multilabel = np.column_stack([X[:, 0] > 0, X[:, 1] > 0, X[:, 2] > 0.5]).astype(int)
    regression = X @ rng.normal(size=(5, 2)) + 0.1 * rng.normal(size=(60, 2))
    return {
        "binary": (sk.MLPClassifier, MLPClassifier, X, binary),
        "multiclass": (sk.MLPClassifier, MLPClassifier, X, multiclass),
        "multilabel": (sk.MLPClassifier, MLPClassifier, X, multilabel),
        "regression": (sk.MLPRegressor, MLPRegressor, X, regression[:, 0]),
        "multioutput": (sk.MLPRegressor, MLPRegressor, X, regression),
        "poisson": (sk.MLPRegressor, MLPRegressor, X, rng.poisson(2.0, size=60)),
    }


PROBLEMS = _small_problems()


def _explicit_weights(layer_units, seed):
    rng = np.random.RandomState(seed)
    coefs = [rng.uniform(-0.5, 0.5, size=(a, b)) for a, b in zip(layer_units[:-1],
                                                                  layer_units[1:])]
    intercepts = [rng.uniform(-0.5, 0.5, size=b) for b in layer_units[1:]]
    return coefs, intercepts


@pytest.mark.parametrize("problem", sorted(PROBLEMS))
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("weighted", [False, True])
def test_one_full_batch_step_equals_scikit_learn(problem, solver, weighted):
    """From identical explicit weights, one full-batch step gives the same coefs_."""
    sk_class, our_class, X, y = PROBLEMS[problem]
    params = dict(hidden_layer_sizes=(7, 4), activation="tanh", solver=solver,
                  batch_size=len(X), max_iter=1, shuffle=False, momentum=0.0,
                  learning_rate_init=0.05, alpha=0.01, warm_start=True, random_state=0)
    if problem == "poisson":
        params["loss"] = "poisson"
    sample_weight = np.random.RandomState(1).uniform(0.2, 3.0, len(X)) if weighted else None
    models = []
    for cls in (sk_class, our_class):
        model = cls(**params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)  # creates the attributes; the weights are replaced next
            layer_units = [X.shape[1], 7, 4, model.n_outputs_]
            model.coefs_, model.intercepts_ = _explicit_weights(layer_units, seed=42)
            model.fit(X, y, sample_weight=sample_weight)
        models.append(model)
    reference, ours = models
    for ref, got in zip(reference.coefs_ + reference.intercepts_,
                        ours.coefs_ + ours.intercepts_):
        np.testing.assert_allclose(got, ref, rtol=0, atol=1e-10)
    if problem != "multioutput":
        # For several outputs scikit-learn's squared-error *value* averages over the
        # outputs while its gradient sums; skneural's value sums (README, "differs").
        np.testing.assert_allclose(ours.loss_, reference.loss_, rtol=1e-10)


@pytest.mark.parametrize(
    "params",
    [
        dict(solver="adam"),
        dict(solver="sgd", learning_rate="invscaling", learning_rate_init=0.1),
        dict(solver="sgd", learning_rate="adaptive", n_iter_no_change=2, tol=0.05),
        dict(solver="sgd", nesterovs_momentum=False, batch_size=64),
        dict(solver="adam", early_stopping=True, n_iter_no_change=3),
        dict(solver="adam", n_iter_no_change=3, tol=0.05),
        dict(solver="lbfgs", activation="logistic"),
    ],
    ids=lambda p: "-".join(f"{k}={v}" for k, v in p.items()),
)
def test_training_trajectory_equals_scikit_learn(digits, params):
    """Same seed, same data: same loss curve, stopping epoch and weights."""
    X, y = digits
    X, y = X[:600], y[:600]
    common = dict(hidden_layer_sizes=(32,), random_state=3, max_iter=40)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference = sk.MLPClassifier(**common, **params).fit(X, y)
        ours = MLPClassifier(**common, **params).fit(X, y)
    assert ours.n_iter_ == reference.n_iter_
    assert ours.t_ == reference.t_
    if params["solver"] != "lbfgs":
        np.testing.assert_allclose(ours.loss_curve_, reference.loss_curve_, rtol=1e-9)
        if reference.best_loss_ is None:
            assert ours.best_loss_ is None
        else:
            assert ours.best_loss_ == pytest.approx(reference.best_loss_, rel=1e-9)
    if params.get("early_stopping"):
        np.testing.assert_allclose(ours.validation_scores_,
                                   reference.validation_scores_)
        assert ours.best_validation_score_ == reference.best_validation_score_
    for ref, got in zip(reference.coefs_, ours.coefs_):
        np.testing.assert_allclose(got, ref, rtol=1e-7, atol=1e-9)
    np.testing.assert_array_equal(ours.predict(X), reference.predict(X))


def test_signatures_match_scikit_learn():
    for ours, reference in [(MLPClassifier, sk.MLPClassifier),
                            (MLPRegressor, sk.MLPRegressor)]:
        our_params = inspect.signature(ours).parameters
        ref_params = inspect.signature(reference).parameters
        for name, ref in ref_params.items():
            assert name in our_params, name
            assert our_params[name].default == ref.default, name
        positional = [n for n, p in our_params.items()
                      if p.kind == p.POSITIONAL_OR_KEYWORD]
        assert positional == ["hidden_layer_sizes", "activation"]
    # MLPRegressor((50,)) is one hidden layer of 50 units, as before scikit-learn 1.7.
    assert MLPRegressor((50,)).hidden_layer_sizes == (50,)


def test_fitted_attributes(digits):
    X, y = digits
    clf = MLPClassifier((20, 10), max_iter=5, random_state=0).fit(X, y)
    assert clf.n_layers_ == 4 and clf.n_outputs_ == 10
    assert clf.out_activation_ == "softmax"
    assert [c.shape for c in clf.coefs_] == [(64, 20), (20, 10), (10, 10)]
    assert clf.n_features_in_ == 64 and len(clf.loss_curve_) == 5 == clf.n_iter_
    assert clf.t_ == 5 * len(X)
    assert clf.best_loss_ == min(clf.loss_curve_)
    assert clf.validation_scores_ is None and clf.best_validation_score_ is None
    np.testing.assert_array_equal(clf.classes_, np.arange(10))
    # loss_curve_ accumulates across warm starts and partial_fit; n_iter_ does not.
    clf.set_params(warm_start=True).fit(X, y)
    clf.partial_fit(X, y)
    assert len(clf.loss_curve_) == 11 and clf.n_iter_ == 1


def test_feature_names_in():
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(np.random.RandomState(0).normal(size=(30, 3)), columns=list("abc"))
    y = (X["a"] > 0).astype(int)
    clf = MLPClassifier((5,), max_iter=20, random_state=0).fit(X, y)
    np.testing.assert_array_equal(clf.feature_names_in_, ["a", "b", "c"])


def test_binary_multilabel_and_multioutput_shapes():
    X, Y = make_multilabel_classification(n_samples=80, n_classes=4, random_state=0)
    clf = MLPClassifier((30,), solver="lbfgs", max_iter=300, random_state=0).fit(X, Y)
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 4
    assert clf.predict(X).shape == (80, 4)
    proba = clf.predict_proba(X)
    assert proba.shape == (80, 4) and ((proba >= 0) & (proba <= 1)).all()
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), proba)
    assert clf.score(X, Y) > 0.5

    y = (X[:, 0] > np.median(X[:, 0])).astype(int)
    binary = MLPClassifier((10,), max_iter=50, random_state=0).fit(X, y)
    assert binary.out_activation_ == "logistic" and binary.n_outputs_ == 1
    np.testing.assert_allclose(binary.predict_proba(X).sum(axis=1), 1.0)

    Xr, Yr = make_regression(n_samples=80, n_features=5, n_targets=3, random_state=0)
    reg = MLPRegressor((20,), solver="lbfgs", max_iter=500, random_state=0).fit(Xr, Yr)
    assert reg.predict(Xr).shape == (80, 3) and reg.score(Xr, Yr) > 0.9


def test_sparse_input_gives_the_same_model_as_dense(digits):
    X, y = digits
    X = np.where(np.abs(X) < 0.5, 0.0, X)[:300]
    y = y[:300]
    dense = MLPClassifier((16,), max_iter=10, random_state=0).fit(X, y)
    for fmt in (sp.csr_matrix, sp.csc_matrix):
        sparse = MLPClassifier((16,), max_iter=10, random_state=0).fit(fmt(X), y)
        for a, b in zip(dense.coefs_, sparse.coefs_):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(sparse.predict_proba(fmt(X)), dense.predict_proba(X))


def test_float32_input_trains_in_float32(digits):
    X, y = digits
    clf = MLPClassifier((16,), max_iter=5, random_state=0).fit(X.astype(np.float32), y)
    assert all(c.dtype == np.float32 for c in clf.coefs_ + clf.intercepts_)
    assert clf.predict_proba(X.astype(np.float32)).dtype == np.float32
    reg = MLPRegressor((8,), solver="lbfgs", max_iter=20, random_state=0)
    reg.fit(X.astype(np.float32), y.astype(np.float32))
    assert all(c.dtype == np.float32 for c in reg.coefs_)


def test_sample_weight_integer_weights_equal_repetition():
    X, y = PROBLEMS["multiclass"][2:]
    weights = np.random.RandomState(0).randint(0, 3, size=len(X))
    params = dict(hidden_layer_sizes=(6,), solver="lbfgs", max_iter=50, random_state=0,
                  tol=1e-10)
    weighted = MLPClassifier(**params).fit(X, y, sample_weight=weights)
    repeated = MLPClassifier(**params).fit(np.repeat(X, weights, axis=0),
                                           np.repeat(y, weights))
    for a, b in zip(weighted.coefs_, repeated.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_partial_fit_and_sample_weight_in_partial_fit(digits):
    X, y = digits
    clf = MLPClassifier((16,), learning_rate_init=0.01, random_state=0)
    clf.partial_fit(X[:500], y[:500], classes=np.arange(10),
                    sample_weight=np.ones(500))
    for _ in range(19):
        clf.partial_fit(X[:500], y[:500])
    assert clf.n_iter_ == 1 and len(clf.loss_curve_) == 20
    assert clf.score(X[500:], y[500:]) > 0.8


def test_partial_fit_unavailable_for_lbfgs():
    for model in (MLPClassifier(solver="lbfgs"), MLPRegressor(solver="lbfgs")):
        assert not hasattr(model, "partial_fit")
        with pytest.raises(AttributeError, match="partial_fit"):
            getattr(model, "partial_fit")  # noqa: B009


def test_k_partial_fits_equal_fit_with_max_iter_k(digits):
    X, y = digits
    X, y = X[:400], y[:400]
    params = dict(hidden_layer_sizes=(16,), random_state=0, batch_size=50)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted = MLPClassifier(max_iter=4, **params).fit(X, y)
    incremental = MLPClassifier(**params)
    for _ in range(4):
        incremental.partial_fit(X, y, classes=np.arange(10))
    for a, b in zip(fitted.coefs_, incremental.coefs_):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


# -- bad input ---------------------------------------------------------------------


@pytest.mark.parametrize("Model", [MLPClassifier, MLPRegressor])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_input_is_rejected(Model, bad):
    X, y = PROBLEMS["binary"][2:]
    X_bad = X.copy()
    X_bad[3, 1] = bad
    with pytest.raises(ValueError, match="Input X contains (NaN|infinity)"):
        Model(max_iter=5).fit(X_bad, y)
    y_bad = y.astype(float)
    y_bad[2] = bad
    with pytest.raises(ValueError, match="Input y contains (NaN|infinity)"):
        Model(max_iter=5).fit(X, y_bad)


def test_wrong_number_of_features_at_predict():
    X, y = PROBLEMS["binary"][2:]
    clf = MLPClassifier((5,), max_iter=5).fit(X, y)
    with pytest.raises(ValueError, match="X has 4 features, but MLPClassifier is "
                                         "expecting 5 features"):
        clf.predict(X[:, :4])


def test_single_class_is_rejected():
    X = np.random.RandomState(0).normal(size=(10, 3))
    with pytest.raises(ValueError, match="at least 2 classes.*only one class: 1"):
        MLPClassifier().fit(X, np.ones(10, dtype=int))


def test_empty_input_is_rejected():
    with pytest.raises(ValueError, match="0 sample"):
        MLPRegressor().fit(np.empty((0, 3)), np.empty(0))


def test_partial_fit_label_checks():
    X, y = PROBLEMS["multiclass"][2:]
    clf = MLPClassifier((5,))
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(X, y)
    clf.partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="`y` has classes not in `self.classes_`"):
        clf.partial_fit(X, np.where(y == 2, 7, y))


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(hidden_layer_sizes=(10, 0)), "hidden_layer_sizes must be integers > 0"),
        (dict(hidden_layer_sizes=-3), "hidden_layer_sizes"),
        (dict(activation="sigmoidal"), "'activation' parameter"),
        (dict(solver="newton"), "'solver' parameter"),
        (dict(alpha=-1.0), "'alpha' parameter"),
        (dict(learning_rate_init=0.0), "'learning_rate_init' parameter"),
        (dict(momentum=1.5), "'momentum' parameter"),
        (dict(batch_size=0), "'batch_size' parameter"),
        (dict(validation_fraction=1.0), "'validation_fraction' parameter"),
        (dict(beta_2=1.0), "'beta_2' parameter"),
        (dict(max_iter=0), "'max_iter' parameter"),
    ],
)
def test_invalid_parameters_raise_value_error(params, message):
    X, y = PROBLEMS["binary"][2:]
    with pytest.raises(ValueError, match=message):
        MLPClassifier(**params).fit(X, y)


def test_poisson_rejects_negative_targets():
    X, y = PROBLEMS["regression"][2:]
    with pytest.raises(ValueError, match="non-negative targets"):
        MLPRegressor(loss="poisson").fit(X, y)


def test_divergence_stops_with_a_warning_and_finite_weights():
    X, y = make_regression(n_samples=200, n_features=10, noise=1, random_state=0)
    reg = MLPRegressor((20,), solver="sgd", learning_rate_init=10.0, momentum=0.9,
                       max_iter=50, random_state=0)
    with pytest.warns(ConvergenceWarning, match="diverged in epoch .* learning rate"):
        reg.fit(X * 100, y)
    assert all(np.isfinite(c).all() for c in reg.coefs_ + reg.intercepts_)
    assert np.isfinite(reg.predict(X)).all()
    assert np.isfinite(reg.loss_curve_).all()


def test_warm_start_with_other_layer_sizes_is_a_clear_error():
    X, y = PROBLEMS["binary"][2:]
    clf = MLPClassifier((5,), max_iter=5).fit(X, y)
    clf.set_params(hidden_layer_sizes=(6,), warm_start=True)
    with pytest.raises(ValueError, match="existing weights do not fit"):
        clf.fit(X, y)


# -- where scikit-learn users put it -------------------------------------------------


def test_pipeline_grid_search_and_cross_val_score(digits):
    X, y = load_digits(return_X_y=True)
    X, y = X[:500], y[:500]
    pipe = make_pipeline(StandardScaler(), MLPClassifier(
        max_iter=50, learning_rate_init=0.01, random_state=0))
    search = GridSearchCV(
        pipe,
        {"mlpclassifier__hidden_layer_sizes": [(10,), (30,)],
         "mlpclassifier__alpha": [1e-4, 1e-1]},
        cv=3, n_jobs=2,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
        scores = cross_val_score(MLPRegressor((10,), max_iter=50, random_state=0),
                                 *digits, cv=3)
    assert search.best_score_ > 0.85
    assert len(search.cv_results_["params"]) == 4
    assert scores.shape == (3,)


def test_clone_is_unfitted_with_the_same_params(digits):
    clf = MLPClassifier((7,), solver="sgd", max_iter=3, random_state=0).fit(*digits)
    cloned = clone(clf)
    assert cloned.get_params() == clf.get_params()
    assert not hasattr(cloned, "coefs_")


@pytest.mark.parametrize("dump", ["pickle", "joblib"])
def test_persistence_round_trip_and_resume(digits, tmp_path, dump):
    X, y = digits
    clf = MLPClassifier((16,), random_state=0)
    clf.partial_fit(X, y, classes=np.arange(10))
    clf.partial_fit(X, y)
    path = tmp_path / "model.bin"
    if dump == "pickle":
        path.write_bytes(pickle.dumps(clf))
        restored = pickle.loads(path.read_bytes())
    else:
        joblib.dump(clf, path)
        restored = joblib.load(path)
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    # Continuing after the round trip gives what continuing without it gives.
    restored.partial_fit(X, y)
    clf.partial_fit(X, y)
    for a, b in zip(restored.coefs_, clf.coefs_):
        np.testing.assert_array_equal(a, b)


def test_assigned_coefs_are_the_starting_point_of_the_next_fit():
    X, y = PROBLEMS["regression"][2:]
    reg = MLPRegressor((4,), max_iter=1, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X, y)
    reg.coefs_ = [np.zeros((5, 4)), np.zeros((4, 1))]
    reg.intercepts_ = [np.zeros(4), np.zeros(1)]
    reg.set_params(solver="sgd", learning_rate_init=0.1, momentum=0.0,
                   batch_size=len(X), shuffle=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X, y)
    # From all-zero weights one full-batch step only moves the output bias, by
    # lr * mean(y) (relu units are dead at 0 and the hidden weights get no gradient).
    np.testing.assert_allclose(reg.intercepts_[1], [0.1 * y.mean()])
    np.testing.assert_array_equal(reg.coefs_[0], 0.0)


def test_training_dtype_float32_trains_float64_input_in_float32(digits):
    X, y = digits
    X64 = X.astype(np.float64)
    opt_in = MLPClassifier((16,), max_iter=5, random_state=0, training_dtype="float32")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        opt_in.fit(X64, y)
        # The reference: the same model trained on the input cast up front.
        cast = MLPClassifier((16,), max_iter=5, random_state=0).fit(
            X64.astype(np.float32), y)
    assert all(c.dtype == np.float32 for c in opt_in.coefs_ + opt_in.intercepts_)
    for a, b in zip(opt_in.coefs_, cast.coefs_):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(opt_in.predict_proba(X64),
                                  cast.predict_proba(X64.astype(np.float32)))
    lbfgs = MLPClassifier((8,), solver="lbfgs", max_iter=20, random_state=0,
                          training_dtype="float32").fit(X64, y)
    assert lbfgs.coefs_[0].dtype == np.float32


@pytest.mark.parametrize("classes, y", [
    (np.array([0, 1]), np.array([1, 0, 0, 1, 1])),
    (np.array([-1, 4]), np.array([4, 4, 4])),  # one class present, two known
    (np.array([0, 1, 2]), np.array([2, 0, 1, 1])),
    (np.array([1.0, 2.0, 7.0, 9.0]), np.array([9.0, 1.0, 1.0])),  # a subset
    (np.array([3, 5, 8]), np.array([5.0, 8.0, 3.0])),  # float labels, int classes
    (np.array([False, True]), np.array([True, False, True])),
])
def test_partial_fit_label_shortcut_equals_label_binarizer(classes, y):
    from sklearn.preprocessing import LabelBinarizer

    from skneural._mlp import _one_hot
    expected = LabelBinarizer().fit(classes).transform(y).astype(bool)
    np.testing.assert_array_equal(_one_hot(y, classes), expected)


def test_partial_fit_label_shortcut_declines_what_it_cannot_encode():
    from skneural._mlp import _one_hot
    assert _one_hot(np.array(["a", "b"]), np.array(["a", "b"])) is None
    assert _one_hot(np.array([0, 3]), np.array([0, 1, 2])) is None  # unknown label
    assert _one_hot(np.array([[0], [1]]), np.array([0, 1])) is None


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
@pytest.mark.parametrize("warm_start", [False, True])
def test_n_iter_no_change_inf_runs_to_max_iter_as_scikit_learn(digits, solver,
                                                                warm_start):
    # np.inf is scikit-learn's documented "never stop early"; a huge tol makes every
    # epoch count as no improvement.
    X, y = digits
    X, y = X[:200], y[:200]
    params = dict(hidden_layer_sizes=(16,), solver=solver, n_iter_no_change=np.inf,
                  tol=1e9 if solver != "lbfgs" else 1e-4, max_iter=12,
                  random_state=0, warm_start=warm_start)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference = sk.MLPClassifier(**params).fit(X, y)
        ours = MLPClassifier(**params).fit(X, y)
        if warm_start:  # the second fit continues and stops at max_iter again
            reference.set_params(max_iter=20).fit(X, y)
            ours.set_params(max_iter=20).fit(X, y)
    assert ours.n_iter_ == reference.n_iter_
    if solver != "lbfgs":
        assert ours.n_iter_ == (20 if warm_start else 12)
        assert ours._no_improvement_count == reference._no_improvement_count
        np.testing.assert_allclose(ours.loss_curve_, reference.loss_curve_, rtol=1e-9)
    for ref, got in zip(reference.coefs_, ours.coefs_):
        np.testing.assert_allclose(got, ref, rtol=1e-7, atol=1e-9)


def test_predict_log_proba_is_log_of_predict_proba_where_finite():
    # scikit-learn's predict_log_proba is log(predict_proba): the same argmax, ties
    # included. skneural's agrees wherever that log is finite, and comes from the raw
    # outputs only where a probability underflows, so it is never -inf.
    X, Y = make_multilabel_classification(n_samples=50, random_state=0,
                                          return_indicator=True)
    params = dict(solver="lbfgs", hidden_layer_sizes=30, random_state=0)
    reference = sk.MLPClassifier(**params).fit(X, Y)
    ours = MLPClassifier(**params).fit(X, Y)
    proba = ours.predict_proba(X)
    np.testing.assert_allclose(proba, reference.predict_proba(X), rtol=1e-6,
                               atol=1e-12)
    log_proba = ours.predict_log_proba(X)
    assert np.isfinite(log_proba).all()
    np.testing.assert_array_equal(log_proba.argmax(axis=1),
                                  reference.predict_log_proba(X).argmax(axis=1))
    with np.errstate(divide="ignore"):
        expected = np.log(reference.predict_proba(X))
    finite = np.isfinite(expected) & (proba > np.finfo(proba.dtype).tiny)
    np.testing.assert_allclose(log_proba[finite], expected[finite], rtol=1e-6,
                               atol=1e-10)


@pytest.mark.parametrize("target", ["multiclass", "binary"])
def test_predict_log_proba_of_underflowing_probabilities_stays_finite(target):
    # Raw outputs 2000 apart: the small probabilities underflow in predict_proba
    # (clamped at the smallest normal float); their logs come from the raw outputs.
    X = np.array([[1.0], [-1.0], [0.5]])
    y = np.array([0, 1, 2]) if target == "multiclass" else np.array([0, 1, 1])
    clf = MLPClassifier((3,), activation="identity", max_iter=1).fit(X, y)
    clf.coefs_[0][...] = 1.0
    clf.intercepts_[0][...] = 0.0
    clf.coefs_[1][...] = 0.0
    clf.coefs_[1][0] = np.linspace(-1000, 1000, clf.coefs_[1].shape[1])
    raw = X @ clf.coefs_[0] @ clf.coefs_[1] + clf.intercepts_[1]
    if target == "multiclass":
        expected = raw - np.log(np.exp(raw - raw.max(1, keepdims=True)).sum(
            1, keepdims=True)) - raw.max(1, keepdims=True)
    else:
        expected = np.hstack([-np.logaddexp(0, raw), -np.logaddexp(0, -raw)])
    proba = clf.predict_proba(X)
    log_proba = clf.predict_log_proba(X)
    assert (proba == np.finfo(float).tiny).any()
    assert np.isfinite(log_proba).all()
    np.testing.assert_allclose(log_proba, expected, rtol=1e-12, atol=1e-15)
    assert (log_proba.argmax(1) == proba.argmax(1)).all()
