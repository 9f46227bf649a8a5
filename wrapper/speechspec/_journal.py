"""The batch journal: what was billed, written down before anyone waits for it.

One append-only text file per shard in ``OUT/.speechspec-batch/`` (``1-of-1.journal``; a
process writes only its own, so shards never share a writer, on one machine or many), one
record per line, tab-separated, keyed by the line's key (number and text hash):

    I  key          intent: the billed POST for this line is about to be sent
    C  key  ref     created: the Hamsa job id (or Livepeer audio URL; empty if not recoverable)
    U  key  reason  the POST failed in a way that may still have billed it
    X  key          the line may be sent again (its POST was refused unprocessed, or its job failed)
    D  key          done: the output file is durable under its final name

What each record promises (the invariant every change here keeps):

- Every record is in the file (one ``write`` on an ``O_APPEND`` descriptor) once ``record``
  returns: a kill of the process (SIGKILL too) cannot take it back, only an OS crash can.
- ``I`` is also fsync'd before the POST is sent: whatever crashes, there is either no intent
  (nothing was sent) or one the resume treats as "may have been billed", never re-POSTs.
- ``C``, ``D`` and a failed job's ``X`` get no fsync of their own (the next intent's group
  fsync, or the run's end, makes them durable): losing one (an OS crash) never causes a
  second POST. A lost ``C`` leaves the durable ``I``: the line is reported uncertain; a
  lost ``X`` leaves the ``C``: the job is polled again; a lost ``D`` leaves the ``C``: the
  file is found in place, the line skipped. A ``D`` is written only after its file was
  fsync'd, renamed into place and its directory fsync'd (``_batch_commit``), so it never
  precedes the durable file it claims; no file has its final name before its data is on
  disk (``_atomic``).

Intents are group-committed (``_group_sync``): the lines whose ``I`` was written within
``INTENT_WINDOW`` of each other, or while an fsync ran, share one, in a thread, so the event
loop keeps polling and downloading meanwhile.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ._batch_input import Shard
from ._commit_group import fsync_dir
from ._group_sync import GroupSync
from .errors import InvalidRequestError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks; one process per directory
    fcntl = None  # type: ignore[assignment]

DIRNAME = ".speechspec-batch"
SUFFIX = ".journal"
_RANK = {"I": 1, "U": 1, "C": 2}
_KEY = re.compile(r"([0-9]+)-\S+")  # _batch_input.line_key; ASCII digits (int("²") fails)
# Seconds an intent waits for its fsync to start, so the intents of the lines that reach their
# POST meanwhile share it: a batch's lines arrive a few milliseconds apart, and one fsync a line
# (each waking a thread that takes the GIL from the event loop's) cost Livepeer's short lines
# several % of their wall time. 30 ms brought a 1,000-line run from ~850 journal fsyncs to ~200
# and its CPU (user + sys) down 4-20% over 4 runs; a vendor takes far longer to answer a POST.
INTENT_WINDOW = 0.03


@dataclass(frozen=True)
class Entry:
    """A line the journal says is unfinished: ``kind`` C (job ``ref`` exists), I or U
    (uncertain: its POST may have been billed, ``reason`` says why)."""

    kind: str
    ref: str = ""
    reason: str = ""


def _clean(text: str) -> str:
    return " ".join(text.split())


def _read(path: Path, shard: Shard) -> tuple[dict[str, tuple[str, str]], int]:
    """The last state of every key of ``shard`` in one journal file (in file order), and how
    many records it holds. A torn last record (a kill mid-write) is ignored: its fsync never
    completed, so nothing was sent on its strength."""
    # A killed run's journal holds three records a line (I, C, D): this loop is a resume's
    # start-up, so it does the least per record, and checks keys only for the few lines
    # still open at the end (a key's check gives the same answer for each of its records).
    state: dict[str, tuple[str, str]] = {}
    forget = state.pop
    records = 0
    with path.open("r", encoding="utf-8", errors="replace", newline="\n") as fh:
        for record in fh:
            kind = record[:1]
            if kind == "#" or record[-1:] != "\n":
                continue
            records += 1
            if record[1:2] != "\t":
                continue  # a damaged record (no kind): no line has its key
            if kind == "D" or kind == "X":
                forget(record[2:-1], None)
            elif kind in _RANK:
                key, _, value = record[2:-1].partition("\t")
                state[key] = (kind, value)
    every, index = shard.count, shard.index - 1
    # Anything else is a torn or damaged record: no line has that key, none is skipped.
    return {
        key: value
        for key, value in state.items()
        if (match := _KEY.fullmatch(key)) and (int(match[1]) - 1) % every == index
    }, records


class Journal:
    """This shard's journal, locked for the life of the run; ``entries`` holds the unfinished
    lines of the share as recorded by every journal in the directory (earlier runs, other
    shard layouts)."""

    def __init__(self, out_dir: Path, shard: Shard) -> None:
        self.dir = out_dir / DIRNAME
        self.dir.mkdir(parents=True, exist_ok=True)
        self.path = self.dir / f"{shard.name}{SUFFIX}"
        self._fh: IO[str] = self.path.open("a+", encoding="utf-8", newline="\n")
        self._lock_own(shard)
        self.entries: dict[str, Entry] = {}
        self._live: dict[str, tuple[str, str]] = {}  # this run's records, finished ones dropped
        self._load(shard)
        self._io = threading.Lock()  # the fsync thread against close()'s compaction
        self._intents = GroupSync(self._fsync, window=INTENT_WINDOW)

    # -- start: lock, read, compact ------------------------------------------------------

    def _lock_own(self, shard: Shard) -> None:
        if fcntl is None:
            return
        try:
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._fh.close()
            raise InvalidRequestError(
                f"another `speechspec batch --shard {shard.index}/{shard.count}` is already running on "
                f"{self.dir.parent} (its journal {self.path.name} is locked)",
                param="shard",
            ) from None
        for other in self.dir.glob(f"*{SUFFIX}"):
            if other == self.path:
                continue
            count = other.name.removesuffix(SUFFIX).rpartition("-of-")[2]
            if count != str(shard.count) and _locked(other):
                self._fh.close()
                raise InvalidRequestError(
                    f"a batch with --shard .../{count} is running on {self.dir.parent}: shards "
                    f"running at the same time must all use the same N (here {shard.count})",
                    param="shard",
                )

    def _load(self, shard: Shard) -> None:
        merged: dict[str, tuple[str, str]] = {}
        own_records = 0
        for path in sorted(self.dir.glob(f"*{SUFFIX}")):
            state, records = _read(path, shard)
            if path == self.path:
                own_records = records
            # Across files the order is unknown: the most conservative record wins (a job
            # that exists over an uncertain POST over a line free to send).
            for key, value in state.items():
                if key not in merged or _RANK[value[0]] > _RANK[merged[key][0]]:
                    merged[key] = value
        for key, (kind, ref) in merged.items():
            if kind == "C" and ref:
                self.entries[key] = Entry("C", ref=ref)
            elif kind == "C":
                self.entries[key] = Entry("U", reason="billed, but its answer was not recoverable")
            else:
                self.entries[key] = Entry(kind, reason=ref)
        self._fh.seek(0, os.SEEK_END)
        if own_records > 1000 and len(self.entries) * 2 < own_records:
            self._compact(self._unfinished())
        elif self._fh.tell() and not self._ends_with_newline():
            _append(self._fh, "\n")  # after a torn record, start the next one on its own line

    def _ends_with_newline(self) -> bool:
        with self.path.open("rb") as fh:
            fh.seek(-1, os.SEEK_END)
            return fh.read(1) == b"\n"

    def _compact(self, live: dict[str, tuple[str, str]]) -> None:
        """Rewrite this shard's own journal as just the ``live`` (unfinished) records: atomic
        rename, and the lock moves to the new file, which no other process can have opened."""
        tmp = self.path.with_name(self.path.name + ".tmp")
        with tmp.open("w", encoding="utf-8", newline="\n") as fh:
            fh.writelines(_format(kind, key, value) for key, (kind, value) in live.items())
            fh.flush()
            os.fsync(fh.fileno())
        new = tmp.open("a+", encoding="utf-8", newline="\n")
        if fcntl is not None:
            fcntl.flock(new.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.replace(tmp, self.path)
        fsync_dir(self.dir)
        self._fh.close()
        self._fh = new
        self._fh.seek(0, os.SEEK_END)

    def _unfinished(self) -> dict[str, tuple[str, str]]:
        """What a resume needs: loaded entries not dealt with yet, and this run's open ones."""
        live = {key: (e.kind, e.ref or e.reason) for key, e in self.entries.items()}
        live.update(self._live)
        return live

    # -- writing -------------------------------------------------------------------------

    async def record(self, kind: str, key: str, value: str = "", *, durable: bool = True) -> None:
        """Append a record (written when this returns, or raising); with ``durable`` return
        only once an fsync that started after the write has completed."""
        self.write(kind, key, value)
        if durable:
            await self._intents.wait()

    def write(self, kind: str, key: str, value: str = "") -> None:
        """Append a record without waiting for an fsync (see the module's docstring for the
        records that may): one write, in the event loop's thread (a page-cache copy)."""
        if self._fh.closed:
            raise OSError("the batch journal is closed")
        _append(self._fh, _format(kind, key, value))
        self._track(kind, key, value)

    def write_many(self, kind: str, keys: list[str]) -> None:
        """``write`` of one valueless record per key, in a single system call: a group
        commit's ``D`` records (each call hands the GIL to the durability threads and back)."""
        if not keys:
            return
        if self._fh.closed:
            raise OSError("the batch journal is closed")
        _append(self._fh, "".join(_format(kind, key, "") for key in keys))
        for key in keys:
            self._track(kind, key, "")

    def _track(self, kind: str, key: str, value: str) -> None:
        """What the journal now says of ``key`` (a D or X: nothing left to do)."""
        if kind == "D" or kind == "X":
            self._live.pop(key, None)
            self.entries.pop(key, None)
        else:
            self._live[key] = (kind, _clean(value))

    def _fsync(self) -> None:
        """Make every record written so far durable (those written while a previous fsync
        ran share this one: one fsync for many lines)."""
        with self._io:
            if self._fh.closed:
                raise OSError("the batch journal is closed")
            os.fsync(self._fh.fileno())

    def close(self) -> None:
        """fsync what was written (also after an interrupt); then shrink the file to the
        unfinished records, so the next run reads only those; release the lock."""
        self._intents.close()
        with self._io:
            if self._fh.closed:
                return
            os.fsync(self._fh.fileno())
            self._compact(self._unfinished())
            self._fh.close()


def _append(fh: IO[str], text: str) -> None:
    """One ``write`` on the ``O_APPEND`` descriptor, past Python's (unused) buffer."""
    data, fd = text.encode("utf-8"), fh.fileno()
    while data:
        data = data[os.write(fd, data) :]


def _format(kind: str, key: str, value: str) -> str:
    return f"{kind}\t{key}\t{_clean(value)}\n" if value else f"{kind}\t{key}\n"


def _locked(path: Path) -> bool:
    """True when a running process holds ``path``'s lock."""
    assert fcntl is not None
    try:
        with path.open("rb") as fh:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
            except OSError:
                return True
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    except OSError:
        return False
    return False
