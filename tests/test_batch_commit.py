"""Group commit of a batch's finished lines (_atomic.CommitGroup, _batch_commit.Committer): a
file has its final name only once its data is on disk, and a line's journal ``D`` record is
appended only once its file is durable under that name."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from speechspec._atomic import AtomicFile, CommitGroup, deferred
from speechspec._batch_commit import MAX_LINES, Committer
from speechspec._batch_input import Line


def write(group: CommitGroup, target: Path, data: bytes) -> None:
    with deferred(group), AtomicFile(target, 1 << 20, "https://example.test/a.wav") as out:
        out.write(data)
        out.commit()


def test_a_deferred_commit_renames_only_when_the_group_commits(tmp_path: Path) -> None:
    group = CommitGroup()
    targets = [tmp_path / f"{n}.wav" for n in range(3)]
    for n, target in enumerate(targets):
        write(group, target, bytes([n]) * 1000)
    # Complete but not durable yet: nothing under a final name, the parts are kept.
    assert not any(t.exists() for t in targets)
    assert len(list(tmp_path.glob(".*.part"))) == 3
    assert group.commit(targets[:2]) == {targets[0]: None, targets[1]: None}
    assert [t.read_bytes() for t in targets[:2]] == [b"\0" * 1000, b"\1" * 1000]
    assert not targets[2].exists() and len(group) == 1  # not asked for: still waiting
    group.discard()
    assert sorted(tmp_path.iterdir()) == targets[:2]  # discarded: its part removed


def test_a_file_that_cannot_be_renamed_is_reported_and_leaves_nothing(tmp_path: Path) -> None:
    group = CommitGroup()
    target = tmp_path / "sub" / "a.wav"
    target.parent.mkdir()
    write(group, target, b"x" * 10)
    target.mkdir()  # os.replace of a file onto a directory fails
    result = group.commit([target])
    assert isinstance(result[target], OSError)
    assert not list(target.parent.glob(".*.part"))


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

    def write(self, kind: str, key: str, value: str = "") -> None:
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
