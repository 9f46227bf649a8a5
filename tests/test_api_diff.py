"""`make check-version` compares the public Python surface with the last release (griffe), so a
breaking rename is caught even when no spec changed. In a throwaway git repository."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=repo, capture_output=True, text=True, check=False
    )


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=repo, check=True, capture_output=True,
    )  # fmt: skip


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "project"
    skip = shutil.ignore_patterns("node_modules", "__pycache__")
    for folder in ("specs", "tools", "wrapper", "generated"):
        shutil.copytree(ROOT / folder, repo / folder, ignore=skip)
    (repo / "tools" / "node_modules").symlink_to(ROOT / "tools" / "node_modules")
    for name in ("pyproject.toml", "CHANGELOG.md"):
        shutil.copy(ROOT / name, repo / name)
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "release")
    return repo


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_renamed_keyword_fails_check_version_and_an_added_one_does_not(repo: Path) -> None:
    # The typed surface is generated (tools/surface.py): edit its output as a generator change would.
    livepeer = repo / "wrapper" / "speechspec" / "_generated" / "livepeer.py"
    # Additive: a new keyword with a default breaks no caller.
    _edit(livepeer, "        description: str | NotGiven | None = NOT_GIVEN,\n",
          "        description: str | NotGiven | None = NOT_GIVEN,\n        fixture_flag: bool = False,\n")  # fmt: skip
    ok = _run(repo, "tools/release.py", "check")
    assert ok.returncode == 0, ok.stderr

    # Breaking: the first text_to_speech's `description` renamed, no spec change at all.
    _edit(livepeer, "        description: str | NotGiven | None = NOT_GIVEN,\n        fixture_flag",
          "        voice_description: str | NotGiven | None = NOT_GIVEN,\n        fixture_flag")  # fmt: skip
    failed = _run(repo, "tools/release.py", "check")
    assert failed.returncode == 1, failed.stdout
    assert "python API: 1 breaking" in failed.stderr or "python API: 2 breaking" in failed.stderr
    # Livepeer.text_to_speech is inherited from the generated LivepeerOperations.
    assert "LivepeerOperations.text_to_speech" in failed.stderr and "description" in failed.stderr
    assert "make release-notes" in failed.stderr


def test_a_renamed_generated_class_is_breaking(repo: Path) -> None:
    models = repo / "generated" / "livepeer_client" / "models" / "__init__.py"
    text = models.read_text(encoding="utf-8")
    models.write_text(text.replace("MediaURL", "MediaUrl"), encoding="utf-8")
    failed = _run(repo, "tools/spec_diff.py", "--base", "HEAD")
    assert failed.returncode == 0, failed.stderr
    assert "python API: 1 breaking" in failed.stdout
    assert "MediaURL" in failed.stdout


def test_a_dropped_private_base_is_not_breaking_and_a_public_one_is(tmp_path: Path) -> None:
    import griffe
    from _api_diff import _private_bases_dropped

    sources = {
        "old": "class _Core:\n    pass\n\n\nclass Base:\n    pass\n\n\n"
        "class Client(_Core):\n    pass\n\n\nclass Other(Base):\n    pass\n",
        "new": "class Base:\n    pass\n\n\nclass Client:\n    pass\n\n\nclass Other:\n    pass\n",
    }
    loaded = {}
    for when, text in sources.items():
        (tmp_path / when / "pkg").mkdir(parents=True)
        (tmp_path / when / "pkg" / "__init__.py").write_text(text)
        loaded[when] = griffe.load(
            "pkg", search_paths=[tmp_path / when], allow_inspection=False, try_relative_path=False
        )
    found = list(griffe.find_breaking_changes(loaded["old"], loaded["new"]))
    assert sorted(b.obj.path for b in found) == ["pkg.Client", "pkg.Other"]
    kept = [b.obj.path for b in found if not _private_bases_dropped(griffe, b)]
    assert kept == ["pkg.Other"]
