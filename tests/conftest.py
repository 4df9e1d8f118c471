"""Test-session set-up shared by every test module.

``SCIPY_ARRAY_API=1`` must be in the environment before scipy is first imported:
scipy reads it once, and scikit-learn's Array API checks (``check_array_api_input``
and friends, which ``tests/test_common.py`` runs because the MLPs declare
``array_api_support``) skip with "SCIPY_ARRAY_API is not set" without it. It also
lets ``scipy.special`` (the exact gelu's ``erf``) dispatch to torch and
array-api-strict. pytest imports this file before any test module; for the same
reason the ``ConvergenceWarning`` filter is added here rather than in
``pyproject.toml``, where pytest would import scikit-learn (and scipy) to resolve
it before this file runs.
"""

import os

os.environ.setdefault("SCIPY_ARRAY_API", "1")


def pytest_configure(config):
    config.addinivalue_line("filterwarnings",
                            "ignore::sklearn.exceptions.ConvergenceWarning")
