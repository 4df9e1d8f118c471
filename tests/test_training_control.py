"""Training control (issue 6): class_weight, validation data and curves, restored
weights, learning-rate schedules, callbacks, verbose output, divergence guard, plots.

References are independent of the code under test: scikit-learn (its MLP's printed
output, ``compute_sample_weight``, ``log_loss``, accuracy), hand-computed sequences of
the documented schedule rules, and refits that stop at a given epoch.
"""

import contextlib
import io
import re
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
import sklearn
import sklearn.neural_network as sk
from _callbacks import QuietCallback
from sklearn.datasets import load_digits, make_multilabel_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import balanced_accuracy_score, log_loss
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_sample_weight

import skneural.optim
from skneural import MLPClassifier, MLPRegressor
from skneural.callbacks import SKLEARN_HAS_CALLBACKS
from skneural.datasets import get_data_home, load_fashion_mnist
from skneural.optim import Solver

needs_sklearn_callbacks = pytest.mark.skipif(
    not SKLEARN_HAS_CALLBACKS, reason="sklearn.callback needs scikit-learn >= 1.9")


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    return X[:600], y[:600], X[600:900], y[600:900]


def _fit_quietly(model, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(*args, **kwargs)


def _assert_same_weights(a, b, **tolerance):
    for got, expected in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        np.testing.assert_allclose(got, expected, **tolerance)


# -- class_weight -----------------------------------------------------------------------


@pytest.mark.parametrize("class_weight", [{0: 3.0, 3: 0.2}, "balanced"])
@pytest.mark.parametrize("with_sample_weight", [False, True])
def test_class_weight_multiplies_sample_weight(digits, class_weight, with_sample_weight):
    """class_weight is sample_weight * compute_sample_weight(class_weight, y)."""
    X, y = digits[:2]
    sample_weight = (np.random.RandomState(0).uniform(0.5, 2.0, len(y))
                     if with_sample_weight else None)
    reference_weight = compute_sample_weight(class_weight, y)
    if with_sample_weight:
        reference_weight = reference_weight * sample_weight
    params = dict(hidden_layer_sizes=(16,), max_iter=5, random_state=0)
    weighted = _fit_quietly(MLPClassifier(class_weight=class_weight, **params), X, y,
                            sample_weight=sample_weight)
    reference = _fit_quietly(MLPClassifier(**params), X, y,
                             sample_weight=reference_weight)
    _assert_same_weights(weighted, reference, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(weighted.loss_curve_, reference.loss_curve_, rtol=1e-12)


def test_class_weight_multilabel_and_partial_fit():
    X, Y = make_multilabel_classification(n_samples=80, n_classes=3, random_state=0)
    params = dict(hidden_layer_sizes=(8,), max_iter=3, random_state=0)
    weighted = _fit_quietly(MLPClassifier(class_weight="balanced", **params), X, Y)
    reference = _fit_quietly(MLPClassifier(**params), X, Y,
                             sample_weight=compute_sample_weight("balanced", Y))
    _assert_same_weights(weighted, reference, rtol=1e-10, atol=1e-12)

    y = Y[:, 0] + 2 * Y[:, 1]
    class_weight = {0: 1.0, 1: 4.0, 2: 0.5, 3: 2.0}
    partial = MLPClassifier(class_weight=class_weight, **params)
    partial.partial_fit(X, y, classes=[0, 1, 2, 3])
    reference = MLPClassifier(**params).partial_fit(
        X, y, classes=[0, 1, 2, 3], sample_weight=compute_sample_weight(class_weight, y))
    _assert_same_weights(partial, reference, rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="balanced.*not supported by partial_fit"):
        MLPClassifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1, 2, 3])


