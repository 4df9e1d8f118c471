"""Activation functions: records keyed by name, and a registry users can extend.

An :class:`Activation` bundles an in-place forward function and an in-place
derivative. The derivative is written in terms of the activation's *output* ``Z``
(``tanh' = 1 - Z**2``), which is what backpropagation has at hand without storing the
pre-activations; an activation whose derivative needs the input instead sets
``needs_input=True`` and receives it as the third argument.

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
>>> Z = activations.get("tanh").function(np.array([[0.0, 1.0]]))
>>> delta = np.ones_like(Z)
>>> activations.get("tanh").derivative(Z, delta)
>>> np.round(delta, 4)
array([[1.  , 0.42]])

A new activation is one record and one call:

>>> softsign = activations.Activation(
...     "softsign",
...     function=lambda X: np.divide(X, 1 + np.abs(X), out=X),
...     derivative=lambda Z, delta: np.multiply(delta, (1 - np.abs(Z)) ** 2, out=delta),
... )
>>> activations.register(softsign)
Activation(name='softsign', needs_input=False)
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from numbers import Real

import numpy as np
from scipy.special import erf, expit

from ._registry import Registry

__all__ = ["Activation", "ACTIVATIONS", "register", "get", "leaky_relu", "elu", "gelu"]


@dataclass(frozen=True)
class Activation:
    """An activation function for a layer of units.

    Parameters
    ----------
    name : str
        Registry key, also what estimators accept as ``activation=name``.
    function : callable ``function(X) -> X``
        Applies the activation to the pre-activations ``X`` **in place** and returns
        ``X``. ``X`` has shape (n_samples, n_units).
    derivative : callable ``derivative(Z, delta)`` or ``derivative(Z, delta, X)``
        Multiplies the back-propagated error ``delta`` in place by the derivative of
        the activation, given its output ``Z`` (and its input ``X`` when
        ``needs_input`` is True). For a row-wise activation such as softmax this is the
        Jacobian-vector product.
    needs_input : bool, default=False
        Whether ``derivative`` needs the pre-activations; the network then keeps a copy.
    description : str, default=""
        One line for documentation.
    xp_function : callable ``xp_function(X, xp) -> array``, default=None
        The activation for arrays of any Array API namespace ``xp`` (torch, CuPy,
        array-api-strict): returns a new array and leaves ``X`` unchanged. Needed
        only to train on such arrays (see :mod:`skneural._array_api`).
    xp_derivative : callable ``xp_derivative(Z, delta, X, xp) -> array``, default=None
        The derivative's generic form: returns ``delta`` times the derivative as a
        new array (``X`` is None unless ``needs_input``).
    """

    name: str
    function: Callable = field(repr=False)
    derivative: Callable = field(repr=False)
    needs_input: bool = False
    description: str = field(default="", compare=False, repr=False)
    xp_function: Callable | None = field(default=None, compare=False, repr=False)
    xp_derivative: Callable | None = field(default=None, compare=False, repr=False)

    def __call__(self, X):
        """Return the activation of a copy of ``X`` (convenience, not in place)."""
        return self.function(np.array(X, dtype=np.result_type(X, np.float64)))


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


def _identity(X):
    return X


def _identity_derivative(Z, delta):
    pass


def _logistic(X):
    return expit(X, out=X)


def _logistic_derivative(Z, delta):
    delta *= Z
    delta *= 1 - Z


def _tanh(X):
    return np.tanh(X, out=X)


def _tanh_derivative(Z, delta):
    delta *= 1 - Z**2


def _relu(X):
    return np.maximum(X, 0, out=X)


def _relu_derivative(Z, delta):
    # Z == 0 exactly where the input was <= 0; the subgradient at 0 is taken as 0.
    np.multiply(delta, Z > 0, out=delta)


def _exp(X):
    return np.exp(X, out=X)


def _exp_derivative(Z, delta):
    delta *= Z


def _softmax(X):
    X -= X.max(axis=1, keepdims=True)
    np.exp(X, out=X)
    X /= X.sum(axis=1, keepdims=True)
    return X


def _softmax_derivative(Z, delta):
    # Jacobian-vector product of softmax: Z * (delta - <delta, Z>) row by row.
    inner = np.einsum("ij,ij->i", delta, Z)[:, None]
    delta -= inner
    delta *= Z


# -- generic forms (any Array API namespace): new arrays, no ``out=`` -----------------


def _xp_identity(X, xp):
    return X


def _xp_identity_derivative(Z, delta, X, xp):
    return delta


def _xp_logistic(X, xp):
    return 1.0 / (1.0 + xp.exp(-X))


def _xp_logistic_derivative(Z, delta, X, xp):
    return delta * Z * (1 - Z)


def _xp_tanh_derivative(Z, delta, X, xp):
    return delta * (1 - Z**2)


def _xp_relu(X, xp):
    # clip and a multiplication by the mask rather than ``where``: one kernel less
    # each, and torch's CPU ``where`` is several times slower than both.
    return xp.clip(X, min=0.0)


def _xp_relu_derivative(Z, delta, X, xp):
    return delta * xp.astype(Z > 0, delta.dtype)


def _xp_softmax(X, xp):
    exp = xp.exp(X - xp.max(X, axis=1, keepdims=True))
    return exp / xp.sum(exp, axis=1, keepdims=True)


def _xp_softmax_derivative(Z, delta, X, xp):
    return (delta - xp.sum(delta * Z, axis=1, keepdims=True)) * Z


def _xp_tanh(X, xp):
    return xp.tanh(X)


def _xp_exp(X, xp):
    return xp.exp(X)


def _xp_exp_derivative(Z, delta, X, xp):
    return delta * Z


for _record in [
    Activation("identity", _identity, _identity_derivative,
               description="f(x) = x", xp_function=_xp_identity,
               xp_derivative=_xp_identity_derivative),
    Activation("logistic", _logistic, _logistic_derivative,
               description="f(x) = 1 / (1 + exp(-x))", xp_function=_xp_logistic,
               xp_derivative=_xp_logistic_derivative),
    Activation("tanh", _tanh, _tanh_derivative, description="f(x) = tanh(x)",
               xp_function=_xp_tanh, xp_derivative=_xp_tanh_derivative),
    Activation("relu", _relu, _relu_derivative, description="f(x) = max(0, x)",
               xp_function=_xp_relu, xp_derivative=_xp_relu_derivative),
    Activation("exp", _exp, _exp_derivative,
               description="f(x) = exp(x); the Poisson link",
               xp_function=_xp_exp, xp_derivative=_xp_exp_derivative),
    Activation("softmax", _softmax, _softmax_derivative,
               description="f(x)_k = exp(x_k) / sum_j exp(x_j), row-wise",
               xp_function=_xp_softmax, xp_derivative=_xp_softmax_derivative),
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


def _step(X):
    # Heaviside with H(0) = 0: a unit fires only for a strictly positive input, the
    # perceptron's decision rule (scikit-learn's Perceptron predicts the positive class
    # for a score > 0).
    return np.greater(X, 0, out=X)


def _step_derivative(Z, delta):
    # The derivative is 0 wherever it exists (everywhere but 0, where the jump has
    # none); 0 is used there too, so no error flows back through a step unit.
    delta.fill(0)


def _lecun_tanh(X):
    X *= _LECUN_SLOPE
    np.tanh(X, out=X)
    X *= _LECUN_SCALE
    return X


def _lecun_tanh_derivative(Z, delta):
    # f = a tanh(b x)  =>  f' = a b (1 - tanh^2) = b (a - Z^2 / a).
    delta *= _LECUN_SLOPE * (_LECUN_SCALE - Z**2 / _LECUN_SCALE)


def _leaky_relu(X, negative_slope):
    X[X < 0] *= negative_slope
    return X


def _leaky_relu_derivative(Z, delta, negative_slope):
    # With a slope >= 0 the output is positive exactly where the input is; at 0 the
    # subgradient is taken as the slope (0 for relu, as in scikit-learn).
    delta *= np.where(Z > 0, 1.0, negative_slope).astype(delta.dtype, copy=False)


def _elu(X, alpha):
    negative = X < 0
    X[negative] = alpha * np.expm1(X[negative])
    return X


def _elu_derivative(Z, delta, alpha):
    # For x <= 0, f' = alpha exp(x) = Z + alpha. That loses relative (not absolute)
    # precision for very negative x, where the derivative is negligible anyway; it
    # spares keeping a copy of the pre-activations.
    delta *= np.where(Z > 0, 1.0, Z + alpha).astype(delta.dtype, copy=False)


def _softplus(X):
    return np.logaddexp(0, X, out=X)


def _softplus_derivative(Z, delta):
    # f' = expit(x) = 1 - exp(-f(x)): exact from the output, and expm1 keeps it
    # accurate where f(x) is tiny (very negative x).
    delta *= -np.expm1(-Z)


def _gelu(X, approximate):
    if approximate == "tanh":
        inner = X**3
        inner *= _GELU_CUBIC
        inner += X
        inner *= _SQRT_2_OVER_PI
        np.tanh(inner, out=inner)
    else:
        inner = X * _INV_SQRT_2
        erf(inner, out=inner)
    inner += 1
    inner *= 0.5
    X *= inner
    return X


def _gelu_derivative(Z, delta, X, approximate):
    if approximate == "tanh":
        # d/dx [x/2 (1 + tanh(u))] with u = c (x + k x^3).
        tanh_u = np.tanh(_SQRT_2_OVER_PI * (X + _GELU_CUBIC * X**3))
        derivative = 0.5 * (1 + tanh_u) + 0.5 * X * (1 - tanh_u**2) * (
            _SQRT_2_OVER_PI * (1 + 3 * _GELU_CUBIC * X**2)
        )
    else:
        # d/dx [x Phi(x)] = Phi(x) + x phi(x).
        derivative = 0.5 * (1 + erf(X * _INV_SQRT_2))
        derivative += X * _INV_SQRT_2PI * np.exp(-0.5 * X**2)
    delta *= derivative


# Generic forms of the catalogue (module-level functions, so records pickle).


def _xp_step(X, xp):
    return xp.astype(X > 0, X.dtype)


def _xp_step_derivative(Z, delta, X, xp):
    return xp.zeros_like(delta)


def _xp_lecun_tanh(X, xp):
    return xp.tanh(X * _LECUN_SLOPE) * _LECUN_SCALE


def _xp_lecun_tanh_derivative(Z, delta, X, xp):
    return delta * (_LECUN_SLOPE * (_LECUN_SCALE - Z**2 / _LECUN_SCALE))


def _xp_leaky_relu(X, xp, negative_slope):
    return xp.where(X < 0, X * negative_slope, X)


def _xp_leaky_relu_derivative(Z, delta, X, xp, negative_slope):
    return xp.where(Z > 0, delta, delta * negative_slope)


def _xp_elu(X, xp, alpha):
    return xp.where(X < 0, alpha * xp.expm1(X), X)


def _xp_elu_derivative(Z, delta, X, xp, alpha):
    return xp.where(Z > 0, delta, delta * (Z + alpha))


def _xp_softplus(X, xp):
    return xp.logaddexp(xp.zeros_like(X), X)


def _xp_softplus_derivative(Z, delta, X, xp):
    return delta * -xp.expm1(-Z)


def _xp_erf(X, xp):
    # scipy.special.erf dispatches to the array's library (torch.special, cupyx)
    # when SCIPY_ARRAY_API=1 was set before scipy was imported. Where it cannot
    # (the variable unset, or a namespace without a native erf), erf is computed on
    # the host and moved back: correct everywhere, a round trip where slow.
    try:
        result = erf(X)
        if type(result) is type(X):
            return result
    except (TypeError, RuntimeError, ValueError):
        pass
    from ._array_api import from_host, numpy_dtype, to_host

    return from_host(erf(to_host(X)), xp, X.device, numpy_dtype(X.dtype))


def _xp_gelu(X, xp, approximate):
    if approximate == "tanh":
        inner = xp.tanh(_SQRT_2_OVER_PI * (X + _GELU_CUBIC * X**3))
    else:
        inner = _xp_erf(X * _INV_SQRT_2, xp)
    return X * (0.5 * (inner + 1))


def _xp_gelu_derivative(Z, delta, X, xp, approximate):
    if approximate == "tanh":
        tanh_u = xp.tanh(_SQRT_2_OVER_PI * (X + _GELU_CUBIC * X**3))
        derivative = 0.5 * (1 + tanh_u) + 0.5 * X * (1 - tanh_u**2) * (
            _SQRT_2_OVER_PI * (1 + 3 * _GELU_CUBIC * X**2)
        )
    else:
        derivative = 0.5 * (1 + _xp_erf(X * _INV_SQRT_2, xp))
        derivative = derivative + X * _INV_SQRT_2PI * xp.exp(-0.5 * X**2)
    return delta * derivative


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
        xp_function=partial(_xp_leaky_relu, negative_slope=slope),
        xp_derivative=partial(_xp_leaky_relu_derivative, negative_slope=slope),
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
        xp_function=partial(_xp_elu, alpha=alpha),
        xp_derivative=partial(_xp_elu_derivative, alpha=alpha),
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
        xp_function=partial(_xp_gelu, approximate=approximate),
        xp_derivative=partial(_xp_gelu_derivative, approximate=approximate),
    )


for _record in [
    Activation("step", _step, _step_derivative,
               description="f(x) = 1 if x > 0 else 0 (Heaviside); derivative taken "
                           "as 0 everywhere",
               xp_function=_xp_step, xp_derivative=_xp_step_derivative),
    Activation("lecun_tanh", _lecun_tanh, _lecun_tanh_derivative,
               description="f(x) = 1.7159 tanh(2x / 3) (LeCun et al., Efficient "
                           "BackProp)",
               xp_function=_xp_lecun_tanh, xp_derivative=_xp_lecun_tanh_derivative),
    leaky_relu(),
    elu(),
    Activation("softplus", _softplus, _softplus_derivative,
               description="f(x) = log(1 + exp(x))",
               xp_function=_xp_softplus, xp_derivative=_xp_softplus_derivative),
    gelu(),
]:
    register(_record)
del _record

for _factory in (leaky_relu, elu, gelu):
    ACTIVATIONS.register_factory(_factory.__name__, _factory)
del _factory
# The course's name for the logistic function.
ACTIVATIONS.register_alias("sigmoid", "logistic")
# The network fuses these with the bias (forward) and the delta (backward) when the
# compiled kernels are in use (skneural._jit); it recognizes them by identity.
relu_function, relu_derivative = _relu, _relu_derivative
