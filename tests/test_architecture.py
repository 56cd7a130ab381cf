"""The measures of the house (issue 15): no import circle, no import from a higher layer,
modules under 500 lines, functions under 60 lines.

The imports are read with ``ast`` from the sources (every ``import`` and ``from ... import``,
function-level ones included), so nothing is imported to check them.  Imports inside
``if TYPE_CHECKING:`` (for annotations only) make no circle but must respect the layers.
The allow-lists below held what broke a rule while the house was being rebuilt; they are
empty now, and the test fails if one gets an entry that is not needed or lets a fault grow.
See docs/architecture.md.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = SRC / "ranvier"

MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60  # decorators, signature and docstring included
LONG_FUNCTION_MARK = "# long function:"  # a comment right above the def that says why it must be long

# The layers, bottom first: a module may import from its own layer and the ones below it only.
# An entry names a module or a package (which then holds every module under it).
LAYERS = [
    ("helpers", ["ranvier._archive", "ranvier._arrayfile", "ranvier._version", "ranvier._history_check", "ranvier._repr", "ranvier._signals",
                 "ranvier._text", "ranvier._userfile", "ranvier._validation"]),
    ("datasets and nn", ["ranvier.datasets", "ranvier.nn", "ranvier.metrics"]),
    ("optim", ["ranvier.optim"]),
    ("descent", ["ranvier.descent", "ranvier.xor"]),
    ("train", ["ranvier.train"]),
    ("io and plot", ["ranvier.io", "ranvier.export", "ranvier.runfolder", "ranvier.plot", "ranvier._owninputs"]),
    ("estimators", ["ranvier.estimators"]),
    ("the package's flat names", ["ranvier"]),  # ranvier/__init__.py re-exports the layers below
    ("experiments and sweeps", ["ranvier.experiment", "ranvier.sweep"]),
    ("playground", ["ranvier.playground"]),
    ("cli", ["ranvier.cli", "ranvier.__main__"]),
]

# Imports that break the rules, as (importer, imported): the edge is left out of the circle
# search and of the layer check.  Empty since issue 15; keep it so.
ALLOWED_IMPORTS: dict[tuple[str, str], str] = {}

# Modules over MAX_MODULE_LINES, with their line counts (they must not grow).  Empty since issue 15.
ALLOWED_MODULE_LINES: dict[str, int] = {}

# Functions over MAX_FUNCTION_LINES ("path::qualified name": lines; they must not grow).  Empty
# since issue 15: a function that must be long says why in a LONG_FUNCTION_MARK comment.
ALLOWED_FUNCTION_LINES: dict[str, int] = {}


# ------------------------------------------------------------------ reading the sources
def modules() -> dict[str, Path]:
    """Every module of ranvier by dotted name (a package by its own name)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _type_checking_only(tree: ast.AST) -> set[ast.AST]:
    """The nodes inside ``if TYPE_CHECKING:`` blocks: imports for annotations, never run."""
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and (
                (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING")
                or (isinstance(node.test, ast.Attribute) and node.test.attr == "TYPE_CHECKING")):
            for child in node.body:
                inside.update(ast.walk(child))
    return inside


def imports_of(name: str, path: Path, known: set[str], *, runtime_only: bool = False) -> set[str]:
    """The ranvier modules that module ``name`` imports, anywhere in its source.

    ``runtime_only`` leaves out the imports inside ``if TYPE_CHECKING:`` (for annotations,
    never run): they make no import circle, but they must still respect the layers.
    """
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_checking_only(tree) if runtime_only else set()
    for node in ast.walk(tree):
        if node in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in known)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = ".".join(base + (node.module.split(".") if node.module else []))
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in known:
                    found.add(sub)  # from package import submodule
                elif target in known:
                    found.add(target)
    found.discard(name)
    return found


def unresolved_imports() -> list[str]:
    """Imports of ranvier modules that name no module of ranvier (e.g. a relative import left behind by a move)."""
    mods = modules()
    wrong = []
    for name, path in mods.items():
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + (node.module.split(".") if node.module else []))
                if target not in mods:
                    wrong.append(f"{name}, line {node.lineno}: {target}")
    return wrong


def import_graph(*, runtime_only: bool = False) -> dict[str, set[str]]:
    mods = modules()
    return {name: imports_of(name, path, set(mods), runtime_only=runtime_only) for name, path in mods.items()}


def layer_of(name: str) -> int:
    best, index = "", None
    for i, (_, members) in enumerate(LAYERS):
        for m in members:
            if (name == m or name.startswith(m + ".")) and len(m) > len(best):
                best, index = m, i
    if index is None:
        raise AssertionError(f"{name} is in no layer: add it to LAYERS in tests/test_architecture.py")
    return index


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle of ``graph`` as a list of modules (first == last), or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return None


