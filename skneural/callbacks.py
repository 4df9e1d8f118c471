"""Support for scikit-learn's callback API (``sklearn.callback``, scikit-learn >= 1.9).

The estimators inherit :class:`CallbackSupportMixin`, so ``set_callbacks`` accepts
scikit-learn's callbacks (``ProgressBar``, ``ScoringMonitor`` or any object following
the ``FitCallback`` protocol). A fit is one root task whose subtasks are the epochs
(the iterations for 'lbfgs' / 'cg'); ``on_fit_task_end`` of an epoch receives the
training data and, if it asks for ``fitted_estimator``, a copy of the estimator that
predicts with the weights at the end of that epoch. A callback whose
``on_fit_task_end`` returns True stops training after that epoch (the estimator's
``stop_reason_`` is then ``"callback"``).

In a Pipeline or a search, register an auto-propagated callback such as
``ProgressBar`` on the outermost estimator: scikit-learn hands it down to the MLP
(whose epochs then show), ``max_propagation_depth`` levels deep; a search around a
pipeline needs ``ProgressBar(max_propagation_depth=None)``. ``ProgressBar`` needs rich
(``pip install 'skneural[progress]'``).

With an older scikit-learn, which has no ``sklearn.callback``, everything here
degrades to no-ops: training, ``verbose`` and the fitted attributes are unchanged and
``set_callbacks`` raises an error that names the version needed.

Callbacks are how a fit is watched, not part of the model it produces: a fitted
estimator pickles (and saves with skops) without them, so a model saved after a
``ProgressBar`` or a ``ScoringMonitor`` loads with
:func:`skneural.persistence.trusted_types` alone, and a pickle loaded in another
process holds no callback bound to the process that wrote it. The estimator in
memory keeps its callbacks for its next fit. An unfitted estimator pickles with its
callbacks, as scikit-learn's ``clone`` keeps them: that is how a search running on
several processes (``n_jobs``) hands a callback set on its estimator to the workers.

Only the estimators' shared base class uses this module; the epoch loop itself only sees two
plain functions (``on_epoch_begin`` and ``on_epoch_end``).
"""

try:
    from sklearn.callback import CallbackSupportMixin as _SklearnCallbackSupportMixin
except ImportError:  # scikit-learn < 1.9
    _SklearnCallbackSupportMixin = None

__all__ = ["CallbackSupportMixin", "SKLEARN_HAS_CALLBACKS", "FitTasks"]

SKLEARN_HAS_CALLBACKS = _SklearnCallbackSupportMixin is not None

# What scikit-learn's callback machinery stores on an estimator: the callbacks
# (set_callbacks), and while a fit runs, its context, the callbacks to tear down and
# the context of a meta-estimator that propagated them.
_CALLBACK_STATE = frozenset({"_skl_callbacks", "_callback_fit_ctx",
                             "_skl_callbacks_to_teardown", "_parent_callback_ctx"})


def _is_fitted_state(state):
    """Whether an estimator's ``__dict__`` is that of a fitted estimator
    (scikit-learn's rule: an attribute ending in an underscore, not starting with
    one)."""
    return any(k.endswith("_") and not k.startswith("_") for k in state)


if SKLEARN_HAS_CALLBACKS:

    class CallbackSupportMixin(_SklearnCallbackSupportMixin):
        """scikit-learn's mixin (``set_callbacks``); a fitted estimator's pickled
        state leaves the callbacks out (see the module's docstring)."""

        def __getstate__(self):
            state = super().__getstate__()
            if _is_fitted_state(state):
                state = {k: v for k, v in state.items() if k not in _CALLBACK_STATE}
            return state

else:

    class CallbackSupportMixin:
        """Stand-in for scikit-learn's mixin when ``sklearn.callback`` is missing."""

        def set_callbacks(self, *callbacks):
            """Unavailable: scikit-learn's callback API needs scikit-learn >= 1.9.

            Raises
            ------
            NotImplementedError
                Always; upgrade scikit-learn, or use ``verbose`` and the fitted
                curves (``loss_curve_``, ``validation_loss_curve_``) instead.
            """
            import sklearn

            raise NotImplementedError(
                "set_callbacks needs scikit-learn's callback API (sklearn.callback, "
                f"scikit-learn >= 1.9); scikit-learn {sklearn.__version__} is "
                "installed. Training progress is still available through verbose=1 "
                "or 2 and the fitted loss_curve_ / validation_loss_curve_."
            )


class FitTasks:
    """The task tree of one ``fit`` / ``partial_fit`` call: a root and one subtask
    per epoch (or iteration).

    Parameters
    ----------
    estimator : estimator
    max_subtasks : int
        Most epochs (iterations) the call can run.
    X, y : the training data handed to the callbacks (``y`` may be a zero-argument
        callable, evaluated only if a callback asks for it).
    metadata : dict or None
        Training metadata, e.g. ``{"sample_weight": ...}``.

    Without ``sklearn.callback`` every method is a no-op and ``end`` returns False.
    """

    def __init__(self, estimator, *, max_subtasks, X=None, y=None, metadata=None):
        self.estimator = estimator
        self.X, self.y, self.metadata = X, y, metadata
        self.max_subtasks = max_subtasks
        self.n_begun = 0
        self._task = None
        self.root = None
        if SKLEARN_HAS_CALLBACKS and hasattr(estimator, "_init_callback_context"):
            self.root = estimator._init_callback_context(max_subtasks=max_subtasks)
            self.root.call_on_fit_task_begin(estimator=estimator, X=X, y=y,
                                             metadata=metadata)

    def begin(self, task_name, reconstruction_attributes=None):
        """Start the next subtask (``reconstruction_attributes`` as in
        :meth:`end`, describing the weights at the start)."""
        if self.root is None or self.n_begun >= self.max_subtasks:
            # More iterations than announced (a third-party minimizer that ignores
            # max_iter): those run without callbacks rather than fail.
            return
        self.n_begun += 1
        self._task = self.root.subcontext(task_name=task_name)
        self._task.call_on_fit_task_begin(
            estimator=self.estimator, X=self.X, y=self.y, metadata=self.metadata,
            reconstruction_attributes=reconstruction_attributes,
        )

    def end(self, reconstruction_attributes=None):
        """End the current subtask; return True if a callback asks to stop.

        ``reconstruction_attributes`` is a dict of fitted attributes (or a function
        returning one) that turns a copy of the estimator into a model of the
        current weights, built only if a callback asks for ``fitted_estimator``.
        """
        if self._task is None:
            return False
        task, self._task = self._task, None
        return bool(task.call_on_fit_task_end(
            estimator=self.estimator, X=self.X, y=self.y, metadata=self.metadata,
            reconstruction_attributes=reconstruction_attributes,
        ))

    def weights(self):
        """Fitted attributes of the current weights (copies), for callbacks'
        ``fitted_estimator``; the training targets are decoded by the caller."""
        estimator = self.estimator
        return {"coefs_": [c.copy() for c in estimator.coefs_],
                "intercepts_": [b.copy() for b in estimator.intercepts_]}

    def close(self):
        """End a subtask left open (an iteration the optimizer never ran) and the
        root task."""
        if self.root is None:
            return
        if self._task is not None:
            # An empty task: nothing was trained in it, so give the callbacks no data.
            self._task.call_on_fit_task_end(estimator=self.estimator)
            self._task = None
        self.root.call_on_fit_task_end(
            estimator=self.estimator, X=self.X, y=self.y, metadata=self.metadata,
            reconstruction_attributes={},
        )
