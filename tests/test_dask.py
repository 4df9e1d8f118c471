"""Dask paths (skneural.dask) on a real distributed.LocalCluster with 2 worker
processes: full-batch fits computed on the workers against the NumPy fit, nothing
X-sized on the client, a worker lost mid-fit, partial_fit streaming, Incremental,
and scikit-learn searches on the dask joblib backend."""

import os
import signal
import subprocess
import sys
import threading
import warnings

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")

from _callbacks import QuietCallback  # noqa: E402
from joblib import parallel_backend  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402

from skneural import MLPClassifier, MLPRegressor  # noqa: E402
from skneural import dask as skdask  # noqa: E402
from skneural.optim import SGD  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def client():
    """A 2-process cluster on the loopback interface, closed after the module.

    distributed sets OMP/MKL/OPENBLAS_NUM_THREADS=1 in os.environ for its workers
    and leaves them there; they are restored, so later tests (and the processes
    they start) see the environment they started with."""
    saved = dict(os.environ)
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1,
                                       processes=True, host="127.0.0.1",
                                       dashboard_address=None)
    try:
        with distributed.Client(cluster) as client:
            yield client
    finally:
        cluster.close()
        os.environ.clear()
        os.environ.update(saved)


def _data(n_samples=1200, n_features=6, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, n_features)
    y = (X[:, 0] + X[:, 1] ** 2 > 1).astype(int) + (X[:, 2] > 0.5)
    return X, y, rng.rand(n_samples) + 0.1


def _flat(model):
    return np.concatenate([a.ravel() for a in model.coefs_ + model.intercepts_])


def _assert_same_fit(numpy_model, dask_model, rtol):
    reference = _flat(numpy_model)
    scale = np.abs(reference).max()
    assert np.abs(_flat(dask_model) - reference).max() <= rtol * scale
    assert dask_model.n_iter_ == numpy_model.n_iter_
    np.testing.assert_allclose(dask_model.loss_curve_, numpy_model.loss_curve_,
                               rtol=rtol)
    assert dask_model.loss_ == pytest.approx(numpy_model.loss_, rel=rtol)


@pytest.mark.parametrize("solver", ["lbfgs", "cg", "rprop", "irprop+"])
def test_full_batch_fit_equals_numpy_fit(client, solver):
    X, y, sw = _data()
    labels = np.array(["ant", "bee", "cat"])[y]  # classes found on the cluster
    params = dict(hidden_layer_sizes=(8,), solver=solver, max_iter=25, alpha=1e-3,
                  random_state=0, class_weight="balanced")
    expected = MLPClassifier(**params).fit(X, labels, sample_weight=sw)
    # Column chunks and chunks of y / sample_weight that do not match X's rows.
    X_dask = da.from_array(X, chunks=(250, 4))
    model = MLPClassifier(**params).fit(X_dask, da.from_array(labels, chunks=400),
                                        sample_weight=da.from_array(sw, chunks=700))
    _assert_same_fit(expected, model, rtol=1e-8)
    np.testing.assert_array_equal(model.classes_, ["ant", "bee", "cat"])
    assert model.n_features_in_ == 6 and model.n_outputs_ == 3
    np.testing.assert_array_equal(model.predict(X), expected.predict(X))


def test_regressor_with_max_norm_and_validation_equals_numpy_fit(client):
    X, _, sw = _data(seed=1)
    y = np.c_[2 * X[:, 0] + np.sin(X[:, 1]), X[:, 2] ** 2]
    X_val, y_val = X[:200] + 0.1, y[:200]
    params = dict(hidden_layer_sizes=(7,), solver="lbfgs", max_iter=20, max_norm=0.8,
                  random_state=3)
    expected = MLPRegressor(**params).fit(X, y, sample_weight=sw, X_val=X_val,
                                          y_val=y_val)
    model = MLPRegressor(**params).fit(
        da.from_array(X, chunks=300), da.from_array(y, chunks=300),
        sample_weight=sw, X_val=X_val, y_val=y_val)
    _assert_same_fit(expected, model, rtol=1e-8)
    np.testing.assert_allclose(model.validation_scores_, expected.validation_scores_,
                               rtol=1e-8)
    norms = np.linalg.norm(model.coefs_[0], axis=0)
    assert norms.max() <= 0.8 + 1e-12


