"""The quick gallery examples run as plain scripts, headless, and save their figure.

The backpropagation example checks its numbers against the published worked example
(and its gradients against finite differences) with assertions of its own, so running
it is a test of ``Network`` too. The slow examples run in the full docs build.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run_example(name, tmp_path):
    figure = tmp_path / "figure.png"
    env = dict(os.environ, MPLBACKEND="Agg",
               PYTHONPATH=os.pathsep.join([str(EXAMPLES.parent),
                                           os.environ.get("PYTHONPATH", "")]))
    result = subprocess.run([sys.executable, str(EXAMPLES / name), "--save", str(figure)],
                            capture_output=True, text=True, env=env, timeout=300,
                            cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert figure.stat().st_size > 10_000  # a real picture, not an empty canvas
    return result.stdout


def test_backprop_example_reproduces_the_published_numbers(tmp_path):
    out = run_example("plot_backprop_worked_example.py", tmp_path)
    assert "E_total               0.298371109   published 0.298371109" in out
    assert "w5        0.082167041" in out


def test_perceptron_example(tmp_path):
    out = run_example("plot_perceptron.py", tmp_path)
    assert "AND: predictions [0 0 0 1]" in out and "OR: predictions [0 1 1 1]" in out


def test_examples_save_their_figure_only_when_asked():
    for script in EXAMPLES.glob("plot_*.py"):
        source = script.read_text()
        assert 'if "--save" in sys.argv:' in source, script.name
        assert "plt.show()" not in source, script.name
