"""
Backpropagation by hand: the classic 2-2-2 worked example
=========================================================

The most widely copied worked example of backpropagation (Matt Mazur, "A Step by
Step Backpropagation Example", 2015) uses a network small enough to follow every
number: two inputs, two logistic hidden units, two logistic outputs, the squared
error ``E = sum_k (t_k - o_k)**2 / 2`` and one training pair,

* inputs ``x = (0.05, 0.10)``, targets ``t = (0.01, 0.99)``;
* weights ``w1 .. w8 = 0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55``
  (``w1, w2`` feed hidden unit ``h1``, ``w3, w4`` feed ``h2``, ``w5, w6`` feed
  output ``o1`` from ``h1, h2``, ``w7, w8`` feed ``o2``);
* one bias per layer, ``b1 = 0.35`` for the hidden units and ``b2 = 0.60`` for the
  outputs, which the example does **not** update;
* learning rate 0.5.

Here the same network is a :class:`skneural.network.Network` with explicit weights.
Every forward value, every delta and every gradient is printed next to the published
number and checked: the deltas and gradients are worked out by hand from the
forward values, compared with ``Network.backward``, and both are compared with
central finite differences of the loss.
"""

import sys

import matplotlib.pyplot as plt
import numpy as np

from skneural.network import Network

# %%
# The network and its weights
# ---------------------------
#
# skneural stores a layer's weights as a matrix ``W[i, j]`` from unit ``i`` of the
# layer below to unit ``j`` of the layer above (scikit-learn's ``coefs_`` layout), so
# ``w1`` (``x1 -> h1``) is ``W1[0, 0]`` and ``w3`` (``x1 -> h2``) is ``W1[0, 1]``.
# The loss ``"squared_error"`` is ``(o - t)**2 / 2`` summed over the outputs, the
# course's ``E``, and with ``output_activation="logistic"`` the outputs are
# logistic units. A Network has one bias per unit; both units of a layer get that
# layer's bias, and only the weights are updated below.

x = np.array([[0.05, 0.10]])
t = np.array([[0.01, 0.99]])
w = dict(zip([f"w{i}" for i in range(1, 9)],
             [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55]))
W1 = np.array([[w["w1"], w["w3"]], [w["w2"], w["w4"]]])
W2 = np.array([[w["w5"], w["w7"]], [w["w6"], w["w8"]]])
b1, b2 = np.full(2, 0.35), np.full(2, 0.60)
LEARNING_RATE = 0.5

net = Network([2, 2, 2], activation="logistic", output_activation="logistic",
              loss="squared_error")
params = net.pack([W1, W2], [b1, b2])


def check(name, value, published, tol=5e-9):
    """Print a computed number beside the published one and insist they agree."""
    print(f"  {name:<18} {value:14.9f}   published {published:.9f}")
    assert abs(value - published) <= tol, (name, value, published)


# %%
# The forward pass
# ----------------
#
# ``net_h1 = w1 x1 + w2 x2 + b1``, ``out_h1 = 1 / (1 + exp(-net_h1))``, and so on
# up to the outputs. ``forward`` returns a *tape*: ``tape.activations`` is
# ``[x, h, o]``, and the tape stays valid however often ``forward`` runs again.

tape = net.forward(params, x)
x_, h, o = tape.activations
net_h = x @ W1 + b1
net_o = h @ W2 + b2
errors = (t - o) ** 2 / 2
print("forward pass")
check("net_h1", net_h[0, 0], 0.3775)
check("out_h1", h[0, 0], 0.593269992)
check("out_h2", h[0, 1], 0.596884378)
check("net_o1", net_o[0, 0], 1.105905967)
check("out_o1", o[0, 0], 0.75136507)
check("out_o2", o[0, 1], 0.772928465)
check("E_o1", errors[0, 0], 0.274811083)
check("E_o2", errors[0, 1], 0.023560026)
loss, grad = net.backward(params, tape, t)
check("E_total", loss, 0.298371109)

# %%
# The backward pass, by hand
# --------------------------
#
# For a logistic unit ``d out / d net = out (1 - out)``. The output deltas are
# ``delta_o = (o - t) o (1 - o)`` and a weight's gradient is the delta of the unit it
# feeds times the output of the unit it comes from: ``dE/dw5 = delta_o1 out_h1``.
# The hidden deltas collect the output deltas through the weights:
# ``delta_h1 = (delta_o1 w5 + delta_o2 w7) out_h1 (1 - out_h1)``.

