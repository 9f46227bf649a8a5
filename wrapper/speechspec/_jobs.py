"""Hamsa job polling: the decisions shared by the sync and async wait_for_job."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from .errors import JobFailedError, JobTimeoutError

if TYPE_CHECKING:
    from hamsa_client.models import TTSResponseData


def media_url(job: TTSResponseData) -> str | None:
    """The audio URL of a job: ``mediaUrl``, or ``jobResponse.ttsMediaFile``."""
    from hamsa_client.types import Unset

    if isinstance(job.media_url, str) and job.media_url:
        return job.media_url
    response = job.job_response
    if not isinstance(response, Unset) and isinstance(response.tts_media_file, str):
        return response.tts_media_file or None
    return None


class JobPoll:
    """Polling with growing intervals under an overall deadline."""

    def __init__(
        self, job_id: str, *, timeout: float, poll_interval: float, max_interval: float
    ) -> None:
        self.job_id = job_id
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout
        self.interval = poll_interval
        self.max_interval = max(max_interval, poll_interval)
        self.polls = 0

    def finished(self, job: TTSResponseData) -> bool:
        """True when COMPLETED; raise JobFailedError when FAILED."""
        self.polls += 1
        status = getattr(job.status, "value", None)
        if status == "FAILED":
            raise JobFailedError(f"Hamsa job {self.job_id} failed", job=job)
        return status == "COMPLETED"

    def next_delay(self, job: TTSResponseData | None) -> float:
        """Seconds to sleep before the next poll; JobTimeoutError when the deadline has passed."""
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            status = getattr(getattr(job, "status", None), "value", "unknown")
            raise JobTimeoutError(
                f"Hamsa job {self.job_id} did not finish within {self.timeout:g}s "
                f"(last status {status}, {self.polls} polls)",
                job_id=self.job_id,
                job=job,
            )
        delay = min(self.interval, remaining)
        self.interval = min(self.interval * 1.5, self.max_interval)
        return delay
