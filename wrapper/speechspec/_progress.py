"""A one-line progress display on stderr for the CLI: drawn only on a terminal."""

from __future__ import annotations

import sys
import time
from typing import TextIO


def _size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


class Progress:
    """Redraws one status line; silent when ``stream`` is not a TTY (logs, pipes, CI)."""

    def __init__(self, stream: TextIO | None = None, *, enabled: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self._last = 0.0
        self._width = 0

    def show(self, text: str, *, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < 0.1:
            return
        self._last = now
        pad = max(0, self._width - len(text))
        self.stream.write("\r" + text + " " * pad)
        self.stream.flush()
        self._width = len(text)

    def done(self) -> None:
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0

    def download(self, label: str) -> _DownloadMeter:
        return _DownloadMeter(self, label)

    def bar(self, done: int, total: int, started: float, extra: str = "") -> None:
        """``[#####.....] 12/40 3.1/s ETA 9s``"""
        width = 24
        filled = int(width * done / total) if total else width
        elapsed = max(time.monotonic() - started, 1e-9)
        rate = done / elapsed
        eta = (total - done) / rate if rate > 0 else float("inf")
        eta_text = f"{eta:.0f}s" if eta != float("inf") else "?"
        self.show(
            f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {rate:.1f}/s ETA {eta_text} {extra}",
            force=done == total,
        )


class _DownloadMeter:
    def __init__(self, progress: Progress, label: str) -> None:
        self.progress = progress
        self.label = label

    def __call__(self, received: int, total: int | None) -> None:
        of = f" of {_size(total)}" if total else ""
        self.progress.show(f"{self.label}: {_size(received)}{of}")
