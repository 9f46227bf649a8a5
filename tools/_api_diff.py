"""Breaking changes to the public Python surface since a git ref (griffe 2.x ``check``).

The spec diff catches what a vendor changed; this catches what *we* changed: a keyword argument
of ``Livepeer.text_to_speech`` renamed by hand, a generated class renamed by an overlay or a
template, a public function removed, even when no spec changed. The three import packages are
loaded statically (no import, no code run) at ``ref`` (a temporary git worktree, by griffe) and
from the working tree, and griffe's own rules decide what breaks a caller: a removed public
object or parameter, a parameter made required or moved, a changed default, a base class
dropped. Private names (``_module``, ``_name``) are not the public surface and are skipped.
"""

from __future__ import annotations

import io
import re
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from _common import ROOT, ToolError

# (import name, folder holding it): what users import.
PACKAGES = (
    ("speechspec", "wrapper"),
    ("hamsa_client", "generated"),
    ("livepeer_client", "generated"),
)


def _exists_at(ref: str, path: str) -> bool:
    proc = subprocess.run(
        ["git", "cat-file", "-e", f"{ref}:{path}"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    return proc.returncode == 0


def _extract_at(ref: str, path: str, into: Path) -> None:
    # griffe.load_git makes a worktree on a branch named after the commit, so two runs at once
    # (two test workers, two shells) collide on "branch already exists"; an archive cannot.
    archive = subprocess.run(
        ["git", "archive", "--format=tar", ref, "--", path],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _private_bases_dropped(griffe: Any, breakage: Any) -> bool:
    """A class that only lost private bases (``_HamsaCore``) kept its whole public surface:
    what a caller can use or subclass is checked member by member, not through the base."""
    if breakage.kind is not griffe.BreakageKind.CLASS_REMOVED_BASE:
        return False
    removed = {str(b) for b in breakage.old_value} - {str(b) for b in breakage.new_value}
    return all(base.rsplit(".", 1)[-1].startswith("_") for base in removed)


def api_breakages(ref: str) -> list[dict[str, str]]:
    """One item (spec-diff report shape) per breaking change to a public object since ``ref``.
    A package absent at ``ref`` or in the working tree is skipped (nothing to compare)."""
    try:
        import griffe
    except ImportError as exc:  # pragma: no cover (the dev extra pins it)
        raise ToolError("griffe is not installed: run `make install` (extra `dev`)") from exc
    items: list[dict[str, str]] = []
    for name, folder in PACKAGES:
        if not (ROOT / folder / name / "__init__.py").is_file():
            continue
        if not _exists_at(ref, f"{folder}/{name}/__init__.py"):
            continue
        try:
            with tempfile.TemporaryDirectory(prefix="speechspec-api-") as scratch:
                _extract_at(ref, f"{folder}/{name}", Path(scratch))
                old: Any = griffe.load(
                    name,
                    search_paths=[Path(scratch) / folder],
                    allow_inspection=False,
                    try_relative_path=False,
                )
                new: Any = griffe.load(
                    name,
                    search_paths=[ROOT / folder],
                    allow_inspection=False,
                    try_relative_path=False,
                )
                breakages = list(griffe.find_breaking_changes(old, new))
        except Exception as exc:  # griffe raises assorted types on code it cannot load
            raise ToolError(f"python API of {name} at {ref}: griffe failed: {exc}") from exc
        for breakage in breakages:
            if _private_bases_dropped(griffe, breakage):
                continue
            obj = breakage.obj.path
            # griffe colours its explanation for a terminal; a changelog wants text, and the
            # file named relative to the repository, not to the scratch copy of the release.
            message = _ANSI.sub("", breakage.explain(style=griffe.ExplanationStyle.ONE_LINE))
            message = message.replace(f"{scratch}/", "").replace(f"{ROOT}/", "")
            items.append(
                {
                    "operation": "",
                    "schema": name,
                    "field": obj.removeprefix(f"{name}."),
                    "message": message,
                    "where": "python",
                }
            )
    return items


__all__ = ["PACKAGES", "api_breakages"]
