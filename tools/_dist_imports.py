"""dist-check, imports: every module of the trees an install covers imports in its venv, and
every third-party module those trees import (function bodies too) is installed."""

from __future__ import annotations

import ast
import re
import sys
import tempfile
from pathlib import Path

from _dist_base import ROOT, TREES, VENVS, CheckFailed, run, say


def tree_files(tree_name: str) -> list[Path]:
    """The .py files of a tree: its paths, less those another tree (an extra) covers."""
    files: set[Path] = set()
    for rel in TREES[tree_name]:
        path = ROOT / rel
        files.update([path] if path.is_file() else path.rglob("*.py"))
    if tree_name == "core":
        for other in ("emulator", "testing", "contract"):
            files -= set(tree_files(other))
    if tree_name == "generate":
        files -= set(tree_files("docs"))
    return sorted(files)


def _skipped_nodes(module: ast.Module) -> set[int]:
    """Imports a missing module cannot break: under ``if TYPE_CHECKING:``, or in a ``try``
    that handles ImportError (an optional feature that says what to install)."""
    skipped: set[int] = set()
    for node in ast.walk(module):
        type_checking = isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        optional = isinstance(node, ast.Try) and any(
            h.type is not None
            and re.search(r"\b(ImportError|ModuleNotFoundError)\b", ast.unparse(h.type))
            for h in node.handlers
        )
        body: list[ast.stmt] = node.body if type_checking or optional else []  # type: ignore[attr-defined]
        skipped.update(id(n) for stmt in body for n in ast.walk(stmt))
    return skipped


def third_party_imports(files: list[Path]) -> dict[str, str]:
    """Top-level names of the modules imported anywhere in ``files`` (function bodies too),
    but not the stdlib nor the project's own modules."""
    local = {"speechspec", "hamsa_client", "livepeer_client"} | {f.stem for f in files}
    found: dict[str, str] = {}
    for file in files:
        module = ast.parse(file.read_text(), str(file))
        skipped = _skipped_nodes(module)
        for node in ast.walk(module):
            if id(node) in skipped:
                continue
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.partition(".")[0]
                if top not in sys.stdlib_module_names and top not in local:
                    found.setdefault(top, str(file.relative_to(ROOT)))
    return found


def module_name(file: Path) -> str:
    """The import name of a file: packages from the wheel, or a script beside its folder."""
    rel = file.relative_to(ROOT)
    if rel.parts[0] in ("generated", "wrapper"):
        parts = rel.with_suffix("").parts[1:]
        return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
    return f"{rel.parent}:{file.stem}"  # a script (tools/, bench/): imported with its folder


IMPORT_ALL = """
import importlib, importlib.util, sys
root, needed, modules = sys.argv[1], sys.argv[2].split(","), sys.argv[3].split(",")
missing = [n for n in needed if n and importlib.util.find_spec(n) is None]
if missing:
    sys.exit("not installed: " + ", ".join(missing))
for name in modules:
    folder, _, name = name.rpartition(":")
    if folder:
        sys.path.insert(0, root + "/" + folder)
    importlib.import_module(name)
"""


def check_imports(python: Path, name: str) -> None:
    """Every module of the covered trees imports; every third-party module they use is there."""
    files = [f for tree in VENVS[name][1] for f in tree_files(tree)]
    needed = third_party_imports(files)
    if "testing" in VENVS[name][1]:
        from speechspec import testing  # the modules its fixtures import by name

        needed.update(dict.fromkeys(testing._EXTRA_MODULES, "speechspec/testing.py"))
    modules = [module_name(f) for f in files if f.stem != "__main__"]  # __main__ runs the CLI
    try:
        run(
            [python, "-c", IMPORT_ALL, ROOT, ",".join(sorted(needed)), ",".join(modules)],
            cwd=tempfile.gettempdir(),
        )
    except CheckFailed as exc:
        where = ", ".join(f"{n} ({f})" for n, f in sorted(needed.items()))
        message = str(exc).splitlines()[-1]
        raise CheckFailed(f"[{name}] imports: {message}\nthe trees import: {where}") from None
    say(f"[{name}] {len(modules)} modules import; {len(needed)} third-party modules installed")
