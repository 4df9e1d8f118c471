"""The layout rules of DESIGN.md, checked on the source: a module fits on a few screens
(at most 600 lines), a function on one (at most 60 lines of code and 8 parameters outside
``__init__``), no import circle between skneural's modules, and the core imports none of
the optional integrations (Dask, ONNX, skops, plots, progress bars)."""

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "skneural"
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_MODULE_LINES = 600
MAX_FUNCTION_CODE_LINES = 60
MAX_PARAMETERS = 8
# The edge: modules that may import optional libraries, and that the core never imports.
# (callbacks.py is not among them: the estimators' callback protocol lives there, and
# its progress bar imports rich only when one is made.)
EDGE = {"dask", "onnx", "_onnx_graph", "_onnx_autoencoder", "persistence", "plot",
        "datasets"}
OPTIONAL = {"dask", "distributed", "onnx", "skl2onnx", "onnxruntime", "skops", "rich",
            "matplotlib", "pooch", "torch", "jax", "cupy"}


def _name(path):
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(
        ".__init__")


def _tree(path):
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _code_lines(source_lines, function):
    """Lines of ``function`` that are neither blank, nor comments, nor its docstring."""
    body = function.body
    docstring = set()
    if (isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)):
        docstring = set(range(body[0].lineno, body[0].end_lineno + 1))
    return sum(1 for number in range(function.lineno, function.end_lineno + 1)
               if number not in docstring
               and source_lines[number - 1].strip()
               and not source_lines[number - 1].strip().startswith("#"))


def _parameters(function):
    arguments = function.args
    names = [a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs]
    names += [a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None]
    return [name for name in names if name not in ("self", "cls")]


def _top_level_imports(path):
    """skneural modules and outside packages that ``path`` imports when it is imported
    (imports inside functions are deferred and left out)."""
    package = _name(path).rsplit(".", 1)[0] if path.name != "__init__.py" else _name(path)
    internal, external = set(), set()
    for node in _tree(path).body:
        if isinstance(node, ast.Import):
            external.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                external.add(node.module.split(".")[0])
                continue
            base = package.split(".")
            base = base[: len(base) - (node.level - 1)]
            target = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                internal.add(candidate if _exists(candidate) else target)
        elif isinstance(node, ast.Try):  # optional imports guarded at module level
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import):
                    external.update(a.name.split(".")[0] for a in inner.names)
                elif isinstance(inner, ast.ImportFrom) and inner.level == 0:
                    external.add(inner.module.split(".")[0])
    return internal, external


def _exists(module):
    relative = pathlib.Path(*module.split(".")[1:])
    return ((PACKAGE / relative).with_suffix(".py").exists()
            or (PACKAGE / relative / "__init__.py").exists())


def test_the_layout_sees_the_whole_package():
    names = {_name(path) for path in MODULES}
    assert {"skneural", "skneural._backend", "skneural._training",
            "skneural.optim.sgd", "skneural.dask"} <= names


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_module_fits_on_a_few_screens(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{_name(path)} has {lines} lines"


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_functions_fit_on_one_screen(path):
    source_lines = path.read_text(encoding="utf-8").splitlines()
    too_long = []
    for node in ast.walk(_tree(path)):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        code, parameters = _code_lines(source_lines, node), _parameters(node)
        if code > MAX_FUNCTION_CODE_LINES:
            too_long.append(f"{node.name} (line {node.lineno}): {code} lines of code")
        if node.name != "__init__" and len(parameters) > MAX_PARAMETERS:
            too_long.append(f"{node.name} (line {node.lineno}): {len(parameters)} "
                            "parameters")
    assert not too_long, too_long


def test_counting_rules_on_a_known_function():
    source = ('def f(a, b, *c, d=1, **e):\n    """Doc\n    string."""\n\n'
              '    # a comment\n    x = 1\n    return x\n')
    function = ast.parse(source).body[0]
    assert _code_lines(source.splitlines(), function) == 3
    assert _parameters(function) == ["a", "b", "d", "c", "e"]


def test_no_import_circle():
    graph = {_name(path): _top_level_imports(path)[0] for path in MODULES}
    # A package's __init__ importing its own modules is how packages work, not a circle.
    edges = {module: {target for target in targets
                      if not (module.startswith(target + ".") and target in graph)}
             for module, targets in graph.items()}
    state = {}

    def visit(module, trail):
        state[module] = "open"
        for target in sorted(edges.get(module, ())):
            if state.get(target) == "open":
                circle = trail[trail.index(target):] + [target]
                pytest.fail("import circle: " + " -> ".join(circle))
            if target not in state:
                visit(target, trail + [target])
        state[module] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])


@pytest.mark.parametrize("path", [p for p in MODULES if p.stem not in EDGE],
                         ids=_name)
def test_the_core_imports_no_optional_integration(path):
    internal, external = _top_level_imports(path)
    edge = {f"skneural.{name}" for name in EDGE}
    assert not (internal & edge), f"{_name(path)} imports {sorted(internal & edge)}"
    assert not (external & OPTIONAL), f"{_name(path)} imports {sorted(external & OPTIONAL)}"
