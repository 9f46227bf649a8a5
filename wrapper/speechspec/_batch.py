"""``speechspec batch``: many lines, bounded concurrency over one connection pool, resumable."""

from __future__ import annotations

import asyncio
import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._progress import Progress
from .errors import SpeechspecError


@dataclass(frozen=True)
class Line:
    number: int
    text: str

    @property
    def filename(self) -> str:
        """Stable across runs: the line number and a hash of its text."""
        digest = hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:12]
        return f"{self.number:05d}-{digest}.wav"


@dataclass
class Summary:
    done: int = 0
    skipped: int = 0
    failed: list[tuple[Line, str]] = field(default_factory=list)


def read_lines(path: Path) -> list[Line]:
    """Non-blank lines, numbered as in the file (1-based)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [Line(i, text.strip()) for i, text in enumerate(lines, start=1) if text.strip()]


async def run_batch(
    client: Any,
    lines: list[Line],
    out_dir: Path,
    *,
    concurrency: int,
    options: dict[str, Any],
    progress: Progress,
) -> Summary:
    """Synthesize every line whose output file does not exist yet. A line's file appears only
    when complete (downloads are atomic), so an interrupted run leaves no partial file and a
    rerun repeats no finished line."""
    summary = Summary()
    todo = []
    for line in lines:
        if (out_dir / line.filename).exists():
            summary.skipped += 1
        else:
            todo.append(line)
    started = time.monotonic()
    limit = asyncio.Semaphore(concurrency)
    total = len(todo)

    async def one(line: Line) -> None:
        async with limit:
            try:
                await client.synthesize(line.text, out_dir / line.filename, **options)
            except SpeechspecError as exc:
                summary.failed.append((line, f"{type(exc).__name__}: {exc}"))
            else:
                summary.done += 1
            progress.bar(
                summary.done + len(summary.failed),
                total,
                started,
                f"({len(summary.failed)} failed)",
            )

    if total:
        progress.bar(0, total, started)
    await asyncio.gather(*(one(line) for line in todo))
    progress.done()
    summary.failed.sort(key=lambda item: item[0].number)
    return summary
