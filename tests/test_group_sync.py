"""The journal's group commit of intents (_group_sync.GroupSync): every waiter returns only
after a sync that started after it asked, many waiters share one sync, errors reach the
waiters of their group, and the thread ends after close()."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from speechspec._group_sync import GroupSync


class Disk:
    def __init__(self, delay: float = 0.002) -> None:
        self.delay = delay
        self.started = 0  # syncs started so far
        self.completed: list[int] = []  # the start number of each completed sync
        self.fail_next = False

    def sync(self) -> None:
        self.started += 1
        number = self.started
        time.sleep(self.delay)
        if self.fail_next:
            self.fail_next = False
            raise OSError("disk full")
        self.completed.append(number)


async def waiter(disk: Disk, syncs: GroupSync, delay: float) -> None:
    """Asks for a sync after ``delay``; returns only after a sync that started after it asked."""
    await asyncio.sleep(delay)
    asked = disk.started  # syncs already started cannot cover this waiter
    await syncs.wait()
    assert any(number > asked for number in disk.completed)


def test_each_waiter_returns_after_a_sync_that_started_after_it_asked() -> None:
    disk = Disk()
    syncs = GroupSync(disk.sync)

    async def main() -> None:
        await asyncio.gather(*(waiter(disk, syncs, n * 0.0005) for n in range(200)))

    asyncio.run(main())
    syncs.close()
    assert 1 < len(disk.completed) < 200  # grouped, yet more than one


def test_an_error_reaches_its_group_and_the_next_group_syncs_again() -> None:
    disk = Disk()
    syncs = GroupSync(disk.sync)

    async def main() -> None:
        disk.fail_next = True
        # The first starts a sync at once; the second asked after it started: the next one.
        results = await asyncio.gather(syncs.wait(), syncs.wait(), return_exceptions=True)
        assert [type(r) for r in results] == [OSError, type(None)]
        await syncs.wait()
        assert disk.completed == [2, 3]

    asyncio.run(main())
    syncs.close()


def test_a_cancelled_waiter_does_not_cancel_the_others_and_close_ends_the_thread() -> None:
    disk = Disk(delay=0.05)
    syncs = GroupSync(disk.sync)

    async def main() -> None:
        first = asyncio.ensure_future(syncs.wait())
        second = asyncio.ensure_future(syncs.wait())
        await asyncio.sleep(0.01)
        first.cancel()
        await second
        with pytest.raises(asyncio.CancelledError):
            await first

    asyncio.run(main())
    syncs.close()
    deadline = time.monotonic() + 5
    while any(t.name == "speechspec-journal-sync" for t in threading.enumerate()):
        assert time.monotonic() < deadline, "the sync thread did not end"
        time.sleep(0.01)


def test_a_window_groups_the_waiters_who_ask_within_it_into_one_sync() -> None:
    """Lines reach their POST a few milliseconds apart: with a window, the first waiter's
    sync starts only after it, and the waiters who asked meanwhile share that sync."""
    disk = Disk(delay=0.001)
    syncs = GroupSync(disk.sync, window=0.5)

    async def main() -> None:
        # All within 20 ms of the first.
        await asyncio.gather(*(waiter(disk, syncs, n * 0.001) for n in range(20)))

    asyncio.run(main())
    syncs.close()
    assert disk.completed == [1]


def test_close_runs_a_sync_still_in_its_window() -> None:
    disk = Disk(delay=0.001)
    syncs = GroupSync(disk.sync, window=60.0)

    async def main() -> None:
        waiting = asyncio.ensure_future(syncs.wait())
        await asyncio.sleep(0.01)
        assert disk.started == 0  # still in its window
        syncs.close()
        await asyncio.wait_for(waiting, 5)

    asyncio.run(main())
    assert disk.completed == [1]


def test_an_error_nobody_waits_for_any_more_is_not_logged() -> None:
    """A run interrupted while an intent's fsync runs: the journal closes, the fsync fails,
    and its waiters were cancelled. The failure reaches nobody, and asyncio must not print
    it ("Future exception was never retrieved", with a traceback) on the user's terminal."""
    import gc

    release = threading.Event()

    def failing_sync() -> None:
        release.wait(5)
        raise OSError("the batch journal is closed")

    syncs = GroupSync(failing_sync)
    logged: list[str] = []

    async def main() -> threading.Thread | None:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda _, context: logged.append(context["message"]))
        waiter = asyncio.create_task(syncs.wait())
        await asyncio.sleep(0.01)  # the sync runs in its thread
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        release.set()
        deadline = time.monotonic() + 5
        while syncs._running and time.monotonic() < deadline:  # until the failure arrives
            await asyncio.sleep(0.01)
        return syncs._thread

    thread = asyncio.run(main())
    syncs.close()
    assert thread is not None
    thread.join(5)  # its last future goes with it
    gc.collect()  # a future whose exception nobody retrieved logs it when it is collected
    assert logged == []