def test_class_weight_balanced_improves_balanced_accuracy_on_fashion_mnist():
    """'Shirt' against the nine other Fashion-MNIST classes (10% positives)."""
    if not (get_data_home() / "fashion-mnist").is_dir():
        pytest.skip(f"Fashion-MNIST is not in {get_data_home()}")
    X, y = load_fashion_mnist("train")
    rng = np.random.RandomState(0)
    index = rng.choice(len(X), 4000, replace=False)
    X, y = X[index] / 255.0, (y[index] == 6).astype(int)
    X_train, y_train, X_test, y_test = X[:2000], y[:2000], X[2000:], y[2000:]
    assert 0.05 < y_train.mean() < 0.15
    scores = {}
    for class_weight in [None, "balanced"]:
        model = _fit_quietly(MLPClassifier((32,), max_iter=40, learning_rate_init=0.003,
                                           random_state=0, class_weight=class_weight),
                             X_train, y_train)
        scores[class_weight] = balanced_accuracy_score(y_test, model.predict(X_test))
    # Seen here: 0.68 unweighted and 0.84 balanced (0.73 / 0.81-0.84 for seeds 1, 2).
    assert scores["balanced"] > scores[None] + 0.05, scores


# -- validation data, curves and restored weights --------------------------------------


def test_validation_curves_with_user_validation_set(digits):
    """Every epoch's validation loss is scikit-learn's log_loss of the model of that
    epoch (read through a callback) and its score the accuracy; no early stopping,
    so nothing is restored."""
    X, y, X_val, y_val = digits
    sample_weight_val = np.random.RandomState(1).uniform(0.5, 2.0, len(y_val))
    per_epoch = []

    class Record(QuietCallback):



        def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
            if context.task_name == "epoch":
                per_epoch.append((
                    log_loss(y_val, fitted_estimator.predict_proba(X_val),
                             sample_weight=sample_weight_val),
                    fitted_estimator.score(X_val, y_val,
                                           sample_weight=sample_weight_val)))

    model = MLPClassifier((16,), max_iter=6, random_state=0)
    if SKLEARN_HAS_CALLBACKS:
        model.set_callbacks(Record())
    _fit_quietly(model, X, y, X_val=X_val, y_val=y_val,
                 sample_weight_val=sample_weight_val)
    assert len(model.validation_loss_curve_) == len(model.validation_scores_) == 6
    assert model.restored_epoch_ is None and model.stop_reason_ == "max_iter"
    assert model.best_validation_score_ == max(model.validation_scores_)
    # The last epoch's weights are the model's.
    assert model.validation_loss_curve_[-1] == pytest.approx(
        log_loss(y_val, model.predict_proba(X_val), sample_weight=sample_weight_val),
        rel=1e-10)
    if SKLEARN_HAS_CALLBACKS:
        losses, scores = zip(*per_epoch)
        np.testing.assert_allclose(model.validation_loss_curve_, losses, rtol=1e-10)
        np.testing.assert_allclose(model.validation_scores_, scores, rtol=1e-12)
    # The validation set changes nothing about training itself.
    plain = _fit_quietly(MLPClassifier((16,), max_iter=6, random_state=0), X, y)
    _assert_same_weights(model, plain, rtol=0, atol=0)


def test_regressor_validation_loss_is_half_squared_error(digits):
    X, y = digits[0], digits[1].astype(float)
    X_val, y_val = digits[2], digits[3].astype(float)
    model = _fit_quietly(MLPRegressor((16,), max_iter=4, random_state=0), X, y,
                         X_val=X_val, y_val=y_val)
    residual = y_val - model.predict(X_val)
    assert model.validation_loss_curve_[-1] == pytest.approx(
        0.5 * np.mean(residual**2), rel=1e-10)
    assert model.validation_scores_[-1] == pytest.approx(model.score(X_val, y_val),
                                                         rel=1e-12)