delta_o = (o - t) * o * (1 - o)
delta_h = (delta_o @ W2.T) * h * (1 - h)
dW2_hand, dW1_hand = h.T @ delta_o, x.T @ delta_h
print("backward pass")
check("dE/dout_o1", (o - t)[0, 0], 0.74136507)
check("dout_o1/dnet_o1", (o * (1 - o))[0, 0], 0.186815602)
check("delta_o1", delta_o[0, 0], 0.138498562)
check("dE/dout_h1", (delta_o @ W2.T)[0, 0], 0.036350306)
check("dout_h1/dnet_h1", (h * (1 - h))[0, 0], 0.241300709)
print(f"  {'delta_o2':<18} {delta_o[0, 1]:14.9f}")
print(f"  {'delta_h1':<18} {delta_h[0, 0]:14.9f}")
print(f"  {'delta_h2':<18} {delta_h[0, 1]:14.9f}")
# ``backward`` keeps the same deltas on the tape, one array per layer.
assert np.allclose(tape.deltas[1], delta_o) and np.allclose(tape.deltas[0], delta_h)
print("  Network.backward's tape.deltas equal the hand-computed deltas")

# %%
# The gradients: by hand, by ``Network.backward`` and by finite differences
# -------------------------------------------------------------------------
#
# ``net.unpack(grad)`` gives the gradient in the layout of the weights. A central
# difference ``(E(w + eps) - E(w - eps)) / (2 eps)`` with ``eps = 1e-6`` agrees with
# the exact gradient to about ``eps**2``; the check below allows 1e-9.


def total_error(p):
    return net.backward(p, net.forward(p, x), t)[0]


def finite_differences(p, eps=1e-6):
    result = np.empty_like(p)
    for i in range(len(p)):
        step = np.zeros_like(p)
        step[i] = eps
        result[i] = (total_error(p + step) - total_error(p - step)) / (2 * eps)
    return result


numeric = finite_differences(params)
(dW1, dW2), _ = net.unpack(grad)
(dW1_fd, dW2_fd), _ = net.unpack(numeric)
where = {"w1": (0, 0, 0), "w2": (0, 1, 0), "w3": (0, 0, 1), "w4": (0, 1, 1),
         "w5": (1, 0, 0), "w6": (1, 1, 0), "w7": (1, 0, 1), "w8": (1, 1, 1)}
PUBLISHED_GRADIENT = {"w5": 0.082167041, "w1": 0.000438568}
PUBLISHED_UPDATE = {"w1": 0.149780716, "w2": 0.19956143, "w3": 0.24975114,
                    "w4": 0.29950229, "w5": 0.35891648, "w6": 0.408666186,
                    "w7": 0.511301270, "w8": 0.561370121}
print(f"  {'weight':<6} {'by hand':>14} {'backward':>14} {'finite diff.':>14}"
      f" {'updated':>12}   published update")
updated = {}
for name, (layer, i, j) in where.items():
    by_hand = (dW1_hand, dW2_hand)[layer][i, j]
    exact = (dW1, dW2)[layer][i, j]
    numeric_ij = (dW1_fd, dW2_fd)[layer][i, j]
    assert abs(by_hand - exact) < 1e-15 and abs(exact - numeric_ij) < 1e-9
    if name in PUBLISHED_GRADIENT:
        assert abs(exact - PUBLISHED_GRADIENT[name]) < 5e-9
    updated[name] = w[name] - LEARNING_RATE * exact
    print(f"  {name:<6} {by_hand:14.9f} {exact:14.9f} {numeric_ij:14.9f}"
          f" {updated[name]:12.9f}   {PUBLISHED_UPDATE[name]:.9f}")
    assert abs(updated[name] - PUBLISHED_UPDATE[name]) < 5e-9
print(f"  largest |backward - finite differences| over all 12 parameters: "
      f"{np.abs(grad - numeric).max():.1e}")

# %%
# The update, and many more
# -------------------------
#
# One step ``w <- w - 0.5 dE/dw`` on the eight weights (the biases keep their
# values, as in the published example) lowers the error from 0.298371109 to
# 0.291027774. The published text gives 0.291027924, which differs in the seventh
# decimal; but the network with the *published* updated weights, evaluated by the
# plain formulas below, has error 0.291027774 too, so the gap lies in that one
# published figure, not in the update. 10,000 steps take the error to 3.5102e-5
# (published: 3.51085e-5, "about 0.0000351"), with outputs 0.0159 and 0.9841 for
# targets 0.01 and 0.99.

