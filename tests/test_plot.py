"""TrainingHistoryDisplay draws what the estimator recorded, finds the model inside
meta-estimators, and its legend stays clear of the curves, the tick labels and the
axis label, inside the saved figure."""

import warnings

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.base import BaseEstimator, ClassifierMixin  # noqa: E402
from sklearn.compose import TransformedTargetRegressor  # noqa: E402
from sklearn.ensemble import BaggingRegressor, RandomForestRegressor  # noqa: E402
from sklearn.exceptions import ConvergenceWarning, NotFittedError  # noqa: E402
from sklearn.linear_model import Ridge  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.semi_supervised import SelfTrainingClassifier  # noqa: E402

from skneural import MLPClassifier, MLPRegressor  # noqa: E402
from skneural.plot import TrainingHistoryDisplay  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _display(figsize, **curves):
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    display = TrainingHistoryDisplay(**curves).plot(ax=ax)
    fig.canvas.draw()
    return display


FULL = dict(loss_curve=np.linspace(1.0, 0.1, 30),
            validation_loss_curve=np.linspace(1.1, 0.3, 30),
            validation_scores=np.linspace(0.5, 0.95, 30), restored_epoch=20)


@pytest.mark.parametrize("figsize", [(4, 3), (6.4, 4.8), (11, 4)])
@pytest.mark.parametrize("curves", [FULL, dict(loss_curve=[3.0, 2.0, 1.0])])
def test_legend_lies_outside_the_axes_and_their_labels(figsize, curves):
    display = _display(figsize, **curves)
    renderer = display.figure_.canvas.get_renderer()
    legend = display.ax_.get_legend().get_window_extent(renderer)
    axes = [display.ax_] + ([display.score_ax_] if display.score_ax_ else [])
    for ax in axes:
        # The data region of both y-axes, the x label and the x tick labels.
        assert not legend.overlaps(ax.get_window_extent(renderer))
        assert not legend.overlaps(ax.xaxis.label.get_window_extent(renderer))
        for label in ax.get_xticklabels():
            if label.get_visible() and label.get_text():
                assert not legend.overlaps(label.get_window_extent(renderer))
    # ... and inside the figure, so it is not cut off when saved.
    assert display.figure_.bbox.contains(legend.x0, legend.y0)


def test_one_legend_lists_the_curves_of_both_axes():
    display = _display((6.4, 4.8), **FULL)
    labels = [t.get_text() for t in display.ax_.get_legend().get_texts()]
    assert labels == ["training loss", "validation loss", "validation score",
                      "restored weights (epoch 20)"]
    assert display.score_ax_.get_legend() is None


def test_from_estimator_draws_the_recorded_curves():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    clf = MLPClassifier((8,), max_iter=15, random_state=0).fit(
        X[:80], y[:80], X_val=X[80:], y_val=y[80:])
    display = TrainingHistoryDisplay.from_estimator(clf)
    np.testing.assert_array_equal(display.lines_["loss"].get_ydata(), clf.loss_curve_)
    np.testing.assert_array_equal(display.lines_["validation_score"].get_ydata(),
                                  clf.validation_scores_)
    assert display.score_ax_.get_ylabel() == "validation accuracy"


def test_no_legend_when_asked():
    fig, ax = plt.subplots()
    TrainingHistoryDisplay(**FULL).plot(ax=ax, legend=False)
    assert ax.get_legend() is None


class _Fitted(ClassifierMixin, BaseEstimator):
    """A fitted classifier's training record, as the estimators leave it."""

    def __init__(self, scoring=None):
        self.scoring = scoring

    def fit(self, X=None, y=None):
        self.loss_curve_ = [1.0, 0.6, 0.5]
        self.validation_loss_curve_ = [1.1, 0.8, 0.9]
        self.validation_scores_ = [0.7, 0.8, 0.75]
        self.restored_epoch_ = 2
        return self


@pytest.mark.parametrize("scoring, label", [
    (None, "validation accuracy"), ("balanced_accuracy", "validation balanced_accuracy")])
def test_score_axis_is_named_after_the_scoring(scoring, label):
    display = TrainingHistoryDisplay.from_estimator(_Fitted(scoring).fit())
    assert display.score_ax_.get_ylabel() == label


def test_scoring_loss_draws_the_validation_loss_once():
    fitted = _Fitted("loss").fit()
    fitted.validation_scores_ = [-1.1, -0.8, -0.9]
    display = TrainingHistoryDisplay.from_estimator(fitted)
    assert display.score_ax_ is None and "validation_score" not in display.lines_
    np.testing.assert_array_equal(display.lines_["validation_loss"].get_ydata(),
                                  [1.1, 0.8, 0.9])