def test_early_stopping_restores_the_best_epoch(digits):
    X, y, X_val, y_val = digits
    model = _fit_quietly(
        MLPClassifier((16,), early_stopping=True, n_iter_no_change=3, max_iter=200,
                      learning_rate_init=0.01, random_state=0),
        X, y, X_val=X_val, y_val=y_val)
    scores = model.validation_scores_
    best_epoch = int(np.argmax(scores)) + 1   # first of equal scores: strict ">"
    assert model.stop_reason_ == "no_improvement"
    assert model.n_iter_ == len(scores) > best_epoch
    assert model.restored_epoch_ == best_epoch
    assert model.score(X_val, y_val) == model.best_validation_score_ == max(scores)
    # The restored weights are those of a run stopped at that epoch.
    stopped = _fit_quietly(
        MLPClassifier((16,), max_iter=best_epoch, learning_rate_init=0.01,
                      random_state=0), X, y)
    _assert_same_weights(model, stopped, rtol=1e-12, atol=1e-14)


def test_early_stopping_split_records_a_validation_loss_curve(digits):
    """With the internal split, scikit-learn's trajectory is unchanged and the
    validation loss curve comes on top."""
    X, y = digits[:2]
    params = dict(hidden_layer_sizes=(16,), early_stopping=True, max_iter=15,
                  random_state=2)
    reference = _fit_quietly(sk.MLPClassifier(**params), X, y)
    model = _fit_quietly(MLPClassifier(**params), X, y)
    assert model.validation_scores_ == reference.validation_scores_
    np.testing.assert_allclose(model.loss_curve_, reference.loss_curve_, rtol=1e-10)
    assert len(model.validation_loss_curve_) == len(model.validation_scores_)
    assert np.all(np.isfinite(model.validation_loss_curve_))
    assert model.restored_epoch_ == int(np.argmax(model.validation_scores_)) + 1


def test_validation_set_through_a_pipeline_with_metadata_routing(digits):
    """Routed with set_fit_request and transformed like X by transform_input."""
    X, y, X_val, y_val = digits
    X, X_val = 3 * X + 5, 3 * X_val + 5
    with sklearn.config_context(enable_metadata_routing=True):
        mlp = MLPClassifier((16,), max_iter=4, random_state=0).set_fit_request(
            X_val=True, y_val=True)
        pipeline = Pipeline([("scale", StandardScaler()), ("mlp", mlp)],
                            transform_input=["X_val"])
        _fit_quietly(pipeline, X, y, X_val=X_val, y_val=y_val)
    scaler = StandardScaler().fit(X)
    reference = _fit_quietly(MLPClassifier((16,), max_iter=4, random_state=0),
                             scaler.transform(X), y, X_val=scaler.transform(X_val),
                             y_val=y_val)
    assert pipeline[-1].validation_scores_ == reference.validation_scores_
    assert pipeline[-1].validation_loss_curve_ == reference.validation_loss_curve_


def test_validation_set_with_lbfgs_records_every_iteration(digits):
    X, y, X_val, y_val = digits
    model = _fit_quietly(MLPClassifier((8,), solver="lbfgs", max_iter=7,
                                       random_state=0), X, y, X_val=X_val, y_val=y_val)
    assert len(model.validation_scores_) == len(model.loss_curve_) == model.n_iter_
    assert model.validation_scores_[-1] == model.score(X_val, y_val)
    assert model.stop_reason_ == "max_iter"


@pytest.mark.parametrize("kwargs, message", [
    (dict(X_val="X"), "X_val is provided, but y_val"),
    (dict(y_val="y"), "y_val is provided, but X_val"),
    (dict(X_val="X", y_val=np.full(300, 11)), "y_val has classes not in"),
    (dict(X_val="X3", y_val="y"), "features"),
])
def test_validation_set_errors(digits, kwargs, message):
    X, y, X_val, y_val = digits
    given = {"X": X_val, "y": y_val, "X3": X_val[:, :3]}
    kwargs = {k: given[v] if isinstance(v, str) else v for k, v in kwargs.items()}
    with pytest.raises(ValueError, match=message):
        MLPClassifier((4,), max_iter=2).fit(X, y, **kwargs)


# -- learning-rate schedules -------------------------------------------------------------


