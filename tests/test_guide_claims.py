"""Claims of the README and the user guide (issue 24).

Point 8: L-BFGS follows scikit-learn for about the first 100 iterations on the
petrol table, Adam over the whole run to the same stopping epoch
(``benchmarks/lbfgs_agreement.py`` prints the longer runs, where L-BFGS drifts apart
as scikit-learn does from itself). Point 10: the fix for busy machines,
``threadpool_limits(1)`` around ``fit``, holds for every epoch of every kind of fit
(skneural's own scoped thread limits do not undo it); the timings themselves are
``benchmarks/busy_machine.py``'s, as a loaded machine cannot be reproduced in a test.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn.neural_network as sk
from _callbacks import QuietCallback
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skneural
from skneural.datasets import load_petrol_consumption


def _fit(Regressor, **params):
    X, y, names = load_petrol_consumption()
    X = pd.DataFrame(X, columns=names)
    scale = ColumnTransformer([("scale", StandardScaler(), names)])
    model = TransformedTargetRegressor(
        make_pipeline(scale, Regressor(hidden_layer_sizes=(10,), random_state=0, **params)),
        transformer=StandardScaler())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y), X


def _relative(a, b):
    return np.max(np.abs(a - b)) / np.max(np.abs(b))


@pytest.mark.parametrize("params, n_iter, tolerance", [
    (dict(solver="lbfgs", max_iter=100), 100, 1e-6),
    (dict(max_iter=1000), 537, 1e-13),                      # Adam, to its own stop
], ids=["lbfgs-100-iterations", "adam-whole-run"])
def test_agreement_with_scikit_learn_stated_in_the_readme(params, n_iter, tolerance):
    ours, X = _fit(skneural.MLPRegressor, **params)
    theirs, _ = _fit(sk.MLPRegressor, **params)
    assert ours.regressor_[-1].n_iter_ == theirs.regressor_[-1].n_iter_ == n_iter
    assert _relative(ours.predict(X), theirs.predict(X)) < tolerance


class _BlasThreads(QuietCallback):
    """A callback recording the BLAS threads in force at the end of every epoch."""

    def __init__(self):
        self.seen = set()

    def on_fit_task_end(self, estimator, context):
        from threadpoolctl import threadpool_info

        self.seen |= {pool["num_threads"] for pool in threadpool_info()
                      if pool["user_api"] == "blas"}


@pytest.mark.parametrize("params", [
    dict(hidden_layer_sizes=(4,)),                       # small steps: limited anyway
    dict(hidden_layer_sizes=(400, 400), batch_size=200),  # large steps
    dict(hidden_layer_sizes=(4,), solver="lbfgs"),
], ids=["small-adam", "large-adam", "lbfgs"])
def test_one_blas_thread_holds_through_the_fit(params):
    from threadpoolctl import threadpool_info, threadpool_limits

    from skneural.callbacks import SKLEARN_HAS_CALLBACKS

    if not SKLEARN_HAS_CALLBACKS:
        pytest.skip("sklearn.callback needs scikit-learn >= 1.9")
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(400, 20)), rng.normal(size=400)
    threads = _BlasThreads()
    model = skneural.MLPRegressor(max_iter=3, random_state=0, **params)
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.set_callbacks(threads).fit(X, y)
        after = {pool["num_threads"] for pool in threadpool_info()
                 if pool["user_api"] == "blas"}
    assert threads.seen == {1} and after == {1}
