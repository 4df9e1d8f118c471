"""Validation data of one fit: ``fit``'s ``X_val`` / ``y_val``, the early-stopping
split, and the per-epoch :class:`Validation` scored as the estimator's ``scoring``
says (incl. ``"loss"``); the product of sample and class weights.

Estimator-side helpers (they read the estimator's parameters and encoders); the
trainer only ever calls the resulting :class:`Validation`.
"""

import warnings
from numbers import Integral

import numpy as np
from sklearn.base import is_classifier
from sklearn.metrics import check_scoring
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import (
    _check_sample_weight,
    check_consistent_length,
    validate_data,
)

from . import _data
from . import activations as _activations
from ._backend import Backend, namespace, prediction_input, to_host

__all__ = ["check_validation_set", "combine_weights", "split", "make_validation",
           "Validation", "accuracy_of_raw", "r2_of_raw", "negated_loss",
           "check_class_weight_keys", "check_class_weights", "check_label_types",
           "plain_input", "warn_about_settings", "layer_units", "INPUT_SCALE_LIMIT"]


class Validation:
    """Scores the current weights on held-out data: one forward pass per call.

    ``score(raw, loss)`` turns the raw outputs (and the loss) into the validation
    score, e.g. :func:`accuracy_of_raw` or ``-loss``. Calling the object returns
    ``(score, loss)``, the loss being the sample-weighted mean without the penalty.
    The forward pass runs where ``X`` lives; the scoring on the host.
    """

    def __init__(self, network, X, y, sample_weight, score):
        self.network = network
        self.X = prediction_input(X, network.dtype, None)
        self.y = to_host(y).astype(network.dtype, copy=False)
        self.sample_weight = sample_weight
        self.score = score

    def __call__(self, params):
        network = self.network
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            raw = to_host(network.predict_raw(*network.unpack(params), self.X))
            loss = network.loss.value(self.y, raw, self.sample_weight)
            score = self.score(raw, loss)
        return score, loss


def _link(name, raw):
    """The output link applied to a copy of host raw outputs."""
    raw = raw.copy()
    return _activations.get(name).function(raw, namespace(raw))


def accuracy_of_raw(y_onehot, sample_weight, link):
    """A ``score(raw, loss)`` giving the (subset) accuracy of raw outputs against
    boolean one-hot targets: the argmax for a softmax link, else outputs above 0.5
    after the link (scikit-learn's threshold)."""

    def score(raw, loss):
        if not np.isfinite(raw).all():
            return np.nan
        if link == "softmax":
            correct = y_onehot[np.arange(len(raw)), np.argmax(raw, axis=1)]
        else:
            correct = ((_link(link, raw) > 0.5) == y_onehot).all(axis=1)
        return float(np.average(correct, weights=sample_weight))

    return score


def r2_of_raw(y, sample_weight, link):
    """A ``score(raw, loss)`` giving the R^2 of the predictions (raw outputs after
    the link) against ``y``, averaged uniformly over outputs (scikit-learn's)."""
    from sklearn.metrics import r2_score

    def score(raw, loss):
        prediction = _link(link, raw)
        if not np.isfinite(prediction).all():
            return np.nan
        return float(r2_score(y, prediction, sample_weight=sample_weight))

    return score


def negated_loss(raw, loss):
    """The ``score(raw, loss)`` of ``scoring="loss"``: higher is better."""
    return -loss


def check_validation_set(estimator, X_val, y_val, sample_weight_val, dtype,
                         incremental):
    """Validate ``fit``'s ``X_val``, ``y_val``, ``sample_weight_val``.

    Returns None or ``(X_val, y_val encoded, y_val as given, sample_weight_val)``.
    """
    if X_val is None and y_val is None:
        if sample_weight_val is not None:
            raise ValueError("sample_weight_val is given without X_val and y_val.")
        return None
    if X_val is None or y_val is None:
        given, missing = ("X_val", "y_val") if y_val is None else ("y_val", "X_val")
        raise ValueError(f"{given} is provided, but {missing} was not provided.")
    if incremental:
        raise ValueError("partial_fit does not take a validation set; use fit.")
    X_val = validate_data(estimator, X_val, accept_sparse=["csr"], dtype=dtype,
                          reset=False)
    y_val_labels, y_val_encoded = estimator._encode_validation_targets(y_val)
    check_consistent_length(X_val, y_val_encoded)
    if sample_weight_val is not None:
        sample_weight_val = _check_sample_weight(
            sample_weight_val, X_val, dtype=dtype, ensure_non_negative=True)
        # With X_val on a device, the scoring runs on the host (see Validation).
        sample_weight_val = to_host(sample_weight_val)
    return X_val, y_val_encoded, y_val_labels, sample_weight_val


