"""AtomicFile starts the writeback of a large download as it goes (so the fsync before the
rename has only the tail left), and a retry's reset starts that bookkeeping over."""

from __future__ import annotations

import itertools
import os
import threading
import time
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


def test_writeback_runs_beside_the_download_and_is_over_when_the_file_is_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The advice is given by another thread (it blocks while the kernel queues the pages),
    and none is still pending once the file is committed or abandoned: an advice on a closed
    descriptor could reach whatever file reuses its number."""
    if _atomic._FADVISE is None:
        pytest.skip("no posix_fadvise on this platform")
    real = _atomic._FADVISE
    seen: list[tuple[str, bool]] = []

    def spy(fd: int, offset: int, length: int, advice: int) -> None:
        real(fd, offset, length, advice)
        # After the real call: the descriptor is still this file's when the advice ends.
        seen.append((threading.current_thread().name, os.fstat(fd).st_nlink >= 1))

    monkeypatch.setattr(_atomic, "_FADVISE", spy)
    monkeypatch.setattr(_atomic, "WRITEBACK_STEP", 50_000)
    before = set(threading.enumerate())
    target = tmp_path / "out.wav"
    with AtomicFile(target, 1 << 30, "https://cdn.example/a.wav") as out:
        for _ in range(20):
            out.write(b"x" * 30_000)
        out.commit()
    assert target.stat().st_size == 600_000
    assert len(seen) == 10 and all(name == "speechspec-writeback" for name, _ in seen)
    assert set(threading.enumerate()) <= before  # the thread ended with the commit

    seen.clear()
    abandoned = tmp_path / "abandoned.wav"

    def abandon() -> None:
        with AtomicFile(abandoned, 1 << 30, "https://x/a") as out:
            for _ in range(20):
                out.write(b"y" * 30_000)
            raise RuntimeError("the download failed")

    with pytest.raises(RuntimeError):
        abandon()
    assert len(seen) == 10
    assert set(threading.enumerate()) <= before
    assert not abandoned.exists() and list(tmp_path.iterdir()) == [target]


def _write_calls() -> int:
    """write(2)-family calls of this process so far (send(2) on a socket is not one)."""
    with open("/proc/self/io") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("syscw:"))


@pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="needs Linux's /proc/self/io")
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_download_reaches_its_file_in_whole_blocks_whatever_the_network_delivers(
    tmp_path: Path, mode: str
) -> None:
    """The network's chunks, of every size, are gathered into WRITE_BUFFER blocks before
    they are written: one write call a block (the last one short), not one a chunk, and
    not one per 64 KiB as a re-cut stream would make."""
    from helpers import call, make
    from rawserver import Conn, RawServer

    sizes = (1, 7_000, 700_001, 3, 1_400_000, 17)
    pieces = [bytes([n % 251]) * size for n, size in enumerate(sizes)]
    body = b"".join(pieces)

    def trickle(conn: Conn) -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        conn.send(head.encode())
        for piece in pieces:  # each its own segment, some far smaller than a read
            conn.send(piece)
            time.sleep(0.01)

    target = tmp_path / "out.wav"
    with RawServer(trickle) as server:
        client = make("livepeer", mode)
        before = _write_calls()
        call(client, "download", f"{server.url}/a.wav", target)  # http: loopback
        writes = _write_calls() - before
    assert target.read_bytes() == body
    blocks = -(-len(body) // _atomic.WRITE_BUFFER)  # 9 for these 2,107,022 bytes
    # One call a block; a block can go out in two when a chunk straddles the buffer's end.
    assert blocks <= writes <= 2 * blocks, writes
    assert writes < len(body) // (64 * 1024)  # 32: one write per re-cut 64 KiB chunk
