"""When to poll a Hamsa job: intervals proportional to the job's age, and what a client learns
from its own jobs.

Waiting costs at most one interval past the job's completion, so an interval of ``RATIO`` times
the job's age bounds that cost to about ``RATIO`` of its duration (half of it on average), for
any duration, with a number of polls that grows only with the logarithm of the duration. The
interval never goes below ``poll_interval`` nor above ``max_poll_interval``. Once a client has
seen its jobs complete, it predicts the next one's duration from its text length (seconds per
character) and sleeps until then: a job of a familiar kind usually takes one or two polls."""

from __future__ import annotations

import random
import threading
from collections import OrderedDict
from time import monotonic
from typing import NamedTuple

# Interval / job age. 0.15: median overhead ~5-8% of the duration (see README, Performance).
RATIO = 0.15
# Each proportional interval is scaled by a uniform factor in [1 - JITTER, 1 + JITTER], so the
# polls of many jobs created together (a batch) spread out instead of arriving in bursts.
JITTER = 0.1
# A job found COMPLETED at its first poll may have been much faster than predicted: the next
# prediction is that poll's time times PROBE**(n - 1), n counting such jobs in a row, so a right
# estimate is kept (probing below it costs a poll and an interval), and a stale slow one falls
# fast (a 5x overestimate is gone in about seven jobs).
PROBE = 0.9
# Weight of the newest job in the estimate when a PENDING answer bracketed its completion.
LEARNING_RATE = 0.5
MAX_TRACKED_JOBS = 4096


class PollSchedule:
    """``floor``: poll_interval; ``ceiling``: max_poll_interval. (A plain class: a dataclass
    would cost a millisecond of everyone's ``import speechspec``.)"""

    __slots__ = ("ceiling", "floor")

    def __init__(self, floor: float, ceiling: float) -> None:
        self.floor = floor
        self.ceiling = ceiling

    def delay(self, age: float, predicted: float | None, rng: random.Random) -> float:
        """Seconds from now to the next poll of a job ``age`` seconds old, expected to
        complete ``predicted`` seconds after its creation (None: unknown)."""
        if predicted is not None and predicted > age:
            step = predicted - age
        else:
            step = RATIO * age * rng.uniform(1.0 - JITTER, 1.0 + JITTER)
        return min(max(step, self.floor), self.ceiling)


class Created(NamedTuple):
    at: float  # time.monotonic() when the create answer arrived
    chars: int


class JobHistory:
    """A client's memory of its own jobs: when each was created (so waiting counts from
    creation) and how many seconds per character of text they took to complete."""

    def __init__(self, max_jobs: int = MAX_TRACKED_JOBS) -> None:
        self.max_jobs = max_jobs
        self.seconds_per_char: float | None = None
        self._streak = 0  # jobs in a row found COMPLETED at their first poll
        self._jobs: OrderedDict[str, Created] = OrderedDict()
        self._lock = threading.Lock()  # sync clients may be shared by threads

    def created(self, job_id: str, chars: int) -> None:
        with self._lock:
            self._jobs[job_id] = Created(monotonic(), max(chars, 1))
            while len(self._jobs) > self.max_jobs:
                self._jobs.popitem(last=False)

    def lookup(self, job_id: str) -> Created | None:
        with self._lock:
            return self._jobs.get(job_id)

    def forget(self, job_id: str) -> None:
        with self._lock:
            self._jobs.pop(job_id, None)

    def predict(self, chars: int) -> float | None:
        """Expected seconds from creation to completion of a job of ``chars`` characters."""
        spc = self.seconds_per_char
        return None if spc is None else spc * max(chars, 1)

    def completed(self, job_id: str, *, upper: float, saw_pending: bool) -> None:
        """The job completed at most ``upper`` seconds after its creation (the request that
        found it COMPLETED was sent then); ``saw_pending``: an earlier poll found it PENDING,
        so the completion is known to within one interval."""
        with self._lock:
            known = self._jobs.pop(job_id, None)
            if known is None or upper <= 0:
                return
            old = self.seconds_per_char
            if saw_pending or old is None:
                self._streak = 0
                sample = upper / known.chars
                self.seconds_per_char = (
                    sample if old is None else old + LEARNING_RATE * (sample - old)
                )
            else:
                # Overestimates cost waiting (unbounded); underestimates cost a few polls.
                self._streak += 1
                self.seconds_per_char = upper / known.chars * PROBE ** (self._streak - 1)
