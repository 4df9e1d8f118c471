"""The autoencoder example says what its run prints, and its claim holds.

``examples/plot_autoencoder.py`` is one of the slow examples (the quick docs build
skips it), so its text is checked here against one run of it: the autoencoder's
test reconstruction error is below PCA's at 32 components (issue 25's claim), and
every number its text quotes is the printed one, to the digits the text gives
(the claims in ``doc/_sphinxext/example_claims.py``).
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from skneural.datasets import get_data_home

pytest.importorskip("matplotlib")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "plot_autoencoder.py"

sys.path.insert(0, str(ROOT / "doc" / "_sphinxext"))

import example_claims  # noqa: E402

_ROW = r"^\s+32\s+(?P<ae>[\d.]+)\s+(?P<pca>[\d.]+)$"


@pytest.fixture(scope="module")
def output(tmp_path_factory):
    if not (get_data_home() / "fashion-mnist").is_dir():
        pytest.skip(f"Fashion-MNIST is not in {get_data_home()}")
    env = dict(os.environ, MPLBACKEND="Agg",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    result = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True,
                            text=True, env=env, timeout=600,
                            cwd=tmp_path_factory.mktemp("autoencoder"))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no warning
    return result.stdout


def test_autoencoder_reconstructs_better_than_pca_at_32_components(output):
    row = re.search(_ROW, output, re.M)
    assert float(row["ae"]) < float(row["pca"])


def test_the_text_quotes_the_run(output):
    """The claims of ``doc/_sphinxext/example_claims.py``, which the full docs
    build checks too; here they are checked without building the docs."""
    assert example_claims.CLAIMS["plot_autoencoder.py"]
    assert example_claims.claim_problems("plot_autoencoder.py", output) == []