def test_objective_matches_network_and_finite_differences(client):
    """The cluster's summed objective is Network.loss_gradient on the whole data,
    and its gradient the finite differences of its loss."""
    X, y, sw = _data(n_samples=500)
    model = MLPClassifier(hidden_layer_sizes=(5,), alpha=0.3, random_state=0)
    model.fit(X[:50], y[:50])  # a network and weights to evaluate at
    network = model._network_from_coefs()
    params = _flat(model)
    Y = model._label_binarizer.transform(y).astype(float)
    chunked = skdask.ChunkedData(da.from_array(X, chunks=120),
                                 da.from_array(Y, chunks=120),
                                 da.from_array(sw, chunks=120), np.float64)
    loss, grad = chunked.loss_gradient(network, params)
    expected_loss, expected_grad = network.loss_gradient(params, X, Y, sw)
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-10, atol=1e-14)
    step, rng = 1e-6, np.random.RandomState(0)
    for i in rng.choice(params.size, 5, replace=False):
        shifted = [params.copy(), params.copy()]
        shifted[0][i] += step
        shifted[1][i] -= step
        up, down = (chunked.loss_gradient(network, p)[0] for p in shifted)
        assert (up - down) / (2 * step) == pytest.approx(grad[i], rel=1e-5, abs=1e-8)


def test_nothing_the_size_of_X_reaches_the_client(client, monkeypatch):
    X, y, _ = _data(n_samples=4000, n_features=20)
    X_dask = da.from_array(X, chunks=500)
    largest = _guard_the_client(monkeypatch)
    model = MLPClassifier(hidden_layer_sizes=(10,), solver="lbfgs", max_iter=15,
                          random_state=0).fit(X_dask, da.from_array(y, chunks=500))
    assert model.n_iter_ == 15 and len(largest) > 15
    # Parameter-sized results (the per-chunk gradients), never X's 640 kB.
    assert max(largest) < X.nbytes / 50


def _guard_the_client(monkeypatch):
    """Refuse any Dask array's conversion to NumPy on the client, and note the size
    of what each ``dask.compute`` brings back: the list returned."""
    largest, compute = [], dask.compute

    def measured_compute(*args, **kwargs):
        results = compute(*args, **kwargs)
        largest.append(max(_nbytes(r) for r in results))
        return results

    def refuse(*args, **kwargs):
        raise AssertionError("a Dask array was converted to NumPy on the client")

    monkeypatch.setattr(dask, "compute", measured_compute)
    monkeypatch.setattr(da.Array, "__array__", refuse)
    monkeypatch.setattr(da.Array, "compute", refuse)
    return largest


def _nbytes(value):
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, (list, tuple)):
        return sum(_nbytes(v) for v in value)
    return 0


def test_worker_killed_mid_fit_completes_or_fails_clearly(client, monkeypatch):
    X, y, _ = _data(n_samples=2000)
    params = dict(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=12, random_state=0)
    expected = MLPClassifier(**params).fit(X, y)
    pids = client.run(os.getpid)
    evaluate, killed = skdask.ChunkedData.loss_gradient, []

    def kill_before_third(self, *args, **kwargs):
        if self.n_evaluations == 2:  # the data are persisted on both workers
            who_has = client.who_has()
            holders = {w for workers in who_has.values() for w in workers}
            killed.append(pids[sorted(holders)[0]])
            os.kill(killed[-1], signal.SIGKILL)
        return evaluate(self, *args, **kwargs)

    monkeypatch.setattr(skdask.ChunkedData, "loss_gradient", kill_before_third)
    outcome = {}

    def run():
        try:
            outcome["model"] = MLPClassifier(**params).fit(
                da.from_array(X, chunks=250), da.from_array(y, chunks=250))
        except Exception as exc:  # reported below
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=90)
    assert not thread.is_alive(), "the fit hung after a worker was lost"
    if "error" in outcome:
        assert isinstance(outcome["error"], RuntimeError)
        assert "Dask cluster failed" in str(outcome["error"])
    else:  # Dask recomputed the lost chunks: the same fit
        _assert_same_fit(expected, outcome["model"], rtol=1e-8)
    client.wait_for_workers(2, timeout=60)
    assert len(killed) == 1 and killed[0] not in client.run(os.getpid).values()


def test_partial_fit_streams_the_blocks(client):
    X, y, sw = _data(n_samples=900)
    params = dict(hidden_layer_sizes=(6,), solver="adam", random_state=0,
                  learning_rate_init=0.01)
    expected = MLPClassifier(**params)
    for rows in (slice(0, 300), slice(300, 600), slice(600, 900)):
        expected.partial_fit(X[rows], y[rows], sample_weight=sw[rows], classes=[0, 1, 2])
    model = MLPClassifier(**params).partial_fit(
        da.from_array(X, chunks=300), da.from_array(y, chunks=300),
        sample_weight=da.from_array(sw, chunks=300), classes=[0, 1, 2])
    np.testing.assert_array_equal(_flat(model), _flat(expected))
    assert model.t_ == 900


