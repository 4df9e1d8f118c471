"""The training state (issue 10): one plain-data state on the estimator, validation in
one forward pass, early stopping on the validation loss, the registries."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from test_common import ESTIMATORS

from skneural import MLPAutoencoder, MLPClassifier, MLPRegressor, activations, losses
from skneural import network as network_module
from skneural.optim import SOLVERS, RMSprop
from skneural.optim.schedules import SCHEDULES

skops_io = pytest.importorskip("skops.io")


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X = X / 16
    return X[:300], y[:300], X[300:500], y[300:500]


def _fit(model, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(*args, **kwargs)


def _untrusted(model):
    return set(skops_io.get_untrusted_types(data=skops_io.dumps(model)))


def _own_class(model):
    return f"{type(model).__module__}.{type(model).__qualname__}"


# -- fitted state is plain data -----------------------------------------------------------


@pytest.mark.parametrize("model", [m for m in ESTIMATORS
                                   if not type(m).__name__.startswith("Perceptron")],
                         ids=repr)
def test_common_configurations_store_as_plain_data(model, digits):
    X, y = digits[:2]
    if isinstance(model, MLPRegressor):
        y = y.astype(float)
    model = _fit(clone(model).set_params(max_iter=3), X, y)
    expected = {_own_class(model)}
    if not isinstance(model.solver, str):
        # A solver object is the user's own object: it is trusted explicitly.
        expected.add(f"{type(model.solver).__module__}.{type(model.solver).__name__}")
    assert _untrusted(model) == expected
    loaded = skops_io.loads(skops_io.dumps(model), trusted=sorted(expected))
    method = "transform" if isinstance(model, MLPAutoencoder) else "predict"
    np.testing.assert_array_equal(getattr(loaded, method)(X), getattr(model, method)(X))


# lbfgs and cg take no validation split: their scoring has no effect, and says so.
@pytest.mark.filterwarnings("ignore:scoring='loss' has no effect:UserWarning")
@pytest.mark.parametrize("learning_rate", sorted(SCHEDULES))
@pytest.mark.parametrize("solver", sorted(SOLVERS))
def test_every_string_solver_and_schedule_stores_as_plain_data(digits, solver,
                                                                learning_rate):
    X, y = digits[:2]
    model = MLPClassifier((6,), solver=solver, learning_rate=learning_rate,
                          max_iter=2, random_state=0, early_stopping=True,
                          scoring="loss", activation="leaky_relu(negative_slope=0.2)")
    try:
        _fit(model, X, y)
    except ValueError as exc:  # plateau / bold_driver need a learning rate
        assert "needs a solver with a learning rate" in str(exc)
        return
    assert _untrusted(model) == {_own_class(model)}
    # partial_fit continues from the plain-data state after a skops round trip.
    if SOLVERS[solver]({}).__class__.__name__ not in ("LBFGS", "CG"):
        loaded = skops_io.loads(skops_io.dumps(model), trusted=[_own_class(model)])
        loaded.set_params(early_stopping=False).partial_fit(X, y)
        model.set_params(early_stopping=False).partial_fit(X, y)
        np.testing.assert_array_equal(loaded.coefs_[0], model.coefs_[0])


def test_fitted_state_holds_only_plain_types(digits):
    X, y = digits[:2]
    model = _fit(MLPClassifier((5,), solver="sgd", learning_rate="bold_driver",
                               penalty="l1", max_iter=3, random_state=0), X, y)
    # scikit-learn's own LabelBinarizer encodes the classes, as in its MLP (skops
    # trusts it: it is a scikit-learn type).
    from sklearn.preprocessing import LabelBinarizer

    plain = (np.ndarray, np.random.RandomState, int, float, str, bool, type(None),
             np.integer, np.floating, LabelBinarizer)

    def check(value, where):
        if isinstance(value, dict):
            for key, item in value.items():
                check(item, f"{where}[{key!r}]")
        elif isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                check(item, f"{where}[{i}]")
        else:
            assert isinstance(value, plain), f"{where} is a {type(value)}"

    check(vars(model), "model")
    assert set(model._training) == {"rng", "record", "t", "solver", "solver_class",
                                    "schedule", "sample_order", "best_params",
                                    "penalty"}
    # The cumulative L1 penalty's state: what was owed, what each weight received.
    assert set(model._training["penalty"]) == {"u", "q"}
    assert model._training["penalty"]["u"] > 0


def test_scratch_buffers_are_not_pickled(digits):
    X, y = digits[:2]
    solver = RMSprop(learning_rate_init=0.01)
    model = _fit(MLPClassifier((5,), solver=solver, max_iter=2, random_state=0), X, y)
    assert "_scratch_buffers" in vars(solver)   # the fit used scratch space ...
    restored = pickle.loads(pickle.dumps(model))
    assert "_scratch_buffers" not in vars(restored.solver)   # ... which is not saved
    assert set(model._training["solver"]) == {"square_avg", "grad_avg",
                                              "momentum_buffer"}


# -- validation: one forward pass, no call back into the estimator -----------------------


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_validation_is_one_forward_pass_without_the_estimator(digits, monkeypatch,
                                                             solver):
    X, y, X_val, y_val = digits
    calls = []
    predict_raw = network_module.Network.predict_raw

    def counting(self, coefs, intercepts, X_):
        if X_ is X_val or (X_.shape == X_val.shape and np.shares_memory(X_, X_val)):
            calls.append(1)
        return predict_raw(self, coefs, intercepts, X_)

    def refuse(*args, **kwargs):
        raise AssertionError("validation called back into the estimator")

    monkeypatch.setattr(network_module.Network, "predict_raw", counting)
    monkeypatch.setattr(MLPClassifier, "_forward_pass_fast", refuse)
    monkeypatch.setattr(MLPClassifier, "predict", refuse)
    model = _fit(MLPClassifier((8,), solver=solver, max_iter=6, random_state=0),
                 X, y, X_val=X_val, y_val=y_val)
    assert len(calls) == len(model.validation_scores_) == len(model.loss_curve_)
    monkeypatch.undo()
    # The recorded score and loss are those of the final weights, computed the
    # estimator's way.
    assert model.validation_scores_[-1] == pytest.approx(model.score(X_val, y_val))
    assert model.validation_loss_curve_[-1] == pytest.approx(
        log_loss(y_val, model.predict_proba(X_val), labels=model.classes_), rel=1e-9)


# -- early stopping on the validation loss ------------------------------------------------


@pytest.mark.parametrize("given_validation", [False, True])
def test_scoring_loss_restores_the_epoch_of_lowest_validation_loss(digits,
                                                                   given_validation):
    X, y, X_val, y_val = digits
    model = MLPClassifier((16,), solver="sgd", learning_rate_init=0.3, momentum=0.9,
                          early_stopping=True, scoring="loss", n_iter_no_change=8,
                          max_iter=60, random_state=0)
    kwargs = dict(X_val=X_val, y_val=y_val) if given_validation else {}
    _fit(model, X, y, **kwargs)
    curve = np.array(model.validation_loss_curve_)
    np.testing.assert_array_equal(model.validation_scores_, -curve)
    assert model.restored_epoch_ == np.argmin(curve) + 1
    assert model.best_validation_score_ == -curve.min()
    assert model.stop_reason_ == "no_improvement"
    # The model holds the weights of that epoch: its validation loss is the minimum.
    if given_validation:
        assert log_loss(y_val, model.predict_proba(X_val), labels=model.classes_) == \
            pytest.approx(curve.min(), rel=1e-9)
    # scoring=None stops on accuracy instead, and may keep another epoch.
    by_accuracy = _fit(clone(model).set_params(scoring=None), X, y, **kwargs)
    assert max(by_accuracy.validation_scores_) <= 1.0


def test_scoring_accepts_a_scikit_learn_scorer(digits):
    X, y, X_val, y_val = digits
    model = _fit(MLPClassifier((8,), max_iter=5, random_state=0,
                               scoring="balanced_accuracy"),
                 X, y, X_val=X_val, y_val=y_val)
    from sklearn.metrics import balanced_accuracy_score

    assert model.validation_scores_[-1] == pytest.approx(
        balanced_accuracy_score(y_val, model.predict(X_val)))
    with pytest.raises(ValueError, match="not_a_scorer"):
        MLPClassifier(scoring="not_a_scorer", early_stopping=True).fit(X, y)


def test_regressor_scoring_loss():
    X, y = make_regression(n_samples=300, n_features=5, noise=5, random_state=0)
    y = y / y.std()
    model = _fit(MLPRegressor((8,), early_stopping=True, scoring="loss",
                              learning_rate_init=0.01, max_iter=40, random_state=0),
                 X, y)
    curve = np.array(model.validation_loss_curve_)
    assert model.restored_epoch_ == np.argmin(curve) + 1
    np.testing.assert_array_equal(model.validation_scores_, -curve)


# -- registries ---------------------------------------------------------------------------


def test_sigmoid_is_logistic(digits):
    X, y = digits[:2]
    a = _fit(MLPClassifier((5,), activation="sigmoid", max_iter=3, random_state=0),
             X, y)
    b = _fit(MLPClassifier((5,), activation="logistic", max_iter=3, random_state=0),
             X, y)
    np.testing.assert_array_equal(a.coefs_[0], b.coefs_[0])
    assert activations.get("sigmoid") is activations.get("logistic")


def test_call_specs_equal_the_records(digits):
    X, y = digits[:2]
    by_spec = _fit(MLPClassifier((5,), activation="leaky_relu(negative_slope=0.3)",
                                 max_iter=3, random_state=0), X, y)
    by_record = _fit(MLPClassifier((5,), activation=activations.leaky_relu(0.3),
                                   max_iter=3, random_state=0), X, y)
    np.testing.assert_array_equal(by_spec.coefs_[0], by_record.coefs_[0])
    assert losses.get("huber(delta=2.0)").value(np.zeros((1, 1)),
                                                np.array([[5.0]])) == 8.0
    for bad, message in [("leaky_relu(negative_slope=-1)", "negative_slope"),
                         ("leaky_relu(__import__('os'))", "literals"),
                         ("nope(1)", "Unknown activation")]:
        with pytest.raises(ValueError, match=message):
            activations.get(bad)
    with pytest.raises(ValueError, match="activation"):
        MLPClassifier(activation="nope").fit(X, y)
