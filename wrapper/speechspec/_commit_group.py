"""Group commit of many small downloads (the batch): complete files, fsync'd and renamed into
place together, off the event loop's thread.

A download inside ``deferred(group)`` hands its complete data to the group instead of
committing it. Small ones never touch the disk from the event loop: their bytes stay in memory
(``Buffer``, at most ``MAX_BUFFERED`` bytes per file and ``MAX_HELD`` for the whole group, so
memory stays bounded whatever the corpus), and the commit pass, in a thread, creates each
temporary file, writes it, fsyncs it, renames it into place and fsyncs the directory. Why:
creating a file in a directory whose renames and fsyncs another thread is committing waits for
the filesystem's journal, measured as the single largest cost of a batch's event loop outside
httpx. A larger download (or one over the group's budget) spills to its temporary file as it
arrives, as outside a batch. Either way the order that makes a crash harmless is kept: the
data is fsync'd before the rename, so no file ever has its final name half-written.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import IO

MAX_BUFFERED = 1 << 20  # bytes a download keeps in memory before it spills to its file
MAX_HELD = 16 << 20  # bytes all of a group's in-memory downloads hold at most together

_STEM_CHARS = 32  # characters of the target's name in its temporary name
_O_BINARY = getattr(os, "O_BINARY", 0)
_TOKEN = os.urandom(4).hex()  # this process's temporary names: .STEM.TOKEN<counter>.part
_COUNTER = itertools.count()


def create_temp(target: Path, buffering: int = -1) -> tuple[IO[bytes], str]:
    """A new temporary file beside ``target`` (OSError if it cannot be made), as a file
    object writing in blocks of ``buffering`` bytes (see ``create_temp_fd``)."""
    fd, tmp = create_temp_fd(target)
    return os.fdopen(fd, "wb", buffering=buffering), tmp


def create_temp_fd(target: Path) -> tuple[int, str]:
    """A new temporary file beside ``target`` (OSError if it cannot be made): its descriptor
    and name. A short name of its own (the target's may already use all 255 bytes; 32
    characters are 128 bytes at most), created as open() would create the target: mode 0666
    less the umask, never an existing file. A counter makes it unique in this process (no
    random bytes a file); O_EXCL settles a clash with another process's names."""
    prefix = os.path.join(target.parent, f".{target.name[:_STEM_CHARS]}.{_TOKEN}")
    for _ in range(100):
        tmp = f"{prefix}{next(_COUNTER):x}.part"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_BINARY, 0o666)
        except FileExistsError:
            continue
        return fd, tmp
    raise FileExistsError(f"no free temporary name in {target.parent}")


class Buffer:
    """A small download's bytes, held in memory until its group commits it."""

    __slots__ = ("data",)

    def __init__(self) -> None:
        self.data = bytearray()


