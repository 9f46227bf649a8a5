"""An overall deadline for a sequence of requests (wait_for_job): every request's timeout and
every retry sleep of the pipeline is cut to what is left of it."""

from __future__ import annotations

from time import monotonic

import httpx

from .errors import SpeechspecError

# Below this many seconds a request cannot usefully start: the deadline counts as reached.
SLACK = 0.01


class DeadlineReached(SpeechspecError):
    """Raised by the pipeline when a call's deadline ends it. Internal: wait_for_job turns it
    into JobTimeoutError (with the job it last saw); it is a SpeechspecError all the same."""


def check(deadline: float, when: str, cause: Exception | None = None) -> float:
    """The seconds left before ``deadline``; DeadlineReached (``when`` says at which step)
    once they are (nearly) spent."""
    left = deadline - monotonic()
    if left <= SLACK:
        raise DeadlineReached(f"the deadline was reached {when}") from cause
    return left


def bounded_timeout(timeout: httpx.Timeout, deadline: float) -> httpx.Timeout:
    """The client's timeout with each phase cut to the time left before ``deadline``."""
    left = check(deadline, "before the request could be sent")

    def cut(value: float | None) -> float:
        return left if value is None else min(value, left)

    return httpx.Timeout(
        connect=cut(timeout.connect),
        read=cut(timeout.read),
        write=cut(timeout.write),
        pool=cut(timeout.pool),
    )


def check_sleep(deadline: float, delay: float, why: str) -> None:
    """Refuse a retry sleep that would end past the deadline: nothing could be sent after it."""
    left = deadline - monotonic()
    if delay >= left - SLACK:
        raise DeadlineReached(
            f"a retry after {why} would wait {delay:.3g}s, past the deadline ({max(left, 0):.3g}s left)"
        )
