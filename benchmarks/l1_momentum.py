"""Why the step solvers' L1 stops at about 70% zeros under momentum: the variants
measured for issue 25, point 4.

The problem and setting are the issue's (doc/reliability.rst, "The L1 penalty"):
``make_classification(400, 20, n_informative=3, n_redundant=0, shuffle=False,
random_state=0)``, ``MLPClassifier((10,), alpha=8, solver="sgd",
learning_rate_init=0.05, max_iter=300)`` (batch 200, Nesterov momentum 0.9). The
target: at least 90% of the irrelevant inputs' first-layer weights exactly 0, with
held-out accuracy at least L2's minus 0.02.

The variants of the cumulative L1 penalty (Tsuruoka et al. 2009) differ in the
threshold ``t`` added to ``u`` after each step (``lr`` the step's rate, ``l1 =
alpha``, ``s`` the batch's size, ``n`` the training set's, ``mu`` the momentum):

* ``shipped``: ``t = lr * l1 / s`` (skneural's :class:`~skneural.regularizers.
  CumulativeL1`). Momentum amplifies the data steps about ``1 / (1 - mu)`` = 10
  times and not the penalty, so L1 acts about ten times weaker than ``alpha`` says.
* ``+ velocity reset``: as shipped, and the momentum of every weight the penalty
  holds at 0 is dropped.
* ``consistent (alpha/s)``: ``lr * l1 / s`` put through the same momentum filter as
  the gradient (Nesterov's form), so penalty and data are amplified alike: the
  objective of L2's scaling (per batch of 200, lbfgs's ``alpha=16`` on 400 rows).
* ``consistent (alpha/n)``: the same with ``lr * l1 / n``, lbfgs's objective at
  ``alpha=8``; ``+ reset`` adds the velocity reset.

Each row gives, over seeds 0..4, the mean share of zeros (fit on all 400 rows), the
mean held-out accuracy with L1 and with L2 (stratified 25% split, random_state 0),
and the mean objective ``log loss + 8 / 400 * |W|_1`` of the fit on all rows, next to
lbfgs's (the split L-BFGS-B, exact L1). The variants are installed by replacing the
trainer's ``CumulativeL1`` for the duration of this script; nothing of it ships.

    python benchmarks/l1_momentum.py

No assertion is made; exits 0. Takes about two minutes on two cores.
"""

import warnings

import numpy as np
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

import skneural._training as training
from skneural import MLPClassifier
from skneural.optim import sgd as sgd_module
from skneural.regularizers import CumulativeL1, cumulative_l1

PROBLEM = dict(n_samples=400, n_features=20, n_informative=3, n_redundant=0,
               shuffle=False, random_state=0)
ISSUE = dict(hidden_layer_sizes=(10,), solver="sgd", alpha=8.0,
             learning_rate_init=0.05, max_iter=300)
MOMENTUM = 0.9
SEEDS = range(5)
# What the variant in use needs to know: its name, the training set's size, and the
# SGD state of the step just taken (for the velocity reset).
CURRENT = {"variant": "shipped", "n": None, "solver_state": None}


class VariantL1(CumulativeL1):
    def __call__(self, params, state, learning_rate, weight_sum):
        variant = CURRENT["variant"]
        if variant.startswith("consistent"):
            scale = CURRENT["n"] if "alpha/n" in variant else weight_sum
            t = learning_rate * self.l1 / scale
            state["t"] = MOMENTUM * state.get("t", 0.0) + t
            state["u"] += MOMENTUM * state["t"] + t  # Nesterov's step, as the data's
        else:
            state["u"] += learning_rate * self.l1 / weight_sum
        cumulative_l1(params, state["q"], self.n_coefs, state["u"], np)
        if variant.endswith("reset"):
            velocity = CURRENT["solver_state"]["velocity"][: self.n_coefs]
            velocity[params[: self.n_coefs] == 0] = 0.0
        return params


def _recording_step(step):
    def recorded(self, params, grad_fn, state, learning_rate):
        CURRENT["solver_state"] = state
        return step(self, params, grad_fn, state, learning_rate)
    return recorded


def objective(model, X, y, alpha):
    """Mean log loss plus ``alpha / n * |W|_1`` (biases excluded), lbfgs's objective."""
    proba = np.clip(model.predict_proba(X)[:, 1], 1e-15, 1 - 1e-15)
    loss = -np.mean(y * np.log(proba) + (1 - y) * np.log(1 - proba))
    return loss + alpha / len(X) * sum(np.abs(W).sum() for W in model.coefs_)


def fit(X, y, **settings):
    CURRENT["n"] = len(X)
    return MLPClassifier(**settings).fit(X, y)


def measure(X, y, split, settings):
    X_train, X_test, y_train, y_test = split
    rows = []
    for seed in SEEDS:
        model = fit(X, y, penalty="l1", random_state=seed, **settings)
        accuracy = [fit(X_train, y_train, penalty=penalty, random_state=seed,
                        **settings).score(X_test, y_test) for penalty in ("l1", "l2")]
        rows.append([np.mean(model.coefs_[0][3:] == 0.0), *accuracy,
                     objective(model, X, y, settings["alpha"])])
    return np.mean(rows, axis=0)


def main():
    X, y = make_classification(**PROBLEM)
    split = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    training.CumulativeL1 = VariantL1
    sgd_module.SGD.step = _recording_step(sgd_module.SGD.step)
    print(f"{'variant':<28} {'zeros':>6} {'L1 acc':>7} {'L2 acc':>7} {'objective':>9}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for variant in ("shipped", "shipped + reset", "consistent (alpha/s)",
                        "consistent (alpha/n)", "consistent (alpha/n) + reset"):
            CURRENT["variant"] = variant
            zeros, l1, l2, value = measure(X, y, split, ISSUE)
            print(f"{variant:<28} {zeros:>6.1%} {l1:>7.3f} {l2:>7.3f} {value:>9.4f}")
        zeros, l1, l2, value = measure(X, y, split, dict(ISSUE, solver="lbfgs",
                                                         max_iter=500))
        print(f"{'lbfgs (exact L1)':<28} {zeros:>6.1%} {l1:>7.3f} {l2:>7.3f} "
              f"{value:>9.4f}")


if __name__ == "__main__":
    main()
