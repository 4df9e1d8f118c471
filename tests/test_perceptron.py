"""Tests for PerceptronClassifier.

References are independent of the code under test: scikit-learn's ``Perceptron`` and
``SGDClassifier``, updates computed by hand, Novikoff's bound and the XOR argument.
"""

import pickle
import runpy
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits, load_iris, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Perceptron, SGDClassifier
from sklearn.preprocessing import StandardScaler

from skneural import PerceptronClassifier

# scikit-learn's estimator checks for PerceptronClassifier are in test_common.py.


# --- data -------------------------------------------------------------------------


def _scaled(X):
    return StandardScaler().fit_transform(X)


IRIS = load_iris(return_X_y=True)
IRIS_SCALED = (_scaled(IRIS[0]), IRIS[1])
DIGITS = load_digits(return_X_y=True)
DIGITS_SCALED = (_scaled(DIGITS[0]), DIGITS[1])
BLOBS = make_classification(
    n_samples=600, n_features=10, n_informative=5, random_state=0
)
BLOBS_SCALED = (_scaled(BLOBS[0]), BLOBS[1])
# The example on which the updates are worked out by hand below.
X3 = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
y3 = np.array([1, 0, 0])


def _both(params, X, y, **fit_params):
    """Fit scikit-learn's Perceptron and ours with the same settings."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = Perceptron(**params).fit(X, y, **fit_params)
        ours = PerceptronClassifier(**params).fit(X, y, **fit_params)
    return theirs, ours


def _assert_same_model(theirs, ours, X, y):
    # Our loop visits the samples in scikit-learn's order (its xorshift shuffle is
    # reproduced), so every mistake and every update is the same; only the rounding
    # of the dot products differs (BLAS blocks vs. a sequential sum), hence
    # allclose on the weights and exact equality of everything discrete. (Scaled
    # data: on raw integer data with eta0 != 1 exact ties w.x + b = 0 are common and
    # rounding decides them, so the two can part ways there.)
    assert ours.score(X, y) == theirs.score(X, y)
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.t_ == theirs.t_
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-7,
                               atol=1e-9)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


# --- the rule, by hand ------------------------------------------------------------


def test_hand_computed_updates():
    # Epoch 1, from w = 0, b = 0 (labels 1 -> +1, 0 -> -1):
    #   x=(1,0), y=+1: w.x+b = 0, a mistake -> add:      w=(1, 0),  b=1
    #   x=(0,1), y=-1: w.x+b = 1, a mistake -> subtract: w=(1,-1),  b=0
    #   x=(1,1), y=-1: w.x+b = 0, a mistake -> subtract: w=(0,-2),  b=-1
    # Epoch 2:
    #   x=(1,0), y=+1: w.x+b = -1, a mistake -> add:     w=(1,-2),  b=0
    #   x=(0,1): -2 and x=(1,1): -1 are right; epoch 3 makes no mistake.
    expected = {
        1: ([0.0, -2.0], -1.0, 3),
        2: ([1.0, -2.0], 0.0, 4),
        10: ([1.0, -2.0], 0.0, 4),
    }
    for max_iter, (coef, intercept, n_updates) in expected.items():
        clf = PerceptronClassifier(shuffle=False, tol=None, max_iter=max_iter)
        clf.fit(X3, y3)
        np.testing.assert_array_equal(clf.coef_, [coef])
        np.testing.assert_array_equal(clf.intercept_, [intercept])
        assert clf.n_updates_.tolist() == [n_updates]
        assert clf.n_iter_ == max_iter
        assert clf.t_ == max_iter * 3 + 1
    assert clf.score(X3, y3) == 1.0


def test_eta0_scales_the_updates():
    clf = PerceptronClassifier(shuffle=False, tol=None, max_iter=1, eta0=0.5)
    clf.fit(X3, y3)
    np.testing.assert_array_equal(clf.coef_, [[0.0, -1.0]])
    np.testing.assert_array_equal(clf.intercept_, [-0.5])


def test_no_intercept_and_l2_by_hand():
    # fit_intercept=False: b stays 0. Steps: (1,0) y=+1, 0 -> add: w=(1,0);
    # (0,1) y=-1, 0 -> subtract: w=(1,-1); (1,1) y=-1, 0 -> subtract: w=(0,-2).
    clf = PerceptronClassifier(shuffle=False, tol=None, max_iter=1,
                               fit_intercept=False).fit(X3, y3)
    np.testing.assert_array_equal(clf.coef_, [[0.0, -2.0]])
    np.testing.assert_array_equal(clf.intercept_, [0.0])
    # L2: before each update w is multiplied by 1 - eta0 * alpha = 0.5.
    # (1,0): w=(1,0), b=1; (0,1): 0+1 > 0 wrong: w=(0.5,-1), b=0;
    # (1,1): -0.5 right, only shrinks: w=(0.25,-0.5).
    clf = PerceptronClassifier(shuffle=False, tol=None, max_iter=1, penalty="l2",
                               alpha=0.5).fit(X3, y3)
    np.testing.assert_allclose(clf.coef_, [[0.25, -0.5]])
    np.testing.assert_allclose(clf.intercept_, [0.0])
    assert clf.n_updates_.tolist() == [2]


def test_averaged_by_hand():
    # The weights after each of the six steps of the hand example (max_iter=2):
    # (1,0) b=1, (1,-1) b=0, (0,-2) b=-1, then (1,-2) b=0 three times.
    clf = PerceptronClassifier(shuffle=False, tol=None, max_iter=2, averaged=True)
    clf.fit(X3, y3)
    np.testing.assert_allclose(clf.coef_, [[5 / 6, -9 / 6]])
    np.testing.assert_allclose(clf.intercept_, [0.0], atol=1e-15)
    # Averaging does not change the training itself.
    np.testing.assert_array_equal(clf._standard_coef, [[1.0, -2.0]])


def test_pocket_by_hand():
    # After epoch 1 of the hand example, every weight vector was replaced on its
    # first sample, so none had a run beating the pocket's; the final one, scored
    # at the end, makes 1 error like the initial zeros (which predict "negative"
    # everywhere): the ratchet keeps the zeros. After epoch 2, (1,-2), b=0 makes no
    # error and goes in the pocket.
    clf = PerceptronClassifier(shuffle=False, tol=None, max_iter=1, pocket=True)
    clf.fit(X3, y3)
    np.testing.assert_array_equal(clf.coef_, [[0.0, 0.0]])
    np.testing.assert_array_equal(clf.intercept_, [0.0])
    clf.set_params(max_iter=2).fit(X3, y3)
    np.testing.assert_array_equal(clf.coef_, [[1.0, -2.0]])
    np.testing.assert_array_equal(clf.intercept_, [0.0])


# --- drop-in for scikit-learn -----------------------------------------------------


def test_signature_and_defaults_match_sklearn():
    theirs = Perceptron().get_params()
    ours = PerceptronClassifier().get_params()
    assert {k: ours[k] for k in theirs} == theirs
    assert set(ours) - set(theirs) == {"averaged", "pocket"}
    with pytest.raises(TypeError):
        PerceptronClassifier(None)  # keyword-only, as in scikit-learn


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"penalty": "l2"},
        {"penalty": "l2", "alpha": 0.01, "eta0": 0.1},
        {"early_stopping": True},
        {"class_weight": "balanced"},
        {"shuffle": False},
        {"fit_intercept": False, "eta0": 0.1},
        {"tol": None, "max_iter": 7},
        {"n_iter_no_change": 2, "tol": 1e-2, "random_state": 3},
    ],
    ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()) or "defaults",
)
@pytest.mark.parametrize(
    "data",
    [IRIS_SCALED, DIGITS_SCALED, BLOBS_SCALED],
    ids=["iris", "digits", "blobs"],
)
def test_same_model_as_sklearn(params, data):
    X, y = data
    theirs, ours = _both(params, X, y)
    _assert_same_model(theirs, ours, X, y)


@pytest.mark.parametrize("penalty", ["l1", "elasticnet"])
def test_same_model_as_sklearn_l1(penalty):
    X, y = IRIS_SCALED
    theirs, ours = _both({"penalty": penalty, "alpha": 1e-3}, X, y)
    _assert_same_model(theirs, ours, X, y)


def test_same_model_as_sklearn_binary_with_sample_weight():
    X, y = BLOBS_SCALED
    sample_weight = np.random.RandomState(0).uniform(0, 2, size=len(y))
    theirs, ours = _both({}, X, y, sample_weight=sample_weight)
    _assert_same_model(theirs, ours, X, y)
    assert ours.coef_.shape == (1, X.shape[1])
    assert ours.intercept_.shape == (1,)


def test_same_model_as_sklearn_class_weight_dict_and_random_state_instance():
    X, y = IRIS_SCALED
    for make_params in [
        lambda: {"class_weight": {0: 2.0, 1: 0.5, 2: 1.0}},
        lambda: {"random_state": np.random.RandomState(3), "early_stopping": True},
    ]:
        theirs = Perceptron(**make_params()).fit(X, y)
        ours = PerceptronClassifier(**make_params()).fit(X, y)
        _assert_same_model(theirs, ours, X, y)


def test_float32_is_preserved_and_matches_sklearn():
    # Raw digits with eta0=1: all the arithmetic is on small integers, hence exact.
    X, y = DIGITS[0].astype(np.float32), DIGITS[1]
    theirs, ours = _both({}, X, y)
    assert ours.coef_.dtype == np.float32
    assert ours.intercept_.dtype == np.float32
    _assert_same_model(theirs, ours, X, y)


def test_k_partial_fits_equal_fit_with_max_iter_k():
    # scikit-learn restarts its shuffle at every partial_fit call, so there k
    # calls differ from fit(max_iter=k); here they are the same epochs.
    X, y = IRIS_SCALED
    classes = np.unique(y)
    for params in [{}, {"averaged": True}, {"class_weight": {0: 1, 1: 2, 2: 1}}]:
        theirs = Perceptron(**{k: v for k, v in params.items() if k != "averaged"},
                            max_iter=4, tol=None)
        if "averaged" in params:
            theirs = SGDClassifier(loss="perceptron", learning_rate="constant",
                                   eta0=1.0, penalty=None, random_state=0,
                                   average=True, max_iter=4, tol=None)
        theirs.fit(X, y)
        ours = PerceptronClassifier(**params)
        for _ in range(4):
            ours.partial_fit(X, y, classes=classes)
        assert ours.n_iter_ == 1
        assert ours.t_ == theirs.t_
        np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-7,
                                   atol=1e-9)
        # and fit then partial_fit goes on in the same way
        resumed = PerceptronClassifier(**params, max_iter=2, tol=None).fit(X, y)
        resumed.partial_fit(X, y).partial_fit(X, y)
        np.testing.assert_allclose(resumed.coef_, theirs.coef_, rtol=1e-7, atol=1e-9)
        assert resumed.t_ == theirs.t_


def test_partial_fit_and_warm_start_match_sklearn():
    X, y = IRIS_SCALED
    # partial_fit without shuffling is scikit-learn's.
    classes = np.unique(y)
    theirs, ours = Perceptron(shuffle=False), PerceptronClassifier(shuffle=False)
    for _ in range(4):
        theirs.partial_fit(X, y, classes=classes)
        ours.partial_fit(X, y, classes=classes)
    _assert_same_model(theirs, ours, X, y)
    assert ours.n_iter_ == 1

    theirs = Perceptron(warm_start=True, max_iter=3)
    ours = PerceptronClassifier(warm_start=True, max_iter=3)
    for _ in range(3):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            theirs.fit(X, y)
            ours.fit(X, y)
    _assert_same_model(theirs, ours, X, y)

    coef_init = np.ones((3, X.shape[1]))
    intercept_init = np.array([1.0, -1.0, 0.5])
    # (scikit-learn trains in the arrays it is given: hand it copies.)
    theirs = Perceptron().fit(
        X, y, coef_init=coef_init.copy(), intercept_init=intercept_init.copy()
    )
    ours = PerceptronClassifier().fit(
        X, y, coef_init=coef_init, intercept_init=intercept_init
    )
    _assert_same_model(theirs, ours, X, y)
    np.testing.assert_array_equal(coef_init, 1.0)  # ours leaves them alone


def test_partial_fit_accepts_partial_classes():
    X, y = IRIS_SCALED
    clf = PerceptronClassifier()
    clf.partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2])
    clf.partial_fit(X[y == 2], y[y == 2])
    assert clf.classes_.tolist() == [0, 1, 2]
    assert clf.coef_.shape == (3, X.shape[1])
    assert clf.t_ == len(y) + 1
    assert clf.n_updates_.shape == (3,)


def test_binary_and_multiclass_shapes_and_string_labels():
    X, y = IRIS_SCALED
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = PerceptronClassifier().fit(X, labels)
    assert clf.classes_.tolist() == ["setosa", "versicolor", "virginica"]
    assert clf.decision_function(X).shape == (len(y), 3)
    np.testing.assert_array_equal(
        clf.predict(X), clf.classes_[clf.decision_function(X).argmax(axis=1)]
    )
    binary = labels != "setosa"
    clf.fit(X, np.where(binary, "yes", "no"))
    scores = clf.decision_function(X)
    assert scores.shape == (len(y),)
    np.testing.assert_array_equal(clf.predict(X), np.where(scores > 0, "yes", "no"))
    assert clf.score(X, np.where(binary, "yes", "no")) == 1.0


def test_no_predict_proba():
    clf = PerceptronClassifier().fit(*IRIS_SCALED)
    assert not hasattr(clf, "predict_proba")
    with pytest.raises(AttributeError):
        clf.predict_proba(IRIS_SCALED[0])


def test_sparse_input_trains_like_dense():
    X, y = BLOBS_SCALED
    X = np.where(np.abs(X) < 0.7, 0.0, X)
    X_sparse = sp.csr_matrix(X)
    for params in [{}, {"penalty": "l2"}, {"averaged": True}, {"pocket": True}]:
        dense = PerceptronClassifier(**params).fit(X, y)
        sparse = PerceptronClassifier(**params).fit(X_sparse, y)
        np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=1e-10)
        np.testing.assert_allclose(sparse.intercept_, dense.intercept_, rtol=1e-10)
        np.testing.assert_array_equal(sparse.predict(X_sparse), dense.predict(X))
    # Without an intercept scikit-learn's sparse path is the same rule too (with
    # one it damps intercept updates by 0.01 on sparse data; we do not).
    theirs, ours = _both({"fit_intercept": False}, X_sparse, y)
    _assert_same_model(theirs, ours, X_sparse, y)
    sparse_l1 = PerceptronClassifier(penalty="l1", alpha=1e-3).fit(X_sparse[:150],
                                                                   y[:150])
    dense_l1 = PerceptronClassifier(penalty="l1", alpha=1e-3).fit(X[:150], y[:150])
    # With an L1 penalty only the features present in a row are truncated at
    # that step (as in scikit-learn), so sparse and dense differ; both learn.
    assert sparse_l1.score(X_sparse[:150], y[:150]) > 0.8
    assert dense_l1.score(X[:150], y[:150]) > 0.8


def test_sparse_duplicates_are_summed():
    # X3 with its last row (1, 1) stored as (1, 0.5, 0.5) on columns (0, 1, 1).
    duplicated = sp.csr_matrix(
        ([1.0, 1.0, 1.0, 0.5, 0.5], [0, 1, 0, 1, 1], [0, 1, 2, 5]), shape=(3, 2)
    )
    assert not duplicated.has_canonical_format
    clf = PerceptronClassifier(shuffle=False, tol=None, max_iter=2).fit(duplicated, y3)
    np.testing.assert_array_equal(clf.coef_, [[1.0, -2.0]])  # as computed by hand


def test_sparsify_densify():
    X, y = IRIS_SCALED
    clf = PerceptronClassifier().fit(X, y)
    dense_scores = clf.decision_function(X)
    clf.sparsify()
    assert sp.issparse(clf.coef_)
    np.testing.assert_allclose(clf.decision_function(X), dense_scores)
    clf.densify()
    assert isinstance(clf.coef_, np.ndarray)


def test_pickle_round_trip_and_resume():
    X, y = IRIS_SCALED
    classes = np.unique(y)
    for params in [{}, {"averaged": True}, {"pocket": True}]:
        straight = PerceptronClassifier(**params).partial_fit(X, y, classes=classes)
        pickled = pickle.loads(pickle.dumps(straight))
        np.testing.assert_array_equal(pickled.predict(X), straight.predict(X))
        straight.partial_fit(X, y)
        pickled.partial_fit(X, y)
        np.testing.assert_array_equal(pickled.coef_, straight.coef_)
        np.testing.assert_array_equal(pickled.n_updates_, straight.n_updates_)


def test_sample_weight_zero_is_like_removing_the_sample():
    # Without shuffling and with a fixed number of epochs a sample of weight 0
    # never changes the weights, so the fit equals one without that sample.
    X, y = BLOBS_SCALED
    sample_weight = np.ones(len(y))
    sample_weight[::3] = 0.0
    keep = sample_weight > 0
    params = {"shuffle": False, "tol": None, "max_iter": 5}
    weighted = PerceptronClassifier(**params).fit(X, y, sample_weight=sample_weight)
    removed = PerceptronClassifier(**params).fit(X[keep], y[keep])
    np.testing.assert_allclose(weighted.coef_, removed.coef_)
    np.testing.assert_allclose(weighted.intercept_, removed.intercept_)


def test_class_weight_balanced_helps_the_minority_class():
    X, y = make_classification(
        n_samples=600, n_features=5, weights=[0.9, 0.1], flip_y=0.05, random_state=1
    )
    X = _scaled(X)
    theirs, ours = _both({"class_weight": "balanced"}, X, y)
    _assert_same_model(theirs, ours, X, y)
    plain = PerceptronClassifier().fit(X, y)
    minority = y == 1
    assert (ours.predict(X)[minority] == 1).mean() >= (
        plain.predict(X)[minority] == 1
    ).mean()


def test_feature_names_in():
    pd = pytest.importorskip("pandas")
    X, y = IRIS_SCALED
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    clf = PerceptronClassifier().fit(frame, y)
    assert clf.feature_names_in_.tolist() == ["a", "b", "c", "d"]
    assert clf.n_features_in_ == 4


def test_convergence_warning_and_n_iter():
    X, y = IRIS_SCALED
    with pytest.warns(ConvergenceWarning):
        PerceptronClassifier(max_iter=2).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = PerceptronClassifier(max_iter=2, tol=None).fit(X, y)
    assert clf.n_iter_ == 2
    assert clf.t_ == 2 * len(y) + 1


def test_n_jobs_gives_the_same_model():
    X, y = IRIS_SCALED
    one = PerceptronClassifier().fit(X, y)
    two = PerceptronClassifier(n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(one.coef_, two.coef_)


def test_verbose_prints_epochs(capsys):
    PerceptronClassifier(verbose=1, max_iter=2, tol=None).fit(*IRIS_SCALED)
    out = capsys.readouterr().out
    assert "-- Epoch 2" in out
    assert "Avg. loss" in out


def test_overflow_is_reported():
    X, y = IRIS
    with pytest.raises(ValueError, match="overflow"):
        PerceptronClassifier().fit(X * 1e306, y)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"penalty": "l3"}, "penalty"),
        ({"eta0": 0.0}, "eta0"),
        ({"alpha": -1.0}, "alpha"),
        ({"max_iter": 0}, "max_iter"),
        ({"l1_ratio": 1.5}, "l1_ratio"),
        ({"validation_fraction": 1.0}, "validation_fraction"),
        ({"class_weight": "auto"}, "class_weight"),
        ({"averaged": -1}, "averaged"),
        ({"pocket": "yes"}, "pocket"),
        ({"averaged": True, "pocket": True}, "averaged and pocket"),
    ],
)
def test_invalid_params(params, match):
    with pytest.raises(ValueError, match=match):
        PerceptronClassifier(**params).fit(*IRIS_SCALED)


def test_invalid_calls():
    X, y = IRIS_SCALED
    with pytest.raises(ValueError, match="classes must be passed"):
        PerceptronClassifier().partial_fit(X, y)
    with pytest.raises(ValueError, match="early_stopping"):
        PerceptronClassifier(early_stopping=True).partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="balanced"):
        PerceptronClassifier(class_weight="balanced").partial_fit(
            X, y, classes=[0, 1, 2]
        )
    with pytest.raises(ValueError, match="not in classes_"):
        PerceptronClassifier().partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="greater than one"):
        PerceptronClassifier().fit(X, np.zeros(len(y)))
    with pytest.raises(ValueError, match="Unknown label type"):
        PerceptronClassifier().fit(X, np.linspace(0, 1, len(y)))
    with pytest.raises(ValueError, match="coef_init"):
        PerceptronClassifier().fit(X, y, coef_init=np.zeros((2, 4)))
    clf = PerceptronClassifier().fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :3])


# --- the theory -------------------------------------------------------------------


def _separable_with_margin(n_samples, n_features, gamma, seed):
    """Points in [-1, 1]^d whose augmented vectors (x, 1) lie at least ``gamma``
    from the hyperplane of a random unit vector ``u`` in R^(d+1)."""
    rng = np.random.RandomState(seed)
    u = rng.normal(size=n_features + 1)
    u /= np.linalg.norm(u)
    X = rng.uniform(-1, 1, size=(20 * n_samples, n_features))
    margins = X @ u[:-1] + u[-1]
    keep = np.abs(margins) >= gamma
    X, margins = X[keep][:n_samples], margins[keep][:n_samples]
    return X, (margins > 0).astype(int), u


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("shuffle", [True, False])
def test_novikoff_bound(seed, shuffle):
    # Novikoff (1962): if some unit vector u separates the data with margin
    # gamma = min_i y_i u.(x_i, 1) and R = max_i ||(x_i, 1)||, the perceptron
    # (the bias being the weight of the constant input) makes at most (R/gamma)^2
    # mistakes, whatever the order of the samples and eta0.
    X, y, u = _separable_with_margin(300, 3, gamma=0.1, seed=seed)
    X_aug = np.hstack([X, np.ones((len(X), 1))])
    gamma = np.min(np.where(y == 1, 1, -1) * (X_aug @ u))
    radius = np.max(np.linalg.norm(X_aug, axis=1))
    bound = (radius / gamma) ** 2
    # Each epoch before convergence makes at least one mistake, so this many
    # epochs are enough to reach zero errors.
    clf = PerceptronClassifier(
        tol=None, max_iter=int(bound) + 2, shuffle=shuffle, random_state=seed,
        eta0=0.3,
    ).fit(X, y)
    assert clf.score(X, y) == 1.0
    assert 0 < clf.n_updates_[0] <= bound


XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_y = np.array([0, 1, 1, 0])


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"tol": None, "max_iter": 200},
        {"shuffle": False, "tol": None, "max_iter": 50},
        {"averaged": True, "tol": None, "max_iter": 100},
        {"pocket": True, "tol": None, "max_iter": 100},
        {"penalty": "l2", "alpha": 0.01},
        {"penalty": "elasticnet", "alpha": 0.01},
        {"fit_intercept": False},
        {"eta0": 0.01, "random_state": 7},
        {"class_weight": "balanced", "random_state": 1},
    ],
)
def test_xor_is_not_learnable(params):
    # A line separates at most 3 of the 4 XOR points (Minsky & Papert): the
    # constraints b <= 0, w1 + b > 0, w2 + b > 0, w1 + w2 + b <= 0 add up to
    # 0 < 0. So no setting beats 0.75 training accuracy.
    clf = PerceptronClassifier(**params).fit(XOR_X, XOR_y)
    assert clf.score(XOR_X, XOR_y) <= 0.75


# --- the variants -----------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [{"averaged": True}, {"averaged": True, "penalty": "l2"}, {"averaged": 500}],
)
@pytest.mark.parametrize("data", [IRIS_SCALED, BLOBS_SCALED], ids=["iris", "blobs"])
def test_averaged_matches_sgd_average(params, data):
    # SGDClassifier(average=...) with the perceptron loss and a constant rate is
    # the averaged perceptron: the mean of the weights after every step.
    X, y = data
    sgd_params = {k: v for k, v in params.items() if k != "averaged"}
    theirs = SGDClassifier(**{
        "loss": "perceptron", "learning_rate": "constant", "eta0": 1.0,
        "penalty": None, "random_state": 0, "average": params["averaged"],
        **sgd_params,
    }).fit(X, y)
    ours = PerceptronClassifier(**params).fit(X, y)
    _assert_same_model(theirs, ours, X, y)
    plain = PerceptronClassifier(**sgd_params).fit(X, y)
    assert not np.allclose(ours.coef_, plain.coef_)
    assert ours.score(X, y) > 0.85


def _noisy_binary(seed):
    X, y = make_classification(
        n_samples=300, n_features=5, n_informative=3, flip_y=0.15, class_sep=0.8,
        random_state=seed,
    )
    return _scaled(X), y


@pytest.mark.parametrize("seed", range(5))
def test_pocket_is_never_worse_than_the_last_weights(seed):
    # Same trajectory (the pocket does not change training); the last weights are
    # among the candidates, so the pocket makes no more training errors.
    X, y = _noisy_binary(seed)
    for params in [{}, {"tol": None, "max_iter": 30}, {"penalty": "l2"}]:
        plain = PerceptronClassifier(**params).fit(X, y)
        pocket = PerceptronClassifier(pocket=True, **params).fit(X, y)
        assert pocket.score(X, y) >= plain.score(X, y)
        np.testing.assert_array_equal(pocket._standard_coef, plain.coef_)
        assert pocket.n_updates_ == plain.n_updates_


def test_pocket_beats_the_last_weights_on_noisy_data():
    gains = []
    for seed in range(5):
        X, y = _noisy_binary(seed)
        plain = PerceptronClassifier().fit(X, y).score(X, y)
        pocket = PerceptronClassifier(pocket=True).fit(X, y).score(X, y)
        gains.append(pocket - plain)
    assert np.mean(gains) > 0.02


def test_pocket_respects_sample_weight():
    # The pocket counts weighted errors: with weights the training errors it
    # minimizes are the weighted ones, and it is never worse than the last weights.
    X, y = _noisy_binary(0)
    sample_weight = np.random.RandomState(0).uniform(0.1, 3, size=len(y))
    plain = PerceptronClassifier().fit(X, y, sample_weight=sample_weight)
    pocket = PerceptronClassifier(pocket=True).fit(X, y, sample_weight=sample_weight)
    assert pocket.score(X, y, sample_weight=sample_weight) >= plain.score(
        X, y, sample_weight=sample_weight
    )


# --- the example ------------------------------------------------------------------


def test_example_runs_headless(tmp_path, monkeypatch):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    example = Path(__file__).parents[1] / "examples" / "plot_perceptron.py"
    figure = tmp_path / "perceptron.png"
    monkeypatch.setattr(sys, "argv", [str(example), str(figure)])
    namespace = runpy.run_path(str(example), run_name="__main__")
    plt.close("all")
    assert figure.stat().st_size > 0
    # What the figure claims: the separable set is learned, XOR is not, the MLP
    # learns it.
    assert namespace["separable"].score(namespace["X_sep"], namespace["y_sep"]) == 1
    assert namespace["on_xor"].score(namespace["X_xor"], namespace["y_xor"]) < 0.8
    assert namespace["mlp"].score(namespace["X_xor"], namespace["y_xor"]) > 0.95
