"""The plugin's fixtures cannot be fooled by the environment: a user's pytest run in a shell
where `speechspec emulator`'s lines (or a real key) were exported still talks to the fixture,
and a bare client builds without a key. Real pytest subprocesses, as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

USER_TESTS = """
import pytest
import speechspec


def test_bare_hamsa_talks_to_the_mock(hamsa_mock, tmp_path):
    with speechspec.Hamsa() as hamsa:
        hamsa.synthesize("hi", tmp_path / "h.wav", voice_id="Amjad")
    assert len(hamsa_mock.calls) == 3
    assert hamsa_mock.calls[0].request.headers["authorization"] == f"Token {hamsa_mock.api_key}"


def test_bare_livepeer_talks_to_the_mock(livepeer_mock):
    audio = speechspec.Livepeer().text_to_speech("hi")
    assert audio.audio.url.startswith("data:audio/wav")
    assert livepeer_mock.calls[0].request.headers["authorization"] == (
        f"Bearer {livepeer_mock.api_key}"
    )


def test_bare_clients_talk_to_the_emulator(speechspec_emulator, tmp_path):
    with speechspec.Hamsa() as hamsa:
        hamsa.synthesize("hi", tmp_path / "h.wav", voice_id="Amjad")
    speechspec.Livepeer().synthesize("hi", tmp_path / "l.wav")
    assert [r["method"] for r in speechspec_emulator.requests()].count("POST") == 2


@pytest.mark.asyncio
async def test_async_client_in_an_async_test(hamsa_mock, tmp_path):
    async with speechspec.AsyncHamsa() as hamsa:
        await hamsa.synthesize("hi", tmp_path / "h.wav", voice_id="Amjad")
    assert len(hamsa_mock.calls) == 3


def test_the_environment_is_restored_after_a_fixture():
    import os

    assert os.environ["HAMSA_BASE_URL"] == "http://127.0.0.1:9/exported-by-the-user"
"""


def test_fixtures_pin_base_urls_and_keys_whatever_the_environment(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(USER_TESTS)
    env = {
        **os.environ,
        # What `speechspec emulator` prints, exported in the user's shell: a closed port.
        "HAMSA_BASE_URL": "http://127.0.0.1:9/exported-by-the-user",
        "LIVEPEER_BASE_URL": "http://127.0.0.1:9/livepeer",
        "HAMSA_API_KEY": "hk-from-the-shell",
        "LIVEPEER_API_TOKEN": "lp-from-the-shell",
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "-p",
            "no:randomly",
            "-o",
            "addopts=",
            "test_user.py",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 passed" in done.stdout
    assert "not mocked" not in done.stdout
