"""Each extra declares everything its code imports (the static half of `make dist-check`,
which also imports every module in a fresh venv per extra).

The import scan is dist_check's (every import, function bodies too, less TYPE_CHECKING and
ImportError-guarded ones); the installed closure of each extra's requirements comes from the
metadata of the dev venv, where every extra is installed."""

from __future__ import annotations

import functools
import importlib.metadata as metadata
import sys
import tomllib
from collections.abc import Mapping
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import _dist_imports  # noqa: E402
import dist_check  # noqa: E402

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
# Needed at run time though never imported by name: jsonschema's `date-time` format check
# is silently absent (FormatChecker(formats=("date-time",)) raises KeyError) without it.
IMPLIED = {"emulator": {"rfc3339_validator"}, "contract": {"rfc3339_validator"}}


def _own(extra: str) -> list[Requirement]:
    reqs = [Requirement(r) for r in PROJECT["dependencies"]]
    if extra != "core":
        for name in extra.split(","):  # a venv may install several extras ("contract,emulator")
            reqs += [Requirement(r) for r in PROJECT["optional-dependencies"][name]]
    return reqs


def closure(extra: str) -> set[str]:
    """Canonical names of the distributions `pip install speechspec[extra]` brings in."""
    seen: set[str] = set()
    todo = _own(extra)
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        if name == "speechspec":
            for sub in req.extras:
                todo += _own(sub)
            continue
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(req.name) or []
        except metadata.PackageNotFoundError:
            continue  # not in the dev venv (livepeer-ai: `make bench` installs it); dist-check
        for raw in requires:
            dep = Requirement(raw)
            envs = [{"extra": e} for e in req.extras] or [{"extra": ""}]
            if dep.marker is None or any(dep.marker.evaluate(env) for env in envs):
                todo.append(dep)
    return seen


@functools.cache
def _packages_distributions() -> Mapping[str, list[str]]:
    # It reads every installed distribution's file list: once per run, not once per import.
    return metadata.packages_distributions()


def distributions_of(module: str) -> set[str]:
    found = _packages_distributions().get(module)
    # A distribution not installed here is known by its name only (livepeer_ai: livepeer-ai).
    return {canonicalize_name(d) for d in found or [module]}


@pytest.mark.parametrize("venv", sorted(dist_check.VENVS))
def test_each_extra_installs_what_its_code_imports(venv: str) -> None:
    extra, trees, _ = dist_check.VENVS[venv]
    files = [f for tree in trees for f in dist_check.tree_files(tree)]
    imported = dict(dist_check.third_party_imports(files))
    for tree in trees:
        imported.update(dict.fromkeys(IMPLIED.get(tree, ()), "(implied)"))
    if "testing" in trees:
        from speechspec import testing

        imported.update(dict.fromkeys(testing._EXTRA_MODULES, "speechspec/testing.py"))
    installed = closure(extra or "core")
    missing = {
        module: where
        for module, where in imported.items()
        if not distributions_of(module) & installed
    }
    assert not missing, f"speechspec[{extra}] does not install what it imports: {missing}"


def test_the_scan_sees_lazy_imports_and_skips_guarded_ones(tmp_path: Path) -> None:
    code = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import typed_only\n"
        "try:\n    import optional\nexcept ImportError:\n    optional = None\n"
        "def f():\n    import lazy.sub\n"
        "import os, yaml\n"
    )
    file = tmp_path / "mod.py"
    file.write_text(code)
    # The scan names files relative to the ROOT of the module that does it.
    _dist_imports.ROOT, saved = tmp_path, _dist_imports.ROOT
    try:
        found = dist_check.third_party_imports([file])
    finally:
        _dist_imports.ROOT = saved
    assert set(found) == {"lazy", "yaml"}
