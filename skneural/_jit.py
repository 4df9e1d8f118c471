"""Optional compiled kernels for the element-wise work of the NumPy path (numba).

NumPy runs an update such as Adam's as a dozen separate passes over the parameter
buffer; each kernel here does the same arithmetic, in the same order and dtype, in
one pass. They are used only when numba is installed (the ``jit`` extra:
``pip install skneural[jit]``) and only for contiguous NumPy arrays: each replaces
one rule marked ``@fusable`` (:mod:`skneural._backend`), which stays the definition
and runs everywhere else; the tests check both give the same numbers (to 1e-12 in
float64; no fast-math, no reassociation).

**The switch:** set the environment variable ``SKNEURAL_JIT=0`` before importing
skneural to run everything with NumPy alone. ``ENABLED`` says which path is in use.
"""

import os

import numpy as np

__all__ = ["ENABLED", "usable", "adam_update", "sgd_update", "penalize_divide",
           "bias_activation", "activation_backward", "log_loss", "cumulative_l1", "softmax"]

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
    if dtype.char not in "fd":  # float32, float64
        return False
    for array in arrays:  # a plain loop: this runs several times per step
        if (type(array) is not np.ndarray or array.dtype != dtype
                or not array.flags.c_contiguous):
            return False
    return True


if ENABLED:
    # error_model="numpy": no Python-style division checks, so loops vectorize.
    _jit = numba.njit(cache=True, nogil=True, error_model="numpy")

    @_jit
    def _adam(params, grad, m, v, coefficients):
        beta_1, one_minus_beta_1, beta_2, one_minus_beta_2, lr_t, epsilon = (
            coefficients[0], coefficients[1], coefficients[2], coefficients[3],
            coefficients[4], coefficients[5])
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
    def _penalize_divide(grad, params, n_coefs, scale, divisor):
        for i in range(n_coefs):
            grad[i] = (grad[i] + scale * params[i]) / divisor
        for i in range(n_coefs, grad.shape[0]):
            grad[i] = grad[i] / divisor

    @_jit
    def _cumulative_l1(params, q, u, zero):
        for i in range(q.shape[0]):
            w = params[i]
            if w > zero:
                new = max(zero, w - (u + q[i]))
            elif w < zero:
                new = min(zero, w + (u - q[i]))
            else:
                continue
            q[i] += new - w
            params[i] = new

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


    @_jit
    def _row_max(X, i):
        # A NaN is skipped here but still makes its row's sum NaN: NumPy's row.
        top = X[i, 0]
        for j in range(1, X.shape[1]):
            if X[i, j] > top:
                top = X[i, j]
        return top

    @_jit
    def _softmax_shift(y, raw, shifted, y_dot, y_sum):
        n, k = raw.shape
        for i in range(n):
            top = _row_max(raw, i)
            dot, total = 0.0, 0.0
            for j in range(k):  # shifted may be raw itself: raw[i, j] is read first
                value = raw[i, j] - top
                dot += y[i, j] * value
                total += y[i, j]
                shifted[i, j] = value
            y_dot[i] = dot
            y_sum[i] = total

    @_jit
    def _softmax_finish(y, exp_shifted, y_dot, y_sum, per_sample):
        n, k = exp_shifted.shape
        for i in range(n):
            norm = 0.0
            for j in range(k):
                norm += exp_shifted[i, j]
            per_sample[i] = np.log(norm) * y_sum[i] - y_dot[i]
            for j in range(k):
                exp_shifted[i, j] = exp_shifted[i, j] / norm * y_sum[i] - y[i, j]

    @_jit
    def _subtract_row_max(X):
        n, k = X.shape
        for i in range(n):
            top = _row_max(X, i)
            for j in range(k):
                X[i, j] -= top

    @_jit
    def _divide_by_row_sum(X):
        n, k = X.shape
        for i in range(n):
            total = X[i, 0]  # in X's dtype, as NumPy's sum
            for j in range(1, k):
                total += X[i, j]
            for j in range(k):
                X[i, j] /= total


# -- the kernels, each with the signature of the rule it replaces ----------------------
#
# skneural._backend.fusable swaps a rule for its kernel on contiguous NumPy arrays of
# one dtype; a kernel returns NotImplemented where it does not apply.


def log_loss(y, raw, out, xp):
    """:func:`skneural.losses` ``log_loss``: the softmax cross-entropy's per-sample
    values and its gradient (into ``out``, which may be ``raw``), as one compiled
    pass per row before and after NumPy's vectorized ``exp`` (numba's scalar
    ``exp`` is several times slower)."""
    if raw.ndim != 2:
        return NotImplemented
    rows = np.empty((3, raw.shape[0]), dtype=raw.dtype)
    _softmax_shift(y, raw, out, rows[0], rows[1])
    np.exp(out, out=out)
    _softmax_finish(y, out, rows[0], rows[1], rows[2])
    return rows[2], out


def adam_update(params, grad, m, v, scratch, coefficients, xp):
    """Adam's moment updates and step, in place (scikit-learn's form)."""
    beta_1, beta_2, lr_t, epsilon = coefficients
    # The scalars in the parameters' dtype, as NumPy's weak-scalar rules use them.
    coefficients = np.array([beta_1, 1 - beta_1, beta_2, 1 - beta_2, lr_t, epsilon],
                            dtype=params.dtype)
    _adam(params, grad, m, v, coefficients)


def sgd_update(params, grad, velocity, scratch, learning_rate, momentum, nesterov, xp):
    """SGD with classical or Nesterov momentum (scikit-learn's form), in place."""
    c = params.dtype.type
    _sgd(params, grad, velocity, c(learning_rate), c(momentum), bool(nesterov))


def penalize_divide(grad, params, n_coefs, l2, weight_sum, xp):
    """``grad[:n_coefs] = (grad[:n_coefs] + l2 * params[:n_coefs]) / weight_sum``
    and ``grad[n_coefs:] /= weight_sum``, in one pass."""
    c = grad.dtype.type
    _penalize_divide(grad, params, n_coefs, c(l2), c(weight_sum))
    return grad


def cumulative_l1(params, q, n_coefs, u, xp):
    """The cumulative L1 penalty's clipping of ``params[:n_coefs]`` and ``q``, in
    place (:func:`skneural.regularizers.cumulative_l1`)."""
    c = params.dtype.type
    _cumulative_l1(params, q, c(u), c(0))
    return params


def softmax(X, xp):
    """:mod:`skneural.activations`' softmax, row by row in place: compiled passes
    before and after NumPy's vectorized ``exp`` (five NumPy calls otherwise, which
    a one-row ``predict_proba`` feels)."""
    if X.ndim != 2 or X.shape[1] == 0:
        return NotImplemented
    _subtract_row_max(X)
    np.exp(X, out=X)
    _divide_by_row_sum(X)
    return X


def bias_activation(out, bias, activation, xp):
    """``relu(out + bias)`` in place, row-wise bias (relu only)."""
    if activation.name != "relu":
        return NotImplemented
    _bias_relu(out, bias)
    return out


def activation_backward(delta, output, preactivation, activation, xp):
    """``delta * relu'(output)`` in place (relu only)."""
    if activation.name != "relu":
        return NotImplemented
    _relu_backward(delta, output)
    return delta
