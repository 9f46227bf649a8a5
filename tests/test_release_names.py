"""release-notes and check-version name the last release by its version and tag (or a short
commit), never by a bare 40-character SHA."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_release_name_is_a_version_and_a_tag_or_short_commit() -> None:
    code = (
        "import sys; sys.path.insert(0, 'tools'); from release import release_name;"
        "print(release_name('v0.2.0', (0, 2, 0)));"
        "print(release_name('4fb3b7f49d94' + 'a' * 28, (0, 2, 0)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out == ["0.2.0, tag v0.2.0", "0.2.0, commit 4fb3b7f49d94"]


def test_check_version_names_the_release_without_a_full_sha() -> None:
    done = subprocess.run(
        [sys.executable, "tools/release.py", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    output = done.stdout + done.stderr
    if "CHANGELOG.md has no section" not in output:  # every other verdict names the release
        assert re.search(r"\(\d+\.\d+\.\d+, (tag v\S+|commit [0-9a-f]{12})\)", output), output
    assert not re.search(r"\b[0-9a-f]{40}\b", output), output
