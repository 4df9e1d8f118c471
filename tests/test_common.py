"""scikit-learn's estimator checks over every estimator, solver and catalogue option.

One parametrization over explicit instances. The only expected failures are the ones
that cannot hold by construction, each with its reason.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skneural import MLPClassifier, MLPRegressor, PerceptronClassifier
from skneural.solvers import RMSprop

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


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
