"""What ``import speechspec`` loads: the clients, their options and errors, nothing that only
some calls need (docs/performance.md, "Import time", names these; the bench holds the time)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# Each loaded on first use, by the calls that need it.
LATER = [
    "asyncio",  # once an async client runs in a loop
    "anyio",
    "httpcore",  # when an httpx transport is built
    "speechspec._pool",
    "queue",  # a download's writeback thread, past its first WRITEBACK_STEP
    "speechspec._data_url",  # the data: URL decoder
    "speechspec._jobs",  # job polling
    "speechspec._record",  # the traffic recorder
    "hamsa_client.models",  # the generated models
    "livepeer_client.models",
    "speechspec.emulator",
    "speechspec.contract",
    "speechspec.cli",
]


def test_import_speechspec_leaves_what_only_some_calls_need() -> None:
    code = "import json, sys, speechspec; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout))
    assert "speechspec._pipeline" in loaded  # the probe sees speechspec's own modules
    assert sorted(set(LATER) & loaded) == []


@pytest.mark.parametrize("module", ["speechspec._data_url", "queue"])
def test_each_is_loaded_by_the_call_that_needs_it(module: str) -> None:
    """The probe can fail: each name is loaded once its feature is used."""
    use = {
        "speechspec._data_url": "speechspec.Livepeer('t').download('data:,abc', d + '/a.wav')",
        "queue": "speechspec.Livepeer('t').download('data:;base64,' + 'AAAA' * 3_000_000, d + '/a.wav')",
    }[module]
    code = (
        "import shutil, sys, tempfile, speechspec\n"
        "d = tempfile.mkdtemp()\n"
        f"{use}\n"
        "shutil.rmtree(d)\n"
        f"print({module!r} in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
