"""`make test` on a machine without Node.js stops at once with one line saying what to install,
before installing anything (the spec-diff engine and pyright need Node)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_make_test_without_node_says_how_to_get_it(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"  # a PATH with the shell and make, and no node or npm
    bin_dir.mkdir()
    for tool in ("sh", "make"):
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    done = subprocess.run(
        ["make", "-C", str(ROOT), "test"],
        env={**os.environ, "PATH": str(bin_dir)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    # make's own "make: *** [...] Error 1" (make[1] when run from another make) aside.
    ours = [
        line for line in done.stderr.splitlines() if not re.match(r"make(\[\d+\])?: \*\*\*", line)
    ]
    assert len(ours) == 1, done.stderr
    assert "needs Node.js 20 and npm" in ours[0]
    assert "apt-get install nodejs npm" in ours[0]
    assert "pip" not in done.stdout  # nothing was installed first
