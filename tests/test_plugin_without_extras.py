"""The pytest plugin in a project that installed speechspec without the `testing` extra.

The plugin is registered by the ``pytest11`` entry point, so it loads in every pytest run of
such a project. Here the extras' modules are made unimportable in a child pytest run (the same
as a core-only install; `make dist-check` also does it with the real wheel in a fresh venv)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

BLOCKER = """
import importlib.abc, sys

BLOCKED = {"respx", "starlette", "uvicorn", "jsonschema", "rfc3339_validator"}


class _NotInstalled(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, _NotInstalled())
"""

USER_TESTS = """
import speechspec


def test_needs_no_fixture():
    assert speechspec.Hamsa(api_key="k").base_url


def test_uses_hamsa_mock(hamsa_mock):
    pass


def test_uses_livepeer_mock(livepeer_mock):
    pass


def test_uses_the_emulator(speechspec_emulator):
    pass
"""


def _run_core_only(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    (tmp_path / "block_extras.py").write_text(textwrap.dedent(BLOCKER))
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_user.py").write_text(USER_TESTS)
    env = {
        **os.environ,
        # Only our entry point, loaded by name as autoloading would: the dev venv's other
        # plugins (schemathesis, hypothesis) import what the blocker hides.
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "PYTHONPATH": str(tmp_path),
    }
    code = "import block_extras, sys, pytest; sys.exit(pytest.main(sys.argv[1:]))"
    args = ["-p", "speechspec", "-p", "no:cacheprovider", "-rA", "test_user.py"]
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_plugin_loads_and_fixtures_name_the_extra(tmp_path: Path) -> None:
    result = _run_core_only(tmp_path)
    out = result.stdout + result.stderr
    assert "1 passed, 3 errors" in out, out
    assert "PASSED test_user.py::test_needs_no_fixture" in out
    for test, fixture in [
        ("test_uses_hamsa_mock", "hamsa_mock"),
        ("test_uses_livepeer_mock", "livepeer_mock"),
        ("test_uses_the_emulator", "speechspec_emulator"),
    ]:
        assert f"ERROR test_user.py::{test}" in out
        assert f"speechspec's `{fixture}` fixture needs the `testing` extra" in out
    assert out.count("pip install 'speechspec[testing]'") >= 3
    # A clear message, not a stack or a chained exception in the user's face.
    assert "Traceback" not in out
    assert "During handling" not in out


def test_an_import_error_that_is_not_the_extra_is_not_disguised() -> None:
    from speechspec import testing

    with pytest.raises(ModuleNotFoundError, match="no_such_module"):
        testing._require("hamsa_mock", "no_such_module")