def long_functions(path: Path) -> dict[str, int]:
    """Functions of ``path`` over MAX_FUNCTION_LINES without a comment that says why: qualified name -> lines."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                start = min([d.lineno for d in child.decorator_list] + [child.lineno])
                n = child.end_lineno - start + 1
                marked = start >= 2 and lines[start - 2].strip().startswith(LONG_FUNCTION_MARK)
                if n > MAX_FUNCTION_LINES and not marked:
                    found[prefix + child.name] = n
                visit(child, prefix + child.name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")

    visit(ast.parse(source), "")
    return found


def _rel(path: Path) -> str:
    return path.relative_to(SRC).as_posix()


# ------------------------------------------------------------------------- the measures
def test_the_graph_is_read_from_the_sources():
    graph = import_graph()
    assert "ranvier.optim.adam" in graph["ranvier.optim"]  # from .adam import ...
    assert "ranvier.optim._fused" in graph["ranvier.optim.base"]  # from . import _fused
    assert "ranvier.descent.recorder" in graph["ranvier.sweep.parallel"]  # a function-level import
    assert "ranvier.train" in graph["ranvier.plot.curves"]  # from ..train import (in a function)


def test_every_relative_import_names_a_module_of_ranvier():
    wrong = unresolved_imports()
    assert not wrong, "imports of modules that do not exist:\n" + "\n".join(wrong)


def test_there_is_no_import_circle():
    graph = {k: {v for v in vs if (k, v) not in ALLOWED_IMPORTS} for k, vs in import_graph(runtime_only=True).items()}
    cycle = find_cycle(graph)
    assert cycle is None, "import circle: " + " -> ".join(cycle)


def test_find_cycle_reports_a_circle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_module_imports_from_a_higher_layer():
    wrong = []
    for name, targets in import_graph().items():
        for target in sorted(targets):
            if layer_of(target) > layer_of(name) and (name, target) not in ALLOWED_IMPORTS:
                wrong.append(f"{name} ({LAYERS[layer_of(name)][0]}) imports {target} ({LAYERS[layer_of(target)][0]})")
    assert not wrong, "imports from a higher layer:\n" + "\n".join(wrong)


def test_every_allowed_import_is_still_there():
    graph = import_graph()
    stale = [edge for edge in ALLOWED_IMPORTS if edge[1] not in graph.get(edge[0], ())]
    assert not stale, f"remove these from ALLOWED_IMPORTS, they are gone: {stale}"


def test_no_module_is_over_500_lines():
    wrong, stale = [], []
    for path in modules().values():
        rel, n = _rel(path), len(path.read_text(encoding="utf-8").splitlines())
        limit = ALLOWED_MODULE_LINES.get(rel, MAX_MODULE_LINES)
        if n > limit:
            wrong.append(f"{rel}: {n} lines (at most {limit})")
        elif rel in ALLOWED_MODULE_LINES and n <= MAX_MODULE_LINES:
            stale.append(rel)
    assert not wrong, "modules too long (split them by concept):\n" + "\n".join(wrong)
    assert not stale, f"under {MAX_MODULE_LINES} lines now: remove them from ALLOWED_MODULE_LINES: {stale}"
    gone = [rel for rel in ALLOWED_MODULE_LINES if not (SRC / rel).exists()]
    assert not gone, f"remove these from ALLOWED_MODULE_LINES, they are gone: {gone}"


def test_no_function_is_over_60_lines():
    wrong, seen = [], set()
    for path in modules().values():
        for qualname, n in long_functions(path).items():
            key = f"{_rel(path)}::{qualname}"
            seen.add(key)
            limit = ALLOWED_FUNCTION_LINES.get(key, MAX_FUNCTION_LINES)
            if n > limit:
                wrong.append(f"{key}: {n} lines (at most {limit})")
    assert not wrong, (f"functions too long (split them, or say why above the def with '{LONG_FUNCTION_MARK} ...'):\n"
                       + "\n".join(wrong))
    stale = sorted(set(ALLOWED_FUNCTION_LINES) - seen)
    assert not stale, f"remove these from ALLOWED_FUNCTION_LINES, they are short now or gone: {stale}"


def test_nothing_is_allowed_any_more():
    """Every wing keeps every rule: the allow-lists of the rebuild are empty."""
    assert ALLOWED_IMPORTS == {} and ALLOWED_MODULE_LINES == {} and ALLOWED_FUNCTION_LINES == {}


def test_an_import_for_annotations_makes_no_circle_but_keeps_the_layers(tmp_path):
    path = tmp_path / "m.py"
    path.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ranvier.train import Trainer\n"
                    "import typing\nif typing.TYPE_CHECKING:\n    from ranvier import cli\n")
    known = {"ranvier.train", "ranvier.cli", "ranvier"}
    assert imports_of("ranvier.nn.m", path, known) == {"ranvier.train", "ranvier.cli"}
    assert imports_of("ranvier.nn.m", path, known, runtime_only=True) == set()


def test_a_long_function_with_a_reason_is_accepted_and_one_without_is_not(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(70))
    path = tmp_path / "m.py"
    path.write_text(f"def plain():\n{body}\n\n\n{LONG_FUNCTION_MARK} one table, read top to bottom\ndef why():\n{body}\n")
    assert long_functions(path) == {"plain": 71}