class ScriptedSolver(Solver):
    """A full-batch solver that returns a scripted loss per step (one step per
    epoch) and records the learning rate, its step counter and the output bias that
    each step sees; with ``biases``, it sets the output bias to a scripted value."""

    full_batch = True
    has_learning_rate = True

    def __init__(self, losses=(), biases=None, learning_rate_init=1.0):
        self.losses = losses
        self.biases = biases
        self.learning_rate_init = learning_rate_init

    def init(self, params):
        return {"steps": 0}

    def step(self, params, grad_fn, state, learning_rate):
        k = len(self.seen)
        self.seen.append((learning_rate, state["steps"], float(params[-1])))
        state["steps"] += 1
        if self.biases is not None:
            params[-1] = self.biases[k]
        return state, self.losses[k]


def _scripted_fit(solver, learning_rate, max_iter, **params):
    solver.seen = []
    X, y = np.zeros((4, 1)), np.zeros(4)
    model = MLPRegressor((1,), solver=solver, learning_rate=learning_rate,
                         max_iter=max_iter, alpha=0.0, random_state=0, **params)
    _fit_quietly(model, X, y)
    return model, solver.seen


def test_plateau_compares_with_the_best_since_the_last_reduction():
    losses = [1.0, 0.9, 0.95, 0.92, 0.91, 0.905, 0.93, 0.94, 0.95, 0.96]
    model, seen = _scripted_fit(ScriptedSolver(losses), "plateau", len(losses),
                                n_iter_no_change=2, tol=0.0)
    # By hand, patience 2 (a reduction after the 3rd epoch without improvement):
    # epochs 3, 4, 5 do not beat 0.9 -> after epoch 5 the rate is divided by 5 and
    # the reference becomes 0.91. Epoch 6 (0.905) improves on it (it would not on
    # the best ever, 0.9, scikit-learn's "adaptive" rule); epochs 7, 8, 9 do not ->
    # divided again after epoch 9.
    expected = [1.0] * 5 + [0.2] * 4 + [0.04]
    np.testing.assert_allclose([lr for lr, _, _ in seen], expected, rtol=1e-12)
    assert model.n_iter_ == len(losses) and model.stop_reason_ == "max_iter"


def test_plateau_stops_once_the_rate_is_too_small():
    model, seen = _scripted_fit(ScriptedSolver([1.0] * 20, learning_rate_init=2e-6),
                                "plateau", 20, n_iter_no_change=2, tol=0.0)
    # Epoch 1 improves on +inf; epochs 2-4 don't -> 2e-6 / 5 = 4e-7; epochs 5-7
    # don't -> a reduction is due with the rate <= 1e-6: stop after epoch 7.
    np.testing.assert_allclose([lr for lr, _, _ in seen], [2e-6] * 4 + [4e-7] * 3)
    assert model.n_iter_ == 7 and model.stop_reason_ == "no_improvement"


