"""Group commit of finished lines: their files made durable and renamed into place together,
then their journal ``D`` records appended together.

A worker does not wait for its line's commit: it hands the line over and takes the next one.
Every ``MAX_DELAY`` seconds, or as soon as ``MAX_LINES`` lines wait, one pass in a thread
fsyncs each waiting file, renames each into place and fsyncs the directory
(``_commit_group.CommitGroup``); only then are the lines' ``D`` records appended to the journal
(written at once, fsync'd by its next group fsync). So a ``D`` record never precedes the
durable file it claims, and a file never appears under its final name before its data is on disk.
A kill before the pass leaves the line's ``C`` record: the resume finishes the job again
(polls and download, never a second POST) or finds the file in place and skips the line.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from ._atomic import CommitGroup
from ._batch_input import Line

MAX_LINES = 64  # lines per pass at most before a pass starts at once
MAX_DELAY = 0.05  # seconds a finished line waits at most for its pass to start
BACKLOG = 4 * MAX_LINES  # a worker waits for the running pass beyond this many lines

# Called per line once its pass is over: the error if its file could not be made durable,
# or (JournalError) if its journal record could not be written.
Done = Callable[[Line, bool, OSError | None], None]


class JournalError(OSError):
    """A line's file is durable in place, but the journal could not record it (its ``D``)."""


class Records(Protocol):
    """The part of ``_journal.Journal`` the committer uses."""

    def write_many(self, kind: str, keys: list[str]) -> None: ...


class Committer:
    def __init__(self, journal: Records, done: Done) -> None:
        self.files = CommitGroup()
        self._journal = journal
        self._done = done
        self._lines: list[tuple[Line, Path, bool]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[None] | None = None
        self._error: Exception | None = None  # a pass's own failure, raised by drain()

    async def add(self, line: Line, path: Path, *, resumed: bool) -> None:
        """``line``'s file, complete, was handed to ``files`` (its download returned)."""
        self._lines.append((line, path, resumed))
        if len(self._lines) >= BACKLOG and self._task is not None:
            await asyncio.wait([self._task])  # never cancels the pass
        self._schedule()

    def _schedule(self) -> None:
        if self._task is not None or not self._lines:
            return
        if len(self._lines) >= MAX_LINES:
            self._start()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(MAX_DELAY, self._start)

    def _start(self) -> None:
        self._cancel_timer()
        if self._task is None and self._lines:
            self._task = asyncio.get_running_loop().create_task(self._pass())

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def _pass(self) -> None:
        try:
            await self._commit()
        except Exception as exc:  # a task nobody awaits: drain() raises it for the run
            self._error = self._error or exc
        finally:
            self._task = None
            self._schedule()

    async def _commit(self) -> None:
        lines, self._lines = self._lines, []
        results = await asyncio.to_thread(self.files.commit, [path for _, path, _ in lines])
        errors = [
            results.get(path, FileNotFoundError(f"{path} was not written")) for _, path, _ in lines
        ]
        # The pass's D records in one write, before any of its lines counts as done.
        try:
            self._journal.write_many(
                "D", [line.key for (line, _, _), e in zip(lines, errors, strict=True) if e is None]
            )
        except OSError as exc:  # a full disk, the journal closed: its lines are not done
            failed = JournalError(exc.errno, exc.strerror or str(exc))
            errors = [failed if e is None else e for e in errors]
        for (line, _, resumed), error in zip(lines, errors, strict=True):
            self._done(line, resumed, error)

    async def drain(self) -> None:
        """Commit every line handed over (the run is ending, also on Ctrl-C)."""
        while True:  # a pass that ends starts the next one itself: wait for that one too
            self._cancel_timer()
            if self._task is not None:
                await asyncio.wait([self._task])
            elif self._lines:
                self._start()
            elif self._error is not None:
                error, self._error = self._error, None
                raise error
            else:
                return
