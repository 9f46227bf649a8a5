"""Hamsa job polling: what wait_for_job decides (written once, _hamsa_async.py, and twinned).

The loop only does the I/O (send, sleep); JobPoll decides when to poll, bounds every request and
sleep by the wait's deadline, reads the outcome of each answer, and teaches the client's
JobHistory how long its jobs take (see _schedule.py for the policy). The job's fields (id,
status and its values, the media URL) are the generated model's, so a renamed field or status
value in the effective document is a type error here, not a silent miss."""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from time import monotonic
from typing import TYPE_CHECKING, Any

from hamsa_client.models import TTSResponseDataStatus as Status

from ._deadline import DeadlineReached
from ._redact import redact
from ._schedule import JobHistory, PollSchedule
from .errors import JobFailedError, JobTimeoutError

if TYPE_CHECKING:
    import httpx
    from hamsa_client.models import TTSResponseData

    from ._pipeline import Call

# Where a FAILED job may carry its reason: Hamsa does not document it, so look where APIs of
# its kind put one (the job, its jobResponse, then the answer's envelope message).
_REASON_KEYS = ("failureReason", "errorMessage", "error", "reason", "message", "detail")
_MAX_REASON = 500
# Envelope messages that say nothing about a failure.
_EMPTY_MESSAGES = frozenset({"", "ok", "success", "successful", "done"})
# Jitter only (not cryptography); one generator, so tests can seed it.
_RNG = random.Random()  # noqa: S311


def _reason_in(mapping: Any) -> str | None:
    if not isinstance(mapping, dict):
        return None
    for key in _REASON_KEYS:
        value = mapping.get(key)
        if isinstance(value, dict):
            value = _reason_in(value)
        if isinstance(value, str) and value.strip().lower() not in _EMPTY_MESSAGES:
            return value.strip()
    return None


def failure_reason(body: bytes, secrets: Iterable[str]) -> str | None:
    """The vendor's reason for a FAILED job, redacted and shortened, or None if it gave none.
    Read from the answer's JSON: its ``data`` holds the job's unknown properties too."""
    try:
        answer = json.loads(body)
    except ValueError:
        answer = None
    data = answer.get("data") if isinstance(answer, dict) else None
    job_response = data.get("jobResponse") if isinstance(data, dict) else None
    reason = (
        _reason_in(data)
        or _reason_in(job_response)
        or _reason_in({"message": answer.get("message")} if isinstance(answer, dict) else None)
    )
    return None if reason is None else _shown(reason, secrets)


def _shown(text: str, secrets: Iterable[str]) -> str:
    """The vendor's free text as a message may hold it: redacted, then shortened."""
    text = redact(text, secrets)
    return text if len(text) <= _MAX_REASON else text[: _MAX_REASON - 3] + "..."


class JobPoll:
    """One wait_for_job: when to poll, under one deadline for every sleep and request."""

    def __init__(
        self,
        job_id: str,
        *,
        timeout: float,
        schedule: PollSchedule,
        history: JobHistory,
        secrets: tuple[str, ...] = (),
    ) -> None:
        self.job_id = job_id
        self.timeout = timeout
        self.started = monotonic()
        self.deadline = self.started + timeout
        self.schedule = schedule
        self.history = history
        self.secrets = secrets
        self.polls = 0
        self.job: TTSResponseData | None = None
        self._sent = 0.0
        self._latency = 0.0
        self._saw_pending = False
        known = history.lookup(job_id)
        # Time is counted from the job's creation when this client created it; a job created
        # elsewhere is polled at once (it may be long finished) and counted from now.
        self.created = known.at if known else self.started
        self.predicted = history.predict(known.chars) if known else None
        # A probe below the prediction: a PENDING answer to it is followed by a poll at the
        # prediction itself (or poll_interval after the probe, if that is later).
        self._fallback: float | None = None
        probe = history.probe(known.chars, schedule.floor) if known else None
        self._costly = False  # a probe less than poll_interval below the prediction
        if self.predicted is not None and probe is not None:
            self._costly = probe > self.predicted - schedule.floor
            self._fallback, self.predicted = self.predicted, probe
        self._probe_missed: float | None = None  # when the PENDING probe was sent
        self._unknown = known is None

    # -- what the loops ask ---------------------------------------------------------------

    def first_delay(self) -> float:
        """Seconds to sleep before the first poll: none for a job this client did not create
        (or created long enough ago); otherwise until its predicted completion, or until it is
        ``poll_interval`` old (its create answer said PENDING), within ``max_poll_interval``."""
        if self._unknown:
            return 0.0
        target = self.schedule.floor if self.predicted is None else self.predicted
        wait = min(target - (monotonic() - self.created), self.schedule.ceiling)
        return self._bounded(wait) if wait > 0 else 0.0

    def request(self, call: Call) -> Call:
        """The status request, bounded by the deadline."""
        self._sent = monotonic()
        if self._sent >= self.deadline:
            raise self.timed_out(None)
        return call.until(self.deadline)

    def finished(self, job: TTSResponseData, response: httpx.Response) -> bool:
        """True when COMPLETED; raise JobFailedError when FAILED."""
        now = monotonic()
        # A cheap, smoothed estimate of one status request's duration (for the last poll).
        took = now - self._sent
        self._latency = 0.7 * self._latency + 0.3 * took if self.polls else took
        self.polls += 1
        self.job = job
        if job.status == Status.FAILED:
            self.history.forget(self.job_id)
            reason = failure_reason(response.content, self.secrets)
            raise JobFailedError(
                f"Hamsa job {self.job_id} failed"
                + (f": {reason}" if reason else " (no reason given)"),
                job=job,
                reason=reason,
            )
        if job.status == Status.COMPLETED:
            self.history.completed(
                self.job_id,
                upper=self._sent - self.created,
                saw_pending=self._saw_pending,
                probe_missed=self._probe_missed if self.polls == 2 else None,
                costly=self._costly,
            )
            return True
        if self._fallback is not None and self.polls == 1:
            self.predicted, self._fallback = self._fallback, None
            self._probe_missed = self._sent - self.created
        self._saw_pending = True
        return False

    def next_delay(self) -> float:
        """Seconds to sleep before the next poll; JobTimeoutError when the deadline has passed.

        The interval runs from the previous poll's sending, not its answer: a slow answer
        (a loaded server) would otherwise push every later poll back by its latency, and a
        job's lateness would grow with the number of polls instead of one request's latency.
        Polls are still never sent closer than ``poll_interval`` apart."""
        age = self._sent - self.created
        step = self.schedule.delay(age, self.predicted, _RNG)
        return self._bounded(step - (monotonic() - self._sent))

    def timed_out(self, cause: DeadlineReached | None) -> JobTimeoutError:
        # A status new to us is the vendor's free text (response enums are open).
        status = _shown(self.job.status, self.secrets) if self.job is not None else "unknown"
        why = f": {cause}" if cause is not None else ""
        return JobTimeoutError(
            f"Hamsa job {self.job_id} did not finish within {self.timeout:g}s{why} "
            f"(last status {status}, {self.polls} poll{'s' if self.polls != 1 else ''})",
            job_id=self.job_id,
            job=self.job,
        )

    # -- helpers --------------------------------------------------------------------------

    def _bounded(self, delay: float) -> float:
        """``delay`` cut so that the next poll can still answer before the deadline."""
        remaining = self.deadline - monotonic()
        if remaining <= 0:
            raise self.timed_out(None)
        return max(0.0, min(delay, remaining - self._latency))
