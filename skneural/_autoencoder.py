"""MLPAutoencoder: a multi-layer perceptron that learns to reconstruct its input.

The third estimator on the MLPs' machinery (:mod:`skneural._base`): its targets are
its input, its network is the encoder (``hidden_layer_sizes``, down to the code)
followed by the mirrored decoder, one :class:`~skneural.network.Network` over one
flat parameter buffer (tied weights: the decoder reads the encoder's matrices
transposed, :mod:`skneural._layout`). Everything the MLPs train with (solvers,
schedules, penalties, training noise, early stopping, callbacks, NumPy / Array API
namespaces / Dask) works unchanged.
"""

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin, _fit_context
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import (
    _check_sample_weight,
    check_array,
    check_is_fitted,
    validate_data,
)

from . import _data
from . import initializers as _initializers
from . import losses as _losses
from ._backend import float_dtypes, namespace, prediction_input, to_host
from ._base import BaseMultilayerPerceptron
from ._docstrings import _COMMON_ATTRIBUTES, _COMMON_PARAMETERS
from ._registry import RegistryOptions
from ._validation import _link
from .network import Network

__all__ = ["MLPAutoencoder"]

_HIDDEN_LAYER_SIZES = _COMMON_PARAMETERS[: _COMMON_PARAMETERS.index("    activation :")]
_AUTOENCODER_PARAMETERS = _COMMON_PARAMETERS.replace(_HIDDEN_LAYER_SIZES, """\
    hidden_layer_sizes : array-like of shape (n_encoder_layers,), default=(100,)
        The encoder's layers, down to the code: ``(128, 32)`` is the network
        ``n_features -> 128 -> 32 -> 128 -> n_features``, whose 32-unit code
        :meth:`transform` returns. A list of ``activation`` or ``dropout`` values
        gives one per encoder layer, and the decoder mirrors them
        (``activation=["relu", "identity"]``: a linear code, relu units either
        side).

""")


