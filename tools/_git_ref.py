"""What the repository held at a git ref: the last release tag, a vendor's effective or verbatim
document there, and the generator inputs changed since (spec_diff.py and release.py read these)."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import Any

from _common import ROOT, ToolError, load_document
from generate import effective_document

# What shapes the generated code besides the specs: a change here is at least a patch release.
GENERATOR_INPUTS = (
    "tools/generate.py",
    "tools/_templates.py",
    "specs/templates",
    "specs/hamsa/config.yaml",
    "specs/livepeer/config.yaml",
)
GENERATOR_PIN = "openapi-python-client=="


def git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def last_release_tag() -> str | None:
    proc = git("tag", "--list", "v*", "--sort=-v:refname")
    tags = proc.stdout.split() if proc.returncode == 0 else []
    return tags[0] if tags else None


def default_base() -> str:
    return last_release_tag() or "HEAD"


def effective_at(
    ref: str | None, vendor: str, *, wrapped_only: bool = True
) -> dict[str, Any] | None:
    """The effective document at git ``ref`` (None: the working tree); None if absent there."""
    if ref is None:
        return effective_document(vendor, wrapped_only=wrapped_only)
    if git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode != 0:
        raise ToolError(f"BASE {ref!r} is not a git commit, tag or branch here")
    with tempfile.TemporaryDirectory(prefix="speechspec-base-") as tmp:
        for name in ("openapi.yaml", "overlay.yaml"):
            shown = git("show", f"{ref}:specs/{vendor}/{name}")
            if shown.returncode != 0:
                return None
            path = Path(tmp) / vendor / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(shown.stdout, encoding="utf-8")
        shown = git("show", f"{ref}:specs/{vendor}/config.yaml")  # its wrapped_operations
        if shown.returncode == 0:
            (Path(tmp) / vendor / "config.yaml").write_text(shown.stdout, encoding="utf-8")
        try:
            return effective_document(vendor, specs_dir=Path(tmp), wrapped_only=wrapped_only)
        except ToolError as exc:
            raise ToolError(f"at {ref}: {exc}") from exc


def vendor_at(ref: str, vendor: str) -> dict[str, Any] | None:
    """The verbatim vendor document at git ``ref``; None if absent there."""
    shown = git("show", f"{ref}:specs/{vendor}/openapi.yaml")
    if shown.returncode != 0:
        return None
    return load_document(shown.stdout, f"{ref}:specs/{vendor}/openapi.yaml")


def generator_changes(ref: str) -> list[str]:
    """Generator inputs that differ between ``ref`` and the working tree."""
    proc = git("diff", "--name-only", ref, "--", *GENERATOR_INPUTS)
    changed = proc.stdout.split() if proc.returncode == 0 else []
    old = git("show", f"{ref}:pyproject.toml").stdout
    new = (ROOT / "pyproject.toml").read_text(encoding="utf-8")

    def pin(text: str) -> list[str]:
        return [line.strip() for line in text.splitlines() if GENERATOR_PIN in line]

    if pin(old) != pin(new):
        changed.append(f"pyproject.toml ({', '.join(pin(new)) or 'generator pin removed'})")
    return changed
