"""The README's commands are what CI runs: verbatim, in order, before anything else.

A new user runs the README's commands on a fresh machine; CI (``.ci/run``) must run
exactly those, each in its own fresh venv, before it installs anything of its own.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def bash_blocks(text):
    return [block.strip().splitlines()
            for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S)]


def readme_commands():
    """The README's set-up commands: the first block's two (example, tests), then the
    docs command (the one that builds the documentation in a venv of its own)."""
    blocks = bash_blocks((ROOT / "README.md").read_text())
    example, tests = blocks[0][:2]
    docs = [line for block in blocks[1:] for line in block
            if "venv" in line and "sphinx" in line]
    return example, tests, docs


def ci_lines():
    return (ROOT / ".ci" / "run").read_text().splitlines()


def line_of(command, lines):
    matches = [i for i, line in enumerate(lines)
               if line == command or line.startswith(command + " ")]
    assert matches, f"CI (.ci/run) does not run the README's command verbatim:\n{command}"
    return matches[0]


def test_readme_opens_with_the_two_set_up_commands():
    example, tests, docs = readme_commands()
    for command in (example, tests):
        assert command.startswith("python3 -m venv .venv && . .venv/bin/activate && "
                                  "pip install -e ")
    assert example.endswith("python examples/quickstart.py")
    assert tests.endswith("python -m pytest -q tests")
    assert len(docs) == 1, "the README should give one docs command"
    assert " -m venv " in docs[0] and "sphinx -W" in docs[0]


def test_ci_runs_the_readme_commands_verbatim_in_order_before_any_install():
    _, tests, docs = readme_commands()
    lines = ci_lines()
    test_line, docs_line = line_of(tests, lines), line_of(docs[0], lines)
    assert test_line < docs_line
    installs = [i for i, line in enumerate(lines)
                if re.search(r"pip[0-9.]* install", line) and not line.lstrip()
                .startswith("#")]
    assert installs and installs[0] == test_line, (
        "CI installs something before the README's test command: line "
        f"{installs[0] + 1}: {lines[installs[0]]}")
    # Each README command makes its own venv: nothing is activated before them.
    assert not any(". .venv" in line and "activate" in line
                   for line in lines[:test_line]), "a venv is activated before"
    assert "-m venv .venv-docs" in docs[0] and "-m venv .venv " in tests + " "
