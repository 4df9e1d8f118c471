"""
Generalization: network size, then L2, dropout, noise and early stopping
========================================================================

A network generalizes when what it learned from its training cases carries over to
new ones. This example shows the two ways that fails and four cures, on 1,000
Fashion-MNIST training images of which **30 % had their label replaced by a random
class** (a random class can be the right one, so 28 % are wrong, as happens in
hand-labelled data): fitting those is memorization, pure and simple, and it is easy
to see. Validation (2,000 images) and test (2,000 images) labels are correct.

1. **Network size.** With 1 or 2 hidden units the network *underfits*: training and
   validation accuracy are both low. From 32 units on it *overfits*: it gets nearly
   every training label right, the 283 wrong ones included, while validation
   accuracy stays about a third lower.
2. **Cures**, on a 256-unit network trained for 80 epochs with SGD:

   * **L2 weight decay** (``alpha=1``): large weights cost, so the network cannot
     bend itself around every single case;
   * **dropout** (``dropout=0.5``): each hidden unit is dropped with probability
     0.5 at each step, so no unit can rely on a few others to memorize a case;
   * **input noise** (``input_noise=0.3``): every training image is seen with fresh
     Gaussian noise each time, so no exact image can be memorized;
   * **early stopping**: the unregularized run, stopped once the validation loss has
     not improved for 10 epochs, keeping the weights of its best epoch.

A last section adds noise on the weights and stochastic binary units, the course's
noise in the activities.

Each model is trained one epoch at a time with ``partial_fit`` (which continues
exactly like ``fit``) so that the training and validation losses can be measured
after every epoch, both with the whole network (no dropout, no noise).

Every training runs inside ``with threadpool_limits(limits=1, user_api="blas")``:
mini-batches of 50 rows gain nothing from a second BLAS thread, and with one thread
the numbers do not depend on how many cores the machine has (threads split the sums
of the matrix products differently). The ``with`` block gives the threads back at
its end, so nothing changes for the code that runs after the example.
"""

import sys
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, log_loss
from threadpoolctl import threadpool_limits

from skneural import MLPClassifier
from skneural.datasets import load_fashion_mnist

start_time = time.perf_counter()

# %%
# The data
# --------
#
# ``scale=True`` gives float32 pixels in [0, 1] (skneural trains in the input's
# dtype, and float32 halves the cost of every product).

X, y = load_fashion_mnist("train", scale=True)
rng = np.random.RandomState(0)
order = rng.permutation(len(X))
X_train, y_true = X[order[:1000]], y[order[:1000]]
y_train = y_true.copy()
replaced = rng.rand(len(y_train)) < 0.3
y_train[replaced] = rng.randint(10, size=replaced.sum())
correct_share = np.mean(y_train == y_true)
X_val, y_val = X[order[1000:3000]], y[order[1000:3000]]
X_test, y_test = load_fashion_mnist("test", scale=True)
X_test, y_test = X_test[:2000], y_test[:2000]
classes = np.arange(10)
n_wrong = np.sum(y_train != y_true)
print(f"{replaced.sum()} training labels replaced at random, {n_wrong} of them now "
      f"wrong ({n_wrong / len(y_train):.1%}); {correct_share:.1%} still right")

# %%
# Underfitting and overfitting against network size
# --------------------------------------------------

SETTINGS = dict(solver="sgd", learning_rate_init=0.02, batch_size=50, random_state=0)
N_EPOCHS = 80
sizes = [1, 2, 4, 8, 16, 32, 64, 128, 256]
size_accuracy = {"training": [], "validation": []}
print(f"\n{'hidden units':>12} {'training acc.':>14} {'validation acc.':>16} {'gap':>6}")
with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
    # Every size trains exactly N_EPOCHS epochs: stopping at max_iter is intended.
    warnings.simplefilter("ignore", ConvergenceWarning)
    for size in sizes:
        model = MLPClassifier((size,), **SETTINGS, alpha=0.0, max_iter=N_EPOCHS,
                              tol=0.0, n_iter_no_change=N_EPOCHS).fit(X_train, y_train)
        size_accuracy["training"].append(model.score(X_train, y_train))
        size_accuracy["validation"].append(model.score(X_val, y_val))
        gap = size_accuracy["training"][-1] - size_accuracy["validation"][-1]
        print(f"{size:>12} {size_accuracy['training'][-1]:>14.3f} "
              f"{size_accuracy['validation'][-1]:>16.3f} {gap:>6.3f}")

