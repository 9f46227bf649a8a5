"""Group commit of a batch's finished lines (_atomic.CommitGroup, _batch_commit.Committer): a
file has its final name only once its data is on disk, and a line's journal ``D`` record is
appended only once its file is durable under that name."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest
from speechspec import _atomic, _commit_group
from speechspec._atomic import AtomicFile, CommitGroup, deferred
from speechspec._batch_commit import MAX_LINES, Committer, JournalError
from speechspec._batch_input import Line


def write(group: CommitGroup, target: Path, *chunks: bytes) -> None:
    with deferred(group), AtomicFile(target, 1 << 20, "https://example.test/a.wav") as out:
        for chunk in chunks:
            out.write(chunk)
        out.commit()


def test_a_deferred_commit_renames_only_when_the_group_commits(tmp_path: Path) -> None:
    group = CommitGroup()
    targets = [tmp_path / f"{n}.wav" for n in range(3)]
    for n, target in enumerate(targets):
        write(group, target, bytes([n]) * 1000)
    # Complete but not durable yet: nothing under a final name; small downloads wait in
    # memory, so not even a temporary file until the group commits them.
    assert not any(t.exists() for t in targets)
    assert not list(tmp_path.iterdir())
    assert group.commit(targets[:2]) == {targets[0]: None, targets[1]: None}
    assert [t.read_bytes() for t in targets[:2]] == [b"\0" * 1000, b"\1" * 1000]
    assert not targets[2].exists() and len(group) == 1  # not asked for: still waiting
    group.discard()
    assert sorted(tmp_path.iterdir()) == targets[:2]  # discarded: never written


def test_a_file_that_cannot_be_renamed_is_reported_and_leaves_nothing(tmp_path: Path) -> None:
    group = CommitGroup()
    target = tmp_path / "sub" / "a.wav"
    target.parent.mkdir()
    write(group, target, b"x" * 10)
    target.mkdir()  # os.replace of a file onto a directory fails
    result = group.commit([target])
    assert isinstance(result[target], OSError)
    assert not list(target.parent.glob(".*.part"))


def test_a_spilled_download_retried_keeps_only_its_last_attempt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_atomic, "MAX_BUFFERED", 2000)
    group = CommitGroup()
    target = tmp_path / "a.wav"
    with deferred(group), AtomicFile(target, 1 << 20, "https://x.test/a.wav") as out:
        out.write(b"p" * 1500)
        out.write(b"P" * 1500)  # past MAX_BUFFERED: in its file now
        out.reset()  # a retried download starts over, shorter this time
        out.write(b"q" * 10)
        out.commit()
    assert group.commit([target]) == {target: None}
    assert target.read_bytes() == b"q" * 10
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.wav"]


@pytest.mark.parametrize("spilled", [False, True])
def test_a_failed_rename_closes_its_file_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spilled: bool
) -> None:
    """The pass runs in a thread while the event loop opens sockets and files: a descriptor
    number closed twice could by then be another file's, which the second close would shut."""
    if spilled:
        monkeypatch.setattr(_atomic, "MAX_BUFFERED", 5)
    group = CommitGroup()
    target = tmp_path / "a.wav"
    write(group, target, b"x" * 4, b"y" * 6)
    others: list[int] = []

    def replace(src: object, dst: object) -> None:
        # Another thread opens a file meanwhile: it gets the lowest free number, the one
        # the pass has just closed.
        others.append(os.open(tmp_path / "other", os.O_CREAT | os.O_WRONLY))
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", replace)
    result = group.commit([target])
    monkeypatch.undo()
    assert isinstance(result[target], PermissionError)
    try:
        os.fstat(others[0])  # still open: nothing closed it behind its owner's back
    finally:
        os.close(others[0])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other"]


def test_without_a_group_commit_is_immediate(tmp_path: Path) -> None:
    target = tmp_path / "a.wav"
    with AtomicFile(target, 100, "https://example.test/a.wav") as out:
        out.write(b"abc")
        out.commit()
    assert target.read_bytes() == b"abc"


class OrderJournal:
    """Records each D with whether its file was in place, complete, at that moment."""

    def __init__(self, out: Path, size: int) -> None:
        self.out, self.size = out, size
        self.seen: list[tuple[str, bool]] = []

    def write_many(self, kind: str, keys: list[str]) -> None:
        for key in keys:
            path = self.out / f"{key}.wav"
            self.seen.append((kind, path.is_file() and path.stat().st_size == self.size))


@pytest.mark.parametrize("count", [1, MAX_LINES - 1, MAX_LINES * 5 + 3])
def test_done_records_follow_their_durable_files(tmp_path: Path, count: int) -> None:
    journal = OrderJournal(tmp_path, 500)
    finished: list[tuple[int, bool, OSError | None]] = []

    async def main() -> None:
        committer = Committer(
            journal, lambda line, resumed, error: finished.append((line.number, resumed, error))
        )
        with deferred(committer.files):
            for n in range(1, count + 1):
                line = Line(n, f"text {n}")
                path = tmp_path / line.filename
                write(committer.files, path, b"w" * 500)
                await committer.add(line, path, resumed=n % 2 == 0)
                if n % 7 == 0:
                    await asyncio.sleep(0)  # let passes run meanwhile
        await committer.drain()

    asyncio.run(main())
    assert journal.seen == [("D", True)] * count
    assert sorted(finished) == [(n, n % 2 == 0, None) for n in range(1, count + 1)]
    assert not list(tmp_path.glob(".*.part"))


