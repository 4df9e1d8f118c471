"""The gallery's examples, checked as sphinx-gallery runs them.

sphinx-gallery runs every example in one process, one after the other, and shows
what each prints. So each example must leave no process state behind, print no
warning and no local path, and say in its text only numbers that its run prints
(``doc/_sphinxext/example_checks.py`` and ``example_claims.py`` hold the rules).

The quick examples run here, in one fresh interpreter, one after the other, like the
gallery; the slow ones (minutes each: ``example_checks.SLOW_EXAMPLES``) run in the
full docs build, which makes the same checks on every example (``doc/conf.py``).
The sources of all of them are checked here for calls that change process state and
for numbers in their text that are neither a checked claim nor a fact.

The backpropagation example checks its numbers against the published worked example
(and its gradients against finite differences) with assertions of its own, so running
it is a test of ``Network`` too.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
CHECKS = ROOT / "doc" / "_sphinxext"
sys.path.insert(0, str(CHECKS))

import example_checks  # noqa: E402
import example_claims  # noqa: E402

ALL = sorted(path.name for path in EXAMPLES.glob("*.py"))
QUICK = [name for name in ALL if Path(name).stem not in example_checks.SLOW_EXAMPLES]


def run_like_the_gallery(paths, cwd):
    """Run the examples at ``paths`` one after the other in one fresh interpreter."""
    result_file = Path(cwd) / "result.json"
    # As in a docs build: a distributed.LocalCluster started earlier in the test
    # session leaves OMP/MKL/OPENBLAS_NUM_THREADS=1 in os.environ (its nanny's
    # pre-spawn environment), which would start the examples on one BLAS thread.
    env = {key: value for key, value in os.environ.items()
           if key not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
    env.update(MPLBACKEND="Agg",
               PYTHONPATH=os.pathsep.join([str(ROOT), str(CHECKS),
                                           os.environ.get("PYTHONPATH", "")]))
    process = subprocess.run(
        [sys.executable, str(CHECKS / "example_checks.py"), str(result_file),
         *map(str, paths)], capture_output=True, text=True, env=env, cwd=cwd,
        timeout=900)
    assert process.returncode == 0, process.stderr
    return json.loads(result_file.read_text())


@pytest.fixture(scope="module")
def gallery(tmp_path_factory):
    return run_like_the_gallery([EXAMPLES / name for name in QUICK],
                                tmp_path_factory.mktemp("gallery"))


@pytest.mark.parametrize("name", QUICK)
def test_quick_example_runs_and_leaves_no_process_state(gallery, name):
    assert gallery[name]["error"] is None, gallery[name]["error"]
    assert gallery[name]["state_changes"] == []


@pytest.mark.parametrize("name", QUICK)
def test_quick_example_prints_no_warning_or_local_path(gallery, name):
    assert example_checks.output_problems(gallery[name]["output"]) == []


@pytest.mark.parametrize("name", QUICK)
def test_quick_example_says_what_it_prints(gallery, name):
    assert example_claims.claim_problems(name, gallery[name]["output"]) == []


@pytest.mark.parametrize("name", ALL)
def test_example_source_changes_no_process_state(name):
    source = (EXAMPLES / name).read_text(encoding="utf-8")
    assert example_checks.state_changing_calls(source) == []


@pytest.mark.parametrize("name", ALL)
def test_every_number_in_the_text_is_a_checked_claim_or_a_fact(name):
    assert example_claims.unchecked_numbers(name) == []


@pytest.mark.parametrize("name", ALL)
def test_claims_still_quote_the_text(name):
    """For the slow examples too (their output is checked in the full docs build)."""
    for where, said, _ in example_claims.CLAIMS.get(name, []):
        assert example_claims.re.search(said, example_claims._text_of(where, name)), \
            (where, said)


def test_backprop_example_reproduces_the_published_numbers(gallery):
    out = gallery["plot_backprop_worked_example.py"]["output"]
    assert "E_total               0.298371109   published 0.298371109" in out
    assert "w5        0.082167041" in out


def test_perceptron_example(gallery):
    out = gallery["plot_perceptron.py"]["output"]
    assert "AND: predictions [0 0 0 1]" in out and "OR: predictions [0 1 1 1]" in out


@pytest.mark.parametrize("name", ["plot_backprop_worked_example.py", "plot_perceptron.py"])
def test_examples_save_their_figure_when_asked(tmp_path, name):
    figure = tmp_path / "figure.png"
    env = dict(os.environ, MPLBACKEND="Agg",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    result = subprocess.run([sys.executable, str(EXAMPLES / name), "--save", str(figure)],
                            capture_output=True, text=True, env=env, timeout=300,
                            cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert figure.stat().st_size > 10_000  # a real picture, not an empty canvas


def test_examples_save_their_figure_only_when_asked():
    for script in EXAMPLES.glob("plot_*.py"):
        source = script.read_text()
        assert 'if "--save" in sys.argv:' in source, script.name
        assert "plt.show()" not in source, script.name


# The checks themselves, on examples made to break them.

# In the order they run: "noisy" first, as the warning filter that "warning_filter"
# leaves behind would hide its warning (the leak the checks are there to find).
LEAKY = {
    "noisy.py": """
        import warnings
        print("accuracy 0.91")
        warnings.warn("careful", UserWarning)
        print(object())
        print(__file__)
        """,
    "thread_limit.py": """
        from threadpoolctl import threadpool_limits
        threadpool_limits(limits=1, user_api="blas")
        """,
    "warning_filter.py": """
        import warnings
        warnings.filterwarnings("ignore", category=UserWarning)
        """,
    "config.py": """
        import sklearn
        sklearn.set_config(assume_finite=True)
        """,
    "global_seed.py": """
        import numpy as np
        np.random.seed(1)
        """,
    "scoped.py": """
        import warnings
        from threadpoolctl import threadpool_limits
        import sklearn
        with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
        with sklearn.config_context(assume_finite=True):
            pass
        """,
}


@pytest.fixture(scope="module")
def leaky(tmp_path_factory):
    folder = tmp_path_factory.mktemp("leaky")
    for name, source in LEAKY.items():
        (folder / name).write_text(textwrap.dedent(source))
    return folder, run_like_the_gallery([folder / name for name in LEAKY], folder)


@pytest.mark.parametrize("name, what", [
    ("thread_limit.py", "thread limits"), ("warning_filter.py", "warning filters"),
    ("config.py", "scikit-learn's configuration"),
    ("global_seed.py", "NumPy's global random state")])
def test_the_state_check_finds_what_an_example_leaves_behind(leaky, name, what):
    folder, results = leaky
    assert [change.split(" changed")[0] for change in results[name]["state_changes"]] \
        == [what]
    assert example_checks.state_changing_calls((folder / name).read_text()) != []


def test_the_state_check_accepts_scoped_changes(leaky):
    folder, results = leaky
    assert results["scoped.py"]["state_changes"] == []
    assert example_checks.state_changing_calls((folder / "scoped.py").read_text()) == []


def test_the_output_check_finds_warnings_reprs_and_paths(leaky):
    _, results = leaky
    problems = example_checks.output_problems(results["noisy.py"]["output"])
    assert {problem.split(":")[0] for problem in problems} == {
        "a warning", "an object's repr (a stray expression)", "a path of the machine"}
    assert not any("0.91" in problem for problem in problems)


def test_the_output_check_reads_the_gallerys_page():
    page = textwrap.dedent("""
        .. code-block:: Python

            print("hello")

        .. rst-class:: sphx-glr-script-out

         .. code-block:: none

            hello
            /home/someone/skneural/_mlp.py:469: ConvergenceWarning: Stochastic

        .. GENERATED FROM PYTHON SOURCE LINES 60-62
        """)
    output = example_checks.gallery_output(page)
    assert output.split() == ["hello", "/home/someone/skneural/_mlp.py:469:",
                              "ConvergenceWarning:", "Stochastic"]
    assert len(example_checks.output_problems(output)) == 1


def test_claims_agree_to_the_digits_the_text_gives():
    agree = example_claims.agree
    assert agree("0.29", "0.2884") and agree("0.290", "0.2900") and agree("12", "12")
    assert not agree("0.290", "0.2884") and not agree("13", "12")
    assert not agree("0.892", "0.8957") and agree("1,437", "1437")
    assert agree("3.5e-5", "3.5102e-05") and not agree("3.6e-5", "3.5102e-05")


def test_a_claim_the_output_contradicts_is_reported(monkeypatch):
    claim = ("examples/plot_fashion_mnist_challenge.py",
             r"reaches its lowest, (?P<loss>[\d.]+),",
             r"lowest validation loss (?P<loss>[\d.]+)")
    monkeypatch.setitem(example_claims.CLAIMS, "plot_fashion_mnist_challenge.py", [claim])
    problems = example_claims.claim_problems("plot_fashion_mnist_challenge.py",
                                             "lowest validation loss 0.3104 at epoch 3")
    assert len(problems) == 1 and "where the run printed 0.3104" in problems[0]


@pytest.mark.parametrize("galleries", ["auto_examples", ["auto_examples"]])
def test_the_docs_build_reads_each_generated_page(tmp_path, galleries):
    """The docs build's check (``check_example``, sphinx-gallery's reset hook) finds the
    page of the example it just ran, whether ``gallery_dirs`` is one folder (a string,
    as doc/conf.py has it) or a list, and reports what the reader would see."""
    (tmp_path / "auto_examples").mkdir()
    (tmp_path / "auto_examples" / "plot_stray.rst").write_text(textwrap.dedent("""\
        .. rst-class:: sphx-glr-script-out

         .. code-block:: none


            <matplotlib.legend.Legend object at 0x7f0650077350>

        """), encoding="utf-8")
    conf = {"gallery_dirs": galleries, "src_dir": str(tmp_path)}
    fname = str(tmp_path / "plot_stray.py")
    assert example_checks.generated_page(conf, fname) == (
        tmp_path / "auto_examples" / "plot_stray.rst")
    problems = example_checks.example_problems(conf, fname,
                                               example_checks.process_state())
    assert any("an object's repr" in problem for problem in problems), problems


def test_the_docs_build_says_when_a_page_is_missing(tmp_path):
    conf = {"gallery_dirs": "auto_examples", "src_dir": str(tmp_path)}
    fname = str(tmp_path / "plot_x.py")
    assert example_checks.generated_page(conf, fname) is None
    problems = example_checks.example_problems(conf, fname,
                                               example_checks.process_state())
    assert problems == ["its generated page was not found, so its output is unchecked"]
