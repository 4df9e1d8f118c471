"""
Online, mini-batch and full-batch learning, and what each costs
===============================================================

Gradient descent can update the weights after every training case (**online**,
``batch_size=1``), after a small batch of cases (**mini-batch**, here 32), or once
per pass over the whole training set (**full batch**, ``batch_size=n_samples``).
All three follow the same average gradient in the long run; they differ in how many
updates an epoch buys and in what each update costs:

* online: ``n`` noisy updates per epoch, each a tiny matrix product, so an epoch is
  dominated by per-update overhead; the noise forces a small learning rate;
* full batch: one exact update per epoch, cheap per case, so many epochs are
  needed; a large learning rate is fine;
* mini-batch: ``n / 32`` updates per epoch, each a product big enough to use the
  hardware well, and noise small enough for a fairly large rate: most progress per
  second.

Each mode trains the same network (scikit-learn's digits, 32 ReLU units, SGD with
Nesterov momentum 0.9) with the best of three learning rates, one epoch at a time
with ``partial_fit``, and its full training loss is measured after every epoch.
"""

import sys
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skneural import MLPClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y,
                                                    random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
n_samples = len(X_train)
classes = np.unique(y)
N_EPOCHS = 30
MODES = {"online (batch 1)": 1, "mini-batch (32)": 32,
         f"full batch ({n_samples})": n_samples}
LEARNING_RATES = {1: [0.001, 0.003, 0.01], 32: [0.01, 0.03, 0.1],
                  n_samples: [0.1, 0.3, 1.0]}


def train(batch_size, learning_rate, n_epochs=N_EPOCHS):
    """Training loss after each epoch, the seconds spent training, the model."""
    clf = MLPClassifier((32,), solver="sgd", momentum=0.9, batch_size=batch_size,
                        learning_rate_init=learning_rate, random_state=0)
    losses, seconds, elapsed = [], [], 0.0
    for _ in range(n_epochs):
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.partial_fit(X_train, y_train, classes=classes)
        elapsed += time.perf_counter() - start
        if clf.stop_reason_ == "diverged":
            losses.append(np.inf)
            break
        seconds.append(elapsed)
        losses.append(log_loss(y_train, clf.predict_proba(X_train), labels=classes))
    return np.array(losses), np.array(seconds), clf


# %%
# Picking each mode's learning rate
# ---------------------------------
#
# The training loss after 30 epochs for three rates per mode (a rate that makes the
# loss explode is stopped by skneural's divergence guard; the loss is then ``inf``
# here). One BLAS thread, so the clock measures the work rather than the threads.

best = {}
print(f"{'mode':<18} learning rate: training loss after {N_EPOCHS} epochs")
with threadpool_limits(limits=1, user_api="blas"):
    for name, batch_size in MODES.items():
        final = {}
        for rate in LEARNING_RATES[batch_size]:
            final[rate] = train(batch_size, rate)[0][-1]
        best[name] = min(final, key=final.get)
        print(f"{name:<18} " + "   ".join(f"{rate}: {loss:.4f}"
                                          for rate, loss in final.items()))

# %%
# The three modes at their best rates
# -----------------------------------

curves = {}
print(f"{'mode':<18} {'rate':>5} {'updates':>8} {'s/epoch':>8} "
      f"{'us/update':>9} {'loss':>7} {'test acc.':>9}")
with threadpool_limits(limits=1, user_api="blas"):
    for name, batch_size in MODES.items():
        losses, seconds, clf = train(batch_size, best[name])
        curves[name] = losses, seconds
        updates = int(np.ceil(n_samples / batch_size))
        per_epoch = seconds[-1] / N_EPOCHS
        print(f"{name:<18} {best[name]:>5} {updates:>8} {per_epoch:>8.4f} "
              f"{1e6 * per_epoch / updates:>9.0f} {losses[-1]:>7.4f} "
              f"{clf.score(X_test, y_test):>9.3f}")

# %%
# Per epoch, the two stochastic modes race ahead: full batch needs many epochs to
# reach the loss they have after a few.

full_name = list(MODES)[2]
full_losses = curves[full_name][0]
for name in list(MODES)[:2]:
    reached = curves[name][0][3]  # the loss after 4 epochs
    catch_up = np.flatnonzero(full_losses <= reached)
    print(f"{name}: loss {reached:.4f} after 4 epochs; full batch "
          + (f"reaches it in epoch {catch_up[0] + 1}" if catch_up.size else
             f"does not reach it in {N_EPOCHS} epochs"))

# %%
# Per second the picture changes. An online epoch costs many times a mini-batch
# epoch (the ratio below, from the times in the table, which depend on the
# machine): the same arithmetic, cut into 1,437 tiny steps whose overhead
# dominates (compare the microseconds per update of the two). Full batch's epoch
# is cheap, one large product per layer, but it buys a single update, and it grows
# with the data: on large, redundant data sets mini-batches win by far. Hence the
# course's advice: mini-batch SGD (or its adaptive variants) for large data,
# full-batch methods that exploit the exact gradient (L-BFGS, CG, Rprop) for small
# data; see :ref:`sphx_glr_auto_examples_plot_solver_comparison.py`.

per_epoch_cost = {name: seconds[-1] / len(seconds) for name, (_, seconds) in
                  curves.items()}
online_name, mini_name = list(MODES)[:2]
ratio = per_epoch_cost[online_name] / per_epoch_cost[mini_name]
print(f"an online epoch costs {ratio:.0f} times a mini-batch epoch")

# %%
# The picture
# -----------

fig, (by_epoch, by_time) = plt.subplots(1, 2, figsize=(10, 4.5), layout="constrained")
for name, (losses, seconds) in curves.items():
    label = f"{name}, rate {best[name]}"
    by_epoch.plot(np.arange(1, N_EPOCHS + 1), losses, marker=".", label=label)
    by_time.plot(seconds, losses, marker=".", label=label)
by_epoch.set(yscale="log", xlabel="epoch", ylabel="training loss (log scale)",
             title="Progress per pass over the data")
by_time.set(yscale="log", xscale="log", xlabel="training seconds (log scale)",
            ylabel="training loss (log scale)", title="Progress per second")
by_epoch.legend()

if "--save" in sys.argv:
    fig.savefig(sys.argv[sys.argv.index("--save") + 1])
