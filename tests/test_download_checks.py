"""What a download checks about its target, and how often: once per call, and the directory's
write probe (a file created and removed) at most once a second per directory, so a batch of
thousands of downloads into one directory does not create and remove thousands of files."""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
import speechspec
from speechspec import _args


@pytest.fixture
def probes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The directories tempfile.mkstemp is asked for (the probe is its only caller here)."""
    calls: list[str] = []
    real = tempfile.mkstemp

    def counting(*args: Any, **kwargs: Any) -> tuple[int, str]:
        calls.append(os.fspath(kwargs["dir"]))
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", counting)
    monkeypatch.setattr(_args, "_WRITABLE", {})
    return calls


def test_downloads_into_one_directory_probe_it_once(tmp_path: Path, probes: list[str]) -> None:
    other = tmp_path / "other"
    other.mkdir()
    with speechspec.Livepeer("t") as client:
        for n in range(5):
            client.download("data:,hello", tmp_path / f"{n}.txt")
        client.download("data:,hello", other / "x.txt")
    assert probes == [str(tmp_path), str(other)]
    assert [(tmp_path / f"{n}.txt").read_bytes() for n in range(5)] == [b"hello"] * 5


def test_async_downloads_probe_once_too(tmp_path: Path, probes: list[str]) -> None:
    async def go() -> None:
        async with speechspec.AsyncLivepeer("t") as client:
            await asyncio.gather(
                *(client.download("data:,hi", tmp_path / f"{n}.txt") for n in range(8))
            )

    asyncio.run(go())
    assert probes == [str(tmp_path)]


def test_the_probe_is_repeated_once_its_answer_is_old(
    tmp_path: Path, probes: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_args, "_WRITABLE_FOR", 0.0)  # every answer already old
    with speechspec.Livepeer("t") as client:
        for n in range(3):
            client.download("data:,hello", tmp_path / f"{n}.txt")
    assert probes == [str(tmp_path)] * 3


def test_every_download_still_checks_its_own_target(tmp_path: Path, probes: list[str]) -> None:
    """The reused probe answers only "the directory is writable": the target's own checks
    (a directory, a missing directory) run on every call."""
    (tmp_path / "d").mkdir()
    with speechspec.Livepeer("t") as client:
        client.download("data:,hello", tmp_path / "a.txt")
        with pytest.raises(speechspec.InvalidRequestError, match="is a directory"):
            client.download("data:,hello", tmp_path / "d")
        with pytest.raises(speechspec.InvalidRequestError, match="does not exist"):
            client.download("data:,hello", tmp_path / "missing" / "a.txt")
    assert probes == [str(tmp_path)]


def test_a_failed_probe_is_never_remembered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_args, "_WRITABLE", {})

    def refuse(*args: Any, **kwargs: Any) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied")

    with speechspec.Livepeer("t") as client:
        with monkeypatch.context() as patch:
            patch.setattr(tempfile, "mkstemp", refuse)
            for _ in range(2):
                with pytest.raises(speechspec.InvalidRequestError, match="not writable"):
                    client.download("data:,hello", tmp_path / "a.txt")
        assert _args._WRITABLE == {}
        client.download("data:,hello", tmp_path / "a.txt")
    assert (tmp_path / "a.txt").read_bytes() == b"hello"
