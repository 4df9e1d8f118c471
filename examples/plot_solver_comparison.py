"""
Comparing the solvers: loss against epochs and against wall-clock time
======================================================================

Trains the same network with every family of solver in :mod:`skneural.solvers` on
two real data sets, scikit-learn's 8x8 digits and a 5,000-image subset of
Fashion-MNIST, and plots the training loss against epochs (left) and against
wall-clock time (right), one line per solver.

* The mini-batch solvers (SGD with Nesterov or classical momentum, adaptive gains,
  RMSprop, Adam) take ``n_samples / 200`` steps per epoch; the full-batch ones
  (Rprop, L-BFGS, CG) one step, or one line-search iteration, per epoch. So per
  epoch the mini-batch solvers move much further, while per second the comparison is
  closer: a full-batch step costs about as much as a whole epoch of mini-batch steps.
* Every solver is passed as an object, wrapped by a small subclass that records
  the time at the end of each epoch (the ``end_epoch`` hook of the solver protocol)
  or of each L-BFGS / CG iteration (scipy's callback): an example of how solver
  objects plug in.
* Settings are those of the table in ``doc/solvers.rst`` (learning rates 0.1 for the
  SGD family and adaptive gains, 0.001 for RMSprop and Adam, the documented defaults
  for Rprop, L-BFGS and CG).

Run it with ``MPLBACKEND=Agg`` to train without a display.
"""

import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skneural import MLPClassifier
from skneural.datasets import load_fashion_mnist
from skneural.solvers import CG, LBFGS, SGD, Adam, AdaptiveGains, RMSprop, Rprop

SOLVERS = {
    "sgd (Nesterov)": SGD(learning_rate_init=0.1),
    "momentum": SGD(learning_rate_init=0.1, nesterovs_momentum=False),
    "adaptive gains": AdaptiveGains(learning_rate_init=0.1),
    "rmsprop": RMSprop(learning_rate_init=0.001),
    "adam": Adam(learning_rate_init=0.001),
    "irprop-": Rprop(variant="irprop-"),
    "irprop+": Rprop(variant="irprop+"),
    "rprop+": Rprop(variant="rprop+"),
    "lbfgs": LBFGS(),
    "cg": CG(),
}


def timed(solver, stamps):
    """A copy of ``solver`` that appends ``time.perf_counter()`` to ``stamps`` when
    training starts and after every epoch (or L-BFGS / CG iteration)."""

    class Timed(type(solver)):
        def init(self, params):
            stamps.append(time.perf_counter())
            return super().init(params)

        def end_epoch(self, state, n_samples_seen):
            stamps.append(time.perf_counter())
            return super().end_epoch(state, n_samples_seen)

        def minimize(self, params, fun, *, max_iter, tol, callback=None):
            stamps.append(time.perf_counter())

            def stamped(intermediate_result):  # scipy calls back by this name
                stamps.append(time.perf_counter())
                if callback is not None:
                    return callback(intermediate_result)

            return super().minimize(params, fun, max_iter=max_iter, tol=tol,
                                    callback=stamped)

    if not hasattr(solver, "minimize"):
        del Timed.minimize  # a step-based solver must not look like a minimizer
    return Timed(**solver.get_params())


def train(solver, X, y, hidden_layer_sizes, n_epochs):
    """Loss after each epoch and the wall-clock seconds at which each epoch ended."""
    stamps = []
    clf = MLPClassifier(hidden_layer_sizes, solver=timed(solver, stamps),
                        max_iter=n_epochs, random_state=0)
    # One BLAS thread, so that the clock measures the solvers' work rather than how
    # threads get scheduled (on a busy machine that swamps everything else).
    with threadpool_limits(limits=1, user_api="blas"):
        clf.fit(X, y)
    return clf, np.array(clf.loss_curve_), np.array(stamps[1:]) - stamps[0]


def load_fashion_subset(n_samples=5000):
    X, y = load_fashion_mnist("train")
    index = np.random.RandomState(0).choice(len(X), n_samples, replace=False)
    return X[index].astype(np.float64), y[index]


# The epoch budgets are deliberately short: stopping at max_iter is the point here.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

datasets = [("digits", *load_digits(return_X_y=True), (32,), 100)]
try:
    datasets.append(("Fashion-MNIST, 5000 images", *load_fashion_subset(), (64,), 50))
except FileNotFoundError as exc:  # the shared data folder is optional
    print(f"Skipping Fashion-MNIST: {exc}")

fig, axes = plt.subplots(len(datasets), 2, figsize=(12, 4.5 * len(datasets)),
                         squeeze=False, constrained_layout=True)
colors = dict(zip(SOLVERS, plt.cm.tab10(np.linspace(0, 1, 10))))
for (title, X, y, hidden, n_epochs), (by_epoch, by_time) in zip(datasets, axes):
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, stratify=y, random_state=0)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    print(f"\n{title}: {len(X_train)} training images, {n_epochs} epochs")
    for name, solver in SOLVERS.items():
        clf, loss, seconds = train(solver, X_train, y_train, hidden, n_epochs)
        epochs = np.arange(1, len(loss) + 1)
        by_epoch.plot(epochs, loss, color=colors[name], label=name)
        by_time.plot(seconds, loss, color=colors[name], label=name)
        print(f"  {name:15s} final loss {loss[-1]:.4f}  test accuracy "
              f"{clf.score(X_test, y_test):.3f}  {seconds[-1]:.2f} s")
    by_epoch.set(title=f"{title}: loss per epoch", xlabel="epoch (full-batch "
                 "iteration for rprop, lbfgs, cg)", ylabel="training loss",
                 yscale="log")
    by_time.set(title=f"{title}: loss against time", xlabel="wall-clock seconds",
                ylabel="training loss", yscale="log")
    by_epoch.legend(fontsize="small", ncol=2)

plt.show()
