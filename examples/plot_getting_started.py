"""
Getting started: a first model, its training curves, saving and loading
========================================================================

The code of the :doc:`getting-started page <../getting_started>`, run: a
:class:`~sklearn.pipeline.Pipeline` that scales 10,000 Fashion-MNIST images and
trains an :class:`~skneural.MLPClassifier` with early stopping, the training
history drawn by :class:`~skneural.plot.TrainingHistoryDisplay`, and the model
saved, loaded and trained on.
"""

import sys

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skneural import MLPClassifier
from skneural.datasets import load_fashion_mnist

# %%
# A first model
# -------------

X, y = load_fashion_mnist("train", scale=True)      # float32 pixels in [0, 1]
X_train, X_test, y_train, y_test = train_test_split(
    X[:10_000], y[:10_000], test_size=0.2, random_state=0)

model = make_pipeline(
    StandardScaler(),
    MLPClassifier((128,), early_stopping=True, random_state=0),
)
model.fit(X_train, y_train)
print(f"test accuracy {model.score(X_test, y_test):.3f}")

# %%
# Early stopping held out 10 % of the training images (``validation_fraction``),
# scored the network on them after every epoch, stopped once the score had not
# improved for more than ``n_iter_no_change`` (10) epochs and kept the weights of
# the best epoch:

mlp = model[-1]
print(f"{mlp.n_iter_} epochs, weights of epoch {mlp.restored_epoch_} kept, "
      f"best validation accuracy {max(mlp.validation_scores_):.3f}")

# %%
# Reading the training curves
# ---------------------------
#
# The training loss and, on the right axis, the validation accuracy per epoch; the
# dotted line marks the epoch whose weights were kept. A figure with
# ``layout="constrained"`` leaves room for the legend below the axes and for the
# right axis's label.

import matplotlib.pyplot as plt

from skneural.plot import TrainingHistoryDisplay

fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
display = TrainingHistoryDisplay.from_estimator(model, ax=ax)

# %%
# Saving and loading
# ------------------
#
# The whole pipeline pickles with its weights, its training curves and its solver
# state; the reloaded model predicts the same. (A temporary folder here, so the
# example leaves no file behind.)

import tempfile
from pathlib import Path

import joblib

with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "model.joblib"
    joblib.dump(model, path)
    reloaded = joblib.load(path)
print("reloaded model predicts the same:",
      np.array_equal(reloaded.predict(X_test), model.predict(X_test)))

# %%
# The reloaded model also goes on training where it stopped: with
# ``warm_start=True``, ``fit`` starts from its weights and solver state (and early
# stopping holds out its validation images again). ``partial_fit``, one epoch per
# call for data that arrive in batches, is for models without ``early_stopping``.

reloaded.set_params(mlpclassifier__warm_start=True).fit(X_train, y_train)
print(f"trained on: {len(reloaded[-1].loss_curve_)} epochs in all, weights of epoch "
      f"{reloaded[-1].restored_epoch_} kept, test accuracy "
      f"{reloaded.score(X_test, y_test):.3f}")

if "--save" in sys.argv:
    fig.savefig(sys.argv[sys.argv.index("--save") + 1])
