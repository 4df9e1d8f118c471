"""How sparse L1 makes the first layer, and at what accuracy, solver by solver.

The problem of doc/reliability.rst ("The L1 penalty"): ``make_classification(400,
20, n_informative=3, n_redundant=0, shuffle=False, random_state=0)``, whose inputs
3..19 carry no information; 10 hidden units. For each setting: the share of the
irrelevant inputs' first-layer weights (rows 3..19 of ``coefs_[0]``) that are exactly
0 after a fit on all 400 samples, the test accuracy after a fit on a stratified 75 %
(``train_test_split(..., random_state=0)``) and the mean 5-fold accuracy
(``StratifiedKFold(5, shuffle=True, random_state=0)``), for L1 and for L2 at the same
``alpha``.

    python benchmarks/l1_sparsity.py            # the issue's SGD setting and the table
    python benchmarks/l1_sparsity.py --quick    # the issue's SGD setting only

No assertion is made; exits 0. Takes about a minute (``--quick``: 10 s).
"""

import sys
import warnings

import numpy as np
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split

from skneural import MLPClassifier

PROBLEM = dict(n_samples=400, n_features=20, n_informative=3, n_redundant=0,
               shuffle=False, random_state=0)
# The issue's SGD setting (default batch_size: 200, momentum 0.9, Nesterov).
ISSUE = dict(solver="sgd", learning_rate_init=0.05, max_iter=300)
# doc/reliability.rst's settings.
TABLE = {"lbfgs": dict(solver="lbfgs", max_iter=500),
         "sgd (lr 0.1, batch 32)": dict(solver="sgd", learning_rate_init=0.1,
                                        batch_size=32, max_iter=300)}


def measure(X, y, penalty, alpha, settings):
    common = dict(hidden_layer_sizes=(10,), penalty=penalty, alpha=alpha,
                  random_state=0, **settings)
    model = MLPClassifier(**common).fit(X, y)
    zeros = np.mean(model.coefs_[0][3:] == 0.0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25,
                                                        stratify=y, random_state=0)
    split = MLPClassifier(**common).fit(X_train, y_train).score(X_test, y_test)
    cv = cross_val_score(MLPClassifier(**common), X, y,
                         cv=StratifiedKFold(5, shuffle=True, random_state=0)).mean()
    return zeros, split, cv, model.n_iter_


def main():
    X, y = make_classification(**PROBLEM)
    runs = [("issue: sgd lr 0.05", ISSUE, [8.0])]
    if "--quick" not in sys.argv:
        runs += [(name, settings, [0.05, 8.0, 20.0]) for name, settings in TABLE.items()]
    print(f"{'setting':<24} {'alpha':>6} {'penalty':>7} {'zeros':>6} {'split acc':>9} "
          f"{'5-fold':>7} {'epochs':>6}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name, settings, alphas in runs:
            for alpha in alphas:
                for penalty in ("l1", "l2"):
                    zeros, split, cv, n_iter = measure(X, y, penalty, alpha, settings)
                    print(f"{name:<24} {alpha:>6g} {penalty:>7} {zeros:>6.1%} "
                          f"{split:>9.3f} {cv:>7.3f} {n_iter:>6}")


if __name__ == "__main__":
    main()
