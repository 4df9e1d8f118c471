"""What the gallery's examples must keep to, checked in the docs build and the tests.

sphinx-gallery runs every example in one process, one after the other, and puts
what it prints under its code. So an example must

* leave no process state behind that a later example would see: thread limits,
  warning filters, scikit-learn's configuration, the global random generators,
  NumPy's error and print settings, environment variables, the working directory
  (:func:`process_state`, compared before and after each example);
* print no warning and no path of the machine that built the page
  (:func:`output_problems`);
* say in its text only numbers that its run prints (:mod:`example_claims`).

``conf.py`` runs these checks on every example the build executes (a failed check
is a warning, so ``-W`` fails the build); ``tests/test_examples.py`` runs the quick
examples as the gallery does and checks the same, and checks the sources of all of
them for calls that change process state (:func:`state_changing_calls`).
"""

import ast
import hashlib
import logging
import os
import re
import sys
import warnings
from pathlib import Path

# The examples that take minutes: only the full docs build runs them
# (SKNEURAL_DOCS_FAST=1 and the test suite leave them out).
SLOW_EXAMPLES = ("plot_solver_comparison", "plot_regularization",
                 "plot_fashion_mnist_challenge", "plot_hyperparameter_search",
                 "plot_autoencoder")

REPOSITORY = Path(__file__).resolve().parents[2]


# ----------------------------------------------------------------------------------
# Process state
# ----------------------------------------------------------------------------------

def process_state():
    """What an example could leave changed for the next one, as comparable values.

    NumPy's global generator is there: scikit-learn draws from it when
    ``random_state`` is None, so a change means an unseeded example, whose numbers
    no text can quote. Python's ``random`` is not: libraries draw from it when first
    imported (rich, which scikit-learn's callbacks import, takes 24 bits), and no
    example uses it; seeding it is found in the source (``state_changing_calls``).
    """
    import numpy as np
    import sklearn
    from threadpoolctl import threadpool_info

    name, keys, position, has_gauss, cached = np.random.get_state()
    root = logging.getLogger()
    return {
        "thread limits": {(pool["internal_api"], pool["filepath"]): pool["num_threads"]
                          for pool in threadpool_info()},
        "warning filters": [(action, getattr(message, "pattern", message), category,
                             getattr(module, "pattern", module), lineno)
                            for action, message, category, module, lineno
                            in warnings.filters],
        "scikit-learn's configuration": sklearn.get_config(),
        "NumPy's global random state": (name, hashlib.sha1(keys.tobytes()).hexdigest(),
                                        position, has_gauss, cached),
        "NumPy's error handling": np.geterr(),
        "NumPy's print options": np.get_printoptions(),
        "environment variables": dict(os.environ),
        "working directory": os.getcwd(),
        "logging": (root.level, len(root.handlers)),
    }


def state_changes(before, after):
    """What differs between two :func:`process_state` snapshots, in words."""
    changes = []
    for key, old in before.items():
        new = after[key]
        if key == "thread limits":  # libraries loaded since may add entries
            new = {pool: n for pool, n in new.items() if pool in old}
        if new != old:
            changes.append(f"{key} changed: {_difference(old, new)}")
    return changes


def _difference(old, new):
    if isinstance(old, dict) and isinstance(new, dict):
        keys = sorted({*old, *new}, key=str)
        return ", ".join(f"{k}: {old.get(k, '(unset)')!r} -> {new.get(k, '(unset)')!r}"
                         for k in keys if old.get(k) != new.get(k))[:500]
    if isinstance(old, list) and isinstance(new, list):
        added = [f for f in new if f not in old]
        removed = [f for f in old if f not in new]
        return f"added {added}, removed {removed}"[:500]
    return f"{old!r} -> {new!r}"[:500]


# ----------------------------------------------------------------------------------
# Output
# ----------------------------------------------------------------------------------

_WARNING = re.compile(r"\b[A-Z]\w*Warning\b|^\s*warnings\.warn\(|^Traceback \(")
_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-fA-F]+>")
# An absolute path: /a/b or C:\a, after a space, a quote, a bracket or the line start.
_PATH = re.compile(r"""(?:^|[\s'"(\[=])(?:/[\w.+-]+){2,}|\b[A-Za-z]:\\[\w.+-]""")


def output_problems(output):
    """What a reader should not see in an example's output."""
    home = os.path.expanduser("~")
    local = {str(REPOSITORY), sys.prefix, home if home != "/" else None}
    problems = []
    for line in output.splitlines():
        if _WARNING.search(line):
            problems.append(f"a warning: {line.strip()[:200]}")
        elif _REPR.search(line):
            problems.append(f"an object's repr (a stray expression): {line.strip()[:200]}")
        elif _PATH.search(line) or any(p and p in line for p in local):
            problems.append(f"a path of the machine: {line.strip()[:200]}")
    return problems


def gallery_output(generated_rst):
    """The printed output of an example, from the page sphinx-gallery generated."""
    lines, output, inside = generated_rst.splitlines(), [], False
    for i, line in enumerate(lines):
        if line.startswith(".. rst-class:: sphx-glr-script-out"):
            inside, start = True, i
            continue
        if inside:
            if line.strip().startswith(".. code-block::") and i <= start + 3:
                continue
            if line.startswith("    ") or not line.strip():
                output.append(line[4:])
                continue
            inside = False
    return "\n".join(output)


# ----------------------------------------------------------------------------------
# Calls that change process state, found in the source
# ----------------------------------------------------------------------------------

