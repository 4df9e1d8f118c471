"""Proof by extension: a user's solver and a user's activation, each written once as
the documentation shows, run unchanged on NumPy, PyTorch CPU tensors and Dask arrays.

The code is taken from the documentation pages themselves (``doc/solvers.rst``,
``doc/catalogue.rst``), as a user would copy it. References: the NumPy fit, which
the suite checks against scikit-learn and finite differences elsewhere; here every
other namespace and the Dask cluster must give its weights (1e-8 relative, float64).
"""

import re
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn import config_context
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

from skneural import MLPClassifier, activations, optim

DOC = Path(__file__).resolve().parents[1] / "doc"

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def documented_code(page, first_line):
    """The literal block of ``page`` that starts with ``first_line``, dedented."""
    text = (DOC / page).read_text()
    start = text.index(first_line)
    block = []
    for line in text[start:].splitlines():
        if line and not line.startswith("    "):
            break
        block.append(line)
    return textwrap.dedent("\n".join(block))


def run_documented(page, first_line, stop_before, namespace):
    code = documented_code(page, first_line)
    code = code[:code.index(stop_before)] if stop_before else code
    exec(code, namespace)
    return namespace


@pytest.fixture(scope="module")
def sign_sgd():
    namespace = run_documented("solvers.rst", "    from skneural.optim import Solver",
                               "MLPClassifier(", {})
    return namespace["SignSGD"]


@pytest.fixture(scope="module")
def softsign():
    namespace = run_documented("catalogue.rst", "      from skneural import activations",
                               "activations.register", {})
    record = namespace["softsign"]
    activations.register(record, overwrite=True)
    yield record
    del activations.ACTIVATIONS[record.name]


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=240, n_features=6, n_informative=4,
                               random_state=0)
    return X, y


def _flat(model):
    from skneural._backend import to_host

    return np.concatenate([to_host(a).ravel() for a in model.coefs_ + model.intercepts_])


def _same(model, reference):
    expected = _flat(reference)
    np.testing.assert_allclose(_flat(model), expected, rtol=1e-8,
                               atol=1e-8 * np.abs(expected).max())


def test_the_documented_pieces_are_what_they_say(sign_sgd, softsign):
    assert issubclass(sign_sgd, optim.Solver) and sign_sgd.has_learning_rate
    # softsign and its derivative, by hand.
    x = np.array([[-3.0, -0.5, 0.0, 2.0]])
    np.testing.assert_allclose(softsign(x), x / (1 + np.abs(x)))
    delta = softsign.derivative(softsign(x), np.ones_like(x), None, np)
    np.testing.assert_allclose(delta, 1 / (1 + np.abs(x)) ** 2)


def test_on_numpy_the_documented_solver_and_activation_train(data, sign_sgd, softsign):
    X, y = data
    clf = MLPClassifier((8,), activation="softsign", solver=sign_sgd(0.01),
                        max_iter=100, random_state=0).fit(X, y)
    assert clf.loss_curve_[-1] < 0.7 * clf.loss_curve_[0]
    assert clf.score(X, y) > 0.85
    optim.register("sign_sgd_test", lambda p: sign_sgd(p["learning_rate_init"]))
    try:
        by_name = MLPClassifier((8,), activation="softsign", solver="sign_sgd_test",
                                learning_rate_init=0.01, max_iter=100,
                                random_state=0).fit(X, y)
        _same(by_name, clf)
    finally:
        optim.SOLVERS.pop("sign_sgd_test")


@pytest.mark.parametrize("namespace", ["torch", "array_api_strict"])
def test_on_other_namespaces_unchanged(data, sign_sgd, softsign, namespace):
    xp = pytest.importorskip(namespace)
    X, y = data
    params = dict(hidden_layer_sizes=(8,), activation="softsign",
                  solver=sign_sgd(0.003), max_iter=10, random_state=0)
    reference = MLPClassifier(**params).fit(X, y)
    with config_context(array_api_dispatch=True):
        model = MLPClassifier(**params).fit(xp.asarray(X), xp.asarray(y))
        predicted = model.predict(xp.asarray(X))
    assert type(model.coefs_[0]).__module__.split(".")[0] == namespace
    _same(model, reference)
    np.testing.assert_array_equal(np.asarray(predicted), reference.predict(X))


def test_on_a_dask_array_unchanged(data, sign_sgd, softsign):
    da = pytest.importorskip("dask.array")
    pytest.importorskip("distributed")
    X, y = data
    X_dask, y_dask = da.from_array(X, chunks=80), da.from_array(y, chunks=80)
    # The solver streams the blocks (partial_fit on each in turn) ...
    stepping = dict(hidden_layer_sizes=(8,), activation="softsign",
                    solver=sign_sgd(0.003), random_state=0)
    streamed = MLPClassifier(**stepping).partial_fit(X_dask, y_dask, classes=[0, 1])
    reference = MLPClassifier(**stepping)
    for start in range(0, 240, 80):
        reference.partial_fit(X[start:start + 80], y[start:start + 80], classes=[0, 1])
    _same(streamed, reference)
    # ... and the activation trains full batch on the workers.
    full = dict(hidden_layer_sizes=(8,), activation="softsign", solver="lbfgs",
                max_iter=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        on_cluster = MLPClassifier(**full).fit(X_dask, y_dask)
        _same(on_cluster, MLPClassifier(**full).fit(X, y))
    prediction = on_cluster.predict(X_dask)
    assert isinstance(prediction, da.Array)
    np.testing.assert_array_equal(prediction.compute(), on_cluster.predict(X))


def test_the_solver_docstring_shows_the_same_class(sign_sgd):
    # skneural.optim's module docstring carries the same example as the page.
    page = documented_code("solvers.rst", "    from skneural.optim import Solver")
    page = page[:page.index("MLPClassifier(")]
    body = re.sub(r"\\\\", "", optim.__doc__)
    assert all(line.strip() in body for line in page.splitlines() if line.strip())
