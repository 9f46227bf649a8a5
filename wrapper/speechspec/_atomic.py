"""A temporary file beside the target, renamed into place only when complete.

The rename always follows the fsync of the file's data, so no crash leaves a half-written file
under the target's name. Alone, ``commit()`` fsyncs and renames at once. Inside
``deferred(group)`` (the batch: many small files), ``commit()`` hands the complete temporary
file to ``group`` instead, and ``group.commit()`` later fsyncs every file handed over, renames
each into place and fsyncs their directories: one pass for many files, off the download's path.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from pathlib import Path
from types import TracebackType
from typing import IO

from ._redact import loggable_url
from .errors import DownloadError

# Called with (bytes written so far, total bytes if the server declared them).
ProgressCallback = Callable[[int, int | None], None]

_STEM_CHARS = 32  # characters of the target's name in its temporary name
_O_BINARY = getattr(os, "O_BINARY", 0)
# The rename needs the data on disk (fsync), and the kernel leaves a download's pages dirty
# until then: a 256 MiB file would all be written out at the end while the download waits.
# Every WRITEBACK_STEP bytes, writeback of what came so far is started without waiting
# (POSIX_FADV_DONTNEED starts it on Linux, and drops the pages once clean), so the disk
# works while the network delivers and the final fsync has only the tail left.
WRITEBACK_STEP = 8 << 20
_FADVISE = getattr(os, "posix_fadvise", None)
_TOKEN = os.urandom(4).hex()  # this process's temporary names: .STEM.TOKEN<counter>.part
_COUNTER = itertools.count()
_DONTNEED = getattr(os, "POSIX_FADV_DONTNEED", 0)


class CommitGroup:
    """Complete temporary files waiting for their fsync and rename (see ``deferred``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # files are handed over from download threads
        self._files: dict[Path, tuple[IO[bytes], str]] = {}

    def add(self, target: Path, fh: IO[bytes], tmp: str) -> None:
        with self._lock:
            old = self._files.pop(target, None)
            self._files[target] = (fh, tmp)
        if old is not None:  # the same target twice before a commit: the last one wins
            _discard(*old)

    def __len__(self) -> int:
        return len(self._files)

    def commit(self, targets: Iterable[Path]) -> dict[Path, OSError | None]:
        """fsync the files handed over for ``targets``, then rename each into place, then
        fsync each directory once; blocking (run it in a thread). Per target handed over:
        None once it is durable under its name, else the error (its temporary file removed)."""
        with self._lock:
            files = {t: f for t in targets if (f := self._files.pop(t, None)) is not None}
        result: dict[Path, OSError | None] = {}
        if _FADVISE is not None:
            # Start every file's writeback first: their blocks are allocated together, so
            # the first fsync commits the filesystem journal for all and the others mostly
            # wait for data already on its way (about a quarter less time a pass, measured).
            for fh, _ in files.values():
                with contextlib.suppress(OSError):  # the fsync below reports real errors
                    fh.flush()
                    _FADVISE(fh.fileno(), 0, 0, _DONTNEED)
        for target, (fh, tmp) in files.items():
            try:
                fh.flush()
                os.fsync(fh.fileno())
                fh.close()
                os.replace(tmp, target)
            except OSError as exc:
                _discard(fh, tmp)
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
        """Remove every file not committed (the run is failing before it could commit)."""
        with self._lock:
            files, self._files = self._files, {}
        for fh, tmp in files.values():
            _discard(fh, tmp)


_GROUP: ContextVar[CommitGroup | None] = ContextVar("speechspec_commit_group", default=None)


@contextlib.contextmanager
def deferred(group: CommitGroup) -> Iterator[None]:
    """AtomicFiles opened in this context (and in tasks started from it) are committed by
    ``group``: their ``commit()`` returns with the file complete but not yet in place."""
    token = _GROUP.set(group)
    try:
        yield
    finally:
        _GROUP.reset(token)


def _discard(fh: IO[bytes], tmp: str) -> None:
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


class AtomicFile:
    """A temporary file beside ``target``; ``commit()`` renames it into place. Leaving the
    block without commit (an error, a cancellation) removes it and leaves ``target`` as it was.
    Every OSError becomes a DownloadError naming the path. ``url`` is the URL asked for; its
    errors show it as logs do (no query, no userinfo)."""

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
        self._fh: IO[bytes] | None = None
        self._tmp: str | None = None
        self._committed = False
        self._group = _GROUP.get()

    def _os_error(self, exc: OSError) -> DownloadError:
        return DownloadError(
            f"cannot write {self.target}: {exc.strerror or exc}",
            url=loggable_url(self.url),
            path=self.target,
        )

    def __enter__(self) -> AtomicFile:
        # A short name of its own (the target's may already use all 255 bytes; 32 characters
        # are 128 bytes at most), created as open() would create the target: mode 0666 less
        # the umask, never an existing file. A counter makes it unique in this process (no
        # random bytes a file); O_EXCL settles a clash with another process's names.
        stem = self.target.name[:_STEM_CHARS]
        prefix = os.path.join(self.target.parent, f".{stem}.{_TOKEN}")
        try:
            for _ in range(100):
                tmp = f"{prefix}{next(_COUNTER):x}.part"
                try:
                    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_BINARY, 0o666)
                except FileExistsError:
                    continue
                self._tmp = tmp
                self._fh = os.fdopen(fd, "wb")
                return self
            raise FileExistsError(f"no free temporary name in {self.target.parent}")
        except OSError as exc:
            raise self._os_error(exc) from exc

    def write(self, data: bytes) -> None:
        assert self._fh is not None
        self.size += len(data)
        if self.size > self.max_bytes:
            raise DownloadError(
                f"audio exceeds max_bytes={self.max_bytes}; download abandoned",
                url=loggable_url(self.url),
            )
        try:
            self._fh.write(data)
            if self.size - self._written_back >= WRITEBACK_STEP and _FADVISE is not None:
                self._start_writeback()
        except OSError as exc:
            raise self._os_error(exc) from exc
        if self.progress is not None:
            self.progress(self.size, self.total)

    def _start_writeback(self) -> None:
        assert self._fh is not None and _FADVISE is not None
        self._fh.flush()
        _FADVISE(self._fh.fileno(), self._written_back, self.size - self._written_back, _DONTNEED)
        self._written_back = self.size

    def reset(self) -> None:
        """Start over (a retried download)."""
        assert self._fh is not None
        try:
            self._fh.seek(0)
            self._fh.truncate()
        except OSError as exc:
            raise self._os_error(exc) from exc
        self.size = self._written_back = 0

    def hand_over(self) -> bool:
        """Inside ``deferred``: hand the complete file to the group (no fsync, no blocking:
        no worker thread needed) and return True; else False (``commit()`` it)."""
        if self._group is None:
            return False
        assert self._fh is not None and self._tmp is not None
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
