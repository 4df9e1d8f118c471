"""
Overfitting and four answers to it: none, L2, dropout, early stopping
======================================================================

A network with far more weights than training examples (200k weights, 1,000
Fashion-MNIST images) learns its training set by heart: the training loss keeps
falling while the validation loss turns back up. The panels show that picture and
what three remedies do to it, side by side:

* **no regularization** (``alpha=0``): the gap between the two curves keeps growing;
* **L2 weight decay** (``alpha=0.3``, scikit-learn's penalty ``alpha/2 ||W||^2``):
  the training loss cannot go to zero and the validation loss stays flat;
* **dropout** (``dropout=0.5``): every hidden unit is dropped with probability 0.5 at
  each step, which slows memorization down;
* **early stopping**: the unregularized run, stopped once the validation loss has not
  improved for 10 epochs, keeping the weights of the best epoch (what
  ``early_stopping=True`` does on a held-out split of the training data).

The solver is SGD with Nesterov momentum at a large learning rate, to overfit within
a few dozen epochs. Each model is trained one epoch at a time with ``partial_fit``
(which, in skneural, continues exactly like ``fit``) so that both losses can be
measured after every epoch; the training loss is measured like the validation loss,
with the whole network (no dropout), so the two curves are comparable.
"""

import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import accuracy_score, log_loss
from threadpoolctl import threadpool_limits

from skneural import MLPClassifier
from skneural.datasets import load_fashion_mnist

start_time = time.perf_counter()
# Mini-batches of 50 rows are too small to gain from multi-threaded BLAS, and on a
# busy machine the threads' synchronization costs far more than they bring.
threadpool_limits(limits=1, user_api="blas")

# %%
# The data: 1,000 training images, 2,000 validation images from the rest of the
# training set, and 2,000 test images, scaled to [0, 1]. float32 halves the cost of
# every matrix product (skneural trains in the input's dtype).

X, y = load_fashion_mnist("train")
rng = np.random.RandomState(0)
order = rng.permutation(len(X))
train, validation = order[:1000], order[1000:3000]
X = (X / 255.0).astype(np.float32)
X_train, y_train = X[train], y[train]
X_val, y_val = X[validation], y[validation]
X_test, y_test = load_fashion_mnist("test")
X_test = (X_test[:2000] / 255.0).astype(np.float32)
y_test = y_test[:2000]
classes = np.arange(10)

# %%
# Training curves, one epoch at a time.

N_EPOCHS = 45
SETTINGS = dict(hidden_layer_sizes=(256,), solver="sgd", learning_rate_init=0.05,
                batch_size=50, random_state=0)


def train_with_curves(**params):
    model = MLPClassifier(**SETTINGS, **params)
    curves = {"train": [], "validation": [], "test accuracy": []}
    for _ in range(N_EPOCHS):
        model.partial_fit(X_train, y_train, classes=classes)
        curves["train"].append(log_loss(y_train, model.predict_proba(X_train),
                                        labels=classes))
        curves["validation"].append(log_loss(y_val, model.predict_proba(X_val),
                                             labels=classes))
        curves["test accuracy"].append(accuracy_score(y_test, model.predict(X_test)))
    return curves


runs = {
    "no regularization": train_with_curves(alpha=0.0),
    "L2 (alpha=0.3)": train_with_curves(alpha=0.3),
    "dropout 0.5": train_with_curves(alpha=0.0, dropout=0.5),
}

# %%
# Early stopping on the unregularized run: scikit-learn's rule (stop after more than
# ``n_iter_no_change`` epochs without an improvement, restore the best weights),
# applied here to the validation loss.

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

# %%
# The picture.

epochs = np.arange(1, N_EPOCHS + 1)
fig, axes = plt.subplots(1, 4, figsize=(16, 4), sharey=True)
for ax, (title, curves) in zip(axes, runs.items(), strict=False):
    ax.plot(epochs, curves["train"], label="training")
    ax.plot(epochs, curves["validation"], label="validation")
    ax.set_title(title)
    ax.set_xlabel("epoch")

ax = axes[3]
shown = epochs <= stop_epoch + 1
for key, color in [("train", "C0"), ("validation", "C1")]:
    curve = np.array(unregularized[key])
    ax.plot(epochs[shown], curve[shown], color=color,
            label="training" if key == "train" else "validation")
    ax.plot(epochs[~shown], curve[~shown], color=color, alpha=0.25)
ax.axvline(best_epoch + 1, color="k", linestyle="--", label="weights kept")
ax.axvline(stop_epoch + 1, color="grey", linestyle=":", label="stopped")
ax.set_title(f"early stopping (patience {n_iter_no_change})")
ax.set_xlabel("epoch")
axes[0].set_ylabel("log-loss")
axes[0].set_ylim(0, 1.0)
axes[3].legend()
fig.suptitle("Fashion-MNIST, 1,000 training images, one hidden layer of 256 units")
fig.tight_layout()

# %%
# Test accuracy at the end of training (for early stopping: of the weights kept),
# and the built-in ``early_stopping=True``, which holds out 20 % of the training data
# itself and scores it by accuracy. Accuracy tells a milder story than the log-loss:
# the memorizing network mostly grows overconfident (its validation log-loss rises)
# while its ranking of the classes, and so its accuracy, degrades much less.

built_in = MLPClassifier(**SETTINGS, alpha=0.0, early_stopping=True,
                         validation_fraction=0.2, n_iter_no_change=n_iter_no_change,
                         max_iter=N_EPOCHS).fit(X_train, y_train)

print(f"{'model':<36} test accuracy")
for title, curves in runs.items():
    print(f"{title:<36} {curves['test accuracy'][-1]:.3f}")
print(f"{'early stopping (epoch %d)' % (best_epoch + 1):<36} "
      f"{unregularized['test accuracy'][best_epoch]:.3f}")
print(f"{'early_stopping=True (%d epochs)' % built_in.n_iter_:<36} "
      f"{built_in.score(X_test, y_test):.3f}")
print(f"ran in {time.perf_counter() - start_time:.0f} s")
plt.show()