def test_bold_driver_sequence_by_hand():
    """A 1-1-1 identity network with zero weights, x = 0, y = 0 and no penalty:
    the training objective is b**2 / 2 for the output bias b, which the scripted
    solver sets at each step."""
    biases = [2.0, 1.0, 1.5, 0.5, 0.5, 0.8, 0.4]
    solver = ScriptedSolver(losses=[1.0] * len(biases), biases=biases)
    solver.seen = []
    model = MLPRegressor((1,), activation="identity", solver=solver,
                         learning_rate="bold_driver", max_iter=1, alpha=0.0,
                         random_state=0, warm_start=True, n_iter_no_change=100)
    X, y = np.zeros((4, 1)), np.zeros(4)
    _fit_quietly(model, X, y)                   # creates the weights...
    model.coefs_ = [np.zeros((1, 1)), np.zeros((1, 1))]
    model.intercepts_ = [np.zeros(1), np.array([3.0])]   # ...then b0 = 3
    solver.seen = []
    model.set_params(max_iter=len(biases))
    _fit_quietly(model, X, y)
    # E(b) = b**2 / 2 from E(3) = 4.5. Epoch: bias proposed -> accept (rate * 1.1)
    # or undo (bias back, rate * 0.5, fresh solver state); equal: accept, keep.
    #   1: 2.0 < 3.0  accept  1.1      2: 1.0 < 2.0  accept  1.21
    #   3: 1.5 > 1.0  undo    0.605    4: 0.5 < 1.0  accept  0.6655
    #   5: 0.5 = 0.5  keep    0.6655   6: 0.8 > 0.5  undo    0.33275
    #   7: 0.4 < 0.5  accept  0.366025
    rates = [1.0, 1.1, 1.21, 0.605, 0.6655, 0.6655, 0.33275]
    start_biases = [3.0, 2.0, 1.0, 1.0, 0.5, 0.5, 0.5]
    # The step counter restarts at 0 after each undo (fresh solver state).
    steps = [0, 1, 2, 0, 1, 2, 0]
    np.testing.assert_allclose([s[0] for s in solver.seen], rates, rtol=1e-12)
    assert [s[2] for s in solver.seen] == start_biases
    assert [s[1] for s in solver.seen] == steps
    assert model.intercepts_[1][0] == 0.4
    assert model._training["schedule"]["factor"] == pytest.approx(0.366025, rel=1e-12)


def _step_solver_names():
    """Every registered solver that takes steps (the minimizers are left out), as
    registered when the tests run, so solvers added later are covered too."""
    return sorted(name for name, factory in skneural.optim.SOLVERS.items()
                  if not factory({}).minimizes)


def _has_learning_rate(name):
    return skneural.optim.SOLVERS[name]({}).has_learning_rate


@pytest.mark.parametrize("learning_rate", ["plateau", "bold_driver"])
@pytest.mark.parametrize("solver", _step_solver_names())
def test_schedules_drive_every_solver_with_a_learning_rate(digits, solver,
                                                           learning_rate):
    X, y = digits[:2]
    X, y = X[:200], y[:200]
    model = MLPClassifier((8,), solver=solver, learning_rate=learning_rate,
                          learning_rate_init=0.05, max_iter=12, n_iter_no_change=1,
                          tol=1.0, random_state=0)   # no epoch improves by tol
    if not _has_learning_rate(solver):
        with pytest.raises(ValueError, match="needs a solver with a learning rate"):
            model.fit(X, y)
        return
    _fit_quietly(model, X, y)
    assert np.isfinite(model.loss_curve_).all()
    assert model._training["schedule"]["factor"] != 1.0   # the schedule acted


def test_plateau_monitors_the_validation_loss(digits):
    """The rate is divided exactly where the rule, applied by hand to the recorded
    validation_loss_curve_, says."""
    X, y, X_val, y_val = digits
    rates = []

    class RecordingAdam(skneural.optim.Adam):
        def step(self, params, grad_fn, state, learning_rate):
            rates.append(learning_rate)
            return super().step(params, grad_fn, state, learning_rate)

    model = _fit_quietly(
        MLPClassifier((16,), solver=RecordingAdam(learning_rate_init=0.02),
                      learning_rate="plateau", n_iter_no_change=1, tol=1e-3,
                      batch_size=len(X), max_iter=40, random_state=0),
        X, y, X_val=X_val, y_val=y_val)
    expected, rate, reference, count = [], 0.02, np.inf, 0
    for value in model.validation_loss_curve_:
        expected.append(rate)
        count = 0 if value < reference - 1e-3 else count + 1
        reference = min(reference, value)
        if count > 1:
            rate, reference, count = rate / 5, value, 0
    np.testing.assert_allclose(rates, expected, rtol=1e-12)
    assert len(set(expected)) > 2   # the rule fired more than once


# -- callbacks ---------------------------------------------------------------------------