# -- issue 24.2: the default figure keeps its legend; meta-estimators are unwrapped -----


def _regression_data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3))
    return X, 500 + 100 * X[:, 0] - 50 * X[:, 1] ** 2


def test_plain_savefig_of_the_default_figure_keeps_the_legend(tmp_path):
    X, y = _regression_data()
    model = MLPRegressor((5,), max_iter=20, early_stopping=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X / 3, y / 500)
    display = TrainingHistoryDisplay.from_estimator(model)
    display.figure_.savefig(tmp_path / "history.png")   # draws the figure
    legend = display.ax_.get_legend().get_window_extent()
    figure = display.figure_.bbox
    assert figure.x0 <= legend.x0 and legend.x1 <= figure.x1
    assert figure.y0 <= legend.y0 and legend.y1 <= figure.y1


def _fitted_quietly(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def _mlp():
    return MLPRegressor((5,), max_iter=15, random_state=0)


def _scaled_target(regressor):
    return TransformedTargetRegressor(regressor, transformer=StandardScaler())


# Each: the fitted meta-estimator and the path to the MLP it predicts with.
META_ESTIMATORS = {
    "TransformedTargetRegressor": (lambda: _scaled_target(_mlp()),
                                   lambda m: m.regressor_),
    "GridSearchCV": (lambda: GridSearchCV(_mlp(), {"alpha": [1e-4, 1e-2]}, cv=2),
                     lambda m: m.best_estimator_),
    "GridSearchCV(Pipeline(TransformedTargetRegressor))": (
        lambda: GridSearchCV(make_pipeline(StandardScaler(), _scaled_target(_mlp())),
                             {"transformedtargetregressor__regressor__alpha": [1e-4, 1]},
                             cv=2),
        lambda m: m.best_estimator_[-1].regressor_),
    "SelfTrainingClassifier": (
        lambda: SelfTrainingClassifier(MLPClassifier((5,), max_iter=15, random_state=0),
                                       max_iter=1),
        lambda m: m.estimator_),
}


@pytest.mark.parametrize("name", sorted(META_ESTIMATORS))
def test_from_estimator_unwraps_meta_estimators(name):
    make, inner = META_ESTIMATORS[name]
    X, y = _regression_data()
    if name == "SelfTrainingClassifier":
        y = np.where(np.arange(len(y)) % 3 == 0, -1, (y > 500).astype(int))
    model = _fitted_quietly(make(), X, y)
    display = TrainingHistoryDisplay.from_estimator(model)
    np.testing.assert_array_equal(display.lines_["loss"].get_ydata(),
                                  inner(model).loss_curve_)
    assert display.ax_.get_title() == type(inner(model)).__name__


@pytest.mark.parametrize("make, message", [
    (lambda: BaggingRegressor(_mlp(), n_estimators=2, random_state=0),
     r"BaggingRegressor holds 2 models \(estimators_\)"),
    (lambda: GridSearchCV(_mlp(), {"alpha": [1e-4, 1e-2]}, cv=2, refit=False),
     "GridSearchCV holds no refitted model .*refit=True"),
    (lambda: make_pipeline(StandardScaler(), RandomForestRegressor(n_estimators=2)),
     r"Pipeline -> RandomForestRegressor holds 2 models"),
    (lambda: _scaled_target(Ridge()), "TransformedTargetRegressor -> Ridge has no "
     r"training history \(loss_curve_\)"),
], ids=["ensemble", "search without refit", "pipeline of a forest", "ridge"])
def test_from_estimator_names_what_holds_no_training_history(make, message):
    X, y = _regression_data()
    model = _fitted_quietly(make(), X, y)
    with pytest.raises(TypeError, match=message):
        TrainingHistoryDisplay.from_estimator(model)


@pytest.mark.parametrize("model, name", [
    (_scaled_target(_mlp()), "TransformedTargetRegressor"),
    (GridSearchCV(_mlp(), {"alpha": [1e-4]}), "GridSearchCV"),
    (make_pipeline(StandardScaler(), _mlp()), "MLPRegressor"),
])
def test_unfitted_estimators_raise_not_fitted_error_naming_them(model, name):
    with pytest.raises(NotFittedError, match=f"This {name} instance is not fitted"):
        TrainingHistoryDisplay.from_estimator(model)