def test_incremental_wrapper_streams_blocks(client):
    wrappers = pytest.importorskip("dask_ml.wrappers")
    X, y, _ = _data(n_samples=1500)
    params = dict(hidden_layer_sizes=(6,), solver="rprop", random_state=0)
    expected = MLPClassifier(**params)
    for start in [0, 500, 1000] * 2:
        expected.partial_fit(X[start:start + 500], y[start:start + 500],
                             classes=[0, 1, 2])
    incremental = wrappers.Incremental(MLPClassifier(**params), shuffle_blocks=False)
    for _ in range(2):  # partial_fit continues from estimator_ (fit would restart)
        incremental.partial_fit(da.from_array(X, chunks=500),
                                da.from_array(y, chunks=500), classes=[0, 1, 2])
    np.testing.assert_array_equal(_flat(incremental.estimator_), _flat(expected))
    assert incremental.score(X, y) == pytest.approx(expected.score(X, y))


def test_grid_search_on_the_dask_joblib_backend(client):
    X, y, _ = _data(n_samples=300)
    grid = {"alpha": [1e-4, 1e-1], "hidden_layer_sizes": [(4,), (8,)]}
    estimator = MLPClassifier(solver="lbfgs", max_iter=30, random_state=0)
    expected = GridSearchCV(estimator, grid, cv=2).fit(X, y)
    with parallel_backend("dask"):
        search = GridSearchCV(estimator, grid, cv=2, n_jobs=-1).fit(X, y)
    np.testing.assert_allclose(search.cv_results_["mean_test_score"],
                               expected.cv_results_["mean_test_score"])
    assert search.best_params_ == expected.best_params_


def test_successive_halving_on_the_dask_joblib_backend(client):
    """The documented workaround for dask-ml's HyperbandSearchCV (dask/dask-ml#1016)."""
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingRandomSearchCV

    X, y, _ = _data(n_samples=400)
    distributions = {"alpha": [1e-5, 1e-3, 1e-1], "learning_rate_init": [1e-3, 1e-2]}
    search = HalvingRandomSearchCV(
        MLPClassifier(hidden_layer_sizes=(6,), random_state=0), distributions,
        resource="max_iter", min_resources=5, max_resources=40, factor=2,
        n_candidates=6, cv=2, random_state=0, n_jobs=-1)
    with parallel_backend("dask"):
        search.fit(X, y)
    assert search.n_iterations_ >= 2
    assert search.best_estimator_.max_iter in search.n_resources_


class _FullBatchSGD(SGD):
    full_batch = True


def test_refusals_name_the_way_out(client):
    X, y, _ = _data(n_samples=200)
    X_dask, y_dask = da.from_array(X, chunks=100), da.from_array(y, chunks=100)
    with pytest.raises(ValueError, match="Incremental"):
        MLPClassifier(solver="adam").fit(X_dask, y_dask)
    with pytest.raises(ValueError, match="dropout, input noise, weight noise"):
        MLPClassifier(solver="lbfgs", dropout=0.2).fit(X_dask, y_dask)
    with pytest.raises(ValueError, match="X_val"):
        MLPClassifier(solver="rprop", early_stopping=True).fit(X_dask, y_dask)
    # The bold driver's objective is summed over the chunks too.
    bold = MLPClassifier(solver=_FullBatchSGD(learning_rate_init=0.01), max_iter=5,
                         learning_rate="bold_driver", random_state=0)
    np.testing.assert_allclose(_flat(bold.fit(X_dask, y_dask)),
                               _flat(clone(bold).fit(X, y)), rtol=1e-8)
    # A minimizer ignores the schedule, on the cluster as in memory.
    MLPClassifier(solver="lbfgs", max_iter=2, learning_rate="bold_driver").fit(
        X_dask, y_dask)
    with pytest.raises(ValueError, match="NaN"):
        MLPRegressor(solver="lbfgs").fit(da.from_array(np.where(X > 2, np.nan, X)),
                                         da.from_array(X[:, 0]))
    with pytest.raises(ValueError, match="sample_weight"):
        MLPRegressor(solver="lbfgs").fit(X_dask, X[:, 0], sample_weight=-np.ones(200))