class EventLog(QuietCallback):
    """A FitCallback that records the task tree and can ask to stop."""

    def __init__(self, stop_after=None):
        self.events = []
        self.stop_after = stop_after

    def setup(self, estimator, context):
        self.events.append(("setup", context.task_name))

    def teardown(self, estimator, context):
        self.events.append(("teardown", context.task_name))

    def on_fit_task_begin(self, estimator, context):
        self.events.append(("begin", context.task_name, context.task_id))

    def on_fit_task_end(self, estimator, context):
        self.events.append(("end", context.task_name, context.task_id))
        return (self.stop_after is not None and context.task_name != "fit"
                and context.task_id + 1 >= self.stop_after)


@needs_sklearn_callbacks
def test_one_task_per_epoch_and_a_callback_stops_training(digits):
    X, y = digits[:2]
    log = EventLog(stop_after=3)
    model = _fit_quietly(MLPClassifier((8,), max_iter=10, random_state=0)
                         .set_callbacks(log), X, y)
    assert model.n_iter_ == 3 and model.stop_reason_ == "callback"
    epochs = [e for i in range(3) for e in [("begin", "epoch", i), ("end", "epoch", i)]]
    assert log.events == ([("setup", "fit"), ("begin", "fit", 0)] + epochs
                          + [("end", "fit", 0), ("teardown", "fit")])
    # Stopping after 3 epochs is training for 3 epochs.
    reference = _fit_quietly(MLPClassifier((8,), max_iter=3, random_state=0), X, y)
    _assert_same_weights(model, reference, rtol=0, atol=0)


