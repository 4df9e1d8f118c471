"""Minimizers: solvers that run the whole optimization themselves, on the host.

L-BFGS and nonlinear conjugate gradient through ``scipy.optimize``. A minimizer has
one method, ``minimize(params, fun, *, max_iter, tol, callback)``: ``fun(x)`` returns
``(loss, grad)`` of the full-batch training objective at a float64 vector ``x``, and
``callback(intermediate_result)`` is called after every iteration (the trainer fills
the training record from it; raising ``StopIteration`` ends the run). The parameter
vector stays a NumPy float64 array on the host, whatever computes the loss and the
gradient.
"""

import scipy.optimize

from .base import Solver

__all__ = ["LBFGS", "CG"]


class LBFGS(Solver):
    """Limited-memory BFGS through ``scipy.optimize.minimize(method="L-BFGS-B")``.

    A quasi-Newton method on the full-batch objective (Liu & Nocedal 1989). The
    estimator's ``max_iter`` and ``tol`` become scipy's ``maxiter`` and ``gtol``;
    ``loss_curve_`` gets the loss after each iteration. **Full batch**: it always
    sees the whole training set (its line search needs a deterministic objective),
    so ``batch_size`` and ``shuffle`` are ignored and there is no ``partial_fit``.

    Parameters
    ----------
    max_fun : int, default=15000
        Maximum number of loss/gradient evaluations.

    References
    ----------
    D. C. Liu and J. Nocedal, "On the limited memory BFGS method for large scale
    optimization", Mathematical Programming 45, 1989.
    """

    full_batch = True
    minimizes = True
    # ``minimize`` takes ``bounds``: an L1 penalty is minimized exactly, by splitting
    # each weight into a positive and a negative part (skneural.regularizers).
    supports_bounds = True

    def __init__(self, max_fun=15000):
        self.max_fun = max_fun

    def minimize(self, params, fun, *, max_iter, tol, callback=None, bounds=None):
        """Minimize ``fun`` from ``params`` (within ``bounds``, a
        ``scipy.optimize.Bounds`` or None); return scipy's ``OptimizeResult``."""
        return scipy.optimize.minimize(
            fun, params, method="L-BFGS-B", jac=True, callback=callback, bounds=bounds,
            options={"maxfun": self.max_fun, "maxiter": max_iter, "gtol": tol},
        )


class CG(Solver):
    """Nonlinear conjugate gradient through ``scipy.optimize.minimize(method="CG")``.

    Polak-Ribiere conjugate directions with a Wolfe line search, on the full-batch
    objective. The estimator's ``max_iter`` and ``tol`` become scipy's ``maxiter``
    and ``gtol`` (the largest absolute gradient entry at which to stop);
    ``loss_curve_`` gets the loss after each iteration. **Full batch**: it always sees
    the whole training set (conjugacy and the line search assume a fixed objective),
    so ``batch_size`` and ``shuffle`` are ignored and there is no ``partial_fit``.

    References
    ----------
    E. Polak and G. Ribiere (1969); J. Nocedal and S. J. Wright, "Numerical
    Optimization", 2nd ed., section 5.2 (2006); M. F. Moller, "A scaled conjugate
    gradient algorithm for fast supervised learning", Neural Networks 6, 1993.
    """

    full_batch = True
    minimizes = True

    def minimize(self, params, fun, *, max_iter, tol, callback=None):
        """Minimize ``fun`` from ``params``; return scipy's ``OptimizeResult``."""
        return scipy.optimize.minimize(
            fun, params, method="CG", jac=True, callback=callback,
            options={"maxiter": max_iter, "gtol": tol},
        )