class CommitGroup:
    """Complete downloads waiting for their fsync and rename (see ``deferred``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # files are handed over while a pass runs in a thread
        self._files: dict[Path, tuple[IO[bytes], str] | Buffer] = {}
        self._held = 0  # bytes in Buffers, handed over or still downloading

    # -- memory budget (event loop and commit thread) ------------------------------------

    def reserve(self, size: int) -> bool:
        """Take ``size`` more bytes of the budget for a Buffer; False if that exceeds it."""
        with self._lock:
            if self._held + size > MAX_HELD:
                return False
            self._held += size
            return True

    def release(self, size: int) -> None:
        with self._lock:
            self._held -= size

    # -- handing over --------------------------------------------------------------------

    def add(self, target: Path, fh: IO[bytes], tmp: str) -> None:
        """A complete temporary file (flushed) for ``target``."""
        self._put(target, (fh, tmp))

    def add_buffer(self, target: Path, buffer: Buffer) -> None:
        """A complete download held in memory (its bytes already reserved)."""
        self._put(target, buffer)

    def _put(self, target: Path, entry: tuple[IO[bytes], str] | Buffer) -> None:
        with self._lock:
            old = self._files.pop(target, None)
            self._files[target] = entry
        if old is not None:  # the same target twice before a commit: the last one wins
            self._drop(old)

    def __len__(self) -> int:
        return len(self._files)

    # -- committing (a worker thread) ----------------------------------------------------

    def commit(self, targets: Iterable[Path]) -> dict[Path, OSError | None]:
        """Write the downloads held in memory for ``targets`` to their temporary files, fsync
        every file, then rename each into place, then fsync each directory once; blocking (run
        it in a thread). Per target handed over: None once it is durable under its name, else
        the error (its temporary file removed)."""
        with self._lock:
            entries = {t: e for t in targets if (e := self._files.pop(t, None)) is not None}
        result: dict[Path, OSError | None] = {}
        # Each file as a descriptor (and the spilled download's file object, flushed before
        # its fsync). A buffered download is written with os.write on a raw descriptor: every
        # system call here lets go of the GIL and takes it back from the event loop's thread,
        # and a file object costs three more of them (fstat, isatty, lseek) plus its buffer.
        files: dict[Path, tuple[int, str, IO[bytes] | None]] = {}
        for target, entry in entries.items():
            if isinstance(entry, Buffer):
                try:
                    files[target] = (*_written(target, entry), None)
                except OSError as exc:
                    result[target] = exc
                finally:
                    self.release(len(entry.data))
            else:
                spilled, tmp = entry
                try:
                    spilled.flush()
                    files[target] = (spilled.fileno(), tmp, spilled)
                except OSError as exc:
                    discard_file(spilled, tmp)
                    result[target] = exc
        # No writeback started ahead of the fsyncs (posix_fadvise on each file shortened a
        # pass): every system call here hands the GIL to this thread and back, a context
        # switch of the event loop's thread, and the pass is off the workers' path while
        # those extra handovers were on it (docs/performance.md, "Batches").
        for target, (fd, tmp, fh) in files.items():
            try:
                os.fsync(fd)
            except OSError as exc:
                _discard_fd(fd, tmp, fh)
                result[target] = exc
                continue
            try:
                # Closed once, whatever follows: a descriptor number closed twice could be
                # another thread's file by then (the event loop opens sockets meanwhile).
                _close(fd, fh)
                os.replace(tmp, target)
            except OSError as exc:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                result[target] = exc
            else:
                result[target] = None
        for parent in {target.parent for target, exc in result.items() if exc is None}:
            try:
                fsync_dir(parent)
            except OSError as exc:  # the renames may not survive a crash: not durable
                for target in result:
                    if target.parent == parent and result[target] is None:
                        result[target] = exc
        return result

    def discard(self) -> None:
        """Drop every download not committed (the run is failing before it could commit)."""
        with self._lock:
            entries, self._files = self._files, {}
        for entry in entries.values():
            self._drop(entry)

    def _drop(self, entry: tuple[IO[bytes], str] | Buffer) -> None:
        if isinstance(entry, Buffer):
            self.release(len(entry.data))
            entry.data = bytearray()
        else:
            discard_file(*entry)


def _written(target: Path, buffer: Buffer) -> tuple[int, str]:
    """The buffered download written to a new temporary file beside ``target`` (not fsync'd):
    its open descriptor and name."""
    fd, tmp = create_temp_fd(target)
    try:
        view = memoryview(buffer.data)
        while view:
            view = view[os.write(fd, view) :]
    except OSError:
        _discard_fd(fd, tmp, None)
        raise
    return fd, tmp


def _close(fd: int, fh: IO[bytes] | None) -> None:
    if fh is None:
        os.close(fd)
    else:
        fh.close()


def _discard_fd(fd: int, tmp: str, fh: IO[bytes] | None) -> None:
    with contextlib.suppress(OSError):
        _close(fd, fh)
    with contextlib.suppress(OSError):
        os.unlink(tmp)


_GROUP: ContextVar[CommitGroup | None] = ContextVar("speechspec_commit_group", default=None)


def current_group() -> CommitGroup | None:
    return _GROUP.get()


@contextlib.contextmanager
def deferred(group: CommitGroup) -> Iterator[None]:
    """AtomicFiles opened in this context (and in tasks started from it) are committed by
    ``group``: their ``commit()`` returns with the download complete but not yet in place."""
    token = _GROUP.set(group)
    try:
        yield
    finally:
        _GROUP.reset(token)


def discard_file(fh: IO[bytes], tmp: str) -> None:
    with contextlib.suppress(OSError):
        fh.close()
    with contextlib.suppress(OSError):
        os.unlink(tmp)


def fsync_dir(path: Path) -> None:
    """Make the renames into ``path`` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except (PermissionError, IsADirectoryError):  # pragma: no cover - Windows
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
