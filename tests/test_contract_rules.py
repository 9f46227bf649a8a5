"""`make contract`'s suite (tests/contract): collected only on request, and a run only passes
when the server really served it. Runs the suite in a child pytest against the emulator."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from speechspec.emulator import EmulatorServer

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(job_delay=0, use_espeak=False) as server:
        yield server


def _pytest(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SPEECHSPEC_", "HAMSA_", "LIVEPEER_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", *args],
        cwd=ROOT,
        env={**clean, "SPEECHSPEC_CONTRACT_MAX_EXAMPLES": "1", **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def _contract(**env: str) -> subprocess.CompletedProcess[str]:
    return _pytest("tests/contract", "--contract", **env)


def test_make_test_never_collects_the_contract_suite(emulator: EmulatorServer) -> None:
    # A shell with a base URL and a key set, as a developer's might be after `make contract`.
    env = {
        "SPEECHSPEC_CONTRACT_BASE_URL": emulator.hamsa_base_url,
        "HAMSA_API_KEY": emulator.hamsa_key,
    }
    collected = _pytest("--collect-only", "-q", **env)
    assert collected.returncode == 0, collected.stdout + collected.stderr
    assert "tests/test_contract_rules.py" in collected.stdout  # the whole suite was collected
    assert "tests/contract" not in collected.stdout
    named = _pytest("tests/contract", **env)
    assert named.returncode == 5  # nothing run
    assert "`make contract` runs it" in named.stdout
    assert emulator.requests() == []


def test_a_run_where_no_request_got_a_2xx_fails_saying_so(emulator: EmulatorServer) -> None:
    emulator.clear_requests()
    result = _contract(
        SPEECHSPEC_CONTRACT_BASE_URL=emulator.hamsa_base_url, HAMSA_API_KEY="a-wrong-key"
    )
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "no request got a 2xx answer" in out
    assert "401" in out and "HAMSA_API_KEY" in out
    assert "a-wrong-key" not in out
    assert {r["status"] for r in emulator.requests()} == {401}


def test_a_wrong_base_url_fails_saying_so(emulator: EmulatorServer) -> None:
    result = _contract(
        SPEECHSPEC_CONTRACT_BASE_URL=emulator.base_url + "/not-the-api",
        HAMSA_API_KEY=emulator.hamsa_key,
    )
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "no request got a 2xx answer" in out
    assert "SPEECHSPEC_CONTRACT_BASE_URL" in out


def test_a_run_with_the_right_key_passes(emulator: EmulatorServer) -> None:
    emulator.clear_requests()
    result = _contract(
        SPEECHSPEC_CONTRACT_BASE_URL=emulator.livepeer_base_url,
        SPEECHSPEC_CONTRACT_VENDOR="livepeer",
        LIVEPEER_API_TOKEN=emulator.livepeer_token or "",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
    assert any(200 <= r["status"] < 300 for r in emulator.requests())


def test_an_unknown_vendor_is_a_clear_error(emulator: EmulatorServer) -> None:
    vendor = "elevenlabs"
    emulator.clear_requests()
    result = _contract(
        SPEECHSPEC_CONTRACT_BASE_URL=emulator.hamsa_base_url,
        SPEECHSPEC_CONTRACT_VENDOR=vendor,
        HAMSA_API_KEY=emulator.hamsa_key,
    )
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert (
        f"SPEECHSPEC_CONTRACT_VENDOR='{vendor}' is not a vendor: use one of hamsa, livepeer" in out
    )
    assert "Traceback" not in out
    assert emulator.requests() == []  # checked before anything is sent
