"""MLPAutoencoder (issue 25): a transformer on the MLPs' machinery.

Against independent references: forward passes by hand from the fitted weights,
one training step by hand (the corrupted input, the clean target), scikit-learn's
PCA, the NumPy fit for the Dask and Array API fits, onnxruntime for the ONNX graph.
scikit-learn's estimator checks run in ``test_common.py``.
"""

import warnings

import numpy as np
import pytest
from scipy.special import expit
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from skneural import MLPAutoencoder, MLPRegressor
from skneural.activations import ACTIVATIONS
from skneural.initializers import INITIALIZERS
from skneural.network import Network
from skneural.optim import SOLVERS


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16, y


def _fit(model, X, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, **kwargs)


def _relu(z):
    return np.maximum(z, 0)


def test_encoder_and_mirrored_decoder_by_hand(digits):
    X = digits[0][:200]
    model = _fit(MLPAutoencoder((16, 4), max_iter=5, random_state=0), X)
    assert [c.shape for c in model.coefs_] == [(64, 16), (16, 4), (4, 16), (16, 64)]
    W, b = model.coefs_, model.intercepts_
    code = _relu(_relu(X @ W[0] + b[0]) @ W[1] + b[1])
    reconstruction = _relu(code @ W[2] + b[2]) @ W[3] + b[3]
    np.testing.assert_allclose(model.transform(X), code, rtol=1e-12)
    np.testing.assert_allclose(model.inverse_transform(code), reconstruction,
                               rtol=1e-12)
    assert model.score(X) == pytest.approx(-np.mean((X - reconstruction) ** 2),
                                           rel=1e-12)
    weights = np.arange(200) % 3
    assert model.score(X, sample_weight=weights) == pytest.approx(
        -np.average(np.mean((X - reconstruction) ** 2, axis=1), weights=weights),
        rel=1e-12)
    assert model.n_outputs_ == 64 and model.out_activation_ == "identity"
    assert list(model.get_feature_names_out()) == [f"mlpautoencoder{i}"
                                                   for i in range(4)]


# Without tied weights an autoencoder is the mirrored network trained to give back its
# input: MLPRegressor((16, 8, 16)) fitted on (X, X), which test_mlp.py and
# scikit-learn's own tests check against scikit-learn. Same seed, same draws: every
# solver, penalty, activation, weight init, loss and training noise the MLPs have
# must reach the autoencoder and give the regressor's weights exactly.
def _mirrored_fits(X, **settings):
    settings = dict(dict(max_iter=12, random_state=0, learning_rate_init=0.01),
                    **settings)
    autoencoder = _fit(MLPAutoencoder((16, 8), **settings), X)
    regressor = _fit(MLPRegressor((16, 8, 16), **settings), X, y=X)
    return autoencoder, regressor


@pytest.mark.parametrize("penalty", ["l2", "l1", "elasticnet"])
@pytest.mark.parametrize("solver", sorted(SOLVERS))
def test_every_solver_and_penalty_trains_it_as_the_mirrored_regressor(digits, solver,
                                                                      penalty):
    X = digits[0][:300]
    autoencoder, regressor = _mirrored_fits(X, solver=solver, penalty=penalty,
                                            alpha=0.5)
    for mine, reference in zip(autoencoder.coefs_ + autoencoder.intercepts_,
                               regressor.coefs_ + regressor.intercepts_):
        np.testing.assert_array_equal(mine, reference)
    assert autoencoder.loss_curve_ == regressor.loss_curve_
    assert autoencoder.loss_curve_[-1] < 0.9 * autoencoder.loss_curve_[0]  # it trained


