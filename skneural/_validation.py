"""Validation data of one fit: ``fit``'s ``X_val`` / ``y_val``, the early-stopping
split, and the per-epoch :class:`~skneural._training.Validation` scored as the
estimator's ``scoring`` says.

Estimator-side helpers (they read the estimator's parameters and encoders); the
trainer only ever sees the resulting :class:`~skneural._training.Validation`.
"""

import numpy as np
from sklearn.base import is_classifier
from sklearn.metrics import check_scoring
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import (
    _check_sample_weight,
    check_consistent_length,
    validate_data,
)

from ._array_api import array_namespace, from_host, is_numpy_array, to_host
from ._training import Validation, negated_loss

__all__ = ["check_validation_set", "combine_weights", "split", "make_validation"]


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


def combine_weights(sample_weight, class_weights, dtype):
    """``sample_weight`` times the per-sample ``class_weight`` weights (either may be
    None), in ``dtype``; refuses a product that is 0 for every sample."""
    if class_weights is None:
        return sample_weight
    class_weights = class_weights.astype(dtype, copy=False)
    combined = class_weights if sample_weight is None else sample_weight * class_weights
    if not combined.any():
        raise ValueError("sample_weight times class_weight is 0 for every training "
                         "sample: nothing to learn from.")
    return combined


def split(estimator, data, validation_set, rng):
    """The early-stopping split (scikit-learn's, stratified for single-output
    classifiers): ``(training data, validation set)``. A given validation set, or
    no early stopping, leaves the data whole."""
    if validation_set is not None or not estimator.early_stopping:
        return data, validation_set
    X, y, sample_weight = data
    stratify = y if is_classifier(estimator) and estimator.n_outputs_ == 1 else None
    if not is_numpy_array(X):
        return _split_on_device(estimator, data, stratify, rng)
    arrays = [X, y] if sample_weight is None else [X, y, sample_weight]
    parts = train_test_split(*arrays, random_state=rng, stratify=stratify,
                             test_size=estimator.validation_fraction)
    if parts[1].shape[0] < 2:
        raise ValueError("The validation set is too small. Increase "
                         "'validation_fraction' or the size of your dataset.")
    sw_train, sw_val = (None, None) if sample_weight is None else parts[4:]
    return ((parts[0], parts[2], sw_train),
            (parts[1], parts[3], estimator._decode_targets(parts[3]), sw_val))


def _split_on_device(estimator, data, stratify, rng):
    """:func:`split` of arrays of another namespace: the indices are split on the
    host, exactly as the NumPy path splits the rows (same generator, same draws);
    the training part stays on the device, the validation targets and weights go
    to the host, where the per-epoch scoring runs."""
    X, y, sample_weight = data
    xp, device = array_namespace(X), X.device
    train, val = train_test_split(np.arange(X.shape[0]), random_state=rng,
                                  stratify=to_host(stratify),
                                  test_size=estimator.validation_fraction)
    if val.shape[0] < 2:
        raise ValueError("The validation set is too small. Increase "
                         "'validation_fraction' or the size of your dataset.")
    train_d, val_d = from_host(train, xp, device), from_host(val, xp, device)

    def take(array, rows):
        return None if array is None else xp.take(array, rows, axis=0)

    y_val = to_host(take(y, val_d))
    return ((take(X, train_d), take(y, train_d), take(sample_weight, train_d)),
            (take(X, val_d), y_val, estimator._decode_targets(y_val),
             to_host(take(sample_weight, val_d))))


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
    if is_numpy_array(X_val):  # NumPy or sparse
        return y_val_labels, sw_val
    xp, device = array_namespace(X_val), X_val.device
    if y_val_labels.dtype.kind in "biuf":
        y_val_labels = from_host(y_val_labels, xp, device)
    if sw_val is not None:
        sw_val = from_host(np.asarray(sw_val), xp, device)
    return y_val_labels, sw_val
