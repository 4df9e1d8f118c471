"""scikit-learn's estimator checks over every estimator and solver.

Every check passes at these settings, with no expected failures.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skneural import MLPClassifier, MLPRegressor

# scikit-learn's own test settings for its MLPs use max_iter=100 (instance_generator).
ESTIMATORS = [
    MLPClassifier(max_iter=100),
    MLPRegressor(max_iter=100),
    MLPClassifier(solver="sgd", max_iter=100),
    MLPRegressor(solver="sgd", max_iter=100),
    MLPClassifier(solver="lbfgs", max_iter=100),
    MLPRegressor(solver="lbfgs", max_iter=100),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
