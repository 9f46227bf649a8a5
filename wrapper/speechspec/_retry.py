"""When to retry, and how long to wait: pure decisions, shared by sync and async clients."""

from __future__ import annotations

import email.utils
import math
import random
import time
from dataclasses import dataclass

import httpx

# Statuses where the server tells us it did not process the request: safe to retry any method.
_RETRY_ANY_METHOD = frozenset({429, 503})

# Failures that happen before the request could reach the server.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date. None if absent
    or unparseable; never negative."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(0.0, seconds)


def request_was_not_sent(exc: httpx.RequestError) -> bool:
    """True when the failure happened before any byte of the request reached the server."""
    return isinstance(exc, _NOT_SENT)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, honouring Retry-After up to ``max_retry_after``.

    ``retry_billed`` opts in to retrying non-idempotent requests (the billed POSTs) after
    failures where the server may already have processed them.
    """

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    retry_billed: bool = False

    def backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(max_delay, initial * 2**attempt)]."""
        ceiling = min(self.max_delay, self.initial_delay * (2.0**attempt))
        return random.uniform(0.0, ceiling)  # noqa: S311 (jitter, not cryptography)

    def _may_retry(self, attempt: int, *, safe: bool, idempotent: bool) -> bool:
        return attempt < self.max_retries and (safe or idempotent or self.retry_billed)

    def delay_after_response(
        self, response: httpx.Response, attempt: int, *, idempotent: bool
    ) -> float | None:
        """Seconds to wait before retrying after this non-2xx response, or None: do not retry."""
        status = response.status_code
        if status not in _RETRY_ANY_METHOD and status < 500:
            return None
        if not self._may_retry(attempt, safe=status in _RETRY_ANY_METHOD, idempotent=idempotent):
            return None
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        if retry_after is not None:
            return min(retry_after, self.max_retry_after)
        return self.backoff(attempt)

    def delay_after_error(
        self, exc: httpx.RequestError, attempt: int, *, idempotent: bool
    ) -> float | None:
        """Seconds to wait before retrying after a transport failure, or None: do not retry."""
        if isinstance(exc, httpx.UnsupportedProtocol):
            return None
        if not self._may_retry(attempt, safe=request_was_not_sent(exc), idempotent=idempotent):
            return None
        return self.backoff(attempt)
