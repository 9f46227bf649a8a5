"""No import circle in the wrapper or the tools.

The graph is read from the source (the AST), not from ``sys.modules``: every import statement
counts, at module level, inside a function or under ``if TYPE_CHECKING``, because a lazy import
that dodges a circle at run time still ties the two modules into one. An edge runs from a module
to each module of ours it names; importing a package's submodule does not add an edge to the
package's ``__init__`` (Python has loaded that already)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "wrapper" / "speechspec"
TOOLS = ROOT / "tools"


def _modules() -> dict[str, Path]:
    """Dotted name -> file, for the wrapper (``speechspec.x``) and the tools (top-level
    scripts on ``sys.path``, imported by their bare name)."""
    found: dict[str, Path] = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    for path in TOOLS.glob("*.py"):
        found[path.stem] = path
    return found


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """``name`` or its longest prefix that is one of our modules."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def _imports(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                stem = ".".join([*base, *([node.module] if node.module else [])])
            else:
                stem = node.module or ""
            # `from pkg import sub` names the submodule when there is one, else pkg itself.
            names = [f"{stem}.{alias.name}" for alias in node.names]
        for name in names:
            target = _resolve(name, modules)
            if target is not None and target != module:
                targets.add(target)
    return targets


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_our_modules_and_their_lazy_imports() -> None:
    graph = import_graph()
    assert "speechspec.errors" in graph and "spec_diff" in graph
    assert "speechspec.errors" in graph["speechspec._errors_map"]
    assert "_common" in graph["spec_diff"]
    # A function-level import is an edge too (tools/demo.py imports the emulator lazily).
    assert "speechspec.emulator._audio" in graph["demo"]


def test_the_finder_reports_a_circle_hidden_in_a_function() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle_in_the_wrapper_or_the_tools() -> None:
    graph = import_graph()
    assert cycles(graph) == []
