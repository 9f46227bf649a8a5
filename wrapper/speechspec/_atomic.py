"""A temporary file beside the target, renamed into place only when complete."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO

from ._redact import loggable_url
from .errors import DownloadError

# Called with (bytes written so far, total bytes if the server declared them).
ProgressCallback = Callable[[int, int | None], None]

# Temporary names: at most this many characters of the target's name, and a safe total.
_STEM_CHARS = 32
_SAFE_NAME_BYTES = 200
_O_BINARY = getattr(os, "O_BINARY", 0)
# The rename needs the data on disk (fsync), and the kernel leaves a download's pages dirty
# until then: a 256 MiB file would all be written out at the end while the download waits.
# Every WRITEBACK_STEP bytes, writeback of what came so far is started without waiting
# (POSIX_FADV_DONTNEED starts it on Linux, and drops the pages once clean), so the disk
# works while the network delivers and the final fsync has only the tail left.
WRITEBACK_STEP = 8 << 20
_FADVISE = getattr(os, "posix_fadvise", None)
_DONTNEED = getattr(os, "POSIX_FADV_DONTNEED", 0)


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

    def _os_error(self, exc: OSError) -> DownloadError:
        return DownloadError(
            f"cannot write {self.target}: {exc.strerror or exc}",
            url=loggable_url(self.url),
            path=self.target,
        )

    def __enter__(self) -> AtomicFile:
        # A short name of its own (the target's may already use all 255 bytes), created as
        # open() would create the target: mode 0666 less the umask, never an existing file.
        stem = self.target.name[:_STEM_CHARS]
        try:
            for _ in range(100):
                tmp = self.target.parent / f".{stem}.{os.urandom(4).hex()}.part"
                if len(os.fsencode(tmp.name)) > _SAFE_NAME_BYTES:
                    tmp = self.target.parent / f".speechspec.{os.urandom(4).hex()}.part"
                try:
                    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_BINARY, 0o666)
                except FileExistsError:
                    continue
                self._tmp = str(tmp)
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

    def commit(self) -> None:
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