# %%
# Only 71.7 % of the training labels are right, so a training accuracy above that
# share means wrong labels are being learned; at 1.0 all of them are. Growing past 32
# units does not lower the validation accuracy here (wide networks often behave so),
# but the gap of about a third between the two curves is what the cures attack.
#
# Four cures, one epoch at a time
# -------------------------------


def train_with_curves(**params):
    model = MLPClassifier((256,), **SETTINGS, **params)
    curves = {"training": [], "validation": [], "test accuracy": []}
    for _ in range(N_EPOCHS):
        model.partial_fit(X_train, y_train, classes=classes)
        curves["training"].append(log_loss(y_train, model.predict_proba(X_train),
                                           labels=classes))
        curves["validation"].append(log_loss(y_val, model.predict_proba(X_val),
                                             labels=classes))
        curves["test accuracy"].append(accuracy_score(y_test, model.predict(X_test)))
    return curves


with threadpool_limits(limits=1, user_api="blas"):
    runs = {
        "no regularization": train_with_curves(alpha=0.0),
        "L2 (alpha=1)": train_with_curves(alpha=1.0),
        "dropout 0.5": train_with_curves(alpha=0.0, dropout=0.5),
        "input noise 0.3": train_with_curves(alpha=0.0, input_noise=0.3),
    }

# %%
# Early stopping on the unregularized run: scikit-learn's rule (stop after more than
# ``n_iter_no_change`` epochs without an improvement, keep the best weights),
# applied to the validation loss.

n_iter_no_change = 10
unregularized = runs["no regularization"]
validation_loss = np.array(unregularized["validation"])
best_epoch, stop_epoch = 0, N_EPOCHS - 1
for epoch in range(1, N_EPOCHS):
    if validation_loss[epoch] < validation_loss[best_epoch]:
        best_epoch = epoch
    elif epoch - best_epoch > n_iter_no_change:
        stop_epoch = epoch
        break

print(f"\n{'model':<26} {'validation loss':>16} {'test accuracy':>14}")
test_accuracy = {}
for title, curves in runs.items():
    test_accuracy[title] = curves["test accuracy"][-1]
    print(f"{title:<26} {curves['validation'][-1]:>16.3f} {test_accuracy[title]:>14.3f}")
title = f"early stopping (epoch {best_epoch + 1})"
test_accuracy[title] = unregularized["test accuracy"][best_epoch]
print(f"{title:<26} {validation_loss[best_epoch]:>16.3f} {test_accuracy[title]:>14.3f}")

# %%
# Every cure beats the unregularized network on the test set and ends with a much
# lower validation loss (the validation loss of the last epoch; for early stopping,
# of the epoch kept). Early stopping, the simplest, does best here: the network
# learns the consistent part of the data first and the wrong labels later, and
# keeping the weights of epoch 7 keeps the first and skips the second. The built-in
# ``early_stopping=True`` does the same with a validation set (here ours, through
# ``fit(X_val=..., y_val=...)``), scored by accuracy:

built_in = MLPClassifier((256,), **SETTINGS, alpha=0.0, early_stopping=True,
                         n_iter_no_change=n_iter_no_change, max_iter=N_EPOCHS)
with threadpool_limits(limits=1, user_api="blas"):
    built_in.fit(X_train, y_train, X_val=X_val, y_val=y_val)
print(f"early_stopping=True: stopped after {built_in.n_iter_} epochs, kept epoch "
      f"{built_in.restored_epoch_}, test accuracy {built_in.score(X_test, y_test):.3f}")
print(f"ran in {time.perf_counter() - start_time:.0f} s")

# %%
# The picture
# -----------

epochs = np.arange(1, N_EPOCHS + 1)
fig, axes = plt.subplots(3, 2, figsize=(10, 12), layout="constrained")
axes = axes.ravel()
for name, values in size_accuracy.items():
    axes[0].plot(sizes, values, marker="o", label=name)
axes[0].axhline(correct_share, color="0.5", linestyle=":",
                label="share of correct training labels")
