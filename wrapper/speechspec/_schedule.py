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
# job's first poll (its probe) is that poll's time times PROBE**(n - 1), n counting such jobs in
# a row, so a stale slow estimate falls fast (a 5x overestimate is gone in about seven jobs). A
# probe that finds the job PENDING costs one poll but no lateness: the next poll goes at the
# prediction itself (_jobs.JobPoll), and the probe's time becomes a lower bound, so the next
# probes bisect between the two; the bound decays by PROBE a completion, so a workload that
# became faster is followed down.
PROBE = 0.9
# When no probe fits a poll_interval below the prediction and above the bound (a job not much
# longer than poll_interval), the first poll may still try STEP below the prediction: found
# done, the estimate falls by STEP; found PENDING, the job is noticed up to a poll_interval
# late, so such a probe is tried again only HOLD jobs after one missed.
STEP = 0.05
HOLD = 6
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
        self._lower: float | None = None  # seconds per char a missed probe found too early
        self._hold = 0  # jobs to complete before a probe that may cost lateness
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
        """Seconds from creation by which a job of ``chars`` characters should be complete:
        what the client's last completions confirmed (None: nothing learned yet)."""
        spc = self.seconds_per_char
        return None if spc is None else spc * max(chars, 1)

    def probe(self, chars: int, floor: float = 0.0) -> float | None:
        """When to poll a job of ``chars`` characters first, if earlier than its prediction:
        after a streak of jobs found COMPLETED at their first poll, or between the prediction
        and a missed probe, at least ``floor`` (poll_interval) below the prediction, so a
        PENDING answer is followed by a poll at the prediction, not later; else STEP below it,
        once in HOLD jobs (see STEP); None: poll at the prediction."""
        with self._lock:
            spc, lower, streak, hold = self.seconds_per_char, self._lower, self._streak, self._hold
        if spc is None:
            return None
        n = max(chars, 1)
        predicted, bound = spc * n, (lower or 0.0) * n
        if lower is not None:
            probe = min((lower + spc) / 2 * n, predicted - floor)
        elif streak >= 2:
            probe = min(predicted * PROBE ** (streak - 1), predicted - floor)
        else:
            probe = 0.0
        # Only above the bound (by more than rounding): a probe at it is known to be too early.
        margin = 1e-6 * predicted
        if probe > bound + margin:
            return probe
        costly = predicted * (1.0 - STEP)
        return costly if hold == 0 and costly > bound + margin else None

    def completed(
        self,
        job_id: str,
        *,
        upper: float,
        saw_pending: bool,
        probe_missed: float | None = None,
        costly: bool = False,
    ) -> None:
        """The job completed at most ``upper`` seconds after its creation (the request that
        found it COMPLETED was sent then); ``saw_pending``: an earlier poll found it PENDING,
        so the completion is known to within one interval; ``probe_missed``: the only PENDING
        answer came from a probe sent that many seconds after creation, and the poll at the
        prediction found the job COMPLETED, so the prediction stands (``costly``: the probe
        was less than a poll_interval below the prediction)."""
        with self._lock:
            known = self._jobs.pop(job_id, None)
            if known is None or upper <= 0:
                return
            self._hold = HOLD if probe_missed is not None and costly else max(self._hold - 1, 0)
            old = self.seconds_per_char
            sample = upper / known.chars
            if old is not None and probe_missed is not None:
                # Kept as it was (the poll aimed at it may have been sent a little late: taking
                # its time would let the estimate creep up job after job).
                self._streak = 0
                self._lower = max(self._lower or 0.0, probe_missed / known.chars)
            elif saw_pending or old is None:
                self._streak, self._lower = 0, None
                self.seconds_per_char = (
                    sample if old is None else old + LEARNING_RATE * (sample - old)
                )
            else:
                # Overestimates cost waiting (unbounded); underestimates cost a poll each.
                self._streak += 1
                self.seconds_per_char = min(old, sample)
                if self._lower is not None:
                    self._lower *= PROBE
                    if self._lower >= self.seconds_per_char:
                        self._lower = None
