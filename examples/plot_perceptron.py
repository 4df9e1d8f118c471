"""
The perceptron: AND, OR, the convergence theorem, XOR and the pocket
====================================================================

Rosenblatt's perceptron is one threshold unit: it predicts 1 when
``w @ x + b > 0`` and learns by adding a misclassified input to ``w`` (subtracting it
on a false positive). This example follows the course's lesson on it:

1. it learns the Boolean functions AND and OR, which a line separates;
2. on any linearly separable data it stops making mistakes after at most
   ``(R / gamma)**2`` updates (Novikoff, 1962), where ``R`` bounds the length of the
   inputs and ``gamma`` is the margin by which a unit-length weight vector separates
   them: the smaller the margin, the more mistakes;
3. on XOR no line gets more than three of the four corners right, so the plain
   perceptron never settles; Gallant's pocket algorithm keeps the best weights seen,
   which approach three corners out of four; a hidden layer
   (:class:`skneural.MLPClassifier`) solves XOR.
"""

import sys

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from skneural import MLPClassifier, PerceptronClassifier

# %%
# AND and OR
# ----------
#
# Four inputs, the corners of the unit square. ``shuffle=False`` visits them in the
# order given, so the run can be followed by hand; ``tol=None`` trains until
# ``max_iter`` epochs, but once an epoch makes no mistake nothing changes any more.

corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
truth_tables = {"AND": np.array([0, 0, 0, 1]), "OR": np.array([0, 1, 1, 1]),
                "XOR": np.array([0, 1, 1, 0])}
boolean = {}
for name in ("AND", "OR"):
    clf = PerceptronClassifier(shuffle=False, tol=None, max_iter=20)
    boolean[name] = clf.fit(corners, truth_tables[name])
    print(f"{name}: predictions {clf.predict(corners)} (truth {truth_tables[name]}), "
          f"w = {clf.coef_[0]}, b = {clf.intercept_[0]}, {clf.n_updates_[0]} updates")

# %%
# The convergence theorem
# -----------------------
#
# Points in the square [-1, 1]² labelled by the side of the line
# ``x1 - 2 x2 + 0.3 = 0`` they fall on, keeping only those at least ``margin`` from
# it. The bias is the weight of a constant input 1, so the theorem is about the
# vectors ``z = (x1, x2, 1)``: ``R = max |z|``, and the unit vector
# ``u = (1, -2, 0.3) / |(1, -2, 0.3)|`` separates them with margin
# ``gamma = min y u @ z``. (The best margin may be larger, which only tightens the
# bound.) Training one epoch at a time with ``partial_fit`` counts the mistakes,
# ``n_updates_``, until an epoch makes none.


def separable_data(margin, n_samples=400, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, size=(n_samples, 2))
    distance = (X @ [1.0, -2.0] + 0.3) / np.sqrt(5.0)
    keep = np.abs(distance) >= margin
    return X[keep], (distance[keep] > 0).astype(int)


def mistakes_until_converged(X, y, max_epochs=1000):
    clf = PerceptronClassifier(random_state=0)
    mistakes = [0]
    for _ in range(max_epochs):
        clf.partial_fit(X, y, classes=[0, 1])
        mistakes.append(int(clf.n_updates_[0]))
        if mistakes[-1] == mistakes[-2]:
            break
    return clf, np.array(mistakes)


def novikoff_bound(X, y):
    Z = np.hstack([X, np.ones((len(X), 1))])
    u = np.array([1.0, -2.0, 0.3]) / np.linalg.norm([1.0, -2.0, 0.3])
    gamma = np.min(np.where(y == 1, 1, -1) * (Z @ u))
    R = np.linalg.norm(Z, axis=1).max()
    return (R / gamma) ** 2, R, gamma


theorem = {}
print("\nmargin   samples   R      gamma    bound (R/gamma)^2   mistakes   epochs")
for margin in (0.2, 0.1, 0.05, 0.02):
    X, y = separable_data(margin)
    clf, mistakes = mistakes_until_converged(X, y)
    bound, R, gamma = novikoff_bound(X, y)
    assert mistakes[-1] <= bound and clf.score(X, y) == 1.0
    theorem[margin] = (mistakes, bound)
    print(f"{margin:<8} {len(X):<9} {R:.3f}  {gamma:.4f}   {bound:17.0f}"
          f"   {mistakes[-1]:8d}   {len(mistakes) - 2:6d}")
X_sep, y_sep = separable_data(0.1)
separable = mistakes_until_converged(X_sep, y_sep)[0]

# %%
# The bound holds with plenty of room, and both the bound and the actual number of
# mistakes grow as the margin shrinks: the data get harder to separate.
#
# XOR, and the pocket
# -------------------
#
# No line separates XOR. Here it is four noisy clouds of 50 points around the
# corners (label 1 where exactly one coordinate is near 1). The plain perceptron
# keeps updating: its training accuracy jumps around from epoch to epoch, and the
# weights it ends with are just the last ones. The pocket variant runs the same
# updates but keeps the weights with the fewest training errors seen so far (a
# ratchet: it can only improve), which approaches the best a line can do, about
# three clouds out of four.

