"""The send loop around Pipeline: retries, deadlines and the capped read of each answer.

Written once, async; tools/unasync.py writes its sync twin, _generated/send_sync.py (SyncSender),
from this file, so the two loops can never disagree."""

from __future__ import annotations

import time

import httpx

from . import _deadline
from ._body import Body, araw_chunks
from ._pipeline import Call, Pipeline
from ._raw import record
from ._send import Guard, bad_redirect, buffered

__all__ = ["AsyncSender"]


class AsyncSender(Guard):
    """The I/O around Pipeline: send a Call with retries, read its answer."""

    client: httpx.AsyncClient

    def __init__(self, pipeline: Pipeline, client: httpx.AsyncClient) -> None:
        self.pipeline = pipeline
        self.client = client

    async def read(self, response: httpx.Response, deadline: float | None = None) -> httpx.Response:
        """Read the body (raw chunks, decoded in bounded steps); the response holding it."""
        answer = buffered(response)
        if answer is not None:
            return answer
        body = Body(response)
        if deadline is not None:
            _deadline.cut_read_timeout(response.request, deadline)
        try:
            async for raw in araw_chunks(response):
                if not body.take(raw):
                    break
                if deadline is not None:
                    _deadline.cut_read_timeout(response.request, deadline)
        finally:
            await response.aclose()
        return body.rebuilt()

    async def send(self, call: Call) -> httpx.Response:
        """Send with retries; return a 2xx response with its body read, or raise."""
        import anyio

        p = self.pipeline
        attempt = 0
        while True:
            self.ensure_open()
            request = p.api_request(self.client, call)
            started = time.perf_counter()
            try:
                response = await self.client.send(request, stream=True, follow_redirects=False)
                try:
                    response = await self.read(response, call.deadline)
                finally:
                    await response.aclose()
            except RuntimeError as exc:  # httpx: "the client has been closed"
                self.closed_instead(exc)
                raise
            except httpx.RequestError as exc:
                self.closed_instead(exc)
                if call.deadline is not None:
                    _deadline.check_spent(call.deadline, exc)
                delay = p.retry_delay_for_error(exc, attempt, call)
                p.log(request, attempt, started, error=exc, retry_in=delay)
                if delay is None:
                    raise p.connection_error(exc, call, attempt + 1) from exc
                why = type(exc).__name__
            except httpx.InvalidURL as exc:
                raise bad_redirect(exc) from exc
            else:
                if 200 <= response.status_code < 300:  # is_success, without two calls
                    p.log(request, attempt, started, response=response)
                    record(response, attempt)
                    return response
                delay = p.retry_delay_for_response(response, attempt, call)
                p.log(request, attempt, started, response=response, retry_in=delay)
                if delay is None:
                    raise p.status_error(response, call, attempt + 1)
                why = f"status {response.status_code}"
            if call.deadline is not None:
                _deadline.check_sleep(call.deadline, delay, why)
            # A close() meanwhile is seen by ensure_open() when the sleep ends.
            await anyio.sleep(delay)
            attempt += 1
