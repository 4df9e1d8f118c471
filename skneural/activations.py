"""Activation functions: records keyed by name, and a registry users can extend.

An :class:`Activation` bundles a forward function and its derivative, each written
once for every Array API namespace ``xp`` (NumPy, PyTorch, CuPy, array-api-strict;
see ``skneural._backend``). The derivative is written in terms of the
activation's *output* ``Z`` (``tanh' = 1 - Z**2``), which is what backpropagation
has at hand without storing the pre-activations; an activation whose derivative
needs the input instead sets ``needs_input=True`` and receives it as ``X``.

Both may work in place (they own their first array argument) and return the result:
the network uses what they return. With NumPy, ``skneural._backend.into`` writes a
ufunc's result into a given array, so a rule allocates nothing there.

Registered: scikit-learn's ``identity``, ``logistic``, ``tanh``, ``relu``; the output
links ``softmax`` and ``exp``; and ``step`` (Heaviside, for perceptron-style units:
its derivative is 0 wherever it exists and is taken as 0 at the jump, so no error
flows back through it), ``lecun_tanh`` (``1.7159 tanh(2x/3)``), ``leaky_relu``
(slope 0.01; :func:`leaky_relu` makes other slopes), ``elu`` (:func:`elu`),
``softplus`` and ``gelu`` (exact; :func:`gelu` also gives the tanh approximation).

Examples
--------
>>> import numpy as np
>>> from skneural import activations
>>> from skneural._backend import namespace
>>> tanh = activations.get("tanh")
>>> Z = tanh(np.array([[0.0, 1.0]]))
>>> delta = tanh.derivative(Z, np.ones_like(Z), None, namespace(Z))
>>> np.round(delta, 4)
array([[1.  , 0.42]])

A new activation is one record and one call; written with the namespace's functions
(``xp.abs``) and operators, it trains on every namespace:

>>> softsign = activations.Activation(
...     "softsign",
...     function=lambda X, xp: X / (1 + xp.abs(X)),
...     derivative=lambda Z, delta, X, xp: delta * (1 - xp.abs(Z)) ** 2,
... )
>>> activations.register(softsign)
Activation(name='softsign', needs_input=False)
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from numbers import Real

import numpy as np

from ._backend import erf, expit, float_copy, fusable, into, namespace
from ._registry import Registry

__all__ = ["Activation", "ACTIVATIONS", "register", "get", "leaky_relu", "elu", "gelu"]


@dataclass(frozen=True)
class Activation:
    """An activation function for a layer of units.

    Parameters
    ----------
    name : str
        Registry key, also what estimators accept as ``activation=name``.
    function : callable ``function(X, xp) -> array``
        The activation of the pre-activations ``X``, shape (n_samples, n_units),
        ``xp`` their namespace. It may overwrite ``X`` and return it.
    derivative : callable ``derivative(Z, delta, X, xp) -> array``
        The back-propagated error ``delta`` times the derivative of the activation,
        given its output ``Z`` (and its input ``X`` when ``needs_input`` is True,
        else None). It may overwrite ``delta`` and return it. For a row-wise
        activation such as softmax this is the Jacobian-vector product.
    needs_input : bool, default=False
        Whether ``derivative`` needs the pre-activations; the network then keeps a copy.
    description : str, default=""
        One line for documentation.
    """

    name: str
    function: Callable = field(repr=False)
    derivative: Callable = field(repr=False)
    needs_input: bool = False
    description: str = field(default="", compare=False, repr=False)

    def __call__(self, X):
        """The activation of a floating copy of ``X`` (convenience, not in place)."""
        X = float_copy(X)
        return self.function(X, namespace(X))


ACTIVATIONS = Registry(
    "activation", lambda obj: isinstance(obj, Activation),
    hint="Pass an skneural.activations.Activation record, a call spec such as "
         "'leaky_relu(negative_slope=0.2)', or register one with "
         "skneural.activations.register.",
)


def register(activation, *, overwrite=False):
    """Add an :class:`Activation` to the registry under ``activation.name``.

    Raises ``ValueError`` if the name is taken and ``overwrite`` is False.
    """
    if not isinstance(activation, Activation):
        raise TypeError(f"Expected an Activation record, got {type(activation)!r}.")
    return ACTIVATIONS.register(activation.name, activation, overwrite=overwrite)


def get(activation):
    """The :class:`Activation` for a record, a registered name or alias (``"sigmoid"``
    is ``"logistic"``), or a call spec such as ``"leaky_relu(negative_slope=0.2)"``."""
    return ACTIVATIONS.get(activation)


# -- the four of scikit-learn, plus the output links ---------------------------------


def _identity(X, xp):
    return X


def _identity_derivative(Z, delta, X, xp):
    return delta


def _logistic(X, xp):
    return expit(X, xp, out=X)


def _logistic_derivative(Z, delta, X, xp):
    delta *= Z
    delta *= 1 - Z
    return delta


def _tanh(X, xp):
    return into(xp, xp.tanh, X, out=X)


def _tanh_derivative(Z, delta, X, xp):
    delta *= 1 - Z**2
    return delta


def _relu(X, xp):
    return into(xp, xp.clip, X, 0.0, out=X)


def _relu_derivative(Z, delta, X, xp):
    # Z == 0 exactly where the input was <= 0; the subgradient at 0 is taken as 0.
    # A float mask: NumPy multiplies by it faster than by the boolean one.
    delta *= xp.astype(Z > 0, delta.dtype)
    return delta


def _exp(X, xp):
    return into(xp, xp.exp, X, out=X)


def _exp_derivative(Z, delta, X, xp):
    delta *= Z
    return delta


@fusable("softmax", 1)
def _softmax(X, xp):
    X -= xp.max(X, axis=1, keepdims=True)
    X = into(xp, xp.exp, X, out=X)
    X /= xp.sum(X, axis=1, keepdims=True)
    return X


def _softmax_derivative(Z, delta, X, xp):
    # Jacobian-vector product of softmax: Z * (delta - <delta, Z>) row by row.
    delta -= xp.sum(delta * Z, axis=1, keepdims=True)
    delta *= Z
    return delta


for _record in [
    Activation("identity", _identity, _identity_derivative, description="f(x) = x"),
    Activation("logistic", _logistic, _logistic_derivative,
               description="f(x) = 1 / (1 + exp(-x))"),
    Activation("tanh", _tanh, _tanh_derivative, description="f(x) = tanh(x)"),
    Activation("relu", _relu, _relu_derivative, description="f(x) = max(0, x)"),
    Activation("exp", _exp, _exp_derivative,
               description="f(x) = exp(x); the Poisson link"),
    Activation("softmax", _softmax, _softmax_derivative,
               description="f(x)_k = exp(x_k) / sum_j exp(x_j), row-wise"),
]:
    register(_record)
del _record


# -- the course's catalogue ------------------------------------------------------------
#
# Constants are Python floats, not NumPy scalars, so float32 layers stay float32
# (NEP 50: a NumPy float64 scalar would promote the whole array).

_LECUN_SCALE = 1.7159
_LECUN_SLOPE = 2.0 / 3.0
_INV_SQRT_2 = 0.7071067811865476  # 1 / sqrt(2)
_INV_SQRT_2PI = 0.3989422804014327  # 1 / sqrt(2 pi), the standard normal density at 0
_SQRT_2_OVER_PI = 0.7978845608028654  # sqrt(2 / pi)
_GELU_CUBIC = 0.044715


def _step(X, xp):
    # Heaviside with H(0) = 0: a unit fires only for a strictly positive input, the
    # perceptron's decision rule (scikit-learn's Perceptron predicts the positive class
    # for a score > 0).
    return xp.astype(X > 0, X.dtype)


def _step_derivative(Z, delta, X, xp):
    # The derivative is 0 wherever it exists (everywhere but 0, where the jump has
    # none); 0 is used there too, so no error flows back through a step unit.
    return xp.zeros_like(delta)


def _lecun_tanh(X, xp):
    X *= _LECUN_SLOPE
    X = into(xp, xp.tanh, X, out=X)
    X *= _LECUN_SCALE
    return X


def _lecun_tanh_derivative(Z, delta, X, xp):
    # f = a tanh(b x)  =>  f' = a b (1 - tanh^2) = b (a - Z^2 / a).
    delta *= _LECUN_SLOPE * (_LECUN_SCALE - Z**2 / _LECUN_SCALE)
    return delta


def _leaky_relu(X, xp, negative_slope):
    return xp.where(X < 0, X * negative_slope, X)


def _leaky_relu_derivative(Z, delta, X, xp, negative_slope):
    # With a slope >= 0 the output is positive exactly where the input is; at 0 the
    # subgradient is taken as the slope (0 for relu, as in scikit-learn).
    return xp.where(Z > 0, delta, delta * negative_slope)


def _elu(X, xp, alpha):
    # expm1 of min(X, 0): no overflow where the positive branch is taken.
    return xp.where(X < 0, alpha * xp.expm1(xp.clip(X, max=0.0)), X)


def _elu_derivative(Z, delta, X, xp, alpha):
    # For x <= 0, f' = alpha exp(x) = Z + alpha. That loses relative (not absolute)
    # precision for very negative x, where the derivative is negligible anyway; it
    # spares keeping a copy of the pre-activations.
    return xp.where(Z > 0, delta, delta * (Z + alpha))


def _softplus(X, xp):
    return into(xp, xp.logaddexp, xp.zeros_like(X), X, out=X)


def _softplus_derivative(Z, delta, X, xp):
    # f' = expit(x) = 1 - exp(-f(x)): exact from the output, and expm1 keeps it
    # accurate where f(x) is tiny (very negative x).
    delta *= -xp.expm1(-Z)
    return delta


def _gelu(X, xp, approximate):
    if approximate == "tanh":
        inner = xp.tanh(_SQRT_2_OVER_PI * (X + _GELU_CUBIC * X**3))
    else:
        inner = erf(X * _INV_SQRT_2, xp)
    inner += 1
    inner *= 0.5
    X *= inner
    return X


def _gelu_derivative(Z, delta, X, xp, approximate):
    if approximate == "tanh":
        # d/dx [x/2 (1 + tanh(u))] with u = c (x + k x^3).
        tanh_u = xp.tanh(_SQRT_2_OVER_PI * (X + _GELU_CUBIC * X**3))
        derivative = 0.5 * (1 + tanh_u) + 0.5 * X * (1 - tanh_u**2) * (
            _SQRT_2_OVER_PI * (1 + 3 * _GELU_CUBIC * X**2)
        )
    else:
        # d/dx [x Phi(x)] = Phi(x) + x phi(x).
        derivative = 0.5 * (1 + erf(X * _INV_SQRT_2, xp))
        derivative += X * _INV_SQRT_2PI * xp.exp(-0.5 * X**2)
    delta *= derivative
    return delta


def _check_real(value, name, low, low_inclusive):
    if isinstance(value, bool) or not isinstance(value, Real) or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite real number, got {value!r}.")
    if value < low or (value == low and not low_inclusive):
        bound = ">=" if low_inclusive else ">"
        raise ValueError(f"{name} must be {bound} {low}, got {value!r}.")
    return float(value)


def leaky_relu(negative_slope=0.01):
    """Leaky ReLU with a chosen slope for negative inputs (Maas et al., 2013).

    ``f(x) = x`` for ``x > 0`` and ``negative_slope * x`` otherwise. The registered
    ``"leaky_relu"`` uses ``negative_slope=0.01`` (PyTorch's default); call this
    factory for another slope and pass the record as ``activation``.

    Parameters
    ----------
    negative_slope : float, default=0.01
        Slope for negative inputs, >= 0 (0 gives relu).

    Returns
    -------
    activation : Activation
        Named ``"leaky_relu"`` for the default slope, else
        ``"leaky_relu(negative_slope=...)"``.

    Examples
    --------
    >>> import numpy as np
    >>> from skneural import activations
    >>> activations.leaky_relu(0.2)(np.array([[-1.0, 2.0]]))
    array([[-0.2,  2. ]])
    """
    slope = _check_real(negative_slope, "negative_slope", 0.0, True)
    name = "leaky_relu" if slope == 0.01 else f"leaky_relu(negative_slope={slope!r})"
    return Activation(
        name,
        partial(_leaky_relu, negative_slope=slope),
        partial(_leaky_relu_derivative, negative_slope=slope),
        description=f"f(x) = x if x > 0 else {slope!r} x",
    )


def elu(alpha=1.0):
    """Exponential linear unit (Clevert, Unterthiner & Hochreiter, 2016).

    ``f(x) = x`` for ``x > 0`` and ``alpha * (exp(x) - 1)`` otherwise. The registered
    ``"elu"`` uses ``alpha=1``.

    Parameters
    ----------
    alpha : float, default=1.0
        Saturation value for large negative inputs is ``-alpha``; must be > 0.

    Returns
    -------
    activation : Activation
    """
    alpha = _check_real(alpha, "alpha", 0.0, False)
    name = "elu" if alpha == 1.0 else f"elu(alpha={alpha!r})"
    return Activation(
        name,
        partial(_elu, alpha=alpha),
        partial(_elu_derivative, alpha=alpha),
        description=f"f(x) = x if x > 0 else {alpha!r} (exp(x) - 1)",
    )


def gelu(approximate="none"):
    """Gaussian error linear unit (Hendrycks & Gimpel, 2016).

    ``f(x) = x * Phi(x)`` with ``Phi`` the standard normal CDF, or with
    ``approximate="tanh"`` the approximation
    ``x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x**3)))``; the same two forms as
    ``torch.nn.GELU``. The registered ``"gelu"`` is the exact form.

    Parameters
    ----------
    approximate : {"none", "tanh"}, default="none"

    Returns
    -------
    activation : Activation
    """
    if approximate not in ("none", "tanh"):
        raise ValueError(
            f"approximate must be 'none' or 'tanh', got {approximate!r}."
        )
    if approximate == "none":
        name, description = "gelu", "f(x) = x Phi(x), Phi the standard normal CDF"
    else:
        name = "gelu(approximate='tanh')"
        description = "f(x) = x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))"
    return Activation(
        name,
        partial(_gelu, approximate=approximate),
        partial(_gelu_derivative, approximate=approximate),
        needs_input=True,
        description=description,
    )


for _record in [
    Activation("step", _step, _step_derivative,
               description="f(x) = 1 if x > 0 else 0 (Heaviside); derivative taken "
                           "as 0 everywhere"),
    Activation("lecun_tanh", _lecun_tanh, _lecun_tanh_derivative,
               description="f(x) = 1.7159 tanh(2x / 3) (LeCun et al., Efficient "
                           "BackProp)"),
    leaky_relu(),
    elu(),
    Activation("softplus", _softplus, _softplus_derivative,
               description="f(x) = log(1 + exp(x))"),
    gelu(),
]:
    register(_record)
del _record

for _factory in (leaky_relu, elu, gelu):
    ACTIVATIONS.register_factory(_factory.__name__, _factory)
del _factory
# The course's name for the logistic function.
ACTIVATIONS.register_alias("sigmoid", "logistic")