def layer_units(hidden_layer_sizes, n_features, n_outputs):
    """Units per layer, input and output included, from ``hidden_layer_sizes``."""
    sizes = hidden_layer_sizes
    sizes = list(sizes) if hasattr(sizes, "__iter__") else [sizes]
    if any(not isinstance(s, Integral | np.integer) or s <= 0 for s in sizes):
        raise ValueError(f"hidden_layer_sizes must be integers > 0, got {sizes}.")
    return [n_features] + sizes + [n_outputs]


# Inputs beyond this (in absolute value) get a warning that they need scaling.
INPUT_SCALE_LIMIT = 1e6


def warn_about_settings(estimator, data, validation):
    """Warn of settings that would do nothing (``scoring`` without validation data)
    and of inputs that need scaling, at the start of a ``fit``."""
    if estimator.scoring is not None and validation is None:
        warnings.warn(
            f"scoring={estimator.scoring!r} has no effect: there are no validation "
            "data to score. Set early_stopping=True (it holds out "
            "validation_fraction of the data; not with 'lbfgs' or 'cg') or pass "
            "fit's X_val / y_val.", UserWarning, stacklevel=5)
    scale = data.input_scale()
    if scale > INPUT_SCALE_LIMIT:
        warnings.warn(
            f"X has values up to {scale:.3g} in absolute value: neural networks "
            "train on inputs of order 1, and these can overflow or diverge. Scale "
            "them first, e.g. with sklearn.preprocessing.StandardScaler in a "
            "Pipeline.", UserWarning, stacklevel=5)


def plain_input(estimator, X, y=None, target_kinds="biufU"):
    """``(X, y)`` as scikit-learn's ``validate_data(..., reset=False)`` would return
    them, when they need no conversion; else None (the full validation then runs).

    The common case of a small call: ``X`` a 2-D float32 / float64 NumPy array of
    the fitted width, of an estimator fitted without feature names; ``y`` (when
    given) a 1-D NumPy array of as many rows, of a numeric (or string) kind. The
    checks scikit-learn makes are all made: finite values (float ``y`` too), the
    number of features, no feature names expected, at least one sample, the
    dtypes; they are just cheap for arrays that pass them.
    """
    fitted_width = estimator.__dict__.get("n_features_in_")
    if (type(X) is not np.ndarray or X.ndim != 2 or X.dtype.char not in "fd"
            or X.shape[0] == 0 or X.shape[1] != fitted_width
            or "feature_names_in_" in estimator.__dict__ or not _finite(X)):
        return None
    if y is None:
        return X, None
    if (type(y) is not np.ndarray or y.ndim != 1 or y.shape[0] != X.shape[0]
            or y.dtype.kind not in target_kinds
            or (y.dtype.kind == "f" and not _finite(y))):
        return None
    return X, y


def _finite(array):
    if array.size <= 65536:
        return bool(np.isfinite(array).all())
    with np.errstate(over="ignore", invalid="ignore"):  # a sum first, as scikit-learn
        if np.isfinite(array.sum()):
            return True
    return bool(np.isfinite(array).all())


def check_label_types(*label_arrays):
    """Refuse class labels that mix strings with numbers (or other objects), with
    a message that says so: NumPy's sort would fail on them with a bare
    ``TypeError``."""
    for labels in label_arrays:
        if labels is None or _data.is_chunked(labels):
            continue
        labels = to_host(labels)
        if getattr(labels, "dtype", None) is None:  # a list: NumPy tells its kind
            labels = np.asarray(labels)
        if labels.dtype.kind != "O":  # numbers, or strings only
            continue
        labels = labels.ravel()
        strings = [isinstance(label, str) for label in labels]
        if any(strings) and not all(strings):
            kinds = sorted({type(label).__name__ for label in labels})
            raise ValueError(
                f"The class labels mix types ({', '.join(kinds)}): labels must all be "
                "numbers or all be strings. Convert them, e.g. y.astype(str).")


def check_class_weight_keys(class_weight, classes):
    """Refuse a ``class_weight`` dict with keys that are not classes (a misspelt
    label), naming them; scikit-learn's helper would name the classes it lacks."""
    if not isinstance(class_weight, dict):
        return
    known = set(np.asarray(classes).tolist())
    unknown = [key for key in class_weight if key not in known]
    if unknown:
        raise ValueError(f"class_weight has keys that are not classes: {unknown}. The "
                         f"classes are {sorted(known, key=str)}.")


