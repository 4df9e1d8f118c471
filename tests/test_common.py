"""scikit-learn's estimator checks over every estimator, solver and catalogue option.

One parametrization over explicit instances. The only expected failures are the ones
that cannot hold by construction, each with its reason.
"""

import importlib.util

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from skneural import MLPAutoencoder, MLPClassifier, MLPRegressor, PerceptronClassifier
from skneural.optim import RMSprop

# scikit-learn's own test settings for its MLPs use max_iter=100 (instance_generator).
ESTIMATORS = [
    # The drop-in defaults and scikit-learn's other two solvers.
    MLPClassifier(max_iter=100),
    MLPRegressor(max_iter=100),
    MLPClassifier(solver="sgd", max_iter=100),
    MLPRegressor(solver="sgd", max_iter=100),
    MLPClassifier(solver="lbfgs", max_iter=100),
    MLPRegressor(solver="lbfgs", max_iter=100),
    # skneural's solvers, by name and as an object.
    MLPClassifier(solver="irprop-", max_iter=100),
    MLPRegressor(solver=RMSprop(), max_iter=100),
    MLPClassifier(solver="cg", max_iter=100),
    # The catalogue: activations, initializers, penalties, constraints, noise, dropout.
    MLPClassifier((32, 16), max_iter=100,
                  activation=["gelu", "leaky_relu(negative_slope=0.1)"],
                  weight_init="he_uniform", penalty="elasticnet", l1_ratio=0.5,
                  max_norm=2.0, input_noise=0.05, dropout=[0.2, 0.1]),
    MLPClassifier(max_iter=100, activation="lecun_tanh", penalty="l1", max_norm=3.0,
                  weight_init="glorot_normal", solver="lbfgs"),
    MLPRegressor((8,), max_iter=100, activation="elu", loss="huber", dropout=0.1,
                 input_noise=0.05, learning_rate_init=0.01),
    MLPRegressor(max_iter=100, activation="softplus", loss="absolute_error",
                 learning_rate_init=0.01, max_norm=5.0),
    # Training control. ('balanced' refuses partial_fit, as scikit-learn's
    # SGDClassifier does, so it is checked with a full-batch solver.)
    MLPClassifier(max_iter=100, learning_rate="plateau"),
    MLPClassifier(solver="lbfgs", max_iter=100, class_weight="balanced"),
    MLPRegressor(max_iter=100, training_dtype="float32"),
    # The autoencoder: tied weights, a linear code, denoising by input dropout.
    MLPAutoencoder((8, 4), activation=["relu", "identity"], tied_weights=True,
                   max_iter=100),
    # The perceptron.
    PerceptronClassifier(),
    PerceptronClassifier(pocket=True),
]

_PERCEPTRON_REASON = (
    # scikit-learn lists the same for its own Perceptron (instance_generator.py).
    "sample_weight is not equivalent to removing/repeating samples."
)
_RANDOM_DRAWS_PER_ROW = (
    "dropout masks and input noise are drawn per row, so a row repeated twice gets "
    "two independent draws where a row of weight 2 gets one: the fits differ by design"
)
_FLOAT32_TRAINING = (
    "training_dtype='float32' rounds to about 1e-7 relative, the check's own "
    "tolerance, so weighted and repeated fits agree only to float32 precision"
)
_BALANCED = (
    "'balanced' class weights come from the class counts of y, which repeating rows "
    "changes and weighting them does not (scikit-learn's compute_class_weight)"
)
_SAMPLE_WEIGHT_CHECKS = ("check_sample_weight_equivalence_on_dense_data",
                         "check_sample_weight_equivalence_on_sparse_data")


def expected_failed_checks(estimator):
    if isinstance(estimator, PerceptronClassifier):
        return dict.fromkeys(_SAMPLE_WEIGHT_CHECKS, _PERCEPTRON_REASON)
    if getattr(estimator, "dropout", 0.0) != 0.0 or getattr(
            estimator, "input_noise", 0.0) != 0.0:
        return dict.fromkeys(_SAMPLE_WEIGHT_CHECKS, _RANDOM_DRAWS_PER_ROW)
    if getattr(estimator, "class_weight", None) == "balanced":
        return dict.fromkeys(_SAMPLE_WEIGHT_CHECKS, _BALANCED)
    if getattr(estimator, "training_dtype", None) == "float32":
        return dict.fromkeys(_SAMPLE_WEIGHT_CHECKS, _FLOAT32_TRAINING)
    return {}


def unusable_device(check):
    """Why a namespace/device of scikit-learn's array-API checks cannot run here, or
    None.

    scikit-learn skips a torch "cuda" combination only when torch was *built*
    without CUDA; a CUDA build on a machine without a working GPU (what pip installs
    by default) would run it and fail in the driver. A device takes part only where
    it works: ``torch.cuda.is_available()``, a CuPy device count, ...
    """
    keywords = getattr(check, "keywords", {})
    pairs = [(keywords.get("array_namespace"), keywords.get("device_name"))]
    pairs += [tuple(keywords[k]) for k in ("X_ns_and_device", "other_ns_and_device")
              if k in keywords]
    for namespace, device in pairs:
        if namespace not in ("torch", "cupy") or importlib.util.find_spec(
                namespace) is None:
            continue  # NumPy, array-api-strict; a missing library scikit-learn skips
        if namespace == "cupy":
            import cupy

            try:
                count = cupy.cuda.runtime.getDeviceCount()
            except Exception:  # no driver
                count = 0
            if count == 0:
                return "CuPy has no usable GPU on this machine"
            continue
        import torch

        usable = {"cuda": lambda: torch.cuda.is_available(),
                  "mps": lambda: torch.backends.mps.is_available(),
                  "xpu": lambda: hasattr(torch, "xpu") and torch.xpu.is_available()}
        if device in usable and not usable[device]():
            return f"torch's {device!r} device is not usable on this machine"
    return None


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    reason = unusable_device(check)
    if reason is not None:
        pytest.skip(reason)
    check(estimator)
