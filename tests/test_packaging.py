"""What a user sees of the project beyond the code: the licence, the README's promises and
examples, and the test run's own output."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import _dist_userproject  # noqa: E402
import dist_check  # noqa: E402


def test_the_licence_is_the_mit_licence_pyproject_declares() -> None:
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License\n")
    assert "Copyright (c) 2026 speechspec contributors" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS"' in text
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"] == "MIT"


def test_the_readme_states_how_long_make_test_takes() -> None:
    readme = (ROOT / "README.md").read_text()
    quick_start = readme[readme.index("## Quick start") : readme.index("## Using the library")]
    assert re.search(r"`make test` takes about \d+ minutes?", quick_start), quick_start


def test_every_readme_python_example_is_run_by_dist_check() -> None:
    examples = dist_check.readme_examples()  # raises when a block names no userproject file
    assert set(examples) >= {
        "readme_quickstart.py",
        "readme_quickstart_async.py",
        "readme_library.py",
        "readme_webhook.py",
        "test_readme_plugin.py",
        "test_readme_async.py",
    }
    assert set(dist_check.RUN_EXAMPLES) <= set(examples)
    own = {p.name for p in (ROOT / "tests" / "userproject").iterdir()}
    assert not own & set(examples), "a README example would overwrite a userproject file"
    for name in dist_check.EXPECTED["core"][0] | dist_check.WEBHOOK:
        file = name.partition("::")[0]
        assert file in own | set(examples), name


def test_an_unmarked_readme_example_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "README.md").write_text(
        "<!-- userproject: a.py -->\n```python\nx = 1\n```\n\n```python\ny = 2\n```\n"
    )
    monkeypatch.setattr(_dist_userproject, "ROOT", tmp_path)  # where readme_examples reads
    with pytest.raises(dist_check.CheckFailed, match="2 ```python blocks but 1 name"):
        dist_check.readme_examples()
    # Blocks naming the same file go on from each other, in README order.
    (tmp_path / "README.md").write_text(
        "<!-- userproject: a.py -->\n```python\nx = 1\n```\ntext\n"
        "<!-- userproject: a.py (more) -->\n```python\nprint(x)\n```\n"
    )
    assert dist_check.readme_examples() == {"a.py": "x = 1\n\nprint(x)\n"}


CELL = "tests/test_fault_matrix.py::test_fault_matrix[connection refused-hamsa-create-sync]"


def _pytest(*args: str) -> str:
    # Without the plugins the fault matrix does not use (hypothesis, schemathesis, xdist): they
    # take half of each run's ~1 s of CPU to load, and the summary is conftest's own hook.
    plugins = ("cacheprovider", "hypothesispytest", "schemathesis", "xdist")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *(f"-pno:{name}" for name in plugins), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.stdout + done.stderr


def test_the_fault_matrix_is_printed_only_with_v_or_on_failure(tmp_path: Path) -> None:
    quiet = _pytest(CELL)
    assert "1 passed" in quiet
    assert "fault matrix" not in quiet
    verbose = _pytest(CELL, "-v")
    assert "fault matrix" in verbose
    assert re.search(r"connection refused\s+hamsa:create\s+sync\s+APIConnectionError", verbose)
    failing = tmp_path / "test_something_else.py"
    failing.write_text("def test_fails():\n    assert False\n")
    failed = _pytest(CELL, str(failing), "--rootdir", str(ROOT))
    assert "1 failed, 1 passed" in failed
    assert "fault matrix" in failed


def test_the_package_version_is_pyprojects() -> None:
    # release-notes bumps both; a hand bump of one alone would mislabel the User-Agent.
    import speechspec

    text = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    match = re.search(r'^version = "([^"]+)"$', text, re.M)
    assert match and speechspec.__version__ == match.group(1)
