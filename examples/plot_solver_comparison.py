"""
The optimizers of the course on one problem, small data and large
=================================================================

The course lists a family of ways to follow the gradient, and gives advice on which
to use when:

* **small data** (or data without much redundancy): compute the exact gradient on
  the full batch and use a method that exploits it: conjugate gradient (CG),
  L-BFGS, or Rprop, which adapts one step size per weight from the signs of
  successive full-batch gradients;
* **large, redundant data**: mini-batches, with momentum (classical or Nesterov),
  per-weight adaptive gains, RMSprop, vSGD (Schaul, Zhang & LeCun, 2013, which sets
  its own learning rates) or Adam.

This example trains the same network with each of them on a small data set
(scikit-learn's 8x8 digits, 1,437 training images) and a larger one (48,000
Fashion-MNIST images, 784 pixels each), and plots the training loss against
wall-clock time. The mini-batch solvers take ``n_samples / 200`` steps per epoch, the
full-batch ones one step (or one line-search iteration) per epoch, and both get the
same number of epochs, which costs about the same time: a full-batch gradient is
the same arithmetic as an epoch of mini-batch gradients.

Settings are those of the table in the solver guide (learning rates 0.1 for the
momentum family and adaptive gains, 0.001 for RMSprop and Adam, the defaults
elsewhere). Every solver is passed as an object, wrapped by a small subclass that
records the time after each step (the ``step`` method of the solver protocol; an
epoch ends every ``n_samples / 200`` steps) or each L-BFGS / CG iteration (scipy's
callback): an example of how solver objects plug in.
"""

import sys
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
from skneural import optim as skneural_solvers
from skneural.datasets import load_fashion_mnist

# The course's list: name -> (registered solver name, learning_rate_init).
COURSE_SOLVERS = {
    "momentum": ("momentum", 0.1),
    "Nesterov": ("nesterov", 0.1),
    "adaptive gains": ("adaptive_gains", 0.1),
    "rmsprop": ("rmsprop", 0.001),
    "vSGD": ("vsgd", 0.001),
    "adam": ("adam", 0.001),
    "rprop": ("rprop", 0.001),
    "CG": ("cg", 0.001),
    "L-BFGS": ("lbfgs", 0.001),
}
def timed(solver, stamps):
    """A copy of ``solver`` that appends ``time.perf_counter()`` to ``stamps`` when
    training starts and after every step (or L-BFGS / CG iteration)."""

    class Timed(type(solver)):
        def init(self, params):
            stamps.append(time.perf_counter())
            return super().init(params)

        def step(self, params, grad_fn, state, learning_rate=None):
            result = super().step(params, grad_fn, state, learning_rate)
            stamps.append(time.perf_counter())
            return result

        def minimize(self, params, fun, *, max_iter, tol, callback=None):
            stamps.append(time.perf_counter())

            def stamped(intermediate_result):  # scipy calls back by this name
                stamps.append(time.perf_counter())
                if callback is not None:
                    return callback(intermediate_result)

            return super().minimize(params, fun, max_iter=max_iter, tol=tol,
                                    callback=stamped)

    # The solver's declared capabilities (minimizes, full_batch, ...) come with the
    # class it extends; the trainer calls step or minimize accordingly.
    return Timed(**solver.get_params())


