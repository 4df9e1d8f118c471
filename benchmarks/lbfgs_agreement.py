"""How far skneural's L-BFGS follows scikit-learn's over a training run.

Both estimators start from the same seed on the petrol table (48 rows, a DataFrame;
the inputs and the target standardized, as the user guide recommends), and both hand
the same objective to ``scipy.optimize.minimize(method="L-BFGS-B")``. The objective and
its gradient agree to rounding (about 1e-16 relative), but L-BFGS amplifies rounding
differences once the iterates leave the well-conditioned start: this script prints,
for growing ``max_iter``, the largest relative difference of the predictions and the
weights, then the iteration counts of a 5-fold cross-validation run to convergence.
The last column is the control: scikit-learn against itself on the same rows in
another order, which changes nothing but the rounding of the sums over rows.

    python benchmarks/lbfgs_agreement.py [--hidden 10] [--seeds 0 1 2]
"""

import argparse
import warnings

import numpy as np
import pandas as pd
import sklearn.neural_network as sk
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skneural
from skneural.datasets import load_petrol_consumption


def _model(Regressor, columns, **params):
    scale = ColumnTransformer([("scale", StandardScaler(), list(columns))])
    return TransformedTargetRegressor(make_pipeline(scale, Regressor(**params)),
                                      transformer=StandardScaler())


def _fit_pair(X, y, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = _model(skneural.MLPRegressor, X.columns, **params).fit(X, y)
        theirs = _model(sk.MLPRegressor, X.columns, **params).fit(X, y)
    return ours, theirs


def _reordered_reference(X, y, **params):
    """scikit-learn on the rows in reverse order: the same objective, other rounding."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return _model(sk.MLPRegressor, X.columns, **params).fit(X[::-1], y[::-1])


def _relative(a, b):
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, default=10)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--iterations", type=int, nargs="+",
                        default=[50, 100, 150, 200, 300, 500])
    args = parser.parse_args()
    X, y, names = load_petrol_consumption()
    X = pd.DataFrame(X, columns=names)
    print(f"petrol table, MLPRegressor(({args.hidden},), solver='lbfgs'), "
          "ColumnTransformer + TransformedTargetRegressor (StandardScaler)")
    print("seed  max_iter  n_iter ours/sklearn  predictions (rel)  weights (rel)"
          "  control: sklearn, rows reversed (rel)")
    for seed in args.seeds:
        for max_iter in args.iterations:
            params = dict(hidden_layer_sizes=(args.hidden,), solver="lbfgs",
                          max_iter=max_iter, random_state=seed)
            ours, theirs = _fit_pair(X, y, **params)
            control = _reordered_reference(X, y, **params)
            a, b = ours.regressor_[-1], theirs.regressor_[-1]
            weights = _relative(np.concatenate([c.ravel() for c in a.coefs_]),
                                np.concatenate([c.ravel() for c in b.coefs_]))
            print(f"{seed:4d}  {max_iter:8d}  {a.n_iter_:6d} / {b.n_iter_:<6d}  "
                  f"{_relative(ours.predict(X), theirs.predict(X)):17.1e}  "
                  f"{weights:13.1e}  "
                  f"{_relative(control.predict(X), theirs.predict(X)):.1e}")
    print("\n5-fold cross-validation, max_iter=1000 (run to convergence), seed 0")
    print("fold  n_iter ours/sklearn/control  test predictions (rel)")
    for fold, (train, test) in enumerate(KFold(5, shuffle=True, random_state=0).split(X)):
        params = dict(hidden_layer_sizes=(args.hidden,), solver="lbfgs", max_iter=1000,
                      random_state=0)
        ours, theirs = _fit_pair(X.iloc[train], y[train], **params)
        control = _reordered_reference(X.iloc[train], y[train], **params)
        print(f"{fold:4d}  {ours.regressor_[-1].n_iter_:6d} / "
              f"{theirs.regressor_[-1].n_iter_} / {control.regressor_[-1].n_iter_:<6d}  "
              f"{_relative(ours.predict(X.iloc[test]), theirs.predict(X.iloc[test])):.1e}")
    print("\nAdam (the default solver), seed 0: the step solvers for comparison")
    print("max_iter  n_iter ours/sklearn  predictions (rel)")
    for max_iter in (200, 1000, 3000):
        ours, theirs = _fit_pair(X, y, hidden_layer_sizes=(args.hidden,),
                                 max_iter=max_iter, random_state=0)
        print(f"{max_iter:8d}  {ours.regressor_[-1].n_iter_:6d} / "
              f"{theirs.regressor_[-1].n_iter_:<6d}  "
              f"{_relative(ours.predict(X), theirs.predict(X)):.1e}")


if __name__ == "__main__":
    main()
