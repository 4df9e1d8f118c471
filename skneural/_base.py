"""Shared estimator machinery of MLPClassifier and MLPRegressor.

The estimators validate input, encode targets, hand one training state and one data
source (:mod:`skneural._data`: arrays of any namespace, or a Dask array's chunks) to
the trainer (:mod:`skneural._training`), publish the fitted attributes from its
record, and predict. The network (:mod:`skneural.network`), the solvers
(:mod:`skneural.optim`), the schedules and the trainer do the rest.

The hooks a subclass provides are the abstract methods below.
"""

import warnings
from abc import ABC, abstractmethod
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import validate_data

from . import _cache, _data
from . import activations as _activations
from . import initializers as _initializers
from . import losses as _losses
from . import optim as _optim
from ._backend import (
    Backend,
    all_finite,
    check_model_namespace,
    check_same_namespace,
    numpy_dtype,
    prediction_input,
)
from ._registry import RegistryOptions
from ._training import Trainer, TrainingState
from ._validation import (
    check_validation_set,
    combine_weights,
    layer_units,
    make_validation,
    plain_input,
    split,
    warn_about_settings,
)
from .callbacks import CallbackSupportMixin, FitTasks
from .network import Network
from .optim.schedules import make_schedule


class BaseMultilayerPerceptron(CallbackSupportMixin, BaseEstimator, ABC):
    """Base class for MLP classification and regression (do not use directly)."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        # Live views of the registries, so user-registered names are accepted.
        "activation": [RegistryOptions(_activations.ACTIVATIONS),
                       _activations.Activation, list, tuple],
        "solver": [StrOptions(_optim.SOLVERS.keys()), _optim.Solver],
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
        "scoring": [str, callable, None],
        # skneural's catalogue (issue 5); a list's entries are checked by the Network.
        "weight_init": [StrOptions(_initializers.INITIALIZERS.keys()), callable],
        "penalty": [StrOptions({"l2", "l1", "elasticnet"}), None],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "max_norm": [Interval(Real, 0, None, closed="neither"), None],
        "input_noise": [Interval(Real, 0, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left"), list, tuple],
        "input_dropout": [Interval(Real, 0, 1, closed="left")],
        "weight_noise": [Interval(Real, 0, None, closed="left")],
        "stochastic_activities": ["boolean"],
        "training_dtype": [StrOptions({"float32", "float64"}), None],
    }

    @abstractmethod
    def __init__(self, hidden_layer_sizes, activation, *, solver, alpha, batch_size,
                 learning_rate, learning_rate_init, power_t, max_iter, shuffle,
                 random_state, tol, verbose, warm_start, momentum, nesterovs_momentum,
                 early_stopping, validation_fraction, beta_1, beta_2, epsilon,
                 n_iter_no_change, max_fun, scoring=None, weight_init="auto",
                 penalty="l2", l1_ratio=0.15, max_norm=None, input_noise=0.0,
                 dropout=0.0, input_dropout=0.0, weight_noise=0.0,
                 stochastic_activities=False, training_dtype=None):
        for name, value in list(locals().items()):
            if name not in ("self", "__class__"):
                setattr(self, name, value)

    @classmethod
    def _get_param_names(cls):
        return _cache.param_names(cls, super()._get_param_names)

    # -- hooks for the subclasses -------------------------------------------------------

    @abstractmethod
    def _validate_input(self, X, y, incremental, reset):
        """Validate X and encode y: return X and the encoded, 2-D float-able y (on
        the host for in-memory X, chunked like X for a Dask array)."""

    @abstractmethod
    def _loss_name(self):
        """The loss (a name or Loss record) this estimator trains."""

    @abstractmethod
    def _default_score(self, y_encoded, sample_weight):
        """``score(raw, loss)`` for ``scoring=None`` (accuracy or R^2)."""

    @abstractmethod
    def _encode_validation_targets(self, y_val):
        """``(y_val as given, 2-D encoded)`` of fit's validation targets."""

    def _class_sample_weight(self, y, incremental):
        """Per-sample weights from ``class_weight`` (classifier only), or None."""
        return None

    def _decode_targets(self, y_encoded):
        return y_encoded

    def _out_activation(self):
        return _losses.get(self._loss_name()).link

    # -- building blocks ---------------------------------------------------------------

    def _make_network(self, layer_units, dtype):
        options = self._network_options(dtype)
        # The last call's network, when it was built from the same settings.
        return _cache.network(self, (tuple(layer_units), *options.values()),
                              lambda: Network(layer_units, **options))

    def _network_options(self, dtype):
        """The :class:`~skneural.network.Network` arguments of this estimator."""
        # scikit-learn's linear-model convention: "l2" is alpha/2 ||W||^2 (its MLP's
        # penalty), "l1" alpha |W|_1, "elasticnet" mixes them with l1_ratio.
        l1_ratio = {"l2": 0.0, "l1": 1.0, "elasticnet": self.l1_ratio}.get(
            self.penalty, 0.0)
        return dict(activation=self.activation, loss=self._loss_name(),
                    alpha=0.0 if self.penalty is None else self.alpha,
                    l1_ratio=l1_ratio, dtype=dtype, dropout=self.dropout,
                    input_noise=self.input_noise, max_norm=self.max_norm,
                    input_dropout=self.input_dropout, weight_noise=self.weight_noise,
                    stochastic_units=self.stochastic_activities)

    def _network_from_coefs(self):
        layer_units = [self.coefs_[0].shape[0]] + [c.shape[1] for c in self.coefs_]
        return self._make_network(layer_units, numpy_dtype(self.coefs_[0].dtype))

    # -- fitting -------------------------------------------------------------------------

    def _fit(self, X, y, sample_weight=None, incremental=False, X_val=None, y_val=None,
             sample_weight_val=None):
        if incremental and _data.is_chunked(X):
            # partial_fit on a Dask array: partial_fit on each row block in turn, one
            # block on the client at a time (what dask_ml's Incremental does).
            for block in _data.chunked_source().row_blocks(X, y, sample_weight):
                self._fit(*block, incremental=True)
            return self
        solver = _optim.from_estimator_params(self.solver, self.get_params(False))
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        first_pass = not hasattr(self, "coefs_") or not (self.warm_start or incremental)
        X, y, sample_weight = self._training_data(X, y, sample_weight, incremental,
                                                  first_pass)
        given_validation = check_validation_set(self, X_val, y_val, sample_weight_val,
                                                X.dtype, incremental)
        network, params, state = self._start(X, first_pass, incremental)
        data = (X, y, sample_weight)
        if not solver.minimizes:
            data, given_validation = split(self, data, given_validation, state.rng)
        data = _data.source(*data, dtype=network.dtype)
        validation = (None if given_validation is None
                      else make_validation(self, network, *given_validation))
        if not incremental:
            warn_about_settings(self, data, validation)
        tasks = FitTasks(
            self, max_subtasks=1 if incremental else self.max_iter + solver.minimizes,
            X=X, y=lambda: self._decode_targets(y),
            metadata=None if sample_weight is None else {"sample_weight": sample_weight})
        name = "iteration" if solver.minimizes else "epoch"
        trainer = Trainer(
            network, solver, make_schedule(
                self.learning_rate, power_t=self.power_t, tol=self.tol,
                n_iter_no_change=self.n_iter_no_change, solver=solver),
            batch_size=self._batch_size(X),
            shuffle=self.shuffle, max_iter=self.max_iter, tol=self.tol,
            n_iter_no_change=self.n_iter_no_change, early_stopping=self.early_stopping,
            verbose=self.verbose, convergence_warning=ConvergenceWarning,
            hooks=(lambda: tasks.begin(name, tasks.weights),
                   lambda: tasks.end(tasks.weights)))
        trainer.run(state, params, data, validation, incremental)
        tasks.close()
        self._publish(state)
        if not all_finite(params):
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may "
                "contain large values and need to be preprocessed.")
        return self

    def _training_data(self, X, y, sample_weight, incremental, first_pass):
        """Validated X, the 2-D encoded y and the sample weights (times the class
        weights), y and the weights where X lives (its device, or its chunks)."""
        X, y = self._validate_input(X, y, incremental, reset=first_pass)
        sample_weight = _data.check_sample_weight(sample_weight, X)
        y = y.reshape((-1, 1)) if y.ndim == 1 else y
        self.n_outputs_ = y.shape[1]
        dtype = numpy_dtype(self.training_dtype or X.dtype)
        sample_weight = combine_weights(
            _data.place(sample_weight, X, dtype),
            _data.place(self._class_sample_weight(y, incremental), X, dtype), dtype)
        return X, _data.place(y, X, dtype), sample_weight

    def _layer_units(self, n_features):
        return layer_units(self.hidden_layer_sizes, n_features, self.n_outputs_)

    def _activation_names(self):  # what the weight initializer reads
        return _initializers.activation_names(self.activation)

    def _start(self, X, first_pass, incremental):
        """The network, the flat parameters (coefs_ / intercepts_ become views of
        them) and the training state for this call."""
        units = self._layer_units(X.shape[1])
        if first_pass:
            self.n_layers_ = len(units)
            self.out_activation_ = self._out_activation()
            dtype = numpy_dtype(self.training_dtype or X.dtype)
            state = TrainingState.start(self.random_state, self.early_stopping)
            network = self._make_network(units, dtype)
            backend = Backend.of(X)
            params = backend.asarray(network.init_params(
                state.rng, self.weight_init, self._activation_names()), dtype)
            # The initial weights are the fallback early stopping restores (as in
            # scikit-learn); without early stopping no copy is kept.
            state.best_params = backend.copy(params) if self.early_stopping else None
        else:
            # Weights assigned by hand (coefs_ / intercepts_ / n_outputs_, as
            # scikit-learn's worked example does) have no training state yet.
            training = getattr(self, "_training", None)
            state = (TrainingState.from_dict(training) if training is not None else
                     TrainingState.start(self.random_state, self.early_stopping))
            if not incremental:
                state.rng = check_random_state(self.random_state)
            check_model_namespace(self, X)
            network = self._make_network(units, numpy_dtype(self.coefs_[0].dtype))
            try:
                # Start from coefs_ / intercepts_ as they are now, which honours
                # weights a user assigned: the last call's buffer while they are its
                # views, else a new one.
                params = _cache.parameters(self, network)
                if params is None:
                    params = network.pack(self.coefs_, self.intercepts_)
            except ValueError as exc:
                raise ValueError(
                    f"The existing weights do not fit hidden_layer_sizes="
                    f"{self.hidden_layer_sizes} and the data ({X.shape[1]} features, "
                    f"{self.n_outputs_} outputs): {exc} Refit without warm_start."
                ) from None
        self.coefs_, self.intercepts_ = (list(v) for v in network.unpack(params))
        _cache.remember_parameters(self, network, params, self.coefs_, self.intercepts_)
        return network, params, state

    def _batch_size(self, X):
        if self.batch_size == "auto":
            return min(200, X.shape[0])
        if self.batch_size > X.shape[0]:
            warnings.warn("Got `batch_size` less than 1 or larger than sample size. "
                          "It is going to be clipped", stacklevel=4)
        return self.batch_size

    def _publish(self, state):
        """The fitted attributes, from the training state, in one place."""
        self._training = state.to_dict()
        for name, value in state.fitted_attributes().items():
            setattr(self, name, value)

    # -- prediction ------------------------------------------------------------------------

    def _forward_pass_fast(self, X, check_input=True, link=True):
        """Predicted outputs after the link (probabilities, means, ...), or before it
        with ``link=False``."""
        if check_input:
            plain = plain_input(self, X)
            X = plain[0] if plain is not None else validate_data(
                self, X, accept_sparse=["csr", "csc"], reset=False)
        X = prediction_input(X, self.coefs_[0].dtype, self.training_dtype)
        network = self._network_from_coefs()
        if not link:
            return network.predict_raw(self.coefs_, self.intercepts_, X)
        return network.predict(self.coefs_, self.intercepts_, X)

    def _prediction(self, method, X, columns, dtype):
        """``method(X)`` of a fitted model after the namespace check; on a Dask array,
        ``method`` of each row block, computed on the workers (a Dask array with
        ``columns`` columns, None for 1-D, of ``dtype``)."""
        if _data.is_chunked(X):
            return _data.chunked_source().map_rows(method, X, columns, dtype)
        check_same_namespace(X, self, method=method.__name__.strip("_"))
        return method(X)

    def _check_solver(self):
        return _optim.check_partial_fit(self.solver, lambda: self.get_params(False))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.array_api_support = True
        return tags

