"""Resilient backpropagation: the Rprop family (Rprop+, Rprop-, iRprop+, iRprop-)."""

import math

from .._backend import namespace
from .base import Solver

__all__ = ["Rprop", "RPROP_VARIANTS"]


RPROP_VARIANTS = ("rprop+", "rprop-", "irprop+", "irprop-")


class Rprop(Solver):
    """Resilient backpropagation: per-weight step sizes driven by gradient signs.

    Only the sign of each partial derivative is used. Each weight has a step size
    ``D`` (starting at ``step_init``), adapted from the sign of ``g_prev * g``::

        g_prev * g > 0:  D <- min(eta_plus * D, step_max)
        g_prev * g < 0:  D <- max(eta_minus * D, step_min)
        g_prev * g = 0:  D unchanged (clipped to [step_min, step_max], as torch)

    and the weight moves by ``dw = -sign(g) * D``, except after a sign change
    (``g_prev * g < 0``), where the variants differ:

    ===========  =============================================  ======================
    variant      on a sign change                               stored g_prev
    ===========  =============================================  ======================
    "rprop+"     undo the last step: ``dw = -dw_prev``          0
    "rprop-"     step as usual: ``dw = -sign(g) * D``           g
    "irprop+"    undo the last step only if the loss went up    0
                 (``E_t > E_{t-1}``), else ``dw = 0``
    "irprop-"    no step: ``dw = 0`` (torch.optim.Rprop)        0
    ===========  =============================================  ======================

    Storing 0 makes the next step fall in the ``= 0`` branch: ``D`` is kept and the
    weight steps along ``-sign(g)``. iRprop- with the defaults below is
    torch.optim.Rprop with its defaults.

    **Full batch only.** Rprop always sees the whole training set, whatever
    ``batch_size`` says (``full_batch = True``): on mini-batches the gradient's sign
    flips with the batch rather than with the error surface, and since each step's
    size is independent of the gradient's magnitude, weights end up moving by the
    same amount for a batch that says "up a little" as for nine that say "down a
    lot" (the reason Hinton's lecture 6e introduces RMSprop). One ``partial_fit``
    call is one full-batch step on the data it is given.

    Parameters
    ----------
    variant : {"irprop-", "irprop+", "rprop+", "rprop-"}, default="irprop-"
        Sign-change rule, see above.
    eta_plus : float, default=1.2
        Step-size growth factor (> 1).
    eta_minus : float, default=0.5
        Step-size shrink factor (in (0, 1)).
    step_init : float, default=0.01
        Initial step size (torch's ``lr``; Riedmiller & Braun use 0.1).
    step_min : float, default=1e-6
        Smallest step size.
    step_max : float, default=50.0
        Largest step size.

    References
    ----------
    M. Riedmiller and H. Braun, "A direct adaptive method for faster backpropagation
    learning: the RPROP algorithm", IEEE ICNN 1993 (Rprop+). M. Riedmiller, "Advanced
    supervised learning in multi-layer perceptrons: from backpropagation to adaptive
    learning algorithms", Computer Standards & Interfaces 16, 1994 (Rprop-).
    C. Igel and M. Husken, "Improving the Rprop learning algorithm", NC 2000, and
    "Empirical evaluation of the improved Rprop learning algorithms",
    Neurocomputing 50, 2003 (iRprop+, iRprop-).

    Examples
    --------
    >>> import numpy as np
    >>> from skneural.optim import Rprop
    >>> solver = Rprop(step_init=0.1)
    >>> w = np.array([1.0, -0.05])
    >>> state = solver.init(w)
    >>> for _ in range(2):
    ...     state, loss = solver.step(w, lambda p: (0.5 * p @ p, p.copy()), state, None)
    >>> w.round(6)      # steps 0.1 then 0.12; the second weight overshoots
    array([0.78, 0.05])
    """

    full_batch = True

    def __init__(self, variant="irprop-", eta_plus=1.2, eta_minus=0.5, step_init=0.01,
                 step_min=1e-6, step_max=50.0):
        self.variant = variant
        self.eta_plus = eta_plus
        self.eta_minus = eta_minus
        self.step_init = step_init
        self.step_min = step_min
        self.step_max = step_max

    def _check(self):
        if self.variant not in RPROP_VARIANTS:
            raise ValueError(
                f"Rprop variant must be one of {RPROP_VARIANTS}, got {self.variant!r}."
            )
        if not (0 < self.eta_minus < 1 < self.eta_plus):
            raise ValueError(
                f"Rprop needs 0 < eta_minus < 1 < eta_plus, got eta_minus="
                f"{self.eta_minus}, eta_plus={self.eta_plus}."
            )
        if not (0 <= self.step_min <= self.step_max and self.step_init > 0):
            raise ValueError(
                f"Rprop needs step_init > 0 and 0 <= step_min <= step_max, got "
                f"step_init={self.step_init}, step_min={self.step_min}, "
                f"step_max={self.step_max}."
            )

    def init(self, params):
        self._check()
        xp = namespace(params)
        return {
            "step_size": xp.full_like(params, float(self.step_init)),
            "prev_grad": xp.zeros_like(params),
            "prev_update": xp.zeros_like(params),
            "prev_loss": math.inf,
        }

    def step(self, params, grad_fn, state, learning_rate=None):
        self._check()  # hyperparameters may change between partial_fit calls
        loss, grad = grad_fn(params)
        xp = namespace(params)
        step_size, prev_update = state["step_size"], state["prev_update"]
        # Compare signs, not the product, which can underflow to 0 for tiny slopes.
        sign = xp.sign(grad)
        agreement = sign * xp.sign(state["prev_grad"])
        increase, flipped = agreement > 0, agreement < 0
        step_size = xp.where(increase, step_size * float(self.eta_plus), step_size)
        step_size = xp.where(flipped, step_size * float(self.eta_minus), step_size)
        step_size = state["step_size"] = xp.clip(
            step_size, min=float(self.step_min), max=float(self.step_max))
        update = -sign * step_size
        zeros = xp.zeros_like(update)
        if self.variant == "rprop+":
            update = xp.where(flipped, -prev_update, update)
        elif self.variant == "irprop+":
            undo = -prev_update if bool(loss > state["prev_loss"]) else zeros
            update = xp.where(flipped, undo, update)
        elif self.variant == "irprop-":
            update = xp.where(flipped, zeros, update)
        params += update
        # Storing 0 after a sign change makes the next step take the "= 0" branch.
        state["prev_grad"] = (xp.asarray(grad, copy=True) if self.variant == "rprop-"
                              else xp.where(flipped, zeros, grad))
        state["prev_update"] = update
        state["prev_loss"] = float(loss)
        return state, loss
