"""Activation functions: records keyed by name, and a registry users can extend.

An :class:`Activation` bundles an in-place forward function and an in-place
derivative. The derivative is written in terms of the activation's *output* ``Z``
(``tanh' = 1 - Z**2``), which is what backpropagation has at hand without storing the
pre-activations; an activation whose derivative needs the input instead sets
``needs_input=True`` and receives it as the third argument.

Examples
--------
>>> import numpy as np
>>> from skneural import activations
>>> Z = activations.get("tanh").function(np.array([[0.0, 1.0]]))
>>> delta = np.ones_like(Z)
>>> activations.get("tanh").derivative(Z, delta)
>>> np.round(delta, 4)
array([[1.    , 0.42  ]])

A new activation is one record and one call:

>>> softsign = activations.Activation(
...     "softsign",
...     function=lambda X: np.divide(X, 1 + np.abs(X), out=X),
...     derivative=lambda Z, delta: np.multiply(delta, (1 - np.abs(Z)) ** 2, out=delta),
... )
>>> activations.register(softsign)
"""

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from scipy.special import expit

__all__ = ["Activation", "ACTIVATIONS", "register", "get"]


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
    """

    name: str
    function: Callable
    derivative: Callable
    needs_input: bool = False
    description: str = field(default="", compare=False)

    def __call__(self, X):
        """Return the activation of a copy of ``X`` (convenience, not in place)."""
        return self.function(np.array(X, dtype=np.result_type(X, np.float64)))


ACTIVATIONS = {}


def register(activation, *, overwrite=False):
    """Add an :class:`Activation` to the registry under ``activation.name``.

    Raises ``ValueError`` if the name is taken and ``overwrite`` is False.
    """
    if not isinstance(activation, Activation):
        raise TypeError(f"Expected an Activation record, got {type(activation)!r}.")
    if activation.name in ACTIVATIONS and not overwrite:
        raise ValueError(
            f"An activation named {activation.name!r} is already registered; "
            "pass overwrite=True to replace it."
        )
    ACTIVATIONS[activation.name] = activation
    return activation


def get(activation):
    """Return the :class:`Activation` for a registered name, or the record itself."""
    if isinstance(activation, Activation):
        return activation
    try:
        return ACTIVATIONS[activation]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown activation {activation!r}. Registered activations: "
            f"{sorted(ACTIVATIONS)}; pass an skneural.activations.Activation record "
            "or register one with skneural.activations.register."
        ) from None


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


for _record in [
    Activation("identity", _identity, _identity_derivative,
               description="f(x) = x"),
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
