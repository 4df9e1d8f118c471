"""The autoencoder example says what its run prints, and its claim holds.

``examples/plot_autoencoder.py`` is one of the slow examples (the quick docs build
skips it), so its text is checked here against one run of it: the autoencoder's
test reconstruction error is below PCA's at 32 components (issue 25's claim), and
every number its text quotes is the printed one, to the digits the text gives.
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

_ROW = r"^\s+{size}\s+(?P<{ae}>[\d.]+)\s+(?P<{pca}>[\d.]+)$"
# (pattern in the text, pattern in the output), with the same named groups.
CLAIMS = [
    (r"code classifies the test images better \((?P<ae>[\d.]+)\) than the 32 "
     r"principal components \((?P<pca>[\d.]+)\)",
     r"^PCA, 32 components\s+test accuracy (?P<pca>[\d.]+)$[\s\S]*"
     r"^autoencoder, 32-unit code\s+test accuracy (?P<ae>[\d.]+)$"),
    (r"(?P<ae>[\d.]+) against (?P<pca>[\d.]+) with 32 numbers per image",
     _ROW.format(size=32, ae="ae", pca="pca")),
    (r"8-unit code rebuilds the images better \((?P<ae>[\d.]+)\) than 16 principal "
     r"components \((?P<pca>[\d.]+)\)",
     _ROW.format(size=8, ae="ae", pca="x") + r"[\s\S]*"
     + _ROW.format(size=16, ae="y", pca="pca")),
    (r"reconstructions are at (?P<plain>[\d.]+) from the clean images, the noisy "
     r"images at (?P<noisy>\d+\.\d+)",
     r"^noisy test images: error (?P<noisy>[\d.]+)[\s\S]*"
     r"^autoencoder rebuilds them with error (?P<plain>[\d.]+)$"),
    (r"comes closer still \((?P<denoising>[\d.]+)\)",
     r"^denoising autoencoder rebuilds them with error (?P<denoising>[\d.]+)$"),
]


def _text(source):
    """The example's comment blocks, as one line of words."""
    comments = [line.lstrip("#").strip() for line in source.splitlines()
                if line.startswith("#")]
    return re.sub(r"\s+", " ", " ".join(comments))


def _agrees(said, printed):
    """``said`` is ``printed`` rounded to the digits ``said`` gives."""
    decimals = len(said.split(".")[1]) if "." in said else 0
    return round(float(printed), decimals) == float(said)


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
    row = re.search(_ROW.format(size=32, ae="ae", pca="pca"), output, re.M)
    assert float(row["ae"]) < float(row["pca"])


@pytest.mark.parametrize("said, printed", CLAIMS)
def test_the_text_quotes_the_run(output, said, printed):
    text = re.search(said, _text(EXAMPLE.read_text()))
    assert text is not None, said
    run = re.search(printed, output, re.M)
    assert run is not None, printed
    for name, value in text.groupdict().items():
        assert _agrees(value, run[name]), (name, value, run[name])
