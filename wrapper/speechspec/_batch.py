"""``speechspec batch``: many lines, bounded concurrency over one connection pool, resumable,
and never billing a line twice (see ``_journal``).

Each line: skip if its output exists; else, if the journal holds its job, finish that job
(polls and download, no POST); else, if the journal says its POST may have been billed,
report it as uncertain (``retry_uncertain`` sends it again); else journal the intent (fsync),
POST, journal the job (written, no fsync: see ``_journal``), wait, download; then the line's
file is fsync'd, renamed into place and journaled done together with other finished lines
(``_batch_commit``), while its worker already takes the next line. ``concurrency`` workers
pull lines from the file as they go, so memory does not grow with the corpus.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._atomic import deferred
from ._batch_commit import Committer, JournalError
from ._batch_input import Line, Shard, iter_texts, line_key
from ._batch_vendor import Vendor, reason_of
from ._journal import DIRNAME, Journal
from ._progress import Progress
from .errors import (
    APIConnectionError,
    APIStatusError,
    DownloadError,
    InvalidRequestError,
    JobFailedError,
    ResponseValidationError,
    SpeechspecError,
)

STOP_AFTER = 3  # answers in a row that say every line will fail the same way
INTERRUPT_GRACE = 10.0  # seconds an interrupted POST may take to answer, to journal its job
MAX_LISTED = 1000  # failures kept for the report; the journal and the count have all of them
_UNCERTAIN = (
    "its POST may have been processed and billed, but no answer was recorded ({reason}); "
    "not sent again: check the vendor's dashboard, or rerun with --retry-uncertain"
)
_BILLED_NOTE = (
    "it may have been billed: a rerun reports it as uncertain, --retry-uncertain sends it"
)


@dataclass
class Summary:
    total: int = 0
    done: int = 0
    resumed: int = 0
    skipped: int = 0
    failed_count: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)
    uncertain: list[tuple[int, str]] = field(default_factory=list)
    not_attempted: int = 0
    # Lines started and not yet finished; what a Ctrl-C leaves here was interrupted mid-line.
    in_flight: int = 0
    stopped: str | None = None
    journal: Path | None = None

    def fail(self, line: Line, message: str) -> None:
        self.failed_count += 1
        if len(self.failed) < MAX_LISTED:
            self.failed.append((line.number, message))

    @property
    def ok(self) -> bool:
        return not (self.failed_count or self.uncertain or self.stopped or self.not_attempted)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _fatal(exc: SpeechspecError) -> bool:
    """An answer that every other line would get too: a bad key, a wrong base URL, no server."""
    if isinstance(exc, APIStatusError):
        return exc.status_code in (401, 403, 404, 405)
    if isinstance(exc, APIConnectionError):
        return not exc.may_have_been_processed
    return isinstance(exc, ResponseValidationError)


def _may_be_billed(exc: SpeechspecError) -> bool:
    if isinstance(exc, InvalidRequestError):
        return False
    if isinstance(exc, APIStatusError | APIConnectionError):
        return exc.may_have_been_processed
    return True  # a 2xx we could not read: the job may well exist


class BatchRun:
    def __init__(
        self,
        vendor: Vendor,
        lines: Path,
        out_dir: Path,
        *,
        shard: Shard,
        concurrency: int,
        retry_uncertain: bool,
        fail_fast: bool,
        progress: Progress,
        summary: Summary,
    ) -> None:
        self.vendor = vendor
        self.out_dir = out_dir
        self.concurrency = concurrency
        self.retry_uncertain = retry_uncertain
        self.fail_fast = fail_fast
        self.progress = progress
        self.summary = summary
        try:
            self.journal = Journal(out_dir, shard)
        except OSError as exc:  # a journal that is a directory, unreadable, on a full disk
            where = exc.filename or out_dir / DIRNAME
            raise InvalidRequestError(
                f"--out-dir {out_dir}: the batch journal {where} cannot be used "
                f"({exc.strerror or exc}); fix or move it aside (moving it aside forgets "
                "which jobs were billed)",
                param="out_dir",
            ) from None
        summary.journal = self.journal.path
        self.commits = Committer(self.journal, self._committed)
        self._lines = self._todo(iter_texts(lines, shard))
        self._open = False  # until an answer proves key and URL, one POST at a time
        self._probe = asyncio.Lock()
        self._streak = 0
        self._started = time.monotonic()

    def _todo(self, texts: Iterator[tuple[int, str]]) -> Iterator[Line]:
        prefix = os.path.join(self.out_dir, "")
        exists = os.path.exists
        for number, text in texts:
            # A stat per line (no listing of the directory held in memory), no network.
            if exists(f"{prefix}{line_key(number, text)}.wav"):
                self.summary.skipped += 1
                self._tick()
            else:
                yield Line(number, text)

    async def run(self) -> Summary:
        try:
            with deferred(self.commits.files):  # every download of the run: group-committed
                async with asyncio.TaskGroup() as group:
                    for _ in range(self.concurrency):
                        group.create_task(self._worker())
        except BaseExceptionGroup as group_error:
            raise _first(group_error) from None
        finally:
            try:
                await self.commits.drain()
            finally:
                self.commits.files.discard()  # only if the drain was interrupted
                self.journal.close()
                self.progress.done()
        self.summary.failed.sort()
        self.summary.uncertain.sort()
        return self.summary

    async def _worker(self) -> None:
        for line in self._lines:
            if self.summary.stopped:
                self.summary.not_attempted += 1
                continue
            self.summary.in_flight += 1
            await self._one(line)
            self.summary.in_flight -= 1
            self._tick()

    def _tick(self) -> None:
        if not self.progress.enabled:
            return
        s = self.summary
        finished = s.done + s.skipped + s.failed_count + len(s.uncertain)
        self.progress.bar(finished, s.total, self._started, f"({s.failed_count} failed)")

    async def _one(self, line: Line) -> None:
        entry = self.journal.entries.get(line.key)  # stays until a D or X record
        path = self.out_dir / line.filename
        if entry is not None and entry.kind == "C":
            await self._finish(line, entry.ref, path, resumed=True)
            return
        if entry is not None and not self.retry_uncertain:
            reason = entry.reason or "interrupted while it was in flight"
            self.summary.uncertain.append((line.number, _UNCERTAIN.format(reason=reason)))
            return
        if self._open:
            created = await self._create(line)
        else:
            async with self._probe:
                if self.summary.stopped:
                    self.summary.not_attempted += 1
                    return
                created = await self._create(line)
        if created is not None:
            await self._finish(line, created, path, resumed=False)

    async def _create(self, line: Line) -> Any:
        key = line.key
        try:
            await self.journal.record("I", key)
        except asyncio.CancelledError:
            self.journal.write("X", key)  # interrupted before sending
            raise
        task = asyncio.ensure_future(self.vendor.create(line.text))
        try:
            result = await asyncio.shield(task)
        except asyncio.CancelledError:
            await self._journal_interrupted(key, task)
            raise
        except SpeechspecError as exc:
            billed = _may_be_billed(exc)
            await self.journal.record("U" if billed else "X", key, reason_of(exc) if billed else "")
            note = f" ({_BILLED_NOTE})" if billed else ""
            self.summary.fail(line, _describe(exc) + note)
            self._answered(exc)
            return None
        self.journal.write("C", key, self.vendor.ref(result))  # no fsync needed: see _journal
        self._answered(None)
        return result

    async def _journal_interrupted(self, key: str, task: asyncio.Future[Any]) -> None:
        """Interrupted (Ctrl-C) while the POST was in flight: give it a moment to answer, so
        the job is journaled for the resume instead of being left uncertain. A second Ctrl-C
        stops at once."""
        try:
            result = await asyncio.wait_for(task, INTERRUPT_GRACE)
        except (asyncio.CancelledError, TimeoutError, SpeechspecError):
            return
        self.journal.write("C", key, self.vendor.ref(result))

    async def _finish(self, line: Line, created: Any, path: Path, *, resumed: bool) -> None:
        try:
            await self.vendor.finish(created, path)
        except JobFailedError as exc:
            self.journal.write("X", line.key)
            self.summary.fail(line, _describe(exc))
            self._answered(exc)
        except SpeechspecError as exc:
            # The job stays journaled: the next run polls it again rather than paying twice.
            self.summary.fail(line, _describe(exc))
            self._answered(exc)
        else:
            # Done once the group commit has made the file durable under its name.
            await self.commits.add(line, path, resumed=resumed)

    def _committed(self, line: Line, resumed: bool, error: OSError | None) -> None:
        if error is None:
            self.summary.done += 1
            self.summary.resumed += resumed
        elif isinstance(error, JournalError):
            # The file is in place (a rerun skips the line); the run still failed to say so.
            path = self.out_dir / line.filename
            self.summary.fail(
                line,
                f"{path} is written, but the batch journal could not record it "
                f"({error.strerror or error})",
            )
        else:
            # The job stays journaled: the next run downloads it again, no second POST.
            path = self.out_dir / line.filename
            exc = DownloadError(f"cannot write {path}: {error.strerror or error}", path=path)
            self.summary.fail(line, _describe(exc))
            self._answered(exc)  # small files are created by the commit: a full disk shows here
        self._tick()

    def _answered(self, exc: SpeechspecError | None) -> None:
        """Open the gate on the first answer that is not fatal; stop on STOP_AFTER fatal
        answers in a row, or on any failure with ``fail_fast``."""
        if exc is None or not _fatal(exc):
            self._open = True
            self._streak = 0
        else:
            self._streak += 1
            if self._streak >= STOP_AFTER and not self.summary.stopped:
                self.summary.stopped = (
                    f"stopped after {self._streak} answers in a row said every line would "
                    f"fail the same way (last: {_describe(exc)}); check the key and --base-url"
                )
        if exc is not None and self.fail_fast and not self.summary.stopped:
            self.summary.stopped = f"stopped at the first failure (--fail-fast): {_describe(exc)}"


def _first(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """One error for the CLI to report (the journal failing, the lines file changed under the
    run), not a group with a traceback: the first documented one, else the first."""
    leaves: list[BaseException] = []
    pending: list[BaseException] = [group]
    while pending:
        exc = pending.pop(0)
        if isinstance(exc, BaseExceptionGroup):
            pending.extend(exc.exceptions)
        else:
            leaves.append(exc)
    for exc in leaves:
        if isinstance(exc, SpeechspecError | OSError | KeyboardInterrupt):
            return exc
    return leaves[0]


async def run_batch(vendor: Vendor, lines: Path, out_dir: Path, **options: Any) -> Summary:
    """Run a batch; ``options`` are BatchRun's keyword arguments."""
    return await BatchRun(vendor, lines, out_dir, **options).run()
