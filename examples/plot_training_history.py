"""
Watching training: validation curves, early stopping, schedules, class weights
==============================================================================

Trains on a Fashion-MNIST subset ("shirt" against the nine other classes, 10%
positives) with a user-supplied validation set, and plots the training loss, the
validation loss and the validation accuracy per epoch with
:class:`skneural.plot.TrainingHistoryDisplay`:

* left: Adam with early stopping on the validation set; the dotted line marks the
  epoch whose weights were restored (``restored_epoch_``);
* right: SGD with the "bold driver" schedule (the learning rate grows by 10% after
  an epoch that lowered the loss; an epoch that raised it is undone and the rate
  halved) and ``class_weight="balanced"``, which trades accuracy for a much better
  balanced accuracy on this imbalanced task.

scikit-learn's MLP has none of ``X_val``, ``validation_loss_curve_``,
``class_weight`` or the schedules; everything else is the same code.
"""

import sys
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import balanced_accuracy_score

from skneural import MLPClassifier
from skneural.datasets import load_fashion_mnist
from skneural.plot import TrainingHistoryDisplay

SHIRT = 6
X, y = load_fashion_mnist("train", scale=True)
rng = np.random.RandomState(0)
index = rng.choice(len(X), 5000, replace=False)
X, y = X[index], (y[index] == SHIRT).astype(int)
X_train, y_train = X[:3000], y[:3000]
X_val, y_val = X[3000:4000], y[3000:4000]
X_test, y_test = X[4000:], y[4000:]

adam = MLPClassifier((32,), early_stopping=True, max_iter=100,
                     random_state=0)
adam.fit(X_train, y_train, X_val=X_val, y_val=y_val)

bold = MLPClassifier((32,), solver="sgd", learning_rate="bold_driver",
                     learning_rate_init=0.01, class_weight="balanced", max_iter=40,
                     random_state=0)
with warnings.catch_warnings():
    # 40 epochs are enough for the picture; stopping there is intended.
    warnings.simplefilter("ignore", ConvergenceWarning)
    bold.fit(X_train, y_train, X_val=X_val, y_val=y_val)

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.8), layout="constrained")
TrainingHistoryDisplay.from_estimator(adam, ax=left, name="adam, early stopping")
TrainingHistoryDisplay.from_estimator(bold, ax=right,
                                      name="sgd, bold driver,\nbalanced classes")

for name, model in [("adam", adam), ("bold driver", bold)]:
    print(f"{name}: {model.n_iter_} epochs, stopped by {model.stop_reason_!r}, "
          f"restored epoch {model.restored_epoch_}")
    print(f"  test accuracy {model.score(X_test, y_test):.3f}, test balanced accuracy "
          f"{balanced_accuracy_score(y_test, model.predict(X_test)):.3f}")

if "--save" in sys.argv:
    fig.savefig(sys.argv[sys.argv.index("--save") + 1])
