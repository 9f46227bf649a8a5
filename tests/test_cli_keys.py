"""The CLI's key handling and help: keys by flag or environment, and messages that name what a
CLI user can type (never the library's ``api_key=``)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from speechspec.cli import _parser
from speechspec.emulator import EmulatorServer

CLI = [sys.executable, "-m", "speechspec"]


def bare_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HAMSA_", "LIVEPEER_"))}
    env.update(extra)
    return env


def speak_parsers() -> dict[str, argparse.ArgumentParser]:
    parser = _parser()
    top = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    speak = top.choices["speak"]
    vendors = next(a for a in speak._actions if isinstance(a, argparse._SubParsersAction))
    return dict(vendors.choices)


@pytest.mark.parametrize("vendor", ["hamsa", "livepeer"])
def test_every_speak_option_has_help(vendor: str) -> None:
    parser = speak_parsers()[vendor]
    undocumented = [
        a.option_strings or [a.dest]
        for a in parser._actions
        if not a.help or a.help == argparse.SUPPRESS
    ]
    assert undocumented == []
    text = parser.format_help()
    for action in parser._actions:
        for option in action.option_strings:
            assert option in text


def test_speak_help_names_the_key_flag_and_variable() -> None:
    result = subprocess.run(
        [*CLI, "speak", "hamsa", "--help"], capture_output=True, text=True, check=True
    )
    assert "--api-key" in result.stdout
    assert "HAMSA_API_KEY" in result.stdout
    result = subprocess.run(
        [*CLI, "speak", "livepeer", "--help"], capture_output=True, text=True, check=True
    )
    assert "--api-token" in result.stdout
    assert "LIVEPEER_API_TOKEN" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["speak", "hamsa", "hi", "--voice-id", "v"],
        ["batch", "hamsa", "LINES", "--voice-id", "v", "--out-dir", "out"],
    ],
)
def test_missing_key_names_the_variable_and_the_flag(args: list[str], tmp_path: Path) -> None:
    (tmp_path / "LINES").write_text("hello\n", encoding="utf-8")
    if args[0] == "speak":
        args = [*args, "-o", str(tmp_path / "x.wav")]
    result = subprocess.run(
        [*CLI, *args],
        env=bare_env(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "HAMSA_API_KEY" in result.stderr
    assert "--api-key" in result.stderr
    assert "api_key=" not in result.stderr
    assert "Traceback" not in result.stderr


def test_a_key_with_whitespace_names_its_source_not_the_key() -> None:
    result = subprocess.run(
        [*CLI, "speak", "hamsa", "hi", "--voice-id", "v", "-o", "x.wav", "--api-key", "ab cd"],
        env=bare_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "--api-key" in result.stderr
    assert "ab cd" not in result.stderr


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(job_delay=0.1, use_espeak=False) as srv:
        yield srv


def test_key_flags_are_used(server: EmulatorServer, tmp_path: Path) -> None:
    env = bare_env(
        HAMSA_BASE_URL=server.hamsa_base_url,
        LIVEPEER_BASE_URL=server.livepeer_base_url,
        HAMSA_API_KEY="wrong-key-from-env",
    )
    hamsa = subprocess.run(
        [
            *CLI,
            "speak",
            "hamsa",
            "hi",
            "--voice-id",
            "Amjad",
            "-o",
            str(tmp_path / "h.wav"),
            "--api-key",
            server.hamsa_key,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert hamsa.returncode == 0, hamsa.stderr
    livepeer = subprocess.run(
        [
            *CLI,
            "speak",
            "livepeer",
            "hi",
            "-o",
            str(tmp_path / "l.wav"),
            "--api-token",
            server.livepeer_token or "",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert livepeer.returncode == 0, livepeer.stderr
    wrong = subprocess.run(
        [*CLI, "speak", "livepeer", "hi", "-o", str(tmp_path / "w.wav"), "--api-token", "nope"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert wrong.returncode == 1
    assert "AuthenticationError" in wrong.stderr
