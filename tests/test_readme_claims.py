"""README's claims about agreement with scikit-learn, on the petrol table (issue 24,
point 8): L-BFGS follows scikit-learn for about the first 100 iterations, Adam over
the whole run to the same stopping epoch. ``benchmarks/lbfgs_agreement.py`` prints
the longer runs, where L-BFGS drifts apart as scikit-learn does from itself."""

import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn.neural_network as sk
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