def check_class_weights(weights, class_weight):
    """Class weights (per class or per sample), refusing negative, non-finite or
    all-zero ones: the rule of every skneural estimator."""
    weights = np.asarray(weights)
    if np.any(weights < 0) or not np.all(np.isfinite(weights)):
        raise ValueError(f"class_weight must be finite and >= 0, got {class_weight!r}.")
    if not weights.any():
        raise ValueError(f"class_weight={class_weight!r} gives every training sample "
                         "weight 0: nothing to learn from.")
    return weights


def combine_weights(sample_weight, class_weights, dtype):
    """``sample_weight`` times the per-sample ``class_weight`` weights (either may be
    None), in ``dtype``, where ``sample_weight`` lives; refuses a product that is 0
    for every sample."""
    if class_weights is None:
        return sample_weight
    combined = class_weights if sample_weight is None else sample_weight * class_weights
    if not _data.any_nonzero(combined):
        raise ValueError("sample_weight times class_weight is 0 for every training "
                         "sample: nothing to learn from.")
    return combined


def split(estimator, data, validation_set, rng):
    """The early-stopping split (scikit-learn's, stratified for single-output
    classifiers): ``(training data, validation set)``. A given validation set, or
    no early stopping, leaves the data whole.

    The row indices are split on the host with the estimator's generator (the
    draws of scikit-learn's ``train_test_split`` of the arrays themselves); the
    training part stays where ``X`` lives, the validation targets and weights go to
    the host, where the per-epoch scoring runs.
    """
    if validation_set is not None or not estimator.early_stopping:
        return data, validation_set
    X, y, sample_weight = data
    if _data.is_chunked(X):
        raise ValueError(
            "early_stopping on a Dask array needs fit's X_val / y_val (in memory): "
            "the validation_fraction split would move samples between workers.")
    # The one-hot targets as booleans, as scikit-learn stratifies (and names the
    # classes in its errors).
    stratify = (to_host(y).astype(bool) if is_classifier(estimator)
                and estimator.n_outputs_ == 1 else None)
    try:
        train, val = train_test_split(np.arange(X.shape[0]), random_state=rng,
                                      stratify=stratify,
                                      test_size=estimator.validation_fraction)
    except ValueError as exc:
        raise ValueError(
            f"early_stopping cannot hold out validation_fraction="
            f"{estimator.validation_fraction} of {X.shape[0]} samples: "
            f"{str(exc).rstrip('.')}. Increase validation_fraction, give fit's X_val / "
            "y_val, or set early_stopping=False.") from None
    if val.shape[0] < 2:
        raise ValueError("The validation set is too small. Increase "
                         "'validation_fraction' or the size of your dataset.")
    backend = Backend.of(X)
    train_rows, val_rows = backend.asarray(train), backend.asarray(val)

    def take(array, rows):
        return backend.take_rows(array, rows)

    y_val = to_host(take(y, val_rows))
    return ((take(X, train_rows), take(y, train_rows), take(sample_weight, train_rows)),
            (take(X, val_rows), y_val, estimator._decode_targets(y_val),
             to_host(take(sample_weight, val_rows))))


def make_validation(estimator, network, X_val, y_val, y_val_labels, sw_val):
    """The per-epoch :class:`Validation`, scored as ``estimator.scoring`` says:
    None, the estimator's default (accuracy or R^2 of the raw outputs); "loss",
    the negated validation loss; else a scikit-learn scorer."""
    scoring = estimator.scoring
    if scoring is None:
        score = estimator._default_score(y_val, sw_val)
    elif scoring == "loss":
        score = negated_loss
    else:
        scorer = check_scoring(estimator, scoring)
        labels, weights = _scorer_arrays(X_val, y_val_labels, sw_val)

        def score(raw, loss):  # a scorer needs the estimator (coefs_ are views)
            return float(scorer(estimator, X_val, labels, sample_weight=weights))
    return Validation(network, X_val, y_val, sw_val, score)


def _scorer_arrays(X_val, y_val_labels, sw_val):
    """The validation labels and weights in ``X_val``'s namespace and on its device,
    where ``predict`` answers, so a scorer's metric (which follows scikit-learn's
    array-API rules) sees one namespace. String labels stay NumPy, as ``predict``
    then answers in NumPy."""
    backend = Backend.of(X_val)
    if y_val_labels.dtype.kind in "biuf":
        y_val_labels = backend.asarray(y_val_labels)
    if sw_val is not None:
        sw_val = backend.asarray(sw_val)
    return y_val_labels, sw_val