class MLPAutoencoder(ClassNamePrefixFeaturesOutMixin, TransformerMixin,
                     BaseMultilayerPerceptron):
    __doc__ = f"""Autoencoder: a multi-layer perceptron trained to reconstruct its input.

    The encoder maps the input through ``hidden_layer_sizes`` to a code, the
    decoder (the encoder's layers in reverse) maps the code back; both are trained
    together by backpropagation of the reconstruction loss, with any of the MLPs'
    solvers. :meth:`transform` returns the code (a forward pass through the encoder
    only) and :meth:`inverse_transform` the reconstruction of a code. ``fit``
    ignores ``y``.

    With ``input_noise`` or ``input_dropout`` it is a *denoising* autoencoder
    (Vincent et al., 2008): the input is corrupted in training, the target stays
    the clean input.

    Parameters
    ----------
{_AUTOENCODER_PARAMETERS}

    loss : {{'squared_error', 'binary_log_loss'}} or Loss, default='squared_error'
        The reconstruction loss: the half squared error with a linear output, or
        the binary cross-entropy with logistic outputs, for inputs in [0, 1]
        (pixels scaled to [0, 1], say; checked by ``fit``). Any registered
        regression loss works too ('absolute_error', 'huber', ...).

    tied_weights : bool, default=False
        The decoder's weight matrices are the encoder's, transposed: half the
        weights, stored once (their gradient sums both uses); the decoder keeps
        its own biases.

    Attributes
    ----------
{_COMMON_ATTRIBUTES}

    See Also
    --------
    sklearn.decomposition.PCA : The linear autoencoder, solved in closed form.
    MLPRegressor : The same machinery with targets of your own.

    Notes
    -----
    Here ``n_outputs_`` is ``n_features_in_`` (the reconstruction), ``coefs_`` holds
    the encoder's and then the decoder's matrices (with ``tied_weights``, the
    decoder's are transposed views of the encoder's, and assigning them changes
    nothing: the encoder's are the ones stored), ``out_activation_`` is the
    reconstruction's link ('identity' or 'logistic') and the validation scores are
    minus the mean squared reconstruction error (``scoring=None``; 'loss' scores by
    the validation loss).

    References
    ----------
    Hinton & Salakhutdinov, "Reducing the dimensionality of data with neural
    networks", Science 313 (2006). Vincent, Larochelle, Bengio & Manzagol,
    "Extracting and composing robust features with denoising autoencoders", ICML
    (2008).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skneural import MLPAutoencoder
    >>> X = load_digits().data / 16
    >>> autoencoder = MLPAutoencoder((32, 8), max_iter=50, random_state=0).fit(X)
    >>> autoencoder.transform(X[:2]).shape
    (2, 8)
    >>> autoencoder.inverse_transform(autoencoder.transform(X[:2])).shape
    (2, 64)
    >>> autoencoder.score(X) > -0.05  # minus the mean squared reconstruction error
    True
    """

    _parameter_constraints: dict = {
        **BaseMultilayerPerceptron._parameter_constraints,
        "loss": [RegistryOptions(_losses.LOSSES, exclude={"log_loss"}), _losses.Loss],
        "tied_weights": ["boolean"],
    }

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *,
                 loss="squared_error", tied_weights=False, solver="adam", alpha=0.0001,
                 batch_size="auto", learning_rate="constant", learning_rate_init=0.001,
                 power_t=0.5, max_iter=200, shuffle=True, random_state=None, tol=1e-4,
                 verbose=False, warm_start=False, momentum=0.9, nesterovs_momentum=True,
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
            scoring=scoring, weight_init=weight_init, penalty=penalty,
            l1_ratio=l1_ratio, max_norm=max_norm, input_noise=input_noise,
            dropout=dropout, input_dropout=input_dropout, weight_noise=weight_noise,
            stochastic_activities=stochastic_activities, training_dtype=training_dtype,
        )
        self.loss = loss
        self.tied_weights = tied_weights

    # -- the hooks of BaseMultilayerPerceptron ---------------------------------------

    def _loss_name(self):
        return self.loss

    def _validate_input(self, X, y, incremental, reset):
        # The targets are X itself: the same array, where X lives (its device, or
        # its Dask chunks), cast once to the training dtype by the data source.
        X = _data.validate(self, X, "no_validation", dtype=float_dtypes(X), reset=reset)
        if _losses.get(self.loss).link == "logistic":
            smallest, largest = _data.value_range(X)
            if smallest < 0 or largest > 1:
                raise ValueError(
                    f"loss={self.loss!r} (binary cross-entropy) reconstructs inputs in "
                    f"[0, 1]; X has values from {smallest:g} to {largest:g}. Scale X "
                    "to [0, 1] (e.g. sklearn.preprocessing.MinMaxScaler) or use "
                    "loss='squared_error'.")
        return X, X

    def _layer_units(self, n_features):
        sizes = super()._layer_units(n_features)[1:-1]
        return [n_features] + sizes + sizes[-2::-1] + [n_features]

    def _network_options(self, dtype):
        options = super()._network_options(dtype)
        options["activation"] = _mirrored(self.activation)
        options["dropout"] = _mirrored(self.dropout)
        options["tied_weights"] = self.tied_weights
        return options

    def _activation_names(self):
        return _initializers.activation_names(_mirrored(self.activation))

    def _default_score(self, y_encoded, sample_weight):
        link = self.out_activation_

        def score(raw, loss):  # minus the mean squared reconstruction error
            errors = np.mean((_link(link, raw) - y_encoded) ** 2, axis=1)
            return -float(np.average(errors, weights=sample_weight))

        return score

    def _encode_validation_targets(self, y_val):
        y_val = check_array(to_host(y_val), dtype=(np.float64, np.float32),
                            input_name="X_val")
        return y_val, y_val

    # -- fitting ---------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None, *, X_val=None,
            sample_weight_val=None):
        """Fit the autoencoder to reconstruct X.

        Parameters
        ----------
        X : {array-like, Dask array} of shape (n_samples, n_features)
            The training data, also the targets. A Dask array trains with a
            full-batch solver ('lbfgs', 'cg', the 'rprop' family) on the workers.
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the reconstruction loss.
        X_val : array-like of shape (n_val, n_features), default=None
            Validation data, used instead of the ``validation_fraction`` split: its
            score (minus the mean squared reconstruction error) and loss are
            recorded after every epoch, and with ``early_stopping=True`` it decides
            when to stop and which weights to restore.
        sample_weight_val : array-like of shape (n_val,), default=None
            Weights of the validation samples.

        Returns
        -------
        self : object
            The fitted autoencoder.
        """
        return self._fit(X, X, sample_weight=sample_weight, incremental=False,
                         X_val=X_val, y_val=X_val, sample_weight_val=sample_weight_val)

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None, sample_weight=None):
        """Update the autoencoder with one epoch over X.

        As the MLPs' ``partial_fit``: the solver state, the random state and the
        shuffle order carry over, so ``k`` calls give the weights of ``fit`` with
        ``max_iter=k``. On a Dask array, one call per row block in turn.

        Parameters
        ----------
        X : {array-like, Dask array} of shape (n_samples, n_features)
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        return self._fit(X, X, sample_weight=sample_weight, incremental=True)

    # -- the code and the reconstruction -----------------------------------------------

    @property
    def _n_encoder_layers(self):
        return len(self.coefs_) // 2

    @property
    def _n_features_out(self):
        """The code's size (for ``get_feature_names_out``)."""
        return self.coefs_[self._n_encoder_layers - 1].shape[1]

    def transform(self, X):
        """The code of X: the code layer's activations, computed by the encoder.

        Parameters
        ----------
        X : {array-like, Dask array} of shape (n_samples, n_features)

        Returns
        -------
        code : array of shape (n_samples, code_size)
            In ``X``'s namespace and on its device (a Dask array, computed on the
            workers, for a Dask ``X``).
        """
        check_is_fitted(self)
        return self._prediction(self._transform, X, self._n_features_out,
                                self.coefs_[0].dtype)

    def _transform(self, X):
        X = self._checked(X)
        k = self._n_encoder_layers
        return self._network_from_coefs().predict_raw(self.coefs_[:k],
                                                      self.intercepts_[:k], X)

    def inverse_transform(self, X):
        """The reconstruction of codes: the decoder's output.

        Parameters
        ----------
        X : {array-like, Dask array} of shape (n_samples, code_size)
            Codes, as :meth:`transform` returns them.

        Returns
        -------
        X_reconstructed : array of shape (n_samples, n_features)
            The reconstruction, with ``n_features_in_`` columns.
        """
        check_is_fitted(self)
        return self._prediction(self._inverse_transform, X, self.n_features_in_,
                                self.coefs_[0].dtype)

    def _inverse_transform(self, codes):
        codes = check_array(codes, dtype=float_dtypes(codes), input_name="X")
        if codes.shape[1] != self._n_features_out:
            raise ValueError(f"X has {codes.shape[1]} features, but the code of this "
                             f"{type(self).__name__} has {self._n_features_out}.")
        codes = prediction_input(codes, self.coefs_[0].dtype, self.training_dtype)
        network, k = self._network_from_coefs(), self._n_encoder_layers
        decoder = Network(network.layer_sizes[k:], network.activations[k:],
                          loss=network.loss, dtype=network.dtype)
        return decoder.predict(self.coefs_[k:], self.intercepts_[k:], codes)

    def score(self, X, y=None, sample_weight=None):
        """Minus the mean squared reconstruction error of X (higher is better).

        The mean over samples (weighted by ``sample_weight``) of the mean over
        features of ``(X - inverse_transform(transform(X)))**2``, whatever the
        training loss: the error PCA's reconstructions are compared by.

        Parameters
        ----------
        X : {array-like, Dask array} of shape (n_samples, n_features)
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
        """
        check_is_fitted(self)
        errors = self._prediction(self._squared_errors, X, None, self.coefs_[0].dtype)
        if sample_weight is not None and not _data.is_chunked(X):
            sample_weight = _check_sample_weight(sample_weight, to_host(errors))
        return -_data.mean(errors, sample_weight)

    def _squared_errors(self, X):
        """Each sample's mean squared reconstruction error."""
        X = self._checked(X)
        network = self._network_from_coefs()
        difference = X - network.predict(self.coefs_, self.intercepts_, X)
        return namespace(difference).mean(difference * difference, axis=1)

    def _checked(self, X):
        X = validate_data(self, X, reset=False, dtype=float_dtypes(X))
        return prediction_input(X, self.coefs_[0].dtype, self.training_dtype)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.target_tags.required = False
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _mirrored(values):
    """Per-encoder-layer settings (a list) for every hidden layer: the encoder's,
    then the decoder's (the encoder's without the code, reversed); one setting for
    all stays as it is."""
    if not isinstance(values, (list, tuple)):
        return values
    values = list(values)
    return values + values[-2::-1]
