"""Optional compiled kernels for the element-wise work of the NumPy path (numba).

NumPy runs an update such as Adam's as a dozen separate passes over the parameter
buffer; each kernel here does the same arithmetic, in the same order and dtype, in
one pass. They are used only when numba is installed (the ``jit`` extra:
``pip install skneural[jit]``) and only for NumPy arrays; the NumPy code beside each
call stays the reference, and the tests check both give the same numbers (to 1e-12
in float64; no fast-math, no reassociation).

**The switch:** set the environment variable ``SKNEURAL_JIT=0`` before importing
skneural to run everything with NumPy alone. ``ENABLED`` says which path is in use.
"""

import os

import numpy as np

__all__ = ["ENABLED", "adam_update", "sgd_update", "add_scaled", "bias_relu",
           "relu_backward"]

ENABLED = False
if os.environ.get("SKNEURAL_JIT", "1").strip().lower() not in ("0", "false", "no",
                                                              "off"):
    try:
        import numba
    except ImportError:  # the optional extra is not installed
        numba = None
    ENABLED = numba is not None


def usable(*arrays):
    """Whether the kernels apply: enabled, NumPy arrays, contiguous, one dtype."""
    if not ENABLED:
        return False
    dtype = arrays[0].dtype
    return all(type(a) is np.ndarray and a.dtype == dtype and a.flags.c_contiguous
               for a in arrays) and dtype in (np.float32, np.float64)


if ENABLED:
    # error_model="numpy": no Python-style division checks, so loops vectorize.
    _jit = numba.njit(cache=True, nogil=True, error_model="numpy")

    @_jit
    def _adam(params, grad, m, v, beta_1, one_minus_beta_1, beta_2, one_minus_beta_2,
              lr_t, epsilon):
        for i in range(params.shape[0]):
            g = grad[i]
            mi = m[i] * beta_1 + g * one_minus_beta_1
            vi = v[i] * beta_2 + (g * g) * one_minus_beta_2
            m[i] = mi
            v[i] = vi
            params[i] -= (mi / (np.sqrt(vi) + epsilon)) * lr_t

    @_jit
    def _sgd(params, grad, velocity, learning_rate, momentum, nesterov):
        for i in range(params.shape[0]):
            scaled = grad[i] * learning_rate
            vi = velocity[i] * momentum - scaled
            velocity[i] = vi
            if nesterov:
                params[i] += momentum * vi - scaled
            else:
                params[i] += vi

    @_jit
    def _add_scaled(target, source, scale):
        for i in range(target.shape[0]):
            target[i] += scale * source[i]

    @_jit
    def _bias_relu(out, bias):
        n, k = out.shape
        for i in range(n):
            for j in range(k):
                value = out[i, j] + bias[j]
                # np.maximum's semantics: NaN propagates.
                out[i, j] = 0 if value <= 0 else value

    @_jit
    def _relu_backward(delta, output):
        n, k = delta.shape
        for i in range(n):
            for j in range(k):
                # delta * (output > 0), as NumPy: a NaN delta stays NaN.
                delta[i, j] *= 1.0 if output[i, j] > 0 else 0.0


def adam_update(params, grad, m, v, beta_1, beta_2, lr_t, epsilon):
    """Adam's moment updates and step, in place (scikit-learn's form)."""
    c = params.dtype.type
    _adam(params, grad, m, v, c(beta_1), c(1 - beta_1), c(beta_2), c(1 - beta_2),
          c(lr_t), c(epsilon))


def sgd_update(params, grad, velocity, learning_rate, momentum, nesterov):
    """SGD with classical or Nesterov momentum (scikit-learn's form), in place."""
    c = params.dtype.type
    _sgd(params, grad, velocity, c(learning_rate), c(momentum), bool(nesterov))


def add_scaled(target, source, scale):
    """``target += scale * source`` in one pass."""
    _add_scaled(target, source, target.dtype.type(scale))


def bias_relu(out, bias):
    """``out = max(out + bias, 0)`` in place, row-wise bias."""
    _bias_relu(out, bias)


def relu_backward(delta, output):
    """``delta *= (output > 0)`` in place."""
    _relu_backward(delta, output)
