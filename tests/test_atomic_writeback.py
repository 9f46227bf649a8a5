"""AtomicFile starts the writeback of a large download as it goes (so the fsync before the
rename has only the tail left), and a retry's reset starts that bookkeeping over."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest
from speechspec import _atomic
from speechspec._atomic import AtomicFile


def test_writeback_is_started_in_steps_and_the_file_is_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if _atomic._FADVISE is None:
        pytest.skip("no posix_fadvise on this platform")
    calls: list[tuple[int, int]] = []
    real = _atomic._FADVISE

    def spy(fd: int, offset: int, length: int, advice: int) -> None:
        assert advice == os.POSIX_FADV_DONTNEED
        calls.append((offset, length))
        real(fd, offset, length, advice)

    monkeypatch.setattr(_atomic, "_FADVISE", spy)
    monkeypatch.setattr(_atomic, "WRITEBACK_STEP", 100_000)
    target = tmp_path / "out.wav"
    chunks = [bytes([i % 251]) * 30_011 for i in range(40)]
    with AtomicFile(target, 1 << 30, "https://cdn.example/a.wav") as out:
        for chunk in chunks[:10]:
            out.write(chunk)
        out.reset()  # a retried download starts over
        assert calls
        calls.clear()
        for chunk in chunks:
            out.write(chunk)
        out.commit()
    assert target.read_bytes() == b"".join(chunks)
    # Consecutive ranges from the start of the (restarted) file, each at least one step.
    assert calls[0][0] == 0
    for (offset, length), (following, _) in itertools.pairwise(calls):
        assert length >= 100_000 and following == offset + length
    assert calls[-1][0] + calls[-1][1] <= sum(map(len, chunks))
