"""MLPClassifier and MLPRegressor: drop-in for scikit-learn's, on skneural's core."""

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin, _fit_context
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_class_weight, compute_sample_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import (
    _check_partial_fit_first_call,
    type_of_target,
    unique_labels,
)
from sklearn.utils.validation import (
    check_array,
    check_is_fitted,
    column_or_1d,
)

from . import _data
from . import losses as _losses
from ._backend import expit, float_dtypes, into, like, namespace, take_classes, to_host
from ._base import BaseMultilayerPerceptron
from ._docstrings import _COMMON_ATTRIBUTES, _COMMON_PARAMETERS, _FIT_DOC
from ._registry import RegistryOptions
from ._validation import (
    accuracy_of_raw,
    check_class_weight_keys,
    check_class_weights,
    check_label_types,
    plain_input,
    r2_of_raw,
)


class MLPClassifier(ClassifierMixin, BaseMultilayerPerceptron):
    __doc__ = f"""Multi-layer perceptron classifier, drop-in for scikit-learn's.

    Minimizes the cross-entropy (softmax for multiclass, logistic units for binary and
    multilabel targets) by backpropagation with a pluggable solver.

    Parameters
    ----------
{_COMMON_PARAMETERS}

    class_weight : dict, list of dict, 'balanced' or None, default=None
        Weights of the classes, multiplied into ``sample_weight``: ``{{label:
        weight}}`` (classes not listed weigh 1); 'balanced' weighs each class by
        ``n_samples / (n_classes * count)`` in the training targets, as
        :func:`sklearn.utils.class_weight.compute_class_weight`; for multilabel
        targets a list with one dict per label column (keys 0 and 1), or
        'balanced' per column, as
        :func:`~sklearn.utils.class_weight.compute_sample_weight`. Computed on the
        data given to ``fit`` before the early-stopping split, so the held-out
        score is weighted too; ``X_val`` is not reweighted (as in scikit-learn's
        HistGradientBoosting). 'balanced' is refused by ``partial_fit`` (the
        counts of one batch are not the class frequencies).

    Attributes
    ----------
    classes_ : ndarray or list of ndarray of shape (n_classes,)
        Class labels.

{_COMMON_ATTRIBUTES}

    See Also
    --------
    MLPRegressor : Multi-layer perceptron regressor.
    PerceptronClassifier : Rosenblatt's single-layer perceptron.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skneural import MLPClassifier
    >>> X, y = make_classification(n_samples=100, random_state=1)
    >>> clf = MLPClassifier(random_state=1, max_iter=300).fit(X, y)
    >>> clf.predict_proba(X[:1]).shape
    (1, 2)
    >>> clf.score(X, y) > 0.9
    True
    """

    _parameter_constraints: dict = {
        **BaseMultilayerPerceptron._parameter_constraints,
        "class_weight": [dict, list, StrOptions({"balanced"}), None],
    }

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, max_fun=15000, scoring=None, weight_init="auto",
                 penalty="l2", l1_ratio=0.15, max_norm=None, input_noise=0.0,
                 dropout=0.0, input_dropout=0.0, weight_noise=0.0,
                 stochastic_activities=False, class_weight=None, training_dtype=None):
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes, activation=activation, solver=solver,
            alpha=alpha, batch_size=batch_size, learning_rate=learning_rate,
            learning_rate_init=learning_rate_init, power_t=power_t, max_iter=max_iter,
            shuffle=shuffle, random_state=random_state, tol=tol, verbose=verbose,
            warm_start=warm_start, momentum=momentum,
            nesterovs_momentum=nesterovs_momentum, early_stopping=early_stopping,
            validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2,
            epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun,
            scoring=scoring,
            weight_init=weight_init, penalty=penalty, l1_ratio=l1_ratio,
            max_norm=max_norm, input_noise=input_noise, dropout=dropout,
            input_dropout=input_dropout, weight_noise=weight_noise,
            stochastic_activities=stochastic_activities, training_dtype=training_dtype,
        )
        self.class_weight = class_weight

    def _loss_name(self):
        return "log_loss" if self.out_activation_ == "softmax" else "binary_log_loss"

    def _class_sample_weight(self, y, incremental):
        if self.class_weight is None:
            return None
        if incremental and isinstance(self.class_weight, str):
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit: one batch's "
                "class counts are not the class frequencies. Compute the weights "
                "once with sklearn.utils.class_weight.compute_class_weight('balanced',"
                " classes=classes, y=y_sample) and pass them as a dict."
            )
        if self._label_binarizer.y_type_.startswith("multilabel"):
            weights = compute_sample_weight(self.class_weight, y.astype(np.int8))
            return check_class_weights(weights, self.class_weight)
        # Weights per class from the class counts, then looked up row by row (on
        # the workers for a Dask array).
        classes = self._label_binarizer.classes_
        check_class_weight_keys(self.class_weight, classes)
        index = _data.map_rows(_class_index, y, None, np.intp)
        present, counts = _data.unique(index, return_counts=True)
        per_class = compute_class_weight(self.class_weight, classes=classes,
                                         y=classes[present], sample_weight=counts)
        check_class_weights(per_class[present], self.class_weight)
        return _data.map_rows(per_class.take, index, None, per_class.dtype)

    def _encode_validation_targets(self, y_val):
        y_val = check_array(to_host(y_val), ensure_2d=False, dtype=None,
                            input_name="y_val")
        if y_val.ndim == 2 and y_val.shape[1] == 1:
            y_val = column_or_1d(y_val)
        if not self._label_binarizer.y_type_.startswith("multilabel"):
            classes = self._label_binarizer.classes_
            unknown = np.setdiff1d(unique_labels(y_val), classes)
            if len(unknown):
                raise ValueError(
                    f"y_val has classes not in the training targets: {unknown}. "
                    f"classes_ is {classes}."
                )
        return y_val, self._label_binarizer.transform(y_val).astype(bool)

    def _out_activation(self):
        return "softmax" if self._label_binarizer.y_type_ == "multiclass" else "logistic"

    def _validate_input(self, X, y, incremental, reset):
        plain = None if reset else plain_input(self, X, y)
        X, y_given = plain if plain is not None else _data.validate(
            self, X, y, accept_sparse=["csr", "csc"], multi_output=True,
            dtype=float_dtypes(X), reset=reset)
        # Labels are encoded on the host whatever the namespace (they may be
        # strings); a numeric classes_ then follows y's namespace, as in
        # scikit-learn's array-API classifiers. A Dask y stays on its workers.
        y = _data.host_rows(y_given)
        if y.ndim == 2 and y.shape[1] == 1:
            y = _data.column_or_1d(y)
        if _data.is_chunked(y) and y.ndim != 1:
            raise ValueError("Dask targets of MLPClassifier must be 1-D class labels "
                             "(multilabel targets are for in-memory arrays).")

        # incremental warm_start classes_ defined -> action
        #  no  any  no  -> define classes_;  no  no  yes -> redefine classes_
        #  any yes  yes -> same classes as before;  yes no yes -> subset of classes_
        if (not hasattr(self, "classes_")) or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y if y.ndim == 2 else _labels(y))
            self.classes_ = self._label_binarizer.classes_
            if self.classes_.shape[0] < 2 and self._label_binarizer.y_type_ != (
                "multilabel-indicator"
            ):
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in "
                    f"the data, but the data contains only one class: "
                    f"{self.classes_[0]}."
                )
            if self.classes_.dtype.kind in "biuf":
                self.classes_ = like(y_given, self.classes_)
        elif incremental and not self.warm_start and not _data.is_chunked(y) and \
                self._label_binarizer.y_type_ in ("binary", "multiclass"):
            # partial_fit: labels known to classes_ encode at once (the shortcut
            # declines anything else, which gets the full check and its error).
            encoded = _one_hot(y, self._label_binarizer.classes_)
            if encoded is not None:
                return X, encoded
            self._check_known_labels(y)
        else:
            self._check_known_labels(y)
        columns = 1 if len(self._label_binarizer.classes_) == 2 \
            else len(self._label_binarizer.classes_)
        return X, _data.map_rows(self._encode_labels, y, columns, bool)

    def _check_known_labels(self, y):
        """``y``'s labels against the fitted classes: the same (warm start) or a
        subset (partial_fit)."""
        classes = unique_labels(y) if y.ndim == 2 else _labels(y)
        known = self._label_binarizer.classes_
        if self.warm_start:
            if set(classes) != set(known):
                raise ValueError(
                    "warm_start can only be used where `y` has the same classes as "
                    f"in the previous call to fit. Previously got {known}, "
                    f"`y` has {classes}"
                )
        elif len(np.setdiff1d(classes, known, assume_unique=True)):
            raise ValueError(
                "`y` has classes not in `self.classes_`. `self.classes_` has "
                f"{known}. 'y' has {classes}."
            )

    def _encode_labels(self, y):
        """One-hot rows of labels (one column for two classes), as
        ``LabelBinarizer``; numeric labels without its ``type_of_target`` passes."""
        if self._label_binarizer.y_type_ in ("binary", "multiclass"):
            encoded = _one_hot(y, self._label_binarizer.classes_)
            if encoded is not None:
                return encoded
        return self._label_binarizer.transform(y).astype(bool)

    def _default_score(self, y_encoded, sample_weight):
        return accuracy_of_raw(y_encoded.astype(bool, copy=False), sample_weight,
                               self.out_activation_)

    def _decode_targets(self, y_val):
        return self._label_binarizer.inverse_transform(y_val)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, *, X_val=None, y_val=None,
            sample_weight_val=None):
        return self._fit(X, y, sample_weight=sample_weight, incremental=False,
                         X_val=X_val, y_val=y_val, sample_weight_val=sample_weight_val)

    fit.__doc__ = _FIT_DOC.format(
        y="Class labels, or a label-indicator matrix for multilabel problems.",
        sample_weight="Sample weights (multiplied by the ``class_weight`` weights).",
    )

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Update the model with one epoch over the given data.

        Unlike scikit-learn's, the solver state, the random state and the shuffling
        order carry over between calls, so ``k`` calls on the same data give the same
        weights as ``fit`` with ``max_iter=k``, and parameters changed with
        ``set_params`` between calls take effect at the next call (a new
        ``learning_rate_init`` rescales the current learning rate; another solver
        class starts from a fresh state).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
        classes : array of shape (n_classes,), default=None
            All classes across the calls; required on the first call. ``y`` need not
            contain all of them.

        Returns
        -------
        self : object
        """
        check_label_types(y, classes)
        if _check_partial_fit_first_call(self, classes):
            self._label_binarizer = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                self._label_binarizer.fit(y)
            else:
                self._label_binarizer.fit(classes)
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def predict(self, X):
        """Predict class labels (or label-indicator rows for multilabel problems).

        Parameters
        ----------
        X : {array-like, sparse matrix, Dask array} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
            In ``X``'s namespace and on its device for numeric labels (a Dask array,
            computed on the workers, for a Dask ``X``).
        """
        _check_fitted(self)
        multilabel = self._label_binarizer.y_type_.startswith("multilabel")
        return self._prediction(self._predict, X,
                                self.classes_.shape[0] if multilabel else None,
                                np.int64 if multilabel else to_host(self.classes_).dtype)

    def _predict(self, X, check_input=True):
        if self.out_activation_ == "softmax":
            # Softmax preserves each row's order: the argmax of the raw outputs is
            # the predicted class, without the exponentials.
            raw = self._forward_pass_fast(X, check_input=check_input, link=False)
            return take_classes(self.classes_, namespace(raw).argmax(raw, axis=1))
        y_pred = self._forward_pass_fast(X, check_input=check_input)
        xp = namespace(y_pred)
        if self.n_outputs_ == 1:
            return take_classes(self.classes_, xp.astype(y_pred[:, 0] > 0.5, xp.int64))
        return xp.astype(y_pred > 0.5, xp.int64)  # multilabel: label-indicator rows

    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`, never ``-inf``.

        ``log(predict_proba(X))`` wherever that is finite (so both give the same
        argmax, ties included); where a probability underflows (below the dtype's
        smallest normal float), the log-softmax or log-sigmoid of the raw outputs
        instead, a large negative number rather than ``-inf``: the result is finite
        wherever the network's outputs are.

        Parameters
        ----------
        X : {array-like, sparse matrix, Dask array} of shape (n_samples, n_features)

        Returns
        -------
        log_y_prob : ndarray of shape (n_samples, n_classes)
        """
        _check_fitted(self)
        return self._prediction(self._predict_log_proba, X, self.classes_.shape[0],
                                self.coefs_[0].dtype)

    def _predict_log_proba(self, X):
        raw = self._forward_pass_fast(X, link=False)
        xp = namespace(raw)
        proba = self._probabilities(xp.asarray(raw, copy=True))
        tiny = xp.finfo(proba.dtype).smallest_normal
        with np.errstate(divide="ignore"):
            return xp.where(proba > tiny, xp.log(proba), self._log_probabilities(raw))

    def predict_proba(self, X):
        """Class probabilities, columns ordered as ``classes_``.

        A probability below the smallest normal float of the dtype (about 2.2e-308
        in float64) is returned as that number rather than 0, so ``log`` of it is
        finite; :meth:`predict_log_proba` gives the exact logarithm.

        Parameters
        ----------
        X : {array-like, sparse matrix, Dask array} of shape (n_samples, n_features)

        Returns
        -------
        y_prob : ndarray of shape (n_samples, n_classes)
        """
        _check_fitted(self)
        return self._prediction(self._predict_proba, X, self.classes_.shape[0],
                                self.coefs_[0].dtype)

    def _predict_proba(self, X):
        return self._probabilities(self._forward_pass_fast(X, link=False))

    def _probabilities(self, raw):
        """:meth:`predict_proba` of the raw outputs (``raw`` may be overwritten)."""
        xp = namespace(raw)
        if self.n_outputs_ == 1 and self.out_activation_ == "logistic":
            # expit(-r), not 1 - expit(r): no cancellation to an exact 0.
            out = xp.concat([expit(-raw, xp), expit(raw, xp)], axis=1)
        else:
            out = _losses.get(self._loss_name()).apply_link(raw)
        # Probabilities that underflow are the smallest normal float, not 0, so
        # log(predict_proba) is finite, as predict_log_proba is.
        return into(xp, xp.clip, out, xp.finfo(out.dtype).smallest_normal, out=out)

    def _log_probabilities(self, raw):
        """Log-softmax or log-sigmoid of the raw outputs, computed stably."""
        xp = namespace(raw)
        if self.out_activation_ == "softmax":
            shifted = raw - xp.max(raw, axis=1, keepdims=True)
            return shifted - xp.log(xp.sum(xp.exp(shifted), axis=1, keepdims=True))
        if raw.shape[1] == 1:  # binary: the classes' log-probabilities
            raw = xp.concat([-raw, raw], axis=1)
        return -xp.logaddexp(xp.zeros_like(raw), -raw)  # log-sigmoid

    def score(self, X, y, sample_weight=None):
        return _data.score(self, X, y, sample_weight, super().score)

    score.__doc__ = ClassifierMixin.score.__doc__

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