axes[0].set(xscale="log", xlabel="hidden units (log scale)", ylabel="accuracy",
            title="Underfitting (left), overfitting (right)")
axes[0].legend()
for ax, (title, curves) in zip(axes[1:5], runs.items()):
    ax.plot(epochs, curves["training"], label="training loss")
    ax.plot(epochs, curves["validation"], label="validation loss")
    ax.set_title(f"{title}\ntest accuracy {test_accuracy[title]:.3f}")
ax = axes[5]
shown = epochs <= stop_epoch + 1
for key, color in [("training", "C0"), ("validation", "C1")]:
    curve = np.array(unregularized[key])
    ax.plot(epochs[shown], curve[shown], color=color, label=f"{key} loss")
    ax.plot(epochs[~shown], curve[~shown], color=color, alpha=0.25)
ax.axvline(best_epoch + 1, color="k", linestyle="--", label="weights kept")
ax.axvline(stop_epoch + 1, color="grey", linestyle=":", label="stopped")
ax.set_title(f"early stopping\ntest accuracy "
             f"{unregularized['test accuracy'][best_epoch]:.3f}")
for ax in axes[1:]:
    ax.set(xlabel="epoch", ylabel="log-loss", ylim=(0, 2.5))
axes[1].legend()
axes[5].legend()
fig.suptitle("Fashion-MNIST, 1,000 training images,\n30 % of their labels replaced "
             "at random")

if "--save" in sys.argv:
    fig.savefig(sys.argv[sys.argv.index("--save") + 1])

# %%
# Noise on the weights and in the activities
# ------------------------------------------
#
# Two more ways to make memorizing hard, from the course's lecture on noise:
#
# * **weight noise** (``weight_noise=0.05``): at every training step each weight
#   gets fresh Gaussian noise of standard deviation 0.05; the forward and the
#   backward pass use the noisy weights, and the update applies to the weights
#   themselves (Graves, 2011). A network whose predictions survive small changes
#   of its weights is a simpler network;
# * **stochastic activities** (``stochastic_activities=True``, for logistic
#   units): in training each hidden unit sends on 1 with probability its output
#   ``p``, else 0, and backpropagation treats it as the ordinary logistic unit
#   (derivative ``p (1 - p)``). The lecture says what to expect: slower training,
#   worse on the training data, better on the test data. Its baseline is the same
#   network of logistic units without the noise.
#
# Both are off at prediction time: the curves, as above, are measured with the
# whole, noise-free network.

with threadpool_limits(limits=1, user_api="blas"):
    noise_runs = {
        "weight noise 0.05": train_with_curves(alpha=0.0, weight_noise=0.05),
        "logistic units": train_with_curves(alpha=0.0, activation="logistic"),
        "logistic, stochastic": train_with_curves(alpha=0.0, activation="logistic",
                                                  stochastic_activities=True),
    }
print(f"\n{'model':<22} {'training loss':>13} {'validation loss':>16} "
      f"{'test accuracy':>14}")
for title, curves in {"no regularization": runs["no regularization"],
                      **noise_runs}.items():
    print(f"{title:<22} {curves['training'][-1]:>13.3f} "
          f"{curves['validation'][-1]:>16.3f} {curves['test accuracy'][-1]:>14.3f}")

# %%
# Weight noise keeps the network from fitting the wrong labels (training loss 0.372
# instead of 0.031) and lowers the validation loss (1.123 against 1.260), but at
# this strength it hardly moves the test accuracy (0.676 against 0.668): the
# weakest cure here. The stochastic logistic units behave as the lecture says:
# their training loss stays higher than that of the same units without the noise
# (1.278 against 0.802), their validation loss ends lower (0.908 against 0.954) and
# their test accuracy higher (0.747 against 0.708).

fig, axes = plt.subplots(1, 3, figsize=(12, 4), layout="constrained", sharey=True)
for ax, (title, curves) in zip(axes, noise_runs.items()):
    ax.plot(epochs, curves["training"], label="training loss")
    ax.plot(epochs, curves["validation"], label="validation loss")
    ax.set(title=f"{title}: test accuracy {curves['test accuracy'][-1]:.3f}",
           xlabel="epoch", ylim=(0, 2.5))
axes[0].set_ylabel("log-loss")
axes[0].legend()