rng = np.random.RandomState(0)
cloud = rng.randint(4, size=200)
X_xor = corners[cloud] + rng.normal(scale=0.15, size=(200, 2))
y_xor = truth_tables["XOR"][cloud]
xor_epochs = np.arange(1, 31)
plain = PerceptronClassifier(tol=None)
accuracy = {"plain": [], "pocket": []}
for n_epochs in xor_epochs:
    plain.partial_fit(X_xor, y_xor, classes=[0, 1])
    accuracy["plain"].append(plain.score(X_xor, y_xor))
    # The pocket is filled within one fit: a fit of n_epochs epochs.
    on_xor = PerceptronClassifier(tol=None, pocket=True, max_iter=n_epochs)
    accuracy["pocket"].append(on_xor.fit(X_xor, y_xor).score(X_xor, y_xor))
print("\nXOR, training accuracy per epoch")
print("  plain perceptron:", " ".join(f"{a:.2f}" for a in accuracy["plain"][:12]),
      f"... last {accuracy['plain'][-1]:.2f}")
print("  pocket:          ", " ".join(f"{a:.2f}" for a in accuracy["pocket"][:12]),
      f"... last {accuracy['pocket'][-1]:.2f}")

mlp = MLPClassifier(hidden_layer_sizes=(4,), activation="tanh", solver="lbfgs",
                    random_state=0).fit(X_xor, y_xor)
print(f"XOR, MLP with one hidden layer of 4 tanh units: training accuracy "
      f"{mlp.score(X_xor, y_xor):.2f}")

# %%
# The picture
# -----------


REGION_COLORS = ["#a6cee3", "#fdbf6f"]
POINT_COLORS = ["#1f78b4", "#ff7f00"]


def plot_regions(ax, clf, X, y, title):
    grid_x, grid_y = np.meshgrid(np.linspace(X[:, 0].min() - 0.5, X[:, 0].max() + 0.5,
                                             300),
                                 np.linspace(X[:, 1].min() - 0.5, X[:, 1].max() + 0.5,
                                             300))
    regions = clf.predict(np.c_[grid_x.ravel(), grid_y.ravel()]).reshape(grid_x.shape)
    ax.contourf(grid_x, grid_y, regions, levels=[-0.5, 0.5, 1.5], colors=REGION_COLORS,
                alpha=0.6)
    ax.scatter(X[:, 0], X[:, 1], c=np.array(POINT_COLORS)[y],
               s=60 if len(X) < 10 else 10, edgecolors="k", linewidths=0.4)
    ax.set(title=f"{title}\ntraining accuracy {clf.score(X, y):.2f}", xlabel="x1",
           ylabel="x2")


fig, axes = plt.subplots(3, 2, figsize=(10, 13), layout="constrained")
plot_regions(axes[0, 0], boolean["AND"], corners, truth_tables["AND"], "AND")
plot_regions(axes[0, 1], boolean["OR"], corners, truth_tables["OR"], "OR")
plot_regions(axes[1, 0], separable, X_sep, y_sep,
             f"separable, margin 0.1 ({separable.n_updates_[0]} mistakes)")
margins = list(theorem)
position = np.arange(len(margins))
axes[1, 1].bar(position - 0.2, [theorem[m][0][-1] for m in margins], width=0.4,
               label="mistakes made")
axes[1, 1].bar(position + 0.2, [theorem[m][1] for m in margins], width=0.4,
               label="Novikoff's bound (R / gamma)²")
axes[1, 1].set(xticks=position, xticklabels=[str(m) for m in margins], xlabel="margin",
               yscale="log", ylabel="updates until no mistake (log scale)",
               title="The convergence theorem\non separable data")
axes[1, 1].legend(loc="upper left")
axes[2, 0].plot(xor_epochs, accuracy["plain"], "o-", label="plain perceptron")
axes[2, 0].plot(xor_epochs, accuracy["pocket"], "s--",
                label="pocket (a fit of that many epochs)")
axes[2, 0].set(ylim=(0, 1.05), xlabel="epoch", ylabel="training accuracy on XOR",
               title="XOR: the plain perceptron\nnever settles")
axes[2, 0].legend(loc="lower right")
plot_regions(axes[2, 1], mlp, X_xor, y_xor,
             "XOR with one hidden layer\n(4 tanh units)")
classes = [Patch(color=REGION_COLORS[0], alpha=0.6, label="predicted 0"),
           Patch(color=REGION_COLORS[1], alpha=0.6, label="predicted 1"),
           Line2D([], [], marker="o", linestyle="", color=POINT_COLORS[0],
                  markeredgecolor="k", label="class 0"),
           Line2D([], [], marker="o", linestyle="", color=POINT_COLORS[1],
                  markeredgecolor="k", label="class 1")]
fig.legend(handles=classes, loc="outside upper center", ncol=4)

if "--save" in sys.argv:
    fig.savefig(sys.argv[sys.argv.index("--save") + 1])
elif len(sys.argv) > 1:  # the earlier interface: a bare path
    fig.savefig(sys.argv[1])
