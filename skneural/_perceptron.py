"""Rosenblatt's perceptron: a drop-in for :class:`sklearn.linear_model.Perceptron`.

One threshold unit per class (one-vs-rest). A unit sees the training samples one at a
time and, when it gets one wrong (``y * (w @ x + b) <= 0`` with ``y`` in {-1, +1}),
adds ``eta0 * y * x`` to its weights and ``eta0 * y`` to its bias: the input is added
on a false negative and subtracted on a false positive.

The rule is inherently sequential, but the weights only change on a mistake (or by a
constant shrink factor under an L2 penalty), so the loop scores a block of upcoming
samples with one matrix product, jumps to the first mistake, updates, and carries on.
That is the same sequence of updates as a sample-by-sample loop, at the cost of one
NumPy call per mistake instead of one per sample.

Semantics follow scikit-learn's ``SGDClassifier(loss="perceptron",
learning_rate="constant")``, including the order in which samples are visited: its
per-epoch shuffle is reproduced, so the same data and settings give the same weights.
The learning rule itself lives in :mod:`skneural._perceptron_rule`; this module is the
estimator around it.
"""

import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedShuffleSplit
from sklearn.utils import check_random_state, compute_class_weight
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.multiclass import (
    _check_partial_fit_first_call,
    check_classification_targets,
)
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from ._docstrings import _PERCEPTRON_PARAMETERS
from ._perceptron_rule import (
    _MAX_INT,
    _canonical,
    _Data,
    _fit_unit,
    _Rule,
    _UnitStart,
)
from ._validation import check_class_weight_keys, check_class_weights, check_label_types

__all__ = ["PerceptronClassifier"]