weights_only = np.zeros(net.n_params)
weights_only[: net.n_coefs] = 1.0  # the weights come first in the flat buffer
errors_per_step = [loss]
current = params.copy()
for _ in range(10_000):
    step_loss, step_grad = net.backward(current, net.forward(current, x), t)
    current -= LEARNING_RATE * step_grad * weights_only
    errors_per_step.append(total_error(current))


def error_by_formula(v, b1=0.35, b2=0.60):
    """E for weights ``v = {"w1": ..., "w8": ...}``, written out unit by unit."""
    def logistic(z):
        return 1 / (1 + np.exp(-z))

    out_h1 = logistic(v["w1"] * 0.05 + v["w2"] * 0.10 + b1)
    out_h2 = logistic(v["w3"] * 0.05 + v["w4"] * 0.10 + b1)
    out_o1 = logistic(v["w5"] * out_h1 + v["w6"] * out_h2 + b2)
    out_o2 = logistic(v["w7"] * out_h1 + v["w8"] * out_h2 + b2)
    return ((0.01 - out_o1) ** 2 + (0.99 - out_o2) ** 2) / 2


print("training")
at_published = error_by_formula(PUBLISHED_UPDATE)
print(f"  E after 1 step       {errors_per_step[1]:.9f}   published figure 0.291027924")
print(f"  E with the published updated weights  {at_published:.9f}")
assert abs(error_by_formula(w) - loss) < 1e-15
assert abs(errors_per_step[1] - at_published) < 1e-8
final_outputs = net.forward(current, x).activations[-1]
print(f"  E after 10,000 steps {errors_per_step[-1]:.4e} (published 3.51085e-05), "
      f"outputs {final_outputs[0, 0]:.4f} {final_outputs[0, 1]:.4f}")
assert abs(errors_per_step[-1] / 3.51085e-05 - 1) < 1e-3


# %%
# The picture: the network with its weights before and after the first update, and
# the error over 10,000 updates.


def draw_network(ax):
    position = {"x1": (0, 1), "x2": (0, 0), "h1": (1, 1), "h2": (1, 0),
                "o1": (2, 1), "o2": (2, 0)}
    edges = {"w1": ("x1", "h1"), "w2": ("x2", "h1"), "w3": ("x1", "h2"),
             "w4": ("x2", "h2"), "w5": ("h1", "o1"), "w6": ("h2", "o1"),
             "w7": ("h1", "o2"), "w8": ("h2", "o2")}
    for name, (a, b) in edges.items():
        (x0, y0), (x1, y1) = position[a], position[b]
        ax.plot([x0, x1], [y0, y1], color="0.6", zorder=1)
        fraction = 0.3 if name in ("w1", "w4", "w5", "w8") else 0.7
        ax.text(x0 + fraction * (x1 - x0), y0 + fraction * (y1 - y0),
                f"{name} {w[name]:.2f}\n→ {updated[name]:.4f}", fontsize=10,
                ha="center", va="center", bbox=dict(fc="white", ec="none", pad=1))
    values = {"x1": x[0, 0], "x2": x[0, 1], "h1": h[0, 0], "h2": h[0, 1],
              "o1": o[0, 0], "o2": o[0, 1]}
    for unit, (px, py) in position.items():
        ax.scatter(px, py, s=2800, color="#a6cee3", edgecolors="k", zorder=2)
        ax.text(px, py, f"{unit}\n{values[unit]:.4f}", ha="center", va="center",
                fontsize=10, zorder=3)
    ax.set(xlim=(-0.3, 2.3), ylim=(-0.35, 1.35), xticks=[], yticks=[],
           title=f"The weights before → after one update (E = {loss:.6f} before)")
    for side in ax.spines.values():
        side.set_visible(False)


fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 9), height_ratios=[1.4, 1],
                                  layout="constrained")
draw_network(top)
bottom.loglog(np.arange(1, len(errors_per_step) + 1), errors_per_step)
bottom.set(xlabel="update (log scale)", ylabel="total error E (log scale)",
           title="10,000 updates of the eight weights")

if "--save" in sys.argv:
    fig.savefig(sys.argv[sys.argv.index("--save") + 1])
