"""scikit-learn's callbacks around skneural's fits (issue 24, points 1 and 4).

Saving: a model fitted with callbacks saves as the same model fitted without them
(pickle byte for byte; skops names only the estimator class), while the model in
memory keeps its callbacks. Progress: with the callback registered on the outermost
meta-estimator, the epochs of an MLP inside a Pipeline and a GridSearchCV reach it,
in this process and from the worker processes of ``n_jobs=2`` (the task tree a
recording callback sees, and the bars rich draws).
"""

import io
import pickle
import warnings

import numpy as np
import pytest
from _callbacks import QuietCallback
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skneural import MLPClassifier, MLPRegressor
from skneural.callbacks import SKLEARN_HAS_CALLBACKS

pytestmark = pytest.mark.skipif(not SKLEARN_HAS_CALLBACKS,
                                reason="sklearn.callback needs scikit-learn >= 1.9")


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(80, 4))
    return X, (X[:, 0] + X[:, 1] > 0).astype(int)


def _fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


class TaskTree(QuietCallback):
    """Records the path (estimator, task) of every task that ends."""

    def __init__(self, max_propagation_depth=None):
        self.max_propagation_depth = max_propagation_depth
        self.paths = []

    def on_fit_task_end(self, estimator, context):
        from sklearn.callback._callback_context import get_context_path

        self.paths.append(tuple((c.estimator_name, c.task_name)
                                for c in get_context_path(context)))


class Counter(QuietCallback):
    """A plain (not propagated) callback counting ended epochs."""

    def __init__(self):
        self.epochs = 0

    def on_fit_task_end(self, estimator, context):
        self.epochs += context.task_name == "epoch"


def _callbacks():
    from sklearn.callback import ScoringMonitor

    # Each makes a callback for an estimator scored by ``metric``.
    callbacks = {"ScoringMonitor": lambda metric: ScoringMonitor(scoring=metric),
                 "custom": lambda metric: Counter(),
                 "propagated": lambda metric: TaskTree()}
    try:
        import rich  # noqa: F401
    except ImportError:
        return callbacks
    from sklearn.callback import ProgressBar

    callbacks["ProgressBar"] = lambda metric: ProgressBar()
    return callbacks


CALLBACKS = _callbacks() if SKLEARN_HAS_CALLBACKS else {}


@pytest.fixture
def quiet_rich(monkeypatch):
    """rich's global console writing to a buffer (returned)."""
    rich = pytest.importorskip("rich")
    from rich.console import Console

    buffer = io.StringIO()
    monkeypatch.setattr(rich, "_console", Console(file=buffer, width=160))
    return buffer


# -- point 1: callbacks are not part of the saved model ---------------------------------


@pytest.mark.parametrize("name", sorted(CALLBACKS))
def test_pickle_of_a_model_fitted_with_a_callback_is_that_of_one_fitted_without(
        name, data, quiet_rich):
    X, y = data
    params = dict(hidden_layer_sizes=(5,), max_iter=4, random_state=0)
    watched = _fit(MLPClassifier(**params).set_callbacks(CALLBACKS[name]("accuracy")), X, y)
    plain = _fit(MLPClassifier(**params), X, y)
    assert pickle.dumps(watched) == pickle.dumps(plain)
    loaded = pickle.loads(pickle.dumps(watched))
    np.testing.assert_array_equal(loaded.predict_proba(X), watched.predict_proba(X))


@pytest.mark.parametrize("name", sorted(CALLBACKS))
def test_skops_file_of_a_model_fitted_with_a_callback_loads_with_trusted_types(
        name, data, quiet_rich):
    sio = pytest.importorskip("skops.io")
    from skneural.persistence import trusted_types

    X, y = data
    model = _fit(MLPRegressor((5,), max_iter=4, random_state=0)
                 .set_callbacks(CALLBACKS[name]("r2")), X, X[:, 0] * 2.0)
    saved = sio.dumps(model)
    assert sio.get_untrusted_types(data=saved) == ["skneural._mlp.MLPRegressor"]
    loaded = sio.loads(saved, trusted=trusted_types())
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_a_pipeline_saves_with_trusted_types_once_its_callbacks_are_removed(
        data, quiet_rich):
    # The route the saving guide gives for scikit-learn's meta-estimators.
    sio = pytest.importorskip("skops.io")
    from sklearn.callback import ProgressBar

    from skneural.persistence import trusted_types

    X, y = data
    pipeline = make_pipeline(StandardScaler(), MLPClassifier((5,), max_iter=3,
                                                             random_state=0))
    _fit(pipeline.set_callbacks(ProgressBar()), X, y)
    assert "sklearn.callback._progressbar.ProgressBar" in sio.get_untrusted_types(
        data=sio.dumps(pipeline))
    loaded = sio.loads(sio.dumps(pipeline.set_callbacks()), trusted=trusted_types())
    np.testing.assert_array_equal(loaded.predict_proba(X), pipeline.predict_proba(X))


