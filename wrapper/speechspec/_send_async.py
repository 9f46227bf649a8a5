"""The send loop around Pipeline: retries, deadlines and the capped read of each answer.

Written once, async; tools/unasync.py writes its sync twin, _generated/send_sync.py (SyncSender),
from this file, so the two loops can never disagree."""

from __future__ import annotations

import time
from typing import Protocol

import httpx

from . import _deadline
from ._body import Body, araw_chunks, buffered
from ._lifecycle import closed_instead, runtime_error
from ._pipeline import Call, Pipeline
from ._raw import record
from .errors import ResponseValidationError

__all__ = ["AsyncSender"]


class _Owner(Protocol):
    """The client base a sender sends for: read at every attempt, so a copy's new pipeline or
    an async client's new httpx client (another event loop) is used without rebinding."""

    _pipeline: Pipeline

    def _live_client(self) -> httpx.AsyncClient: ...


class AsyncSender:
    """The I/O around Pipeline: send a Call with retries, read its answer."""

    def __init__(self, owner: _Owner) -> None:
        self.owner = owner

    async def read(self, response: httpx.Response, deadline: float | None = None) -> httpx.Response:
        """Read the body (raw chunks, decoded in bounded steps); the response holding it."""
        answer = buffered(response)
        if answer is not None:
            return answer
        body = Body(response)
        # Once the deadline has passed, no further read starts (each read already waits at
        # most the read timeout, cut to the time left when the request was built).
        reading = "while the answer was being read"
        try:
            if deadline is not None:
                _deadline.check(deadline, reading)
            async for raw in araw_chunks(response):
                if not body.take(raw):
                    break
                if deadline is not None:
                    _deadline.check(deadline, reading)
        finally:
            await response.aclose()
        return body.rebuilt()

    async def send(self, call: Call) -> httpx.Response:
        """Send with retries; return a 2xx response with its body read, or raise."""
        import anyio

        p = self.owner._pipeline
        policy = p.policy_for(call)
        attempt = 0
        while True:
            # ClientClosedError once the client (or its httpx client) is closed, also when a
            # close() came during the last retry's sleep.
            client = self.owner._live_client()
            request = p.api_request(client, call)
            started = time.perf_counter()
            try:
                response = await client.send(request, stream=True, follow_redirects=False)
                try:
                    response = await self.read(response, call.deadline)
                finally:
                    await response.aclose()
            except RuntimeError as exc:  # httpx: "the client has been closed", or another loop's
                raise runtime_error(self.owner, client, exc) from exc
            except httpx.RequestError as exc:
                closed_instead(client, exc)
                if call.deadline is not None:
                    _deadline.check(call.deadline, f"({type(exc).__name__})", exc)
                delay = policy.delay_after_error(exc, attempt, idempotent=call.idempotent)
                p.log(request, attempt, started, error=exc, retry_in=delay)
                if delay is None:
                    raise p.connection_error(exc, call, attempt + 1) from exc
                why = type(exc).__name__
            except httpx.InvalidURL as exc:
                # httpx prepares the next request of any redirect, even unfollowed, and raises
                # InvalidURL on a malformed Location: an answer the spec never promised.
                raise ResponseValidationError(
                    f"the server answered a redirect to an invalid URL: {exc}"
                ) from exc
            else:
                if 200 <= response.status_code < 300:  # is_success, without two calls
                    p.log(request, attempt, started, response=response)
                    record(response, attempt)
                    return response
                delay = policy.delay_after_response(response, attempt, idempotent=call.idempotent)
                p.log(request, attempt, started, response=response, retry_in=delay)
                if delay is None:
                    raise p.status_error(response, call, attempt + 1)
                why = f"status {response.status_code}"
            if call.deadline is not None:
                _deadline.check_sleep(call.deadline, delay, why)
            await anyio.sleep(delay)
            attempt += 1
