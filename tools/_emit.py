"""Writing generated Python: formatted as the generator's post-hooks format it, written, or
compared with what is committed (`make check-generated`). Shared by surface.py and unasync.py."""

from __future__ import annotations

import difflib
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ROOT, ToolError, write_atomic


def format_source(source: str) -> str:
    """``source`` as ruff fixes (imports) and formats it, as the generator's post-hooks do."""
    ruff = Path(sys.executable).parent / "ruff"
    with tempfile.TemporaryDirectory(prefix="speechspec-surface-") as tmp:
        path = Path(tmp) / "surface.py"
        path.write_text(source, encoding="utf-8")
        for cmd in (
            [str(ruff), "check", "--isolated", "--no-cache", "--fix-only", "--extend-select=I"],
            [str(ruff), "format", "--isolated", "--no-cache", "--line-length=100"],
        ):
            proc = subprocess.run([*cmd, str(path)], capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                raise ToolError(f"surface: {' '.join(cmd[:2])} failed:\n{proc.stderr}")
        return path.read_text(encoding="utf-8")


def write_or_check(files: dict[Path, str], *, check: bool, tool: str, what: str) -> int:
    """Write the generated ``files``, or with ``check`` fail (printing the diff) when the
    committed ones differ from them."""
    if not check:
        for path, text in files.items():
            write_atomic(path, text)
            print(f"{tool}: wrote {path.relative_to(ROOT)}")
        return 0
    diff: list[str] = []
    for path, text in files.items():
        have = path.read_text(encoding="utf-8") if path.exists() else ""
        rel = str(path.relative_to(ROOT))
        diff += difflib.unified_diff(
            have.splitlines(keepends=True),
            text.splitlines(keepends=True),
            rel,
            f"regenerated/{rel}",
        )
    if diff:
        sys.stdout.write("".join(diff))
        print(
            f"check-generated: {what} differ from what the sources produce. Run `make generate` "
            "and commit the result; never edit generated files by hand.",
            file=sys.stderr,
        )
        return 1
    print(f"check-generated: {what} match their sources")
    return 0