@pytest.mark.parametrize("settings", [
    *[dict(activation=name) for name in sorted(set(ACTIVATIONS) - {"softmax"})],
    *[dict(weight_init=name) for name in INITIALIZERS],
    dict(loss="absolute_error"), dict(loss="huber"),
    dict(input_noise=0.2), dict(input_dropout=0.2), dict(dropout=0.3),
    dict(weight_noise=0.05), dict(activation="logistic", stochastic_activities=True),
    dict(max_norm=0.5), dict(solver="sgd", batch_size=32, learning_rate="adaptive"),
], ids=lambda settings: "-".join(f"{k}={v}" for k, v in settings.items()))
def test_every_option_reaches_the_network_as_in_the_mirrored_regressor(digits,
                                                                       settings):
    autoencoder, regressor = _mirrored_fits(digits[0][:300], **settings)
    for mine, reference in zip(autoencoder.coefs_, regressor.coefs_):
        np.testing.assert_array_equal(mine, reference)


def test_denoising_corrupts_the_input_and_keeps_the_target_clean():
    # One full-batch SGD step by hand: the gradient of the loss of the corrupted
    # input's reconstruction against the clean input.
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(6, 4))
    settings = dict(hidden_layer_sizes=(3,), solver="sgd", momentum=0.0,
                    batch_size=6, shuffle=False, learning_rate_init=0.1, alpha=0.0,
                    random_state=0)
    model = _fit(MLPAutoencoder(input_dropout=0.5, max_iter=1, **settings), X)
    start = _fit(MLPAutoencoder(max_iter=1, **{**settings,
                                               "learning_rate_init": 1e-300}), X)
    draws = np.random.RandomState(0)
    Network([4, 3, 4]).init_params(draws, "auto", "relu")  # the same initial draws
    fed = X * (draws.random(X.shape) >= 0.5) / 0.5
    (W1, W2), (b1, b2) = start.coefs_, start.intercepts_
    hidden = _relu(fed @ W1 + b1)
    d_out = (hidden @ W2 + b2 - X) / len(X)  # the clean X is the target
    d_hidden = (d_out @ W2.T) * (hidden > 0)
    expected = [W1 - 0.1 * fed.T @ d_hidden, W2 - 0.1 * hidden.T @ d_out]
    for got, want in zip(model.coefs_, expected):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14)
    assert not np.allclose(fed, X)  # the corruption happened


def test_tied_weights_are_the_encoders_transposed_and_train(digits):
    X = digits[0]
    model = _fit(MLPAutoencoder((32, 8), tied_weights=True, max_iter=30,
                                random_state=0), X)
    np.testing.assert_array_equal(model.coefs_[3], model.coefs_[0].T)
    np.testing.assert_array_equal(model.coefs_[2], model.coefs_[1].T)
    assert len(model._training["solver"]["m"]) == 64 * 32 + 32 * 8 + 32 + 8 + 32 + 64
    untrained = _fit(MLPAutoencoder((32, 8), tied_weights=True, max_iter=1,
                                    random_state=0), X)
    assert model.score(X) > untrained.score(X)
    # warm_start continues from the (tied) weights; partial_fit too.
    before = model.coefs_[0].copy()
    _fit(model.set_params(warm_start=True, max_iter=2), X)
    assert not np.array_equal(model.coefs_[0], before)
    np.testing.assert_array_equal(model.coefs_[3], model.coefs_[0].T)
    model.partial_fit(X)
    np.testing.assert_array_equal(model.coefs_[3], model.coefs_[0].T)


def test_nonlinear_code_reconstructs_better_than_pca(digits):
    X = digits[0]
    pca = PCA(8).fit(X)
    pca_error = np.mean((X - pca.inverse_transform(pca.transform(X))) ** 2)
    model = _fit(MLPAutoencoder((64, 8), tied_weights=True, random_state=0), X)
    assert -model.score(X) < 0.9 * pca_error


def test_binary_cross_entropy_for_inputs_in_the_unit_interval(digits):
    X = digits[0][:300]
    model = _fit(MLPAutoencoder((16,), loss="binary_log_loss", max_iter=20,
                                random_state=0), X)
    assert model.out_activation_ == "logistic"
    code = model.transform(X)
    W, b = model.coefs_[1], model.intercepts_[1]
    np.testing.assert_allclose(model.inverse_transform(code), expit(code @ W + b),
                               rtol=1e-12)
    with pytest.raises(ValueError, match=r"inputs in \[0, 1\]"):
        MLPAutoencoder(loss="binary_log_loss").fit(X * 2 - 0.5)