# Calls whose effect outlives them unless they are a context manager (first group)
# or run inside ``with warnings.catch_warnings():`` (second group).
_CONTEXT_ONLY = {"threadpool_limits", "threadpoolctl.threadpool_limits",
                 "ThreadpoolController.limit", "config_context", "sklearn.config_context",
                 "np.errstate", "numpy.errstate"}
_WARNING_FILTERS = {"warnings.filterwarnings", "warnings.simplefilter",
                    "warnings.resetwarnings"}
_NEVER = {"sklearn.set_config", "set_config", "np.random.seed", "numpy.random.seed",
          "random.seed", "np.seterr", "numpy.seterr", "np.set_printoptions",
          "numpy.set_printoptions", "os.chdir", "os.putenv", "plt.style.use",
          "matplotlib.use", "matplotlib.rc", "plt.rc", "mpl.rc",
          "matplotlib.rcParams.update", "plt.rcParams.update", "mpl.rcParams.update",
          "logging.basicConfig",
          "torch.manual_seed", "torch.set_num_threads"}
_NEVER_ASSIGNED = {"os.environ", "plt.rcParams", "matplotlib.rcParams", "mpl.rcParams"}


def _dotted(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    if isinstance(node, ast.Call):
        return _dotted(node.func)
    return None


def state_changing_calls(source):
    """``(line, text)`` for each call in ``source`` that changes process state."""
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree)
               for child in ast.iter_child_nodes(node)}

    def inside_with(node, names):
        while node in parents:
            node = parents[node]
            if isinstance(node, ast.With) and any(
                    _dotted(item.context_expr) in names for item in node.items):
                return True
        return False

    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _dotted(node.func)
            if name in _CONTEXT_ONLY:
                parent = parents.get(node)
                if not (isinstance(parent, ast.withitem) and parent.context_expr is node):
                    found.append((node.lineno, f"{name}(...) outside a with statement"))
            elif name in _WARNING_FILTERS and not inside_with(
                    node, {"warnings.catch_warnings", "catch_warnings"}):
                found.append((node.lineno,
                              f"{name}(...) outside warnings.catch_warnings()"))
            elif name in _NEVER:
                found.append((node.lineno, f"{name}(...)"))
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) \
                else [node.target]
            for target in targets:
                if isinstance(target, ast.Subscript) and _dotted(target.value) in \
                        _NEVER_ASSIGNED:
                    found.append((node.lineno, f"{_dotted(target.value)}[...] changed"))
    return sorted(found)


# ----------------------------------------------------------------------------------
# In the docs build
# ----------------------------------------------------------------------------------

_STATE_BEFORE = {}


def generated_page(gallery_conf, fname):
    """The page sphinx-gallery wrote for the example ``fname`` (None if none):
    ``gallery_dirs`` may be one folder (a string, as in doc/conf.py) or a list."""
    galleries = gallery_conf["gallery_dirs"]
    if isinstance(galleries, str):
        galleries = [galleries]
    for gallery in galleries:
        page = Path(gallery_conf["src_dir"]) / gallery / (Path(fname).stem + ".rst")
        if page.exists():
            return page
    return None


def check_example(gallery_conf, fname, when):
    """sphinx-gallery's ``reset_modules`` hook, called before and after each example
    it runs: after it, the process state must be as before, and the page it wrote
    must show no warning or local path and say only what the run printed."""
    if fname is None:
        return
    name = Path(fname).name
    if when == "before":
        _STATE_BEFORE[name] = process_state()
        return
    from sphinx.util import logging as sphinx_logging

    logger = sphinx_logging.getLogger(__name__)
    for problem in example_problems(gallery_conf, fname, _STATE_BEFORE.pop(name)):
        logger.warning("example %s: %s", name, problem)


def example_problems(gallery_conf, fname, state_before):
    """What is wrong after the example ``fname`` ran: process state changed since
    ``state_before``, and what its generated page shows."""
    from example_claims import claim_problems

    problems = state_changes(state_before, process_state())
    page = generated_page(gallery_conf, fname)
    if page is None:
        return problems + ["its generated page was not found, so its output is "
                           "unchecked"]
    output = gallery_output(page.read_text(encoding="utf-8"))
    return problems + output_problems(output) + claim_problems(Path(fname).name, output)


# ----------------------------------------------------------------------------------
# Running examples as the gallery does
# ----------------------------------------------------------------------------------

def run_like_the_gallery(paths):
    """Run the examples one after the other in this process, as sphinx-gallery does.

    Returns ``{name: {"output": str, "state_changes": [...], "error": str|None}}``.
    Meant for a fresh interpreter with a non-interactive matplotlib backend.
    """
    import contextlib
    import io
    import runpy
    import traceback

    import matplotlib.pyplot as plt

    results = {}
    for path in map(Path, paths):
        before = process_state()
        buffer = io.StringIO()
        error = None
        argv = sys.argv
        sys.argv = [str(path)]
        # Warnings already shown once at a location show again (as after any
        # catch_warnings block), so an example's warnings do not hide the next one's.
        getattr(warnings, "_filters_mutated", lambda: None)()
        try:
            with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
                runpy.run_path(str(path), run_name="__main__")
        except BaseException:  # noqa: B036 - reported, not raised: the next one runs
            error = traceback.format_exc()
        finally:
            sys.argv = argv
            plt.close("all")
        results[path.name] = {"output": buffer.getvalue(), "error": error,
                              "state_changes": state_changes(before, process_state())}
    return results


if __name__ == "__main__":  # python example_checks.py RESULT.json EXAMPLE...
    import json

    Path(sys.argv[1]).write_text(json.dumps(run_like_the_gallery(sys.argv[2:])))
