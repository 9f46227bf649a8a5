"""A temporary file beside the target, renamed into place only when complete.

The rename always follows the fsync of the file's data, so no crash leaves a half-written file
under the target's name. Alone, ``commit()`` fsyncs and renames at once. Inside
``deferred(group)`` (the batch: many small files), ``commit()`` hands the complete download
to ``group`` instead, and ``group.commit()`` later writes, fsyncs and renames every download
handed over and fsyncs their directories: one pass for many files, off the download's path
(``_commit_group``; a small download waits there in memory, never opening a file itself).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING

from ._commit_group import (
    MAX_BUFFERED,
    Buffer,
    CommitGroup,
    create_temp,
    current_group,
    deferred,
    fsync_dir,
)
from ._redact import loggable_url
from .errors import DownloadError

if TYPE_CHECKING:
    import queue

__all__ = ["AtomicFile", "CommitGroup", "ProgressCallback", "deferred", "fsync_dir"]

# Called with (bytes written so far, total bytes if the server declared them).
ProgressCallback = Callable[[int, int | None], None]

# The rename needs the data on disk (fsync), and the kernel leaves a download's pages dirty
# until then: a 256 MiB file would all be written out at the end while the download waits.
# Every WRITEBACK_STEP bytes, writeback of what came so far is started without waiting
# (POSIX_FADV_DONTNEED starts it on Linux, and drops the pages once clean), so the disk
# works while the network delivers and the final fsync has only the tail left.
WRITEBACK_STEP = 8 << 20
# The network's chunks (up to httpcore's 64 KiB read, often much less) are gathered in the
# file object's buffer of this size and written a block at a time: each byte is copied once on
# its way to the page cache, with a quarter of the write calls of 64 KiB chunks, where
# re-cutting the stream into even chunks (as `iter_bytes(65536)` does) copies it again. Written
# straight through, uneven chunks allocated and freed in turn had glibc give the heap's top
# back to the kernel and fault it in again (up to 40k page faults on a 256 MiB download; with
# the buffer, as many as a raw httpx copy: measured).
WRITE_BUFFER = 256 << 10
_FADVISE = getattr(os, "posix_fadvise", None)  # absent off Linux-like systems
_DONTNEED = getattr(os, "POSIX_FADV_DONTNEED", 0)


class _Writeback:
    """A large file's writeback, started by a thread of its own: posix_fadvise blocks while
    it queues a range's pages for the disk (about 1 ms per 8 MiB, 6% of a 256 MiB loopback
    download when the download's own thread made the call, measured), and it releases the
    GIL, so the download goes on meanwhile. Ranges are advised in the order given;
    ``close()`` returns once every one has been, so the file may then be closed, truncated
    or renamed (an advice on a closed descriptor could reach another file reusing it)."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        import queue  # here: only a file past WRITEBACK_STEP needs it (and heapq with it)

        self._ranges: queue.SimpleQueue[tuple[int, int] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="speechspec-writeback", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        assert _FADVISE is not None
        while (item := self._ranges.get()) is not None:
            # Advice only: a failure here loses nothing (the fsync before the rename writes
            # whatever is left and reports a real I/O error).
            with contextlib.suppress(OSError):
                _FADVISE(self._fd, item[0], item[1], _DONTNEED)

    def start(self, offset: int, length: int) -> None:
        self._ranges.put((offset, length))

    def close(self) -> None:
        self._ranges.put(None)
        self._thread.join()


class AtomicFile:
    """A temporary file beside ``target``; ``commit()`` renames it into place. Leaving the
    block without commit (an error, a cancellation) removes it and leaves ``target`` as it was.
    Inside ``deferred`` a download stays in memory until it outgrows ``MAX_BUFFERED`` (or the
    group's budget), and the group creates its file. Every OSError becomes a DownloadError
    naming the path. ``url`` is the URL asked for; its errors show it as logs do (no query,
    no userinfo)."""

    def __init__(
        self,
        target: Path,
        max_bytes: int,
        url: str,
        progress: ProgressCallback | None = None,
    ) -> None:
        self.target = target
        self.max_bytes = max_bytes
        self.url = url
        self.progress = progress
        self.total: int | None = None
        self.size = 0
        self._written_back = 0  # bytes whose writeback has been started
        self._writeback: _Writeback | None = None  # its thread, once the file is large
        self._fh: IO[bytes] | None = None
        self._tmp: str | None = None
        self._committed = False
        self._group = current_group()
        self._buffer: Buffer | None = None  # the download so far, while it is held in memory

    def _os_error(self, exc: OSError) -> DownloadError:
        return DownloadError(
            f"cannot write {self.target}: {exc.strerror or exc}",
            url=loggable_url(self.url),
            path=self.target,
        )

    def __enter__(self) -> AtomicFile:
        if self._group is not None:
            self._buffer = Buffer()  # a file only if it outgrows memory (see write)
        else:
            self._open()
        return self

    def _open(self) -> None:
        try:
            self._fh, self._tmp = create_temp(self.target, WRITE_BUFFER)
        except OSError as exc:
            raise self._os_error(exc) from exc

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.max_bytes:
            raise DownloadError(
                f"audio exceeds max_bytes={self.max_bytes}; download abandoned",
                url=loggable_url(self.url),
            )
        buffer = self._buffer
        if buffer is None:
            self._write_file(data)
        elif self.size <= MAX_BUFFERED and self._reserve(len(data)):
            buffer.data += data
        else:
            self._spill(buffer, data)
        if self.progress is not None:
            self.progress(self.size, self.total)

    def _reserve(self, size: int) -> bool:
        return self._group is not None and self._group.reserve(size)

    def _write_file(self, data: bytes | bytearray) -> None:
        assert self._fh is not None
        try:
            self._fh.write(data)
            if self.size - self._written_back >= WRITEBACK_STEP and _FADVISE is not None:
                self._start_writeback()
        except OSError as exc:
            raise self._os_error(exc) from exc

    def _spill(self, buffer: Buffer, data: bytes) -> None:
        """Too large to wait in memory (or the group's budget is spent): to its file now,
        what was held first."""
        held = buffer.data  # _release empties the buffer: its bytes are still to be written
        self._buffer = None
        self._release(buffer)
        self._open()
        self._write_file(held)
        self._write_file(data)

    def _release(self, buffer: Buffer) -> None:
        if self._group is not None:
            self._group.release(len(buffer.data))
        buffer.data = bytearray()

    def _start_writeback(self) -> None:
        assert self._fh is not None
        self._fh.flush()  # the range must be in the page cache before it is advised
        if self._writeback is None:
            self._writeback = _Writeback(self._fh.fileno())
        self._writeback.start(self._written_back, self.size - self._written_back)
        self._written_back = self.size

    def _end_writeback(self) -> None:
        if self._writeback is not None:
            self._writeback.close()
            self._writeback = None

    def reset(self) -> None:
        """Start over (a retried download)."""
        self._end_writeback()
        if self._buffer is not None:
            self._release(self._buffer)
        else:
            assert self._fh is not None
            try:
                self._fh.seek(0)
                self._fh.truncate()
            except OSError as exc:
                raise self._os_error(exc) from exc
        self.size = self._written_back = 0

    def hand_over(self) -> bool:
        """Inside ``deferred``: hand the complete download to the group (no fsync, no
        blocking: no worker thread needed) and return True; else False (``commit()`` it)."""
        if self._group is None:
            return False
        if self._buffer is not None:
            self._group.add_buffer(self.target, self._buffer)
            self._buffer = None  # the group owns it now
            self._committed = True
            return True
        assert self._fh is not None and self._tmp is not None
        self._end_writeback()
        try:
            self._fh.flush()
        except OSError as exc:
            raise self._os_error(exc) from exc
        self._group.add(self.target, self._fh, self._tmp)
        self._fh = None  # the group owns it now
        self._committed = True
        return True

    def commit(self) -> None:
        if self.hand_over():
            return
        assert self._fh is not None and self._tmp is not None
        self._end_writeback()
        try:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
            os.replace(self._tmp, self.target)
        except OSError as exc:
            raise self._os_error(exc) from exc
        self._committed = True

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._buffer is not None:  # never handed over: its memory goes back to the group
            self._release(self._buffer)
            self._buffer = None
        self._end_writeback()
        with contextlib.suppress(OSError):
            if self._fh is not None and not self._fh.closed:
                self._fh.close()
        if not self._committed and self._tmp is not None:
            with contextlib.suppress(OSError):
                Path(self._tmp).unlink(missing_ok=True)


def prepare_target(path: str | os.PathLike[str]) -> Path:
    """The checked target path (InvalidRequestError naming ``path`` otherwise). A Path is the
    one ``_args.download`` returned at the public boundary, already checked: checking it again
    would probe its directory a second time per download."""
    if isinstance(path, Path):
        return path
    from ._args import target_path

    return target_path(path)
