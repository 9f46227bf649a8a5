"""Group commit of the journal's intents: one fsync for every waiter that asked before it
started, run by one long-lived thread so the event loop keeps polling and downloading meanwhile.

Why a thread of its own rather than ``asyncio.to_thread`` per fsync: a batch asks for about one
fsync a line (lines reach their POST a few milliseconds apart, an fsync takes less, so groups
are small), and each ``to_thread`` costs the event loop a task, a copied context, an executor
work item and two chained futures (measured at 2-3% of a batch's event-loop time). Here a
sync costs the loop one queue put and one callback from the thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable

_STOP = None


class GroupSync:
    """Runs ``sync`` (blocking, e.g. ``os.fsync`` of one file) on behalf of many waiters."""

    def __init__(self, sync: Callable[[], None], *, window: float = 0.0) -> None:
        """``window``: seconds a sync waits to start once asked for while none runs, so the
        waiters who ask meanwhile share it (0: at once)."""
        self._sync = sync
        self._window = window
        self._next: asyncio.Future[None] | None = None  # the sync after the running one
        self._running = False
        self._timer: asyncio.TimerHandle | None = None
        self._queue: queue.SimpleQueue[asyncio.Future[None] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    async def wait(self) -> None:
        """Return once a sync that started after this call has completed (or raise its error)."""
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
        done = self._next
        if not self._running and self._timer is None:
            if self._window > 0:
                self._timer = asyncio.get_running_loop().call_later(self._window, self._start)
            else:
                self._start()
        await asyncio.shield(done)  # one waiter's cancellation does not cancel the others'

    def _start(self) -> None:
        self._timer = None
        assert self._next is not None
        done, self._next = self._next, None
        self._running = True
        if self._thread is None:
            # A daemon: a run that dies without close() must not hang the interpreter's exit.
            self._thread = threading.Thread(
                target=self._serve, name="speechspec-journal-sync", daemon=True
            )
            self._thread.start()
        self._queue.put(done)

    def _serve(self) -> None:
        while (done := self._queue.get()) is not _STOP:
            error: BaseException | None = None
            try:
                self._sync()
            except Exception as exc:  # handed to every waiter of this group
                error = exc
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
                done.get_loop().call_soon_threadsafe(self._finished, done, error)

    def _finished(self, done: asyncio.Future[None], error: BaseException | None) -> None:
        self._running = False
        if not done.done():
            if error is None:
                done.set_result(None)
            else:
                done.set_exception(error)
                # Marked retrieved: its waiters (each behind a shield) still raise it, but
                # when a run's end cancelled them all, asyncio would log it with a traceback.
                done.exception()
        if self._next is not None:  # waiters who wrote while that sync ran share the next
            self._start()

    def _sync_now(self) -> None:
        """The pending sync, in the caller's thread: after close() the thread is gone, and
        its owner may close what ``sync`` needs right after (the journal does)."""
        assert self._next is not None
        done, self._next = self._next, None
        try:
            self._sync()
        except Exception as exc:
            done.set_exception(exc)
            done.exception()  # its waiters, if any are left (a run's end cancelled them), raise it
        else:
            done.set_result(None)

    def close(self) -> None:
        """Let the thread end once the syncs asked for are over (no wait)."""
        if self._timer is not None:  # a sync still in its window: run it now, here
            self._timer.cancel()
            self._timer = None
            self._sync_now()
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread = None
