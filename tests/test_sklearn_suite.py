"""scikit-learn's own tests of its MLPs and Perceptron, run against skneural.

The guard of the drop-in promise: the *installed* scikit-learn's
``neural_network/tests/test_mlp.py`` and ``linear_model/tests/test_perceptron.py`` are
copied to a temporary directory with only their imports of the estimators under test
rewritten to skneural's, and run by pytest in a subprocess, with the fixture they need
from scikit-learn's conftest (``global_random_seed``).

Only the tests listed in ``KNOWN_DIFFERENCES`` may fail, each for its stated reason:
they read scikit-learn's private attributes, or check a documented, deliberate
difference. The test fails when any other fails, and when a listed one passes (or no
longer exists), so the list stays true.
"""

import importlib.util
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

# file -> (path inside the installed scikit-learn, [(its import line, ours)])
SUITES = {
    "test_mlp.py": (
        "neural_network/tests/test_mlp.py",
        [("from sklearn.neural_network import MLPClassifier, MLPRegressor",
          "from skneural import MLPClassifier, MLPRegressor")]),
    "test_perceptron.py": (
        "linear_model/tests/test_perceptron.py",
        [("from sklearn.linear_model import Perceptron",
          "from skneural import PerceptronClassifier as Perceptron")]),
}

_PRIVATE = "reads scikit-learn's private {}"
KNOWN_DIFFERENCES = {
    "test_mlp.py::test_gradient": _PRIVATE.format(
        "method _loss_grad_lbfgs (skneural's gradients are checked against finite "
        "differences in tests/test_network.py and tests/test_catalogue.py)"),
    "test_mlp.py::test_learning_rate_warmstart": _PRIVATE.format(
        "_optimizer.learning_rate (the schedules are checked against hand-computed "
        "sequences in tests/test_training_control.py)"),
    "test_mlp.py::test_adaptive_learning_rate": _PRIVATE.format(
        "_optimizer.learning_rate"),
    "test_mlp.py::test_nonfinite_params": (
        "inputs near the largest float are refused with a ValueError, as in "
        "scikit-learn, but skneural's message says what is not finite (the training "
        "loss or outputs at the last finite weights) where scikit-learn's says "
        "'non-finite parameter weights'"),
    "test_mlp.py::test_preserve_feature_names[MLPClassifier]": (
        "a classifier given one class is refused with a clear error (scikit-learn "
        "fits a model that always predicts that class)"),
    "test_mlp.py::test_mlp_diverging_loss": (
        "a diverging run stops and restores the last finite weights, so "
        "validation_scores_ stay finite instead of ending in NaN"),
}

CONFTEST = '''
import os


def pytest_generate_tests(metafunc):
    # scikit-learn's global_random_seed (sklearn/conftest.py): 42 unless
    # SKLEARN_TESTS_GLOBAL_RANDOM_SEED says otherwise ("all", "a-b" or one seed).
    if "global_random_seed" not in metafunc.fixturenames:
        return
    value = os.environ.get("SKLEARN_TESTS_GLOBAL_RANDOM_SEED")
    if value is None:
        seeds = [42]
    elif value == "all":
        seeds = list(range(100))
    elif "-" in value:
        start, stop = value.split("-")
        seeds = list(range(int(start), int(stop) + 1))
    else:
        seeds = [int(value)]
    metafunc.parametrize("global_random_seed", seeds)
'''


def installed_sklearn_test(relative):
    spec = importlib.util.find_spec("sklearn")
    path = Path(spec.submodule_search_locations[0]) / relative
    if not path.exists():
        pytest.fail(f"scikit-learn's test file {path} is not installed.")
    return path


def rewrite(source, replacements, name):
    for original, ours in replacements:
        lines = source.splitlines()
        if lines.count(original) != 1:
            pytest.fail(f"{name}: the import line {original!r} is not in the installed "
                        "scikit-learn's test file once; update SUITES.")
        source = "\n".join(ours if line == original else line for line in lines) + "\n"
    return source


def run_suite(name, directory):
    """Run one rewritten file; return ``{test id: outcome}``."""
    relative, replacements = SUITES[name]
    source = installed_sklearn_test(relative).read_text()
    (directory / name).write_text(rewrite(source, replacements, name))
    (directory / "conftest.py").write_text(CONFTEST)
    report = directory / f"{name}.xml"
    env = {**os.environ, "SCIPY_ARRAY_API": os.environ.get("SCIPY_ARRAY_API", "1")}
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "-o", "addopts=", f"--junitxml={report}", "--rootdir", str(directory),
         str(directory / name)],
        cwd=directory, env=env, capture_output=True, text=True, timeout=600)
    if not report.exists():
        pytest.fail(f"pytest did not run {name}:\n{completed.stdout}\n{completed.stderr}")
    outcomes = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        test_id = f"{name}::{case.get('name')}"
        kinds = {child.tag for child in case}
        outcomes[test_id] = ("failed" if kinds & {"failure", "error"}
                             else "skipped" if "skipped" in kinds else "passed")
    return outcomes, completed.stdout


@pytest.mark.parametrize("name", sorted(SUITES))
def test_scikit_learn_own_tests_pass(name, tmp_path):
    outcomes, output = run_suite(name, tmp_path)
    assert sum(outcome == "passed" for outcome in outcomes.values()) > 0, output
    failed = {test for test, outcome in outcomes.items() if outcome == "failed"}
    known = {test for test in KNOWN_DIFFERENCES if test.startswith(name + "::")}
    unexpected = sorted(failed - known)
    now_passing = sorted(test for test in known if outcomes.get(test) == "passed")
    missing = sorted(test for test in known if test not in outcomes)
    problems = []
    if unexpected:
        problems.append(f"scikit-learn's tests fail against skneural: {unexpected}")
    if now_passing:
        problems.append(f"listed as known differences but now pass (remove them from "
                        f"KNOWN_DIFFERENCES): {now_passing}")
    if missing:
        problems.append(f"listed but not in the installed scikit-learn's tests: "
                        f"{missing}")
    assert not problems, "\n".join(problems) + "\n\n" + output[-5000:]