class PerceptronClassifier(ClassifierMixin, BaseEstimator):
    __doc__ = f"""Rosenblatt's perceptron, a drop-in for \
:class:`sklearn.linear_model.Perceptron`.

    Each class gets one threshold unit (one-vs-rest; a single unit for two classes)
    that predicts ``w @ x + b > 0``. Training visits the samples one at a time; when a
    unit gets a sample wrong it adds ``eta0 * x`` to ``w`` (a false negative) or
    subtracts it (a false positive), and moves ``b`` by ``eta0`` likewise: the bias is
    the weight of a constant input 1.

    Parameters, defaults, fitted attributes, the visiting order and the stopping rules
    are those of scikit-learn's ``Perceptron`` (itself ``SGDClassifier(loss=
    "perceptron", learning_rate="constant")``), so switching the import gives the same
    model. Two variants are added: the averaged perceptron (``averaged``) and Gallant's
    pocket algorithm (``pocket``).

    Read more in the :ref:`User Guide <perceptron>`.

{_PERCEPTRON_PARAMETERS}    See Also
    --------
    sklearn.linear_model.Perceptron : The scikit-learn estimator this one replaces.
    MLPClassifier : Hidden layers, for problems that are not linearly separable.

    Notes
    -----
    Differences from scikit-learn's ``Perceptron`` (all other behaviour matches, and
    on dense data the same settings give the same weights):

    - Sparse input trains the intercept like dense input does. scikit-learn's SGD
      multiplies intercept updates by 0.01 on sparse data, so there the two differ.
    - Each ``partial_fit`` call reshuffles from where the previous call (or ``fit``)
      left the samples, so ``k`` calls on the same data equal
      ``fit(max_iter=k, tol=None)``; scikit-learn restarts from the original order
      at every call, so all its calls visit the samples in the same order. Without
      shuffling the two agree.
    - ``partial_fit`` raises a ``ValueError`` for labels outside ``classes_``
      (scikit-learn silently treats them as negatives for every unit).
    - ``fit`` does not train in the ``coef_init`` / ``intercept_init`` arrays it is
      given (scikit-learn overwrites them).
    - The training loss used by ``tol`` is computed on the current weights exactly;
      scikit-learn's incrementally tracked norm can lag behind its L1 truncation and
      misses untouched features on sparse input, so with a penalty the two may then
      stop an epoch apart.
    - ``averaged`` matches ``SGDClassifier(loss="perceptron", average=...)`` except
      that with an L1 penalty the mean is over the truncated weights, and that
      ``partial_fit`` carries the running intercept over (scikit-learn restarts it
      from its first value at each call).

    Training is a Python loop over mistakes, vectorized over the samples between two
    mistakes; with an L1 penalty every sample changes the weights, so the loop runs
    sample by sample and is much slower.

    References
    ----------
    F. Rosenblatt (1958). The perceptron: a probabilistic model for information
    storage and organization in the brain. Psychological Review 65(6).

    A. B. J. Novikoff (1962). On convergence proofs on perceptrons.

    S. I. Gallant (1990). Perceptron-based learning algorithms. IEEE Transactions on
    Neural Networks 1(2).

    Y. Freund and R. E. Schapire (1999). Large margin classification using the
    perceptron algorithm. Machine Learning 37(3).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skneural import PerceptronClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = PerceptronClassifier(tol=1e-3, random_state=0)
    >>> clf.fit(X, y)
    PerceptronClassifier()
    >>> clf.score(X, y)
    0.939...
    """

    _parameter_constraints: dict = {
        "penalty": [StrOptions({"l2", "l1", "elasticnet"}), None],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "fit_intercept": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left"), None],
        "shuffle": ["boolean"],
        "verbose": ["verbose"],
        "eta0": [Interval(Real, 0, None, closed="neither")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "warm_start": ["boolean"],
        "averaged": [Interval(Integral, 0, None, closed="neither"), "boolean"],
        "pocket": ["boolean"],
    }

    def __init__(
        self,
        *,
        penalty=None,
        alpha=0.0001,
        l1_ratio=0.15,
        fit_intercept=True,
        max_iter=1000,
        tol=1e-3,
        shuffle=True,
        verbose=0,
        eta0=1.0,
        n_jobs=None,
        random_state=0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        class_weight=None,
        warm_start=False,
        averaged=False,
        pocket=False,
    ):
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.shuffle = shuffle
        self.verbose = verbose
        self.eta0 = eta0
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.averaged = averaged
        self.pocket = pocket

    def _check_variants(self):
        if self.averaged and self.pocket:
            raise ValueError(
                "averaged and pocket cannot both be set: the pocket keeps one of the "
                "weight vectors seen, the average is none of them."
            )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, coef_init=None, intercept_init=None, sample_weight=None):
        """Fit the perceptron with Rosenblatt's rule.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.

        y : array-like of shape (n_samples,)
            Target values.

        coef_init : ndarray of shape (n_classes, n_features), default=None
            The initial coefficients to warm-start the optimization.

        intercept_init : ndarray of shape (n_classes,), default=None
            The initial intercept to warm-start the optimization.

        sample_weight : array-like of shape (n_samples,), default=None
            Weights applied to individual samples (they scale that sample's update).
            If not provided, uniform weights are assumed. These weights will be
            multiplied with class_weight (passed through the constructor) if
            class_weight is specified.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        self._check_variants()
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse="csr",
            dtype=[np.float64, np.float32],
            order="C",
            accept_large_sparse=False,
        )
        check_label_types(y)
        check_classification_targets(y)
        X = _canonical(X)
        if hasattr(self, "classes_"):
            del self.classes_  # so that _partial_fit takes this call as a first one
        if self.warm_start and getattr(self, "coef_", None) is not None:
            if coef_init is None:
                coef_init = self.densify().coef_
            if intercept_init is None:
                intercept_init = self.intercept_
        else:
            self.coef_ = self.intercept_ = None
        self._standard_coef = self._standard_intercept = None
        self.t_ = 1.0
        self.n_updates_ = None
        self._visit_orders = None
        self._partial_fit(
            X,
            y,
            max_iter=self.max_iter,
            classes=np.unique(y),
            sample_weight=sample_weight,
            coef_init=coef_init,
            intercept_init=intercept_init,
        )
        if self.tol is not None and self.n_iter_ == self.max_iter:
            warnings.warn(
                "Maximum number of iteration reached before convergence. Consider "
                "increasing max_iter to improve the fit.",
                ConvergenceWarning,
            )
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Run one epoch of the perceptron rule over the given samples.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Subset of the training data.

        y : array-like of shape (n_samples,)
            Subset of the target values.

        classes : ndarray of shape (n_classes,), default=None
            Classes across all calls to partial_fit. Can be obtained by via
            ``np.unique(y_all)``, where y_all is the target vector of the entire
            dataset. This argument is required for the first call to partial_fit and
            can be omitted in the subsequent calls. Note that y doesn't need to
            contain all labels in ``classes``.

        sample_weight : array-like of shape (n_samples,), default=None
            Weights applied to individual samples. If not provided, uniform weights
            are assumed.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        first_call = not hasattr(self, "classes_")
        if first_call:
            self._check_variants()
            if self.early_stopping:
                raise ValueError("early_stopping should be False with partial_fit")
            if self.class_weight == "balanced":
                raise ValueError(
                    "class_weight 'balanced' is not supported for partial_fit. In "
                    "order to use 'balanced' weights, use compute_class_weight("
                    "'balanced', classes=classes, y=y) on a large enough sample of "
                    "the training targets and pass the result as class_weight."
                )
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse="csr",
            dtype=[np.float64, np.float32],
            order="C",
            accept_large_sparse=False,
            reset=first_call,
        )
        check_label_types(y, classes)
        check_classification_targets(y)
        X = _canonical(X)
        self._partial_fit(
            X,
            y,
            max_iter=1,
            classes=classes,
            sample_weight=sample_weight,
            coef_init=None,
            intercept_init=None,
        )
        return self

    def _partial_fit(self, X, y, *, max_iter, classes, sample_weight, coef_init,
                     intercept_init):
        """Train every unit for up to ``max_iter`` epochs and store the result."""
        _check_partial_fit_first_call(self, classes)
        self._check_labels(y)
        # The rule of every skneural estimator: no unknown, negative or all-zero
        # class weights, no negative sample weights.
        check_class_weight_keys(self.class_weight, self.classes_)
        class_weight = check_class_weights(compute_class_weight(
            self.class_weight, classes=self.classes_, y=y), self.class_weight)
        sample_weight = _check_sample_weight(sample_weight, X, dtype=X.dtype,
                                             ensure_non_negative=True)
        coef, intercept = self._running_weights(X, coef_init, intercept_init)
        validation_mask, seeds, unit_classes, class_weights = self._unit_draws(
            y, sample_weight, class_weight
        )
        data = _Data(X, y, sample_weight, validation_mask)
        n_units, n_samples = len(coef), X.shape[0]
        averages = [None] * n_units
        if self.averaged:
            averages = list(zip(self._average_coef, self._average_intercept))
        # Each call goes on shuffling from where the last one left the samples
        # (scikit-learn restarts from their original order), so that k calls of
        # partial_fit on the same data equal fit(max_iter=k).
        orders = getattr(self, "_visit_orders", None)
        if orders is None or len(orders) != n_units or len(orders[0]) != n_samples:
            orders = [np.arange(n_samples)] * n_units
        starts = [
            _UnitStart(unit_classes[k], class_weights[k], coef[k], intercept[k],
                       self.t_, averages[k], seeds[k], orders[k])
            for k in range(n_units)
        ]
        rule = _Rule(self, max_iter)
        results = Parallel(n_jobs=self.n_jobs, require="sharedmem")(
            delayed(_fit_unit)(rule, data, start) for start in starts
        )
        units = [unit for unit, _, _ in results]
        self._visit_orders = [order for _, _, order in results]
        self.n_iter_ = max(n_iter for _, n_iter, _ in results)
        self.t_ += self.n_iter_ * n_samples
        self.n_updates_ = self.n_updates_ + [unit.n_updates for unit in units]
        self._store_weights(units, X.dtype)
        return self

    def _check_labels(self, y):
        """Raise unless there are two classes or more and ``y`` holds only them."""
        n_classes = len(self.classes_)
        if n_classes < 2:
            raise ValueError(
                "The number of classes has to be greater than one; got "
                f"{n_classes} class"
            )
        unknown = ~np.isin(y, self.classes_)
        if unknown.any():
            raise ValueError(
                f"y contains labels {np.unique(y[unknown])} that are not in classes_ "
                f"{self.classes_}."
            )

    def _running_weights(self, X, coef_init, intercept_init):
        """The weights training goes on from, as ``(coef, intercept)`` of shapes
        ``(n_units, n_features)`` and ``(n_units,)``.

        Allocates the fitted attributes on a first call (or from ``coef_init``), and
        the running average and update counts when they are missing.
        """
        n_features = X.shape[1]
        n_units = 1 if len(self.classes_) == 2 else len(self.classes_)
        if getattr(self, "coef_", None) is None or coef_init is not None:
            self._allocate(n_units, n_features, X.dtype, coef_init, intercept_init)
        if sp.issparse(self.coef_):
            self.densify()
        # Training goes on from the running weights, which coef_ does not show when
        # it holds the average or the pocket.
        coef = getattr(self, "_standard_coef", None)
        intercept = getattr(self, "_standard_intercept", None)
        if coef is None or intercept is None:
            coef, intercept = self.coef_, self.intercept_
        coef = np.array(coef, dtype=X.dtype, order="C").reshape(n_units, n_features)
        intercept = np.asarray(intercept, dtype=np.float64).reshape(n_units)
        if self.averaged:
            average_coef = getattr(self, "_average_coef", None)
            if average_coef is None or average_coef.shape != coef.shape:
                self._average_coef = np.zeros(coef.shape)
                self._average_intercept = np.zeros(n_units)
        if getattr(self, "n_updates_", None) is None:
            self.n_updates_ = np.zeros(n_units, dtype=np.int64)
        if not hasattr(self, "t_"):
            self.t_ = 1.0
        return coef, intercept

    def _unit_draws(self, y, sample_weight, class_weight):
        """The validation mask and, per unit, shuffle seed, class and class weights.

        The random draws mirror scikit-learn's order, so equal seeds give equal fits.
        ``class_weights[k]`` is ``(weight of unit k's class, weight of the rest)``.
        """
        if len(self.classes_) == 2:
            random_state = check_random_state(self.random_state)
            random_state.randint(1, _MAX_INT)  # scikit-learn's dataset seed, unused
            validation_mask = self._validation_mask(y, sample_weight)
            seeds = [random_state.randint(_MAX_INT)]
            unit_classes = [self.classes_[1]]
            class_weights = [(class_weight[1], class_weight[0])]
            return validation_mask, seeds, unit_classes, class_weights
        validation_mask = self._validation_mask(y, sample_weight)
        unit_seeds = check_random_state(self.random_state).randint(
            _MAX_INT, size=len(self.classes_)
        )
        seeds = []
        for unit_seed in unit_seeds:
            random_state = np.random.RandomState(unit_seed)
            random_state.randint(1, _MAX_INT)
            seeds.append(random_state.randint(_MAX_INT))
        class_weights = [(cw, 1.0) for cw in class_weight]
        return validation_mask, seeds, self.classes_, class_weights

    def _store_weights(self, units, dtype):
        """Set ``coef_`` and ``intercept_`` (running, averaged or pocket weights) and
        keep the running ones aside when they are not those."""
        running_coef = np.stack([unit.v for unit in units]).astype(dtype)
        running_intercept = np.array([unit.b for unit in units], dtype=dtype)
        if self.averaged or self.pocket:
            self._standard_coef = running_coef
            self._standard_intercept = running_intercept
        if self.averaged:
            self._average_coef = np.stack([unit.mean_coef for unit in units])
            self._average_intercept = np.array([unit.mean_intercept for unit in units])
        if self.averaged and int(self.averaged) <= self.t_ - 1:
            self.coef_ = self._average_coef.astype(dtype)
            self.intercept_ = self._average_intercept.astype(dtype)
        elif self.pocket:
            self.coef_ = np.stack([unit.pocket_coef for unit in units]).astype(dtype)
            self.intercept_ = np.array(
                [unit.pocket_intercept for unit in units], dtype=dtype
            )
        else:
            self.coef_, self.intercept_ = running_coef, running_intercept

    def _allocate(self, n_units, n_features, dtype, coef_init, intercept_init):
        if coef_init is not None:
            coef_init = np.asarray(coef_init, dtype=dtype, order="C")
            if n_units == 1:
                coef_init = coef_init.ravel()
            if coef_init.shape != ((n_features,) if n_units == 1 else
                                   (n_units, n_features)):
                raise ValueError("Provided coef_init does not match dataset.")
            coef = coef_init.reshape(n_units, n_features).copy()
        else:
            coef = np.zeros((n_units, n_features), dtype=dtype)
        if intercept_init is not None:
            intercept_init = np.asarray(intercept_init, dtype=dtype)
            if intercept_init.size != n_units or intercept_init.ndim > 1:
                raise ValueError("Provided intercept_init does not match dataset.")
            intercept = intercept_init.reshape(n_units).copy()
        else:
            intercept = np.zeros(n_units, dtype=dtype)
        self.coef_, self.intercept_ = coef, intercept
        self._standard_coef = self._standard_intercept = None
        self._average_coef = self._average_intercept = None

    def _validation_mask(self, y, sample_weight):
        """Boolean mask of the held-out samples (all False without early stopping)."""
        validation_mask = np.zeros(y.shape[0], dtype=bool)
        if not self.early_stopping:
            return validation_mask
        splitter = StratifiedShuffleSplit(
            test_size=self.validation_fraction, random_state=self.random_state
        )
        idx_train, idx_val = next(splitter.split(np.zeros((y.shape[0], 1)), y))
        if not np.any(sample_weight[idx_val] > 0):
            raise ValueError(
                "The sample weights for validation set are all zero, consider using a"
                " different random state."
            )
        if idx_train.shape[0] == 0 or idx_val.shape[0] == 0:
            raise ValueError(
                f"Splitting {y.shape[0]} samples into a train set and a validation "
                f"set with validation_fraction={self.validation_fraction} led to an "
                "empty set. Please either change validation_fraction, increase "
                "number of samples, or disable early_stopping."
            )
        validation_mask[idx_val] = True
        return validation_mask

    def decision_function(self, X):
        """Predict confidence scores for samples: ``X @ coef_.T + intercept_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The data matrix for which we want to get the confidence scores.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Confidence scores per (n_samples, n_classes) combination. In the binary
            case, confidence score for ``self.classes_[1]`` where >0 means this class
            would be predicted.
        """
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", reset=False)
        scores = safe_sparse_dot(X, self.coef_.T, dense_output=True) + self.intercept_
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict(self, X):
        """Predict class labels for samples in X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The data matrix for which we want to get the predictions.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Vector containing the class labels for each sample.
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            indices = (scores > 0).astype(int)
        else:
            indices = scores.argmax(axis=1)
        return self.classes_.take(indices)

    def densify(self):
        """Convert coefficient matrix to dense array format (undoes ``sparsify``).

        Returns
        -------
        self : object
            Fitted estimator.
        """
        check_is_fitted(self)
        if sp.issparse(self.coef_):
            self.coef_ = self.coef_.toarray()
        return self

    def sparsify(self):
        """Convert coefficient matrix to sparse format.

        Converts the ``coef_`` member to a scipy.sparse matrix, which for
        L1-regularized models can be much more memory- and storage-efficient.
        Training again (``partial_fit``, warm-started ``fit``) densifies it.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        check_is_fitted(self)
        self.coef_ = sp.csr_matrix(self.coef_)
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