def train(name, learning_rate, X, y, hidden_layer_sizes, n_epochs):
    """The model, its loss after each epoch and the seconds at which each ended."""
    solver = skneural_solvers.get(name, learning_rate_init=learning_rate)
    stamps = []
    clf = MLPClassifier(hidden_layer_sizes, solver=timed(solver, stamps),
                        max_iter=n_epochs, tol=0.0, n_iter_no_change=n_epochs,
                        random_state=0)
    # One BLAS thread, so that the clock measures the solvers' work rather than how
    # threads get scheduled (on a busy machine that swamps everything else).
    with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter is the point
        clf.fit(X, y)
    # The end of each epoch: every step of a full-batch solver (one per epoch) or
    # minimizer iteration, else every ceil(n / batch)-th step.
    steps_per_epoch = (1 if getattr(solver, "full_batch", False)
                       else -(-len(X) // min(200, len(X))))
    ends = np.array(stamps[steps_per_epoch::steps_per_epoch])
    return clf, np.array(clf.loss_curve_), ends - stamps[0]


def load_problems():
    X, y = load_digits(return_X_y=True)
    problems = [("small: digits", X, y, (32,), 100)]
    try:
        X, y = load_fashion_mnist("train", scale=True)
    except FileNotFoundError as exc:  # the shared data folder is optional
        print(f"Skipping Fashion-MNIST: {exc}")
        return problems
    problems.append(("large: Fashion-MNIST", X, y, (64,), 20))
    return problems


# %%
# Training
# --------
#
# 80 % of each data set trains, 20 % tests; the inputs are standardized.

results = {}
for title, X, y, hidden, n_epochs in load_problems():
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, stratify=y, random_state=0)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    print(f"\n{title}: {len(X_train)} training images, {n_epochs} epochs")
    results[title] = {}
    for label, (name, learning_rate) in COURSE_SOLVERS.items():
        clf, loss, seconds = train(name, learning_rate, X_train, y_train, hidden,
                                   n_epochs)
        results[title][label] = loss, seconds
        print(f"  {label:15s} final loss {loss[-1]:.2e}  test accuracy "
              f"{clf.score(X_test, y_test):.3f}  {seconds[-1]:6.2f} s")

# %%
# The picture
# -----------
#
# Solid lines are the full-batch methods, dashed lines the mini-batch ones.
#
# On the small data set the full-batch methods win outright: L-BFGS, CG and Rprop
# end at a loss of about 1e-5 (the floor set by the L2 penalty), some fifty times
# below the best mini-batch solver (vSGD, 5.2e-4); CG is the slowest of the three,
# as its line searches cost several gradients per iteration. On 48,000 images the
# order flips: in the same number of epochs the mini-batch methods reach a loss two
# to three times lower than any full-batch method (Adam and RMSprop lowest, 0.145 and
# 0.153, against 0.405 for L-BFGS, the best full-batch one) and a better test
# accuracy, because each of their cheap, noisy steps on 200 images is almost as good
# as an exact step on all 48,000. vSGD, which sets its own rates from the gradients'
# statistics, ends highest of them, at 0.384 after 20 epochs, and takes two
# gradients per step for its curvature estimate (its time is in the table): its
# strength is needing no learning rate, not speed.

FULL_BATCH = {"rprop", "CG", "L-BFGS"}
fig, axes = plt.subplots(len(results), 1, figsize=(9, 4.5 * len(results)),
                         squeeze=False, layout="constrained")
axes = axes.T
colors = dict(zip(COURSE_SOLVERS, plt.cm.tab10(np.linspace(0, 1, 10))))
for ax, (title, curves) in zip(axes[0], results.items()):
    for label, (loss, seconds) in curves.items():
        ax.plot(seconds, loss, color=colors[label], label=label,
                linestyle="-" if label in FULL_BATCH else "--")
    best = {kind: min((loss[-1], label) for label, (loss, _) in curves.items()
                      if (label in FULL_BATCH) == (kind == "full batch"))
            for kind in ("full batch", "mini-batch")}
    winner = min(best, key=best.get)
    ax.set(title=f"{title}: {winner} ahead\n(lowest final loss: {best[winner][1]}, "
                 f"{best[winner][0]:.2g})",
           xlabel="wall-clock seconds (log scale)", ylabel="training loss (log scale)",
           xscale="log", yscale="log")
for ax in axes[0]:
    ax.xaxis.set_minor_formatter(plt.NullFormatter())
handles, labels = axes[0, 0].get_legend_handles_labels()
fig.legend(handles, labels, loc="outside lower center", ncol=5)

if "--save" in sys.argv:
    fig.savefig(sys.argv[sys.argv.index("--save") + 1])
