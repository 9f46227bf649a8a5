"""Shared test configuration."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The spec tools are scripts, not a package: make them importable for their tests.
sys.path.insert(0, str(ROOT / "tools"))


import time  # noqa: E402

import anyio  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record (instead of sleeping) every backoff and poll delay, sync and async."""
    recorded: list[float] = []

    def fake_sleep(seconds: float) -> None:
        recorded.append(seconds)

    async def fake_async_sleep(seconds: float) -> None:
        recorded.append(seconds)

    monkeypatch.setattr(time, "sleep", fake_sleep)
    monkeypatch.setattr(anyio, "sleep", fake_async_sleep)
    return recorded


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the fault matrix (tests/test_fault_matrix.py) when it ran."""
    module = sys.modules.get("test_fault_matrix")
    rows = getattr(module, "MATRIX", None)
    if not rows:
        return
    header = ("fault", "call", "mode", "outcome", "server saw")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    terminalreporter.section("fault matrix")
    for row in [header, tuple("-" * w for w in widths), *sorted(rows)]:
        terminalreporter.write_line(
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
        )


@pytest.fixture(autouse=True)
def _seeded_random() -> None:
    """Some of schemathesis' mutations draw from the global random module: seed it per test,
    so generated data does not depend on which tests ran before (backoff jitter draws too)."""
    import random

    random.seed(20261122)
