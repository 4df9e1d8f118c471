"""Shared estimator machinery of MLPClassifier and MLPRegressor.

The estimators validate input, encode targets and predict; the network
(:mod:`skneural.network`), the solvers (:mod:`skneural.solvers`) and the epoch loop
(:mod:`skneural._training`) do the rest.
"""

import warnings
from abc import ABC, abstractmethod
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, Options, StrOptions
from sklearn.utils.validation import (
    _check_sample_weight,
    check_array,
    check_consistent_length,
    check_is_fitted,
    validate_data,
)

from . import activations as _activations
from . import initializers as _initializers
from . import schedules as _schedules
from . import solvers as _solvers
from ._training import History, run_epochs, run_minimizer
from .callbacks import CallbackSupportMixin, FitTasks
from .network import Network


class BaseMultilayerPerceptron(CallbackSupportMixin, BaseEstimator, ABC):
    """Base class for MLP classification and regression (do not use directly)."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        # A live view of the registries, so user-registered names are accepted.
        "activation": [StrOptions(_activations.ACTIVATIONS.keys()),
                       _activations.Activation, list, tuple],
        "solver": [StrOptions(_solvers.SOLVERS.keys()), HasMethods(["step"]),
                   HasMethods(["minimize"])],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive", "plateau",
                                      "bold_driver"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"),
                             Options(Real, {np.inf})],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        # skneural's catalogue (issue 5); a list's entries are checked by the Network.
        "weight_init": [StrOptions(_initializers.INITIALIZERS.keys()), callable],
        "penalty": [StrOptions({"l2", "l1", "elasticnet"}), None],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "max_norm": [Interval(Real, 0, None, closed="neither"), None],
        "input_noise": [Interval(Real, 0, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left"), list, tuple],
        "training_dtype": [StrOptions({"float32", "float64"}), None],
    }

    @abstractmethod
    def __init__(self, hidden_layer_sizes, activation, *, solver, alpha, batch_size,
                 learning_rate, learning_rate_init, power_t, max_iter, shuffle,
                 random_state, tol, verbose, warm_start, momentum, nesterovs_momentum,
                 early_stopping, validation_fraction, beta_1, beta_2, epsilon,
                 n_iter_no_change, max_fun, weight_init="auto", penalty="l2",
                 l1_ratio=0.15, max_norm=None, input_noise=0.0, dropout=0.0,
                 training_dtype=None):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.training_dtype = training_dtype
        self.weight_init = weight_init
        self.penalty = penalty
        self.l1_ratio = l1_ratio
        self.max_norm = max_norm
        self.input_noise = input_noise
        self.dropout = dropout

    # -- hooks for the subclasses -------------------------------------------------------

    @abstractmethod
    def _validate_input(self, X, y, incremental, reset):
        """Validate X and encode y; return X and a 2-D float-able y."""

    @abstractmethod
    def _loss_name(self):
        """The loss (a name or Loss record) this estimator trains."""

    @abstractmethod
    def _score(self, X, y, sample_weight=None):
        """Validation score used by early stopping (accuracy or R^2)."""

    # -- building blocks ---------------------------------------------------------------

    def _hidden_layer_sizes(self):
        sizes = self.hidden_layer_sizes
        if not hasattr(sizes, "__iter__"):
            sizes = [sizes]
        sizes = list(sizes)
        if any(not isinstance(s, Integral | np.integer) for s in sizes):
            raise ValueError(f"hidden_layer_sizes must be integers, got {sizes}.")
        if np.any(np.array(sizes) <= 0):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {sizes}.")
        return sizes

    def _make_solver(self):
        return _solvers.from_estimator_params(self.solver, self.get_params(deep=False))

    def _make_network(self, layer_units, dtype):
        # scikit-learn's linear-model convention: "l2" is alpha/2 ||W||^2 (its MLP's
        # penalty), "l1" alpha |W|_1, "elasticnet" mixes them with l1_ratio.
        l1_ratio = {"l2": 0.0, "l1": 1.0, "elasticnet": self.l1_ratio}.get(
            self.penalty, 0.0)
        return Network(layer_units, self.activation, loss=self._loss_name(),
                       alpha=0.0 if self.penalty is None else self.alpha,
                       l1_ratio=l1_ratio, dtype=dtype, dropout=self.dropout,
                       input_noise=self.input_noise, max_norm=self.max_norm,
                       random_state=getattr(self, "_random_state", None))

    def _network_from_coefs(self):
        layer_units = [self.coefs_[0].shape[0]] + [c.shape[1] for c in self.coefs_]
        return self._make_network(layer_units, self.coefs_[0].dtype)

    def _initialize(self, y, layer_units, dtype):
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = y.shape[1]
        self.n_layers_ = len(layer_units)
        self.out_activation_ = self._out_activation()
        network = self._make_network(layer_units, dtype)
        params = network.init_params(self._random_state, self.weight_init,
                                     self._activation_name())
        self.coefs_, self.intercepts_ = (list(v) for v in network.unpack(params))
        # The initial weights are the fallback early stopping restores (as in
        # scikit-learn); without early stopping no copy is kept.
        self._best_params = params.copy() if self.early_stopping else None
        self.loss_curve_ = []
        self._no_improvement_count = 0
        if self.early_stopping:
            self.validation_scores_ = []
            self.best_validation_score_ = -np.inf
            self.best_loss_ = None
        else:
            self.best_loss_ = np.inf
            self.validation_scores_ = None
            self.best_validation_score_ = None
        # Training control (issue 6): validation curve, restores, schedules.
        self.validation_loss_curve_ = [] if self.early_stopping else None
        self.restored_epoch_ = None
        self.stop_reason_ = None
        self._best_epoch = None
        self._initial_loss = None
        self._schedule = None

    def _activation_name(self):
        """Activation name(s) for the initializer: one, or one per weight layer.

        scikit-learn's "auto" scheme reads the hidden activation for every layer,
        the output layer included; with one activation per hidden layer, each
        weight layer gets the activation of the units it feeds and the output layer
        that of the last hidden layer.
        """
        activation = self.activation
        if isinstance(activation, (list, tuple)):
            names = [_activations.get(a).name for a in activation]
            return names + names[-1:] if names else None
        return activation if isinstance(activation, str) else activation.name

    def _out_activation(self):
        from . import losses as _losses

        return _losses.get(self._loss_name()).link

    # -- fitting -------------------------------------------------------------------------

    def _fit(self, X, y, sample_weight=None, incremental=False, X_val=None, y_val=None,
             sample_weight_val=None):
        hidden_layer_sizes = self._hidden_layer_sizes()
        solver = self._make_solver()
        if incremental and _solvers.is_minimizer(solver):
            raise AttributeError(
                f"partial_fit is only available for step-based solvers; "
                f"{self.solver!r} optimizes the whole training set at once."
            )
        first_pass = not hasattr(self, "coefs_") or (
            not self.warm_start and not incremental
        )
        X, y = self._validate_input(X, y, incremental, reset=first_pass)
        if sp.issparse(X):
            X = X.tocsr()
        n_samples, n_features = X.shape
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=X.dtype,
                                                 ensure_non_negative=True)
        if y.ndim == 1:
            y = y.reshape((-1, 1))
        class_weights = self._class_sample_weight(y, incremental)
        if class_weights is not None:
            class_weights = class_weights.astype(X.dtype, copy=False)
            sample_weight = (class_weights if sample_weight is None
                             else sample_weight * class_weights)
        validation_set = self._check_validation_set(X_val, y_val, sample_weight_val,
                                                    X.dtype, incremental)
        self.n_outputs_ = y.shape[1]
        layer_units = [n_features] + hidden_layer_sizes + [self.n_outputs_]

        if not incremental or not hasattr(self, "_random_state"):
            self._random_state = check_random_state(self.random_state)
        if first_pass:
            self._initialize(y, layer_units, np.dtype(self.training_dtype or X.dtype))
        # Training runs in the weights' dtype; X keeps its own and the epoch loop
        # casts each mini-batch, so a float64 X is never copied whole for float32
        # training (training_dtype="float32").
        dtype = self.coefs_[0].dtype
        if sample_weight is not None:
            sample_weight = sample_weight.astype(dtype, copy=False)

        network = self._make_network(layer_units, dtype)
        try:
            # Start from coefs_ / intercepts_ as they are now, which honours weights a
            # user assigned, and make them views of the fresh flat buffer.
            params = network.pack(self.coefs_, self.intercepts_)
        except ValueError as exc:
            raise ValueError(
                f"The existing weights do not fit hidden_layer_sizes="
                f"{self.hidden_layer_sizes} and the data ({n_features} features, "
                f"{self.n_outputs_} outputs): {exc} Refit without warm_start."
            ) from None
        self.coefs_, self.intercepts_ = (list(v) for v in network.unpack(params))
        # y keeps its compact encoding (a boolean one-hot for classifiers); the epoch
        # loop casts each mini-batch.

        minimizer = _solvers.is_minimizer(solver)
        # One root task and one subtask per epoch (iteration) for sklearn.callback;
        # the optimizer of a minimizer may open one more that it never runs.
        tasks = FitTasks(
            self,
            max_subtasks=1 if incremental else self.max_iter + int(minimizer),
            X=X, y=lambda: self._callback_targets(y),
            metadata=None if sample_weight is None else {"sample_weight": sample_weight},
        )
        if minimizer:
            self._fit_minimizer(network, solver, params, X, y, sample_weight,
                                validation_set=validation_set, tasks=tasks)
        else:
            self._fit_stochastic(network, solver, params, X, y, sample_weight,
                                 incremental, validation_set=validation_set,
                                 tasks=tasks)
        tasks.close()

        if not np.isfinite(params).all():
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may "
                "contain large values and need to be preprocessed."
            )
        return self

    def _fit_minimizer(self, network, solver, params, X, y, sample_weight,
                       validation_set=None, tasks=None):
        from sklearn.utils.optimize import _check_optimize_result

        validation = self._start_validation(network, validation_set)
        if tasks is not None:
            tasks.begin("iteration", self._weights_snapshot)

        def on_iteration(x):
            # The optimizer works on its own copy: show this iterate through coefs_.
            params[...] = x
            if validation is not None:
                score, loss = validation()
                self.validation_scores_.append(score)
                self.validation_loss_curve_.append(loss)
                if not score <= self.best_validation_score_:
                    self.best_validation_score_ = score
            if tasks is None:
                return False
            stop = tasks.end(self._weights_snapshot)
            if not stop:
                tasks.begin("iteration", self._weights_snapshot)
            return stop

        if X.dtype != network.dtype:  # training_dtype: the full batch, cast once
            X = X.astype(network.dtype)
        y = y.astype(network.dtype, copy=False)
        history = History(loss_curve=self.loss_curve_)
        hooked = validation is not None or (tasks is not None and tasks.root is not None)
        result = run_minimizer(network, solver, params, X, y, sample_weight,
                               history=history, max_iter=self.max_iter, tol=self.tol,
                               on_iteration=on_iteration if hooked else None)
        name = self.solver if isinstance(self.solver, str) else type(solver).__name__
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            n_iter = _check_optimize_result("lbfgs", result, self.max_iter)
        if history.stop_reason is None:
            history.stop_reason = ("converged" if result.success
                                   else "max_iter" if result.status == 1 else "failed")
        if not result.success and history.stop_reason != "callback":
            warnings.warn(
                f"{name} failed to converge after {n_iter} iteration(s) "
                f"(status={result.status}): {result.message}. Increase max_iter, or "
                "scale the data as shown in "
                "https://scikit-learn.org/stable/modules/preprocessing.html",
                ConvergenceWarning,
                stacklevel=3,
            )
        if history.diverged_at is not None:
            warnings.warn(
                f"{name} produced a non-finite loss; the last finite iterate was "
                "kept. Scale the inputs or increase alpha.",
                ConvergenceWarning,
                stacklevel=3,
            )
        self.n_iter_ = n_iter
        self.loss_ = float(network.loss_gradient(params, X, y, sample_weight)[0])
        self.loss_curve_ = history.loss_curve
        self.restored_epoch_ = history.restored_epoch
        self.stop_reason_ = history.stop_reason

    def _fit_stochastic(self, network, solver, params, X, y, sample_weight,
                        incremental, validation_set=None, tasks=None):
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        # partial_fit keeps the state of the solver that made it; the solver object is
        # rebuilt from the current parameters, and resume() makes set_params changes
        # (e.g. learning_rate_init) take effect. Another solver class starts afresh.
        state = getattr(self, "_solver_state", None)
        solver_class = type(solver).__qualname__
        if (not incremental or state is None
                or getattr(self, "_solver_state_size", None) != params.size
                or getattr(self, "_solver_state_class", solver_class) != solver_class):
            state = solver.init(params)
        elif hasattr(solver, "resume"):
            state = solver.resume(state)

        X_train, y_train, sw_train = X, y, sample_weight
        if validation_set is None and self.early_stopping:
            should_stratify = is_classifier(self) and self.n_outputs_ == 1
            stratify = y if should_stratify else None
            arrays = [X, y] if sample_weight is None else [X, y, sample_weight]
            split = train_test_split(*arrays, random_state=self._random_state,
                                     test_size=self.validation_fraction,
                                     stratify=stratify)
            X_train, X_val, y_train, y_val = split[:4]
            sw_train, sw_val = (None, None) if sample_weight is None else split[4:]
            if X_val.shape[0] < 2:
                raise ValueError(
                    "The validation set is too small. Increase 'validation_fraction' "
                    "or the size of your dataset."
                )
            validation_set = (X_val, y_val, self._decode_validation_targets(y_val),
                              sw_val)
        validation = self._start_validation(network, validation_set)

        if self.batch_size == "auto":
            batch_size = min(200, X_train.shape[0])
        else:
            if self.batch_size > X_train.shape[0]:
                warnings.warn(
                    "Got `batch_size` less than 1 or larger than sample size. It is "
                    "going to be clipped", stacklevel=3,
                )
            batch_size = self.batch_size

        schedule = getattr(self, "_schedule", None) if incremental else None
        if schedule is None or getattr(schedule, "name", None) != self.learning_rate:
            schedule = _schedules.make_schedule(
                self.learning_rate, n_iter_no_change=self.n_iter_no_change,
                tol=self.tol)

        history = History(
            loss_curve=self.loss_curve_,
            best_loss=self.best_loss_,
            validation_scores=self.validation_scores_,
            best_validation_score=self.best_validation_score_,
            no_improvement_count=self._no_improvement_count,
            best_params=getattr(self, "_best_params", None),
            t=self.t_,
            loss=getattr(self, "loss_", None),
            sample_idx=getattr(self, "_sample_idx", None),
            initial_loss=getattr(self, "_initial_loss", None),
            validation_loss_curve=getattr(self, "validation_loss_curve_", None),
            best_epoch=getattr(self, "_best_epoch", None),
        )
        state = run_epochs(
            network, solver, params, state, X_train, y_train, sw_train,
            history=history, batch_size=batch_size, shuffle=self.shuffle,
            random_state=self._random_state, max_iter=self.max_iter, tol=self.tol,
            n_iter_no_change=self.n_iter_no_change, validation=validation,
            early_stopping=self.early_stopping, schedule=schedule,
            on_epoch_begin=None if tasks is None else (
                lambda: tasks.begin("epoch", self._weights_snapshot)),
            on_epoch_end=None if tasks is None else (
                lambda: tasks.end(self._weights_snapshot)),
            incremental=incremental, verbose=self.verbose,
            convergence_warning=ConvergenceWarning,
        )
        self._solver_state = state
        self._solver_state_size = params.size
        self._solver_state_class = solver_class
        self.n_iter_ = history.n_iter
        self.t_ = history.t
        if history.loss is not None:
            self.loss_ = history.loss
        self.loss_curve_ = history.loss_curve
        self.best_loss_ = history.best_loss
        self.validation_scores_ = history.validation_scores
        self.best_validation_score_ = history.best_validation_score
        self.validation_loss_curve_ = history.validation_loss_curve
        self.restored_epoch_ = history.restored_epoch
        self.stop_reason_ = history.stop_reason
        self._no_improvement_count = history.no_improvement_count
        self._best_params = history.best_params
        self._best_epoch = history.best_epoch
        self._initial_loss = history.initial_loss
        self._schedule = schedule
        self._sample_idx = history.sample_idx

    def _start_validation(self, network, validation_set):
        """The per-epoch validation callable (or None), with its records ready."""
        if validation_set is None:
            return None
        if self.validation_scores_ is None:
            self.validation_scores_ = []
        if getattr(self, "validation_loss_curve_", None) is None:
            self.validation_loss_curve_ = []
        if self.best_validation_score_ is None:
            self.best_validation_score_ = -np.inf
        return self._make_validation(network, *validation_set)

    def _make_validation(self, network, X_val, y_val, y_val_labels, sw_val):
        """``validation() -> (score, loss)`` at the current weights: the estimator's
        score (accuracy or R^2, as scikit-learn's early stopping) and the loss without
        the weight penalty, both weighted by ``sw_val``."""
        y_val = y_val.astype(network.dtype, copy=False)

        def validation():
            score = self._score(X_val, y_val_labels, sample_weight=sw_val)
            with np.errstate(over="ignore", invalid="ignore"):
                raw = network.predict_raw(self.coefs_, self.intercepts_, X_val)
                loss = network.loss.value(y_val, raw, sw_val)
            return score, loss

        return validation

    def _weights_snapshot(self):
        """Fitted attributes of the current weights, for callbacks' fitted_estimator."""
        return {"coefs_": [c.copy() for c in self.coefs_],
                "intercepts_": [b.copy() for b in self.intercepts_]}

    def _callback_targets(self, y):
        """The training targets as the user gave them, for callbacks' scorers."""
        y = self._decode_validation_targets(y)
        return y.ravel() if y.ndim == 2 and y.shape[1] == 1 else y

    def _class_sample_weight(self, y, incremental):
        """Per-sample weights from ``class_weight`` (classifier only), or None."""
        return None

    def _encode_validation_targets(self, y_val):
        """Validate user-given validation targets: ``(as given, 2-D encoded)``."""
        y_val = check_array(y_val, ensure_2d=False, dtype=(np.float64, np.float32),
                            input_name="y_val")
        return y_val, (y_val.reshape(-1, 1) if y_val.ndim == 1 else y_val)

    def _check_validation_set(self, X_val, y_val, sample_weight_val, dtype,
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
        X_val = validate_data(self, X_val, accept_sparse=["csr"], dtype=dtype,
                              reset=False)
        y_val_labels, y_val_encoded = self._encode_validation_targets(y_val)
        check_consistent_length(X_val, y_val_encoded)
        if sample_weight_val is not None:
            sample_weight_val = _check_sample_weight(
                sample_weight_val, X_val, dtype=dtype, ensure_non_negative=True)
        return X_val, y_val_encoded, y_val_labels, sample_weight_val

    def _decode_validation_targets(self, y_val):
        return y_val

    # -- prediction ------------------------------------------------------------------------

    def _forward_pass_fast(self, X, check_input=True, link=True):
        """Predicted outputs after the link (probabilities, means, ...), or before it
        with ``link=False``."""
        if check_input:
            X = validate_data(self, X, accept_sparse=["csr", "csc"], reset=False)
        if getattr(self, "training_dtype", None) is not None:
            X = X.astype(self.coefs_[0].dtype, copy=False)
        network = self._network_from_coefs()
        if not link:
            return network.predict_raw(self.coefs_, self.intercepts_, X)
        return network.predict(self.coefs_, self.intercepts_, X)

    def _score_with_function(self, X, y, sample_weight, score_function):
        y_pred = self._predict(X, check_input=False)
        if np.issubdtype(y_pred.dtype, np.floating) and not np.isfinite(y_pred).all():
            return np.nan
        return score_function(y, y_pred, sample_weight=sample_weight)

    def _check_solver(self):
        try:
            solver = self._make_solver()
        except (ValueError, TypeError):
            return True  # an invalid solver is reported by fit's parameter validation
        if _solvers.is_minimizer(solver):
            raise AttributeError(
                "partial_fit is only available for stochastic optimizers. "
                f"{self.solver} is not stochastic."
            )
        return True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def check_fitted_and_validate(estimator, X):
    """Shared preamble of the predict methods."""
    check_is_fitted(estimator)
    return validate_data(estimator, X, accept_sparse=["csr", "csc"], reset=False)
