"""What works with the core install alone (no extra)."""

from __future__ import annotations

import subprocess
import sys

import pytest
import speechspec


def test_the_plugin_is_loaded(pytestconfig: pytest.Config) -> None:
    assert pytestconfig.pluginmanager.has_plugin("speechspec")


def test_a_client_checks_its_arguments_before_any_request() -> None:
    hamsa = speechspec.Hamsa(api_key="k", base_url="http://127.0.0.1:9")
    with hamsa, pytest.raises(speechspec.InvalidRequestError) as info:
        hamsa.text_to_speech("", voice_id="Amjad")
    assert info.value.param == "text"


def test_the_cli_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "speechspec", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert "emulator" in done.stdout
