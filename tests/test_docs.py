"""The documentation's sources: the API reference lists every public module, the
docs extra brings every Sphinx extension, and the browser check reads tables as
they are written (doc/browser_check.py renders the built site; CI runs it)."""

import ast
import importlib
import pkgutil
import re
import sys
import textwrap
from pathlib import Path

import skneural

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "doc"
sys.path.insert(0, str(DOC))

from browser_check import source_table_rows, source_tables  # noqa: E402


def autosummary_entries(text, heading):
    """The names listed by the first autosummary directive after ``heading``."""
    section = text[text.index(f"\n{heading}\n"):]
    block = section[section.index(".. autosummary::"):]
    entries = []
    for line in block.splitlines()[1:]:
        if line.strip() and not line.startswith("   "):
            break
        if line.strip() and not line.strip().startswith(":"):
            entries.append(line.strip())
    return entries


def test_the_api_reference_lists_every_public_module():
    api = (DOC / "api.rst").read_text(encoding="utf-8")
    public = sorted(module.name for module in pkgutil.iter_modules(skneural.__path__)
                    if not module.name.startswith("_"))
    assert sorted(autosummary_entries(api, "Modules")) == public


def test_the_api_reference_lists_every_name_of_the_package():
    api = (DOC / "api.rst").read_text(encoding="utf-8")
    names = [name for name in skneural.__all__ if not name.startswith("__")]
    assert sorted(autosummary_entries(api, "Estimators")) == sorted(names)


def test_every_module_page_has_what_its_all_names():
    """autosummary lists a module's ``__all__``; every name there must exist (a
    renamed class left in ``__all__`` would be a warning, and -W fails the build)."""
    for module in pkgutil.iter_modules(skneural.__path__):
        if module.name.startswith("_"):
            continue
        try:
            imported = importlib.import_module(f"skneural.{module.name}")
        except ImportError:  # an optional dependency (the docs extra has them all)
            continue
        for name in getattr(imported, "__all__", []):
            assert hasattr(imported, name), f"skneural.{module.name}.{name}"


def test_the_docs_extra_brings_every_sphinx_extension():
    conf = ast.parse((DOC / "conf.py").read_text(encoding="utf-8"))
    extensions = next(node.value for node in ast.walk(conf)
                      if isinstance(node, ast.Assign)
                      and getattr(node.targets[0], "id", None) == "extensions")
    extensions = [element.value for element in extensions.elts]
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    docs = re.search(r"^docs = \[(.*?)\]$", pyproject, flags=re.M | re.S).group(1)
    required = {re.split(r"[<>=\[ ]", requirement)[0].lower().replace("_", "-")
                for requirement in re.findall(r'"([^"]+)"', docs)}
    for extension in extensions:
        distribution = extension.split(".")[0].lower().replace("_", "-")
        assert distribution == "sphinx" or distribution in required, extension
    assert "selenium" in required  # doc/browser_check.py


def rows(text):
    return source_table_rows(textwrap.dedent(text))


def test_tables_are_counted_as_written():
    simple = """
        =====  ======
        a      b
        =====  ======
        one    1
        two    2
        =====  ======
        """
    # Rows of several lines are separated by blank lines; docutils then agrees.
    wrapped = """
        =====  ==========
        a      b
        =====  ==========
        one    1, and a
               second line

        two    2
        =====  ==========
        """
    grid = """
        +-----+-----+
        | a   | b   |
        +=====+=====+
        | one | 1   |
        |     | and |
        +-----+-----+
        """
    listed = """
        .. list-table::
           :header-rows: 1

           * - a
             - b
           * - * one
               * and one
             - 1
        """
    assert [rows(simple), rows(wrapped), rows(grid), rows(listed)] == [[3], [3], [2], [2]]


def test_a_wrapped_first_cell_is_a_row_as_written():
    """The GPU page's table: its first cells wrap, which docutils reads as new rows
    (11 of them); as written, without blank lines between rows, each line is a row,
    so the browser finds fewer rows than written wherever a line continues a row."""
    broken = """
        =========================  =====================
        on the device              on the host
        =========================  =====================
        forward and backward       the random numbers
        passes, the loss           (drawn from the
                                   estimator's state)
        =========================  =====================
        """
    assert rows(broken) == [4]  # docutils renders 3: the check fails on it


def test_literal_blocks_hold_no_tables():
    text = """
        An example::

            =====  =====
            not    a table
            =====  =====

        .. code-block:: text

            =====  =====
            nor    this
            =====  =====
        """
    assert rows(text) == []


def test_the_docs_tables_follow_the_convention():
    """Every simple table whose rows wrap separates its rows by blank lines (then the
    browser check can tell a continuation line from a new row), and its header is one
    line."""
    for page in DOC.glob("*.rst"):
        for kind, sections in source_tables(page.read_text(encoding="utf-8")):
            if kind != "simple":
                continue
            for number, section in enumerate(sections):
                lines = [line for line in section if line.strip()]
                indent = min(len(line) - len(line.lstrip()) for line in lines)
                continued = any(len(line) - len(line.lstrip()) > indent for line in lines)
                if number == 0 and len(sections) > 1:
                    assert len(lines) == 1, (page.name, "a header of several lines",
                                             lines[0])
                elif continued:
                    assert any(not line.strip() for line in section), (
                        page.name, "wrapped rows without blank lines between them",
                        lines[0])
