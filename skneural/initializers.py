"""Weight-initialization schemes, keyed by name.

An initializer is a callable ``init(fan_in, fan_out, random_state, dtype, activation)``
returning ``(coef, intercept)`` of shapes (fan_in, fan_out) and (fan_out,).
``activation`` is the name of the network's hidden activation (the ``"auto"`` scheme
reads it, the others ignore it).

========================  ===================================================  =========
name                      weights                                              biases
========================  ===================================================  =========
``auto``                  scikit-learn's: U(-b, b), b = sqrt(k / (in + out)),  U(-b, b)
                          k = 2 for logistic hidden units, else 6
``glorot_uniform``        U(-b, b), b = sqrt(6 / (in + out))                   0
``glorot_normal``         N(0, 2 / (in + out))                                 0
``he_uniform``            U(-b, b), b = sqrt(6 / in)                           0
``he_normal``             N(0, 2 / in)                                         0
``lecun_uniform``         U(-b, b), b = sqrt(3 / in)                           0
``lecun_normal``          N(0, 1 / in)                                         0
========================  ===================================================  =========

References: Glorot & Bengio (2010); He et al. (2015); LeCun et al., "Efficient
BackProp" (1998).
"""

import numpy as np

from ._registry import Registry

__all__ = ["INITIALIZERS", "register", "get"]

INITIALIZERS = Registry(
    "weight_init", callable,
    hint="Or pass a callable init(fan_in, fan_out, random_state, dtype, activation).",
)


def register(name, initializer, *, overwrite=False):
    """Register ``initializer`` (see the module docstring for its signature)."""
    if not callable(initializer):
        raise TypeError("An initializer must be callable.")
    return INITIALIZERS.register(name, initializer, overwrite=overwrite)


def get(initializer):
    """Return the registered initializer for a name, or the callable itself."""
    return INITIALIZERS.get(initializer)


def activation_names(activation):
    """The activation name(s) an estimator's initializer reads: one, or one per
    weight layer.

    scikit-learn's "auto" scheme reads the hidden activation for every layer, the
    output layer included; with one activation per hidden layer, each weight layer
    gets the activation of the units it feeds and the output layer that of the last
    hidden layer.
    """
    from . import activations

    if isinstance(activation, (list, tuple)):
        names = [activations.get(a).name for a in activation]
        return names + names[-1:] if names else None
    return activations.get(activation).name


def auto(fan_in, fan_out, random_state, dtype, activation=None):
    """scikit-learn's scheme, drawn in the same order so seeds reproduce its weights."""
    factor = 2.0 if activation == "logistic" else 6.0
    bound = np.sqrt(factor / (fan_in + fan_out))
    coef = random_state.uniform(-bound, bound, (fan_in, fan_out))
    intercept = random_state.uniform(-bound, bound, fan_out)
    return coef.astype(dtype, copy=False), intercept.astype(dtype, copy=False)


def _uniform(scale_numerator, use_fan_out):
    def init(fan_in, fan_out, random_state, dtype, activation=None):
        fan = fan_in + fan_out if use_fan_out else fan_in
        bound = np.sqrt(scale_numerator / fan)
        coef = random_state.uniform(-bound, bound, (fan_in, fan_out))
        return coef.astype(dtype, copy=False), np.zeros(fan_out, dtype=dtype)

    return init


def _normal(variance_numerator, use_fan_out):
    def init(fan_in, fan_out, random_state, dtype, activation=None):
        fan = fan_in + fan_out if use_fan_out else fan_in
        std = np.sqrt(variance_numerator / fan)
        coef = random_state.normal(0.0, std, (fan_in, fan_out))
        return coef.astype(dtype, copy=False), np.zeros(fan_out, dtype=dtype)

    return init


register("auto", auto)
register("glorot_uniform", _uniform(6.0, use_fan_out=True))
register("glorot_normal", _normal(2.0, use_fan_out=True))
register("he_uniform", _uniform(6.0, use_fan_out=False))
register("he_normal", _normal(2.0, use_fan_out=False))
register("lecun_uniform", _uniform(3.0, use_fan_out=False))
register("lecun_normal", _normal(1.0, use_fan_out=False))
