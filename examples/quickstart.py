"""
Quickstart: skneural's MLPClassifier where scikit-learn's would go
==================================================================

A Pipeline (StandardScaler + MLPClassifier) tuned by GridSearchCV over two
parameters on scikit-learn's bundled digits data; prints the best parameters and the
held-out accuracy. Changing ``from skneural import MLPClassifier`` to
``from sklearn.neural_network import MLPClassifier`` runs the same code on
scikit-learn's implementation.
"""

# The gallery's thumbnail (this example draws no figure): the digits it learns.
# sphinx_gallery_thumbnail_path = "_static/generated/quickstart_digits.png"

from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skneural import MLPClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

pipeline = make_pipeline(
    StandardScaler(), MLPClassifier(max_iter=500, random_state=0)
)
search = GridSearchCV(
    pipeline,
    param_grid={
        "mlpclassifier__hidden_layer_sizes": [(50,), (100,)],
        "mlpclassifier__alpha": [1e-4, 1e-2],
    },
    cv=3,
    n_jobs=2,
)
search.fit(X_train, y_train)

print("best parameters:", search.best_params_)
print(f"cross-validated accuracy: {search.best_score_:.3f}")
print(f"held-out accuracy: {search.score(X_test, y_test):.3f}")
