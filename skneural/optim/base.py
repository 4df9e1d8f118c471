"""The solver protocol: hyperparameters on the object, state as plain data.

* A solver object holds **hyperparameters only**, exposed through ``get_params`` /
  ``set_params`` so ``GridSearchCV`` can search ``solver__<name>`` and ``clone`` copies
  it. Training never changes them.
* ``state = solver.init(params)`` creates the solver's state (velocities, moments,
  step sizes, a step counter ...): a dict of arrays (in ``params``' namespace, on its
  device) and numbers, documented in each class, so it pickles, loads with skops, and
  lives in the estimator's training state between ``partial_fit`` calls. Scratch
  space is not state: solvers get it from :meth:`Solver._scratch`, never pickled.
* ``state, loss = solver.step(params, grad_fn, state, learning_rate)`` updates the
  flat parameter buffer ``params`` **in place**. ``grad_fn(params)`` returns
  ``(loss, flat_grad)`` on the current batch; ``loss`` is the batch loss before the
  update. ``flat_grad`` is a buffer the caller reuses: copy what must outlive the
  next call. ``learning_rate`` comes from the schedule
  (:mod:`skneural.optim.schedules`): ``learning_rate_init`` times the schedule's
  factor, or None for solvers that set their own steps.
* Minimizers (L-BFGS, CG) run the whole optimization instead:
  ``minimize(params, fun, *, max_iter, tol, callback)``.

Every rule is written once for every Array API namespace: ``xp =
namespace(params)`` (``skneural._backend.namespace``, a cached lookup), the
standard's functions and in-place operators, Python floats for scalars.

**What a solver supports is declared on its class** (and read by the trainer, in one
place, ``skneural._training.Trainer``):

``full_batch``
    Sees the whole training set at each step, whatever ``batch_size`` says.
``proximal_l1``
    An L1 penalty is applied by the trainer after each update, as the cumulative
    L1 penalty (:class:`skneural.regularizers.CumulativeL1`; the gradient then
    leaves the L1 part out).
``supports_bounds``
    ``minimize`` takes ``bounds`` (L1 on split weights, exactly).
``has_learning_rate``
    ``step`` takes the schedule's learning rate, whose base is the solver's
    ``learning_rate_init``.
``minimizes``
    Runs the whole optimization itself (``minimize``) instead of ``init`` / ``step``.
``learning_rate_schedules``
    The estimators' ``learning_rate`` values it follows; others mean "constant" for
    it (as in scikit-learn, "invscaling" and "adaptive" apply to SGD only).
"""

import inspect

from .._backend import namespace

__all__ = ["Solver"]


class Solver:
    """Base class of the solvers: parameter handling, declared capabilities.

    Subclasses store their hyperparameters verbatim in ``__init__`` (scikit-learn's
    convention, so ``get_params``, ``set_params``, ``clone`` and ``repr`` work) and
    implement :meth:`init` and :meth:`step`, or ``minimize`` (with
    ``minimizes = True``) for a solver that runs the whole optimization itself.
    """

    full_batch = False
    proximal_l1 = False
    supports_bounds = False
    has_learning_rate = False
    minimizes = False
    learning_rate_schedules = ("constant", "plateau", "bold_driver")

    @classmethod
    def _get_param_names(cls):
        init = cls.__init__
        if init is object.__init__:
            return []
        parameters = inspect.signature(init).parameters.values()
        return sorted(
            p.name for p in parameters
            if p.name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        )

    def get_params(self, deep=True):
        """Hyperparameters of this solver, as a dict (scikit-learn's convention)."""
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params):
        """Set hyperparameters; unknown names raise ValueError."""
        valid = self._get_param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(
                    f"Invalid parameter {name!r} for solver {type(self).__name__}. "
                    f"Valid parameters are: {valid}."
                )
            setattr(self, name, value)
        return self

    def __repr__(self):
        defaults = {
            name: p.default
            for name, p in inspect.signature(type(self).__init__).parameters.items()
        }
        changed = [
            f"{name}={value!r}" for name, value in self.get_params().items()
            if not (defaults.get(name) is value or defaults.get(name) == value)
        ]
        return f"{type(self).__name__}({', '.join(changed)})"

    def init(self, params):
        """Return the initial solver state for the flat parameter buffer ``params``."""
        return {}

    def step(self, params, grad_fn, state, learning_rate):
        """Update ``params`` in place; return ``(state, loss)``."""
        raise NotImplementedError

    def _scratch(self, params, k=0):
        """Scratch buffer ``k`` shaped like ``params``: allocated once per fit, kept
        on the solver object for the following steps and never pickled."""
        scratch = self.__dict__.setdefault("_scratch_buffers", {})
        key = (k, type(params), str(getattr(params, "device", "")), tuple(params.shape),
               params.dtype)
        if key not in scratch:
            scratch[key] = namespace(params).empty_like(params)
        return scratch[key]

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k != "_scratch_buffers"}
