"""Plots of fitted skneural models (matplotlib, an optional dependency).

Install with ``pip install skneural[plot]``. matplotlib is imported only when a plot
is drawn, so ``import skneural.plot`` works without it.
"""

import numpy as np
from sklearn.base import is_classifier
from sklearn.utils.validation import check_is_fitted

__all__ = ["TrainingHistoryDisplay"]


def _import_pyplot(caller):
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            f"{caller} requires matplotlib: pip install 'skneural[plot]' "
            "(or pip install matplotlib)."
        ) from exc
    return plt


class TrainingHistoryDisplay:
    """Training history: training loss, validation loss and score per epoch.

    Follows scikit-learn's Display convention: build it with
    :meth:`from_estimator` (or from the curves themselves, then call :meth:`plot`);
    the matplotlib objects are stored as attributes for further styling.

    Parameters
    ----------
    loss_curve : array-like of shape (n_epochs,)
        Training loss per epoch (``loss_curve_``).
    validation_loss_curve : array-like of shape (n_validated,), default=None
        Validation loss per epoch (``validation_loss_curve_``). When shorter than
        ``loss_curve`` (validation started in a later ``warm_start`` fit), it is
        aligned with the last epochs.
    validation_scores : array-like of shape (n_validated,), default=None
        Validation score per epoch (``validation_scores_``), drawn on a second
        y-axis.
    restored_epoch : int, default=None
        Epoch whose weights the model holds after a restore (``restored_epoch_``),
        marked by a vertical line.
    score_name : str, default="validation score"
        Label of the score axis.
    estimator_name : str, default=None
        Title of the plot.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes with the losses.
    score_ax_ : matplotlib Axes or None
        Twin axes with the validation score, if any.
    figure_ : matplotlib Figure
    lines_ : dict of str to matplotlib Line2D
        ``"loss"``, and where present ``"validation_loss"``, ``"validation_score"``
        and ``"restored_epoch"``.

    See Also
    --------
    sklearn.model_selection.LearningCurveDisplay : Score against training-set size.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_digits
    >>> from skneural import MLPClassifier
    >>> from skneural.plot import TrainingHistoryDisplay
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = MLPClassifier((32,), early_stopping=True, max_iter=30,
    ...                     random_state=0).fit(X / 16, y)
    >>> display = TrainingHistoryDisplay.from_estimator(clf)
    >>> sorted(display.lines_)
    ['loss', 'restored_epoch', 'validation_loss', 'validation_score']
    """

    def __init__(self, *, loss_curve, validation_loss_curve=None,
                 validation_scores=None, restored_epoch=None,
                 score_name="validation score", estimator_name=None):
        self.loss_curve = loss_curve
        self.validation_loss_curve = validation_loss_curve
        self.validation_scores = validation_scores
        self.restored_epoch = restored_epoch
        self.score_name = score_name
        self.estimator_name = estimator_name

    def plot(self, ax=None, *, log_scale=False, legend=True):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw the losses on. If None, a new figure with
            ``layout="constrained"`` is created, which makes room for the legend, so
            ``figure_.savefig(path)`` keeps it.
        log_scale : bool, default=False
            Logarithmic y-axis for the losses.
        legend : bool, default=True
            Draw one legend with the entries of both y-axes, below the axes (outside
            them, so it never covers a curve). On axes you pass, make room for it:
            create their figure with ``layout="constrained"``, or save with
            ``savefig(path, bbox_inches="tight")``.

        Returns
        -------
        display : TrainingHistoryDisplay
            Object that stores the computed values.
        """
        plt = _import_pyplot(f"{type(self).__name__}.plot")
        if ax is None:
            # Constrained layout counts the legend below the axes in, so a plain
            # savefig keeps it.
            _, ax = plt.subplots(layout="constrained")
        loss = np.asarray(self.loss_curve, dtype=float)
        epochs = np.arange(1, len(loss) + 1)
        lines = {}
        (lines["loss"],) = ax.plot(epochs, loss, label="training loss")
        if self.validation_loss_curve is not None and len(self.validation_loss_curve):
            validation_loss = np.asarray(self.validation_loss_curve, dtype=float)
            (lines["validation_loss"],) = ax.plot(
                self._validation_epochs(len(validation_loss)), validation_loss,
                label="validation loss")
        score_ax = None
        if self.validation_scores is not None and len(self.validation_scores):
            scores = np.asarray(self.validation_scores, dtype=float)
            score_ax = ax.twinx()
            # The third colour of the cycle, so the score doesn't reuse a loss colour.
            (lines["validation_score"],) = score_ax.plot(
                self._validation_epochs(len(scores)), scores, color="C2",
                linestyle="--", label=self.score_name)
            score_ax.set_ylabel(self.score_name)
        if self.restored_epoch is not None:
            lines["restored_epoch"] = ax.axvline(
                self.restored_epoch, color="0.5", linestyle=":",
                label=f"restored weights (epoch {self.restored_epoch})")
        ax.set_xlabel("epoch")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_ylabel("loss")
        if log_scale:
            ax.set_yscale("log")
        if self.estimator_name is not None:
            ax.set_title(self.estimator_name)
        if legend:
            self._draw_legend(ax, list(lines.values()))

        self.ax_, self.score_ax_, self.figure_, self.lines_ = (
            ax, score_ax, ax.figure, lines)
        return self

    @staticmethod
    def _draw_legend(ax, handles):
        """One legend for both y-axes, below the axes, where no curve can be."""
        # Anchored to the bottom edge of the axes, with a pad (in font sizes) that
        # clears the tick labels and the x label whatever the figure's size.
        ax.legend(handles, [h.get_label() for h in handles], loc="upper center",
                  bbox_to_anchor=(0.5, 0.0), borderaxespad=4.5,
                  ncol=min(len(handles), 2), frameon=False, fontsize="small")

    def _validation_epochs(self, n_validated):
        n_epochs = len(self.loss_curve)
        return np.arange(n_epochs - n_validated + 1, n_epochs + 1)

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, name=None, log_scale=False,
                       legend=True):
        """Plot the training history of a fitted skneural estimator.

        Parameters
        ----------
        estimator : fitted estimator
            A fitted MLPClassifier or MLPRegressor (any estimator with
            ``loss_curve_``), or a fitted meta-estimator that holds one: a
            :class:`~sklearn.pipeline.Pipeline` (its final step), a
            :class:`~sklearn.compose.TransformedTargetRegressor` (``regressor_``;
            its losses are in the transformed target's units), a search such as
            :class:`~sklearn.model_selection.GridSearchCV` (``best_estimator_``, so
            ``refit=True``), or any other with ``estimator_``, nested in any
            order. ``validation_loss_curve_``, ``validation_scores_`` and
            ``restored_epoch_`` are drawn when present. The score axis is named
            after the estimator's ``scoring`` when it has one; with
            ``scoring="loss"`` the scores (the negated validation loss) are not
            drawn again.
        ax : matplotlib Axes, default=None
            See :meth:`plot`.
        name : str, default=None
            Title; the class name of the model that was trained if None.
        log_scale : bool, default=False
            Logarithmic y-axis for the losses.
        legend : bool, default=True

        Returns
        -------
        display : TrainingHistoryDisplay

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the estimator, or the model it holds, is not fitted.
        TypeError
            If the estimator holds no model with a training history, or several
            (an ensemble: pass one of its ``estimators_``); the message names the
            types it went through.
        """
        _import_pyplot(f"{cls.__name__}.from_estimator")
        estimator = _trained_model(estimator)
        scoring = getattr(estimator, "scoring", None)
        scores = getattr(estimator, "validation_scores_", None)
        if scoring == "loss":
            scores = None  # the negated validation loss: drawn already, as the loss
        display = cls(
            loss_curve=estimator.loss_curve_,
            validation_loss_curve=getattr(estimator, "validation_loss_curve_", None),
            validation_scores=scores,
            restored_epoch=getattr(estimator, "restored_epoch_", None),
            score_name=_score_name(estimator, scoring),
            estimator_name=type(estimator).__name__ if name is None else name,
        )
        return display.plot(ax=ax, log_scale=log_scale, legend=legend)


#: Fitted attributes of meta-estimators that hold the one model they predict with.
_INNER_MODEL_ATTRIBUTES = ("best_estimator_", "regressor_", "estimator_")


def _trained_model(estimator):
    """The model with a training history (``loss_curve_``) that a fitted estimator
    predicts with: the estimator itself or the one model a meta-estimator holds."""
    chain = []
    while not hasattr(estimator, "loss_curve_"):
        chain.append(type(estimator).__name__)
        if hasattr(estimator, "steps"):  # a Pipeline: its final step
            inner = estimator.steps[-1][1]
        elif hasattr(estimator, "estimators_"):
            # An ensemble holds several models; its estimator_ is an unfitted template.
            inner = None
        else:
            inner = next((getattr(estimator, attribute)
                          for attribute in _INNER_MODEL_ATTRIBUTES
                          if hasattr(estimator, attribute)), None)
        if inner is None or isinstance(inner, str):  # a "passthrough" final step
            _refuse(estimator, " -> ".join(chain))
        estimator = inner
    check_is_fitted(estimator, "loss_curve_")
    return estimator


def _refuse(estimator, chain):
    """Raise NotFittedError for an unfitted estimator, else a TypeError that says
    why ``chain`` leads to no training history."""
    if hasattr(estimator, "fit"):
        check_is_fitted(estimator)  # an unfitted meta-estimator holds nothing yet
    if hasattr(estimator, "estimators_"):
        why = (f"holds {len(estimator.estimators_)} models (estimators_): pass one "
               "of them, e.g. estimators_[0]")
    elif hasattr(estimator, "best_params_"):
        why = "holds no refitted model (best_estimator_ needs refit=True)"
    else:
        why = "has no training history (loss_curve_) and holds no model that has one"
    raise TypeError(
        f"TrainingHistoryDisplay.from_estimator needs a fitted skneural MLP, or a "
        f"fitted Pipeline, TransformedTargetRegressor, search or other meta-estimator "
        f"holding one; {chain} {why}.")


def _score_name(estimator, scoring):
    """Label of the validation-score axis: the estimator's ``scoring`` if it names
    one, else its ``score`` method's metric."""
    if isinstance(scoring, str):
        return f"validation {scoring}"
    if scoring is not None:
        return "validation score"
    return "validation accuracy" if is_classifier(estimator) else "validation R²"
