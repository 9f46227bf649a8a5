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


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_download_reaches_its_file_in_even_chunks_whatever_the_network_delivers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """The body's pieces are re-cut to DOWNLOAD_CHUNK before they are decoded and written:
    uneven network chunks, allocated and freed in turn, made glibc give the heap's top back
    and fault it in again (tens of thousands of page faults on a large download)."""
    from helpers import call, make
    from rawserver import Conn, RawServer
    from speechspec._body import DOWNLOAD_CHUNK

    pieces = [bytes([n % 251]) * size for n, size in enumerate((1, 7_000, 70_001, 3, 90_000))]
    body = b"".join(pieces)

    def trickle(conn: Conn) -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        conn.send(head.encode())
        for piece in pieces:  # each its own segment, some far smaller than a read
            conn.send(piece)
            time.sleep(0.01)

    sizes: list[int] = []
    real_write = AtomicFile.write

    def spy(self: AtomicFile, data: bytes) -> None:
        sizes.append(len(data))
        real_write(self, data)

    monkeypatch.setattr(AtomicFile, "write", spy)
    target = tmp_path / "out.wav"
    with RawServer(trickle) as server:
        client = make("livepeer", mode)
        call(client, "download", f"{server.url}/a.wav", target)  # http: loopback
    assert target.read_bytes() == body
    whole, tail = divmod(len(body), DOWNLOAD_CHUNK)
    assert sizes == [DOWNLOAD_CHUNK] * whole + ([tail] if tail else [])