def test_the_model_in_memory_keeps_its_callbacks_for_the_next_fit(data):
    X, y = data
    counter = Counter()
    model = MLPClassifier((5,), max_iter=3, random_state=0).set_callbacks(counter)
    _fit(model, X, y)
    pickle.dumps(model)
    _fit(model.set_params(max_iter=2), X, y)
    assert counter.epochs == 3 + 2


def test_a_parallel_search_hands_the_inner_callback_to_its_workers(data):
    # The estimator a search clones and sends to its worker processes is unfitted:
    # its callbacks travel with it, and ScoringMonitor's rows come back.
    from sklearn.callback import ScoringMonitor

    X, y = data
    monitor = ScoringMonitor(scoring="accuracy")
    mlp = MLPClassifier((4,), max_iter=3, random_state=0).set_callbacks(monitor)
    _fit(GridSearchCV(mlp, {"alpha": [1e-4, 1e-2]}, cv=2, n_jobs=2), X, y)
    rows = [row for row in monitor.get_logs().data if row["task_name"] == "epoch"]
    assert len(rows) == (2 * 2 + 1) * 3   # 2 candidates x 2 folds, the refit; 3 epochs


# -- point 4: the epochs of an MLP in a pipeline or a search ----------------------------


EPOCH_UNDER_PIPELINE = (("Pipeline", "fit"), ("MLPClassifier", "fit"),
                        ("MLPClassifier", "epoch"))


def test_epochs_reach_a_callback_registered_on_the_pipeline(data):
    X, y = data
    tree = TaskTree()
    pipeline = make_pipeline(StandardScaler(),
                             MLPClassifier((5,), max_iter=3, random_state=0))
    _fit(pipeline.set_callbacks(tree), X, y)
    assert tree.paths.count(EPOCH_UNDER_PIPELINE) == 3


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_progress_bars_of_a_search_show_every_mlp_fit(n_jobs, data, quiet_rich):
    from sklearn.callback import ProgressBar

    X, y = data
    pipeline = make_pipeline(StandardScaler(),
                             MLPClassifier((5,), max_iter=3, random_state=0))
    search = GridSearchCV(pipeline, {"mlpclassifier__alpha": [1e-4, 1e-2]}, cv=2,
                          n_jobs=n_jobs)
    # Two levels below the search (its pipeline, then the MLP): depth None (or 2).
    _fit(search.set_callbacks(ProgressBar(max_propagation_depth=None)), X, y)
    bars = [line for line in quiet_rich.getvalue().splitlines()
            if "fit-final-estimator | MLPClassifier - fit" in line]
    assert len(bars) == 2 * 2 + 1 and all("100%" in bar for bar in bars)


def test_epochs_reach_a_callback_registered_on_a_search(data):
    X, y = data
    tree = TaskTree()
    pipeline = make_pipeline(StandardScaler(),
                             MLPClassifier((5,), max_iter=3, random_state=0))
    search = GridSearchCV(pipeline, {"mlpclassifier__alpha": [1e-4, 1e-2]}, cv=2)
    _fit(search.set_callbacks(tree), X, y)
    epochs = [path for path in tree.paths if path[-3:] == EPOCH_UNDER_PIPELINE]
    assert len(epochs) == (2 * 2 + 1) * 3
    # Under the search's cross-validation task, and (merged) its refit.
    assert {path[:-3] for path in epochs} == {
        (("GridSearchCV", "fit"), ("GridSearchCV", "search")), (("GridSearchCV", "fit"),)}