def test_numpy_fit_does_not_import_dask():
    code = ("import sys; import numpy as np; from skneural import MLPClassifier; "
            "MLPClassifier(max_iter=2).fit(np.eye(4), [0, 1, 0, 1]); "
            "print('dask' in sys.modules)")
    with warnings.catch_warnings():
        result = subprocess.run([sys.executable, "-W", "ignore", "-c", code],
                                capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_convergence_warning_as_numpy(client):
    X, y, _ = _data(n_samples=300)
    with pytest.warns(ConvergenceWarning):
        MLPClassifier(solver="lbfgs", max_iter=2).fit(da.from_array(X, chunks=100),
                                                      da.from_array(y, chunks=100))


class _StopAfter(QuietCallback):
    """A scikit-learn FitCallback asking to stop after ``n`` epochs."""

    def __init__(self, n):
        self.n, self.ended = n, 0

    def on_fit_task_end(self, estimator, context):
        if context.task_name == "fit":
            return False
        self.ended += 1
        return self.ended >= self.n


def test_callback_stop_and_warm_start_as_numpy(client):
    pytest.importorskip("sklearn.callback")
    X, y, _ = _data(n_samples=600)
    X_dask, y_dask = da.from_array(X, chunks=200), da.from_array(y, chunks=200)
    model = MLPClassifier(hidden_layer_sizes=(6,), solver="rprop", max_iter=10,
                          random_state=0).set_callbacks(_StopAfter(3))
    model.fit(X_dask, y_dask)
    assert model.n_iter_ == 3 and model.stop_reason_ == "callback"
    expected = MLPClassifier(hidden_layer_sizes=(6,), solver="rprop", max_iter=3,
                             random_state=0).fit(X, y)
    np.testing.assert_allclose(_flat(model), _flat(expected), rtol=1e-10)
    # warm_start continues from the weights, on the cluster as in memory.
    expected.set_params(warm_start=True, solver="lbfgs", max_iter=5).fit(X, y)
    model = MLPClassifier(hidden_layer_sizes=(6,), solver="rprop", max_iter=3,
                          random_state=0).fit(X_dask, y_dask)
    model.set_params(warm_start=True, solver="lbfgs", max_iter=5).fit(X_dask, y_dask)
    _assert_same_fit(expected, model, rtol=1e-8)


def test_dask_dataframe_input(client):
    dd = pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    X, _, _ = _data(n_samples=400)
    y = X[:, 0] - 2 * X[:, 1]
    params = dict(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=10, random_state=0)
    expected = MLPRegressor(**params).fit(X, y)
    model = MLPRegressor(**params).fit(dd.from_pandas(pd.DataFrame(X), npartitions=3),
                                       dd.from_pandas(pd.Series(y), npartitions=3))
    _assert_same_fit(expected, model, rtol=1e-8)


def test_a_failing_cluster_is_reported_with_the_evaluation(client, monkeypatch):
    X, y, _ = _data(n_samples=200)
    compute, calls = dask.compute, []

    def failing_compute(*args, **kwargs):
        calls.append(1)
        if len(calls) == 4:  # the data checks, then the objective's evaluations
            raise distributed.comm.CommClosedError("Stream is closed")
        return compute(*args, **kwargs)

    monkeypatch.setattr(dask, "compute", failing_compute)
    # The data checks take two computations, the first objective evaluation the
    # third: the fourth is the objective's evaluation 2.
    message = r"evaluation 2 of this fit\): CommClosedError"
    with pytest.raises(RuntimeError, match=message):
        MLPClassifier(solver="lbfgs", max_iter=10).fit(da.from_array(X, chunks=50),
                                                       da.from_array(y, chunks=50))


@pytest.mark.parametrize("Model", [MLPClassifier, MLPRegressor])
def test_predictions_are_dask_arrays_computed_on_the_workers(client, monkeypatch,
                                                             Model):
    X, y, sw = _data(n_samples=3000, n_features=20)
    if Model is MLPRegressor:
        y = np.column_stack([X[:, 0] + X[:, 1], X[:, 2] - X[:, 3]])
    model = Model(hidden_layer_sizes=(6,), solver="lbfgs", max_iter=20,
                  random_state=0).fit(X[:500], y[:500])
    X_dask = da.from_array(X, chunks=600)
    y_dask = da.from_array(y, chunks=600)
    sw_dask = da.from_array(sw, chunks=600)
    largest = _guard_the_client(monkeypatch)
    methods = ["predict"] + (["predict_proba", "predict_log_proba"]
                             if Model is MLPClassifier else [])
    for method in methods:
        result = getattr(model, method)(X_dask)
        assert isinstance(result, da.Array), method
        (computed,) = dask.compute(result)
        np.testing.assert_allclose(computed, getattr(model, method)(X), rtol=1e-12,
                                   err_msg=method)
        # Prediction-sized results only (at most 3 columns), never X's 20 columns.
        assert largest[-1] < X.nbytes / 5, method
    largest.clear()
    score = model.score(X_dask, y_dask, sample_weight=sw_dask)
    assert isinstance(score, float)
    assert score == pytest.approx(model.score(X, y, sample_weight=sw), rel=1e-10)
    assert max(largest) < 1000  # a few numbers: the metric's sums