def _check_fitted(estimator):
    """scikit-learn's ``check_is_fitted``, answered at once for a fitted MLP."""
    if "coefs_" not in estimator.__dict__:
        check_is_fitted(estimator)


def _class_index(y_encoded):
    """The class index of each one-hot row (one column for two classes)."""
    if y_encoded.shape[1] == 1:
        return y_encoded[:, 0].astype(np.intp)
    return np.argmax(y_encoded, axis=1)


def _labels(y):
    """The sorted distinct labels of 1-D ``y`` (host or Dask), refusing mixed types."""
    check_label_types(y)
    return _data.unique(y)


class MLPRegressor(RegressorMixin, BaseMultilayerPerceptron):
    __doc__ = f"""Multi-layer perceptron regressor, drop-in for scikit-learn's.

    Minimizes the (half) squared error or the half Poisson deviance by backpropagation
    with a pluggable solver; multi-output targets are supported.

    Unlike scikit-learn >= 1.7, only ``hidden_layer_sizes`` and ``activation`` are
    positional, so ``MLPRegressor((50,))`` is one hidden layer of 50 units, as it was
    before scikit-learn moved ``loss`` first.

    Parameters
    ----------
{_COMMON_PARAMETERS}

    loss : {{'squared_error', 'poisson', 'absolute_error', 'huber'}} or Loss, \
default='squared_error'
        'poisson' uses an exp output link and needs non-negative targets.
        'absolute_error' and 'huber' (threshold 1.0 in target units; use
        ``skneural.losses.huber(delta=...)`` for another) are robust to outliers.

    Attributes
    ----------
{_COMMON_ATTRIBUTES}

    See Also
    --------
    MLPClassifier : Multi-layer perceptron classifier.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from skneural import MLPRegressor
    >>> X, y = make_regression(n_samples=200, n_features=5, noise=1, random_state=1)
    >>> reg = MLPRegressor((50,), solver="lbfgs", random_state=1, max_iter=500)
    >>> reg.fit(X, y).score(X, y) > 0.95
    True
    """

    _parameter_constraints: dict = {
        **BaseMultilayerPerceptron._parameter_constraints,
        # Any registered loss or call spec ("huber(delta=2.0)") but the classifiers'.
        "loss": [RegistryOptions(_losses.LOSSES, exclude={"log_loss", "binary_log_loss"}),
                 _losses.Loss],
    }

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *,
                 loss="squared_error", solver="adam", alpha=0.0001, batch_size="auto",
                 learning_rate="constant", learning_rate_init=0.001, power_t=0.5,
                 max_iter=200, shuffle=True, random_state=None, tol=1e-4, verbose=False,
                 warm_start=False, momentum=0.9, nesterovs_momentum=True,
                 early_stopping=False, validation_fraction=0.1, beta_1=0.9,
                 beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000,
                 scoring=None, weight_init="auto", penalty="l2", l1_ratio=0.15,
                 max_norm=None, input_noise=0.0, dropout=0.0, input_dropout=0.0,
                 weight_noise=0.0, stochastic_activities=False, training_dtype=None):
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes, activation=activation, solver=solver,
            alpha=alpha, batch_size=batch_size, learning_rate=learning_rate,
            learning_rate_init=learning_rate_init, power_t=power_t, max_iter=max_iter,
            shuffle=shuffle, random_state=random_state, tol=tol, verbose=verbose,
            warm_start=warm_start, momentum=momentum,
            nesterovs_momentum=nesterovs_momentum, early_stopping=early_stopping,
            validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2,
            epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun,
            scoring=scoring,
            weight_init=weight_init, penalty=penalty, l1_ratio=l1_ratio,
            max_norm=max_norm, input_noise=input_noise, dropout=dropout,
            input_dropout=input_dropout, weight_noise=weight_noise,
            stochastic_activities=stochastic_activities, training_dtype=training_dtype,
        )
        self.loss = loss

    def _loss_name(self):
        return self.loss

    def _validate_input(self, X, y, incremental, reset):
        plain = None if reset else plain_input(self, X, y, target_kinds="biuf")
        X, y = plain if plain is not None else _data.validate(
            self, X, y, accept_sparse=["csr", "csc"], multi_output=True,
            y_numeric=True, dtype=float_dtypes(X), reset=reset)
        y = _data.host_rows(y)  # trained on X's device (skneural._backend)
        if y.ndim == 2 and y.shape[1] == 1:
            y = _data.column_or_1d(y)
        if _losses.get(self.loss).link == "exp":
            smallest = _data.minimum(y)
            if smallest < 0:
                raise ValueError(
                    f"loss={self.loss!r} needs non-negative targets y; got a minimum of "
                    f"{smallest}."
                )
        return X, y

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, *, X_val=None, y_val=None,
            sample_weight_val=None):
        return self._fit(X, y, sample_weight=sample_weight, incremental=False,
                         X_val=X_val, y_val=y_val, sample_weight_val=sample_weight_val)

    fit.__doc__ = _FIT_DOC.format(y="Target values.", sample_weight="Sample weights.")

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Update the model with one epoch over the given data.

        Not available for 'lbfgs' (AttributeError), unlike scikit-learn 1.9, whose
        regressor exposes it and silently runs a full L-BFGS fit. The solver state,
        the random state and the shuffling order carry over between calls, so ``k``
        calls give the weights of ``fit`` with ``max_iter=k``, and ``set_params``
        between calls takes effect at the next call.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def predict(self, X):
        """Predict using the multi-layer perceptron.

        Parameters
        ----------
        X : {array-like, sparse matrix, Dask array} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            In ``X``'s namespace and on its device (a Dask array, computed on the
            workers, for a Dask ``X``).
        """
        _check_fitted(self)
        return self._prediction(self._predict, X,
                                None if self.n_outputs_ == 1 else self.n_outputs_,
                                self.coefs_[0].dtype)

    def _predict(self, X, check_input=True):
        y_pred = self._forward_pass_fast(X, check_input=check_input)
        if y_pred.shape[1] == 1:
            return namespace(y_pred).reshape(y_pred, (-1,))
        return y_pred

    def score(self, X, y, sample_weight=None):
        return _data.score(self, X, y, sample_weight, super().score)

    score.__doc__ = RegressorMixin.score.__doc__

    def _default_score(self, y_encoded, sample_weight):
        return r2_of_raw(y_encoded, sample_weight, self.out_activation_)

    def _decode_targets(self, y_encoded):
        return y_encoded.ravel() if y_encoded.shape[1] == 1 else y_encoded

    def _encode_validation_targets(self, y_val):
        """Validate user-given validation targets: ``(as given, 2-D encoded)``."""
        y_val = check_array(y_val, ensure_2d=False, dtype=(np.float64, np.float32),
                            input_name="y_val")
        return y_val, (y_val.reshape(-1, 1) if y_val.ndim == 1 else y_val)


def _one_hot(y, classes):
    """``LabelBinarizer(classes).transform(y).astype(bool)`` for numeric 1-D labels
    known to be among the sorted ``classes`` (one column for two classes), without
    its two passes of ``type_of_target``: a ``partial_fit`` epoch encodes all of
    ``y``. None where this shortcut does not apply."""
    if y.ndim != 1 or y.dtype.kind not in "biuf" or classes.dtype.kind not in "biuf":
        return None
    index = np.searchsorted(classes, y)
    if not np.array_equal(classes[np.minimum(index, len(classes) - 1)], y):
        return None
    if len(classes) == 2:
        return (index == 1)[:, None]
    encoded = np.zeros((len(y), len(classes)), dtype=bool)
    encoded[np.arange(len(y)), index] = True
    return encoded