def test_in_a_pipeline_and_a_search(digits):
    X, y = digits
    search = GridSearchCV(MLPAutoencoder(max_iter=30, random_state=0),
                          {"hidden_layer_sizes": [(2,), (16,)]}, cv=2)
    _fit(search, X)
    assert search.best_params_ == {"hidden_layer_sizes": (16,)}  # the score's sense
    pipeline = make_pipeline(MLPAutoencoder((32,), max_iter=30, random_state=0),
                             LogisticRegression(max_iter=1000))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipeline.fit(X[:1200], y[:1200])
    assert pipeline.score(X[1200:], y[1200:]) > 0.85
    assert pipeline[0].set_output(transform="pandas").transform(X[:2]).shape == (2, 32)


@pytest.mark.parametrize("namespace", ["array_api_strict", "torch"])
def test_array_api_namespace_gives_the_numpy_fit(digits, namespace):
    xp = pytest.importorskip(namespace)
    from sklearn import config_context

    X = digits[0][:200]
    settings = dict(hidden_layer_sizes=(8, 3), tied_weights=True, max_iter=5,
                    random_state=0)
    reference = _fit(MLPAutoencoder(**settings), X)
    with config_context(array_api_dispatch=True):
        X_xp = xp.asarray(X)
        model = _fit(MLPAutoencoder(**settings), X_xp)
        code = model.transform(X_xp)
        reconstruction = model.inverse_transform(code)
        score = model.score(X_xp)
    assert type(code) is type(X_xp) and type(reconstruction) is type(X_xp)
    np.testing.assert_allclose(np.asarray(code), reference.transform(X), rtol=1e-10)
    assert score == pytest.approx(reference.score(X), rel=1e-10)


def test_dask_full_batch_fit_and_transform(digits):
    da = pytest.importorskip("dask.array")
    X = digits[0][:300]
    X_dask = da.from_array(X, chunks=100)
    settings = dict(hidden_layer_sizes=(8, 3), solver="lbfgs", tied_weights=True,
                    max_iter=15, random_state=0)
    model = _fit(MLPAutoencoder(**settings), X_dask)
    reference = _fit(MLPAutoencoder(**settings), X)
    # The objective of the NumPy fit, summed in another order: L-BFGS's iterates
    # agree to rounding, amplified over the iterations.
    for got, want in zip(model.coefs_, reference.coefs_):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)
    code = model.transform(X_dask)
    assert isinstance(code, da.Array)
    np.testing.assert_allclose(code.compute(), model.transform(X), rtol=1e-12)
    assert model.score(X_dask) == pytest.approx(model.score(X), rel=1e-12)
    with pytest.raises(ValueError, match="mini-batches"):
        MLPAutoencoder(solver="adam").fit(X_dask)


def test_onnx_graph_computes_the_code(digits):
    ort = pytest.importorskip("onnxruntime")
    from skneural.onnx import to_onnx

    X = digits[0].astype(np.float32)
    model = _fit(MLPAutoencoder((16, 4), activation=["tanh", "identity"],
                                tied_weights=True, max_iter=5, random_state=0), X)
    session = ort.InferenceSession(to_onnx(model, X).SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    (code,) = session.run(None, {"X": X})
    assert code.shape == (len(X), 4)
    np.testing.assert_allclose(code, model.transform(X), rtol=1e-5, atol=1e-6)


def test_skops_loads_it_with_skneurals_trusted_types(digits):
    sio = pytest.importorskip("skops.io")
    from skneural.persistence import load, trusted_types

    X = digits[0][:200]
    model = _fit(MLPAutoencoder((8,), solver="sgd", penalty="l1", max_iter=3,
                                random_state=0), X)
    data = sio.dumps(model)
    assert sio.get_untrusted_types(data=data) == trusted_types(MLPAutoencoder)
    loaded = load(data)
    np.testing.assert_array_equal(loaded.transform(X), model.transform(X))
    loaded.partial_fit(X)
    model.partial_fit(X)
    np.testing.assert_array_equal(loaded.coefs_[0], model.coefs_[0])