@needs_sklearn_callbacks
def test_a_callback_stops_lbfgs_without_a_convergence_warning(digits):
    X, y = digits[:2]
    log = EventLog(stop_after=4)
    model = MLPClassifier((8,), solver="lbfgs", max_iter=50, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model.set_callbacks(log).fit(X, y)
    assert model.n_iter_ == 4 and model.stop_reason_ == "callback"
    assert [e for e in log.events if e[0] == "end"] == (
        [("end", "iteration", i) for i in range(4)] + [("end", "fit", 0)])


@needs_sklearn_callbacks
def test_scoring_monitor_logs_every_epoch(digits):
    from sklearn.callback import ScoringMonitor

    X, y = digits[:2]
    monitor = ScoringMonitor(scoring="accuracy")
    model = _fit_quietly(MLPClassifier((8,), max_iter=4, random_state=0)
                         .set_callbacks(monitor), X, y)
    rows = [row for row in monitor.get_logs().data if row["task_name"] == "epoch"]
    assert [row["task_id"] for row in rows] == [0, 1, 2, 3]
    assert rows[-1]["accuracy"] == model.score(X, y)


@needs_sklearn_callbacks
def test_progress_bar(digits):
    pytest.importorskip("rich", reason="scikit-learn's ProgressBar needs rich")
    from sklearn.callback import ProgressBar

    X, y = digits[:2]
    model = _fit_quietly(MLPClassifier((8,), max_iter=3, random_state=0)
                         .set_callbacks(ProgressBar()), X, y)
    assert model.n_iter_ == 3


@needs_sklearn_callbacks
def test_auto_propagated_callback_reaches_the_mlp_in_a_pipeline(digits):
    X, y = digits[:2]

    class Propagated(EventLog):
        max_propagation_depth = None

    log = Propagated()
    pipeline = Pipeline([("scale", StandardScaler()),
                         ("mlp", MLPClassifier((8,), max_iter=2, random_state=0))])
    _fit_quietly(pipeline.set_callbacks(log), X, y)
    assert [e for e in log.events if e[1] == "epoch"] == [
        ("begin", "epoch", 0), ("end", "epoch", 0),
        ("begin", "epoch", 1), ("end", "epoch", 1)]


def test_without_sklearn_callback_everything_else_works():
    """Simulate scikit-learn < 1.9 by hiding sklearn.callback while skneural is
    imported (in a fresh interpreter)."""
    code = textwrap.dedent("""
        import sys
        import sklearn.callback, skneural  # import everything sklearn needs first
        for name in [m for m in sys.modules if m.split(".")[0] == "skneural"]:
            del sys.modules[name]
        real = sys.modules["sklearn.callback"]
        sys.modules["sklearn.callback"] = None       # import now raises ImportError
        import skneural.callbacks
        from skneural import MLPClassifier
        sys.modules["sklearn.callback"] = real       # sklearn's own fit context
        assert not skneural.callbacks.SKLEARN_HAS_CALLBACKS
        import numpy as np
        X = np.random.RandomState(0).normal(size=(40, 3))
        y = (X[:, 0] > 0).astype(int)
        model = MLPClassifier((4,), max_iter=2, verbose=1).fit(X, y)
        assert model.n_iter_ == 2
        try:
            model.set_callbacks(object())
        except NotImplementedError as exc:
            print("refused:", exc)
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Iteration 2, loss = " in result.stdout
    assert "refused: set_callbacks needs scikit-learn's callback API" in result.stdout


# -- verbose -----------------------------------------------------------------------------


def _printed(model, *args, **kwargs):
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        _fit_quietly(model, *args, **kwargs)
    return buffer.getvalue()


@pytest.mark.parametrize("params", [
    dict(n_iter_no_change=2, tol=0.05),
    dict(early_stopping=True, n_iter_no_change=2),
    dict(solver="sgd", learning_rate="adaptive", n_iter_no_change=1, tol=0.05),
])
def test_verbose_1_prints_scikit_learns_lines(digits, params):
    X, y = digits[:2]
    params = dict(hidden_layer_sizes=(8,), max_iter=30, random_state=0, verbose=1,
                  **params)
    ours = _printed(MLPClassifier(**params), X, y)
    reference = _printed(sk.MLPClassifier(**params), X, y)
    assert ours == reference
    assert "Stopping." in ours


def test_verbose_2_adds_validation_loss_rate_and_time(digits):
    X, y, X_val, y_val = digits
    model = MLPClassifier((8,), max_iter=3, random_state=0, verbose=2)
    printed = _printed(model, X, y, X_val=X_val, y_val=y_val)
    details = re.findall(r"^  validation loss = ([0-9.]+), learning rate = ([0-9.e-]+), "
                         r"epoch time = [0-9.]+s$", printed, flags=re.MULTILINE)
    assert len(details) == 3
    np.testing.assert_allclose([float(loss) for loss, _ in details],
                               model.validation_loss_curve_, atol=1e-8)
    assert {rate for _, rate in details} == {"0.001"}
    assert printed.count("Validation score: ") == 3


# -- divergence guard --------------------------------------------------------------------


def _absurd(name):
    """The named solver with an absurd learning rate (or step size)."""
    solver = skneural.optim.SOLVERS[name]({"learning_rate_init": 1e6})
    if getattr(solver, "learning_rate_init", None) is not None:
        return name
    params = solver.get_params()
    if {"step_init", "step_max"} <= params.keys():   # Rprop's step sizes
        return solver.set_params(step_init=1e6, step_max=1e9)
    if name == "vsgd":
        # vSGD bounds its own rates (eta <= 1 / h) for every valid setting, so its
        # steps are made absurd from outside: each is amplified a million times.
        class Amplified(type(solver)):
            def step(self, params, grad_fn, state, learning_rate=None):
                before = params.copy()
                state, loss = super().step(params, grad_fn, state, learning_rate)
                params += 1e6 * (params - before)
                return state, loss

        return Amplified()
    pytest.fail(f"teach this test to give solver {name!r} absurd steps")


@pytest.mark.parametrize("solver", _step_solver_names())
def test_divergence_guard_restores_finite_weights(digits, solver):
    X, y = digits[:2]
    model = MLPClassifier((8,), solver=_absurd(solver), learning_rate_init=1e6,
                          max_iter=20, random_state=0)
    with pytest.warns(ConvergenceWarning) as record:
        model.fit(X, y)
    messages = [str(w.message) for w in record if "diverged" in str(w.message)]
    assert len(messages) == 1, [str(w.message) for w in record]
    epoch = int(re.search(r"diverged in epoch (\d+)", messages[0]).group(1))
    assert "smaller learning rate" in messages[0]
    assert model.stop_reason_ == "diverged"
    assert model.restored_epoch_ == epoch - 1 == len(model.loss_curve_)
    assert np.isfinite(model.predict_proba(X)).all()
    assert all(np.isfinite(w).all() for w in model.coefs_ + model.intercepts_)


def test_divergence_guard_restores_the_last_finite_epoch():
    X, y = make_regression(n_samples=200, n_features=10, noise=1, random_state=0)
    params = dict(hidden_layer_sizes=(8,), solver="sgd", learning_rate_init=0.03,
                  momentum=0.9, random_state=0)
    with pytest.warns(ConvergenceWarning, match="diverged in epoch"):
        model = MLPRegressor(max_iter=50, **params).fit(X, y)
    assert model.restored_epoch_ >= 2
    # The restored weights are those of a run stopped after that epoch.
    stopped = _fit_quietly(MLPRegressor(max_iter=model.restored_epoch_, **params),
                           X, y)
    _assert_same_weights(model, stopped, rtol=0, atol=0)
    np.testing.assert_array_equal(model.loss_curve_, stopped.loss_curve_)


def test_divergence_guard_yardstick_is_the_whole_training_set():
    """A first batch with a near-zero loss must not make an ordinary epoch of a
    large-target regression look like divergence."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3))
    X[0] = 0.0
    y = 300.0 * X[:, 0]                        # y[0] = 0: the first batch fits well
    model = MLPRegressor((8,), batch_size=1, shuffle=False, max_iter=3,
                         random_state=0)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        model.fit(X, y)
    assert not [w for w in record if "diverged" in str(w.message)]
    assert model.loss_curve_[0] > 1e3 and model.stop_reason_ == "max_iter"


# -- plot --------------------------------------------------------------------------------


def test_training_history_display(digits):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skneural.plot import TrainingHistoryDisplay

    X, y, X_val, y_val = digits
    model = _fit_quietly(MLPClassifier((8,), early_stopping=True, max_iter=8,
                                       random_state=0), X, y, X_val=X_val, y_val=y_val)
    display = TrainingHistoryDisplay.from_estimator(model)
    lines = display.lines_
    np.testing.assert_array_equal(lines["loss"].get_ydata(), model.loss_curve_)
    np.testing.assert_array_equal(lines["validation_loss"].get_ydata(),
                                  model.validation_loss_curve_)
    np.testing.assert_array_equal(lines["validation_score"].get_ydata(),
                                  model.validation_scores_)
    np.testing.assert_array_equal(lines["loss"].get_xdata(), np.arange(1, 9))
    assert lines["restored_epoch"].get_xdata()[0] == model.restored_epoch_
    assert display.score_ax_.get_ylabel() == "validation accuracy"
    assert display.ax_.get_xlabel() == "epoch" and display.ax_.get_ylabel() == "loss"
    plt.close(display.figure_)

    # Without validation: the training loss only, on given axes.
    plain = _fit_quietly(MLPRegressor((8,), max_iter=3, random_state=0), X, y)
    _, ax = plt.subplots()
    display = TrainingHistoryDisplay.from_estimator(plain, ax=ax, log_scale=True)
    assert display.ax_ is ax and sorted(display.lines_) == ["loss"]
    assert display.score_ax_ is None and ax.get_yscale() == "log"
    plt.close(ax.figure)


def test_plot_without_matplotlib_is_a_clear_error(monkeypatch, digits):
    from skneural.plot import TrainingHistoryDisplay

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"skneural\[plot\]"):
        TrainingHistoryDisplay(loss_curve=[1.0, 0.5]).plot()