def test_large_downloads_and_those_over_the_budget_spill_to_their_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Memory stays bounded: a download past MAX_BUFFERED, or past what the group may hold
    in all, goes to its temporary file as it arrives; the budget comes back once the group
    committed, discarded or never got a download."""
    monkeypatch.setattr(_commit_group, "MAX_HELD", 3000)
    monkeypatch.setattr(_atomic, "MAX_BUFFERED", 2000)
    group = CommitGroup()
    big, small, late = (tmp_path / f"{name}.wav" for name in ("big", "small", "late"))
    write(group, big, b"b" * 1500, b"B" * 1500)  # past MAX_BUFFERED at its second chunk
    assert len(list(tmp_path.glob(".big.wav.*.part"))) == 1
    write(group, small, b"s" * 1800)  # held in memory: 1800 of 3000
    write(group, late, b"l" * 900, b"L" * 900)  # over the budget at its second chunk: to its file
    assert sorted(p.name.split(".")[1] for p in tmp_path.glob(".*.part")) == ["big", "late"]
    with deferred(group), AtomicFile(tmp_path / "gone.wav", 1 << 20, "https://x.test/") as out:
        out.write(b"g" * 1000)  # left without a commit: its memory is given back
    with deferred(group), AtomicFile(tmp_path / "again.wav", 1 << 20, "https://x.test/") as out:
        out.write(b"r" * 1000)
        out.reset()  # a retried download gives its bytes back
        out.write(b"a" * 1100)
        out.commit()
    assert len(list(tmp_path.glob(".*.part"))) == 2  # 1800 + 1100 held: within the budget
    targets = [big, small, late, tmp_path / "again.wav"]
    assert group.commit(targets) == dict.fromkeys(targets)
    assert [t.read_bytes() for t in targets] == [
        b"b" * 1500 + b"B" * 1500,
        b"s" * 1800,
        b"l" * 900 + b"L" * 900,
        b"a" * 1100,
    ]
    assert not list(tmp_path.glob(".*.part")) and not (tmp_path / "gone.wav").exists()
    write(group, small, b"S" * 2000)  # the whole budget is free again: held in memory
    assert not list(tmp_path.glob(".*.part"))
    group.discard()
    write(group, late, b"L" * 2000)
    assert not list(tmp_path.glob(".*.part"))
    group.discard()


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_batch_download_that_outgrows_memory_reaches_its_file_whole(
    tmp_path: Path, mode: str
) -> None:
    """A download of the batch (inside ``deferred``) larger than MAX_BUFFERED, arriving in many
    chunks over real HTTP: the bytes held in memory before it spilled to its file come first
    in that file (0.3.2 to 0.3.6 wrote only what came from the spill on)."""
    from helpers import call, make
    from rawserver import Conn, RawServer

    pieces = [bytes([n % 251]) * size for n, size in enumerate((5, 300_001, 900_000, 2, 700_003))]
    body = b"".join(pieces)
    assert len(body) > _atomic.MAX_BUFFERED

    def trickle(conn: Conn) -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        conn.send(head.encode())
        for piece in pieces:
            conn.send(piece)
            time.sleep(0.01)

    group = CommitGroup()
    target = tmp_path / "big.wav"
    with RawServer(trickle) as server, deferred(group):
        call(make("livepeer", mode), "download", f"{server.url}/a.wav", target)
    assert not target.exists()  # durable only once the group commits
    assert group.commit([target]) == {target: None}
    assert target.read_bytes() == body


def test_a_buffered_download_that_cannot_be_written_is_reported(tmp_path: Path) -> None:
    group = CommitGroup()
    target = tmp_path / "gone" / "a.wav"
    write(group, target, b"x" * 10)  # nothing touches the disk until the group commits
    result = group.commit([target])
    assert isinstance(result[target], FileNotFoundError)
    assert not tmp_path.joinpath("gone").exists()


class FailingJournal:
    def __init__(self, error: BaseException) -> None:
        self.error = error

    def write_many(self, kind: str, keys: list[str]) -> None:
        raise self.error


def test_a_journal_that_cannot_record_a_pass_fails_its_lines(tmp_path: Path) -> None:
    """The files are durable in place (a rerun skips them), but no line of the pass counts
    as done when its D record could not be written: each is reported with the journal's error."""
    finished: list[tuple[int, OSError | None]] = []

    async def main() -> None:
        committer = Committer(
            FailingJournal(OSError(28, "No space left on device")),
            lambda line, resumed, error: finished.append((line.number, error)),
        )
        with deferred(committer.files):
            for n in (1, 2):
                path = tmp_path / Line(n, f"text {n}").filename
                write(committer.files, path, b"w" * 10)
                await committer.add(Line(n, f"text {n}"), path, resumed=False)
        await committer.drain()

    asyncio.run(main())
    assert [n for n, _ in finished] == [1, 2]
    for _, error in finished:
        assert isinstance(error, JournalError) and error.strerror == "No space left on device"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        Line(n, f"text {n}").filename for n in (1, 2)
    )


def test_a_pass_that_breaks_is_raised_by_drain(tmp_path: Path) -> None:
    """A pass is a task nobody awaits: its failure reaches the run through drain(), after
    every other line handed over was committed."""
    finished: list[int] = []

    def done(line: Line, resumed: bool, error: OSError | None) -> None:
        if line.number == 1:
            raise RuntimeError("bug in a done callback")
        finished.append(line.number)

    async def main() -> None:
        committer = Committer(OrderJournal(tmp_path, 10), done)
        with deferred(committer.files):
            for n in (1, 2):
                path = tmp_path / Line(n, f"text {n}").filename
                write(committer.files, path, b"w" * 10)
                await committer.add(Line(n, f"text {n}"), path, resumed=False)
                await committer.drain() if n == 2 else await asyncio.sleep(0.2)

    with pytest.raises(RuntimeError, match="bug in a done callback"):
        asyncio.run(main())
    assert finished == [2]
