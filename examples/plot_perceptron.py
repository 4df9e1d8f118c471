"""
=======================================================
The perceptron: what one threshold unit can and cannot
=======================================================

Rosenblatt's perceptron draws a line (a hyperplane) ``w @ x + b = 0`` and learns it
by adding misclassified inputs to ``w``. On linearly separable data it finds a
separating line after finitely many updates (Novikoff's theorem). On XOR no line
gets more than three of the four corners right; one hidden layer
(:class:`skneural.MLPClassifier`) solves it.

Run ``python plot_perceptron.py figure.png`` to save the figure instead of showing
it (the script runs headless, e.g. with ``MPLBACKEND=Agg``).
"""

import sys

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

from skneural import MLPClassifier, PerceptronClassifier

# %%
# Data: points labelled by the side of a line they fall on, keeping only those at
# least 0.1 from it (so the data are separable with a margin), and XOR as four noisy
# clouds around the corners of the unit square (label 1 where exactly one
# coordinate is near 1).

rng = np.random.RandomState(0)
X_sep = rng.uniform(-1, 1, size=(400, 2))
distance = (X_sep @ [1.0, -2.0] + 0.3) / np.sqrt(5.0)
X_sep, y_sep = X_sep[np.abs(distance) >= 0.1], (distance[np.abs(distance) >= 0.1] > 0)
y_sep = y_sep.astype(int)

corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
corner_labels = np.array([0, 1, 1, 0])
corner_of = rng.randint(4, size=200)
X_xor = corners[corner_of] + rng.normal(scale=0.15, size=(200, 2))
y_xor = corner_labels[corner_of]

# %%
# Three models: the perceptron on each data set, and a small MLP on XOR.

separable = PerceptronClassifier(tol=None, max_iter=100).fit(X_sep, y_sep)
on_xor = PerceptronClassifier(pocket=True, tol=None, max_iter=100).fit(X_xor, y_xor)
mlp = MLPClassifier(
    hidden_layer_sizes=(8,), activation="tanh", solver="lbfgs", max_iter=2000,
    random_state=0,
).fit(X_xor, y_xor)

print(f"perceptron, separable data : training accuracy "
      f"{separable.score(X_sep, y_sep):.3f} after {separable.n_updates_[0]} "
      "updates")
print(f"perceptron (pocket), XOR:    training accuracy {on_xor.score(X_xor, y_xor):.3f}")
print(f"MLP with 8 tanh units, XOR:  training accuracy {mlp.score(X_xor, y_xor):.3f}")


# %%
# Decision regions. The perceptron's boundary is the line where its decision
# function changes sign; the MLP's is curved.


def plot_decision_regions(ax, clf, X, y, title):
    x_min, x_max = X[:, 0].min() - 0.5, X[:, 0].max() + 0.5
    y_min, y_max = X[:, 1].min() - 0.5, X[:, 1].max() + 0.5
    grid_x, grid_y = np.meshgrid(
        np.linspace(x_min, x_max, 300), np.linspace(y_min, y_max, 300)
    )
    grid = np.c_[grid_x.ravel(), grid_y.ravel()]
    regions = clf.predict(grid).reshape(grid_x.shape)
    ax.contourf(grid_x, grid_y, regions, levels=[-0.5, 0.5, 1.5],
                colors=["#a6cee3", "#fdbf6f"], alpha=0.6)
    ax.contour(grid_x, grid_y, regions, levels=[0.5], colors="k", linewidths=1)
    ax.scatter(X[:, 0], X[:, 1], c=np.where(y == 1, "#ff7f00", "#1f78b4"), s=12,
               edgecolors="k", linewidths=0.3)
    ax.set_title(f"{title}\ntraining accuracy {clf.score(X, y):.2f}", fontsize=10)
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    ax.set_xticks([])
    ax.set_yticks([])


def make_figure():
    fig, axes = plt.subplots(1, 3, figsize=(12, 4), layout="constrained")
    plot_decision_regions(
        axes[0], separable, X_sep, y_sep,
        f"Perceptron, separable data ({separable.n_updates_[0]} updates)",
    )
    plot_decision_regions(axes[1], on_xor, X_xor, y_xor,
                          "Perceptron (pocket) on XOR: no line works")
    plot_decision_regions(axes[2], mlp, X_xor, y_xor,
                          "MLPClassifier, one hidden layer of 8 tanh units")
    return fig


def main(path=None):
    fig = make_figure()
    if path is not None:
        fig.savefig(path, dpi=100)
    elif matplotlib.get_backend().lower() != "agg":
        plt.show()
    return fig


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
