"""The two send loops around Pipeline: sync and async differ only in their I/O; reading an
answer is capped on decoded bytes (_body), whatever a proxy sends or however it encodes it."""

from __future__ import annotations

import time

import httpx

from . import _deadline
from ._body import MAX_API_BODY, Body, araw_chunks, raw_chunks, too_large
from ._pipeline import Call, Pipeline
from ._raw import record
from .errors import ClientClosedError, ResponseValidationError

__all__ = ["MAX_API_BODY", "AsyncSender", "SyncSender"]


def bad_redirect(exc: httpx.InvalidURL) -> ResponseValidationError:
    # httpx prepares the next request of any redirect, even unfollowed, and raises InvalidURL
    # on a malformed Location: an answer the spec never promised.
    return ResponseValidationError(f"the server answered a redirect to an invalid URL: {exc}")


def closed_midway(client: httpx.Client | httpx.AsyncClient) -> ClientClosedError | None:
    """The error for a call whose httpx client was closed while it ran (during a retry's
    sleep, from another thread or task, between a download's redirects), else None."""
    if client.is_closed:
        return ClientClosedError(
            "the client was closed while this call was in progress; build a new one"
        )
    return None


def buffered(response: httpx.Response) -> httpx.Response | None:
    """A 2xx that its transport read before we saw it (an httpx.MockTransport handler's, or a
    transport that buffers): httpx decoded it then, and nothing is left to read, so the
    response is its own answer once its size is checked; rebuilding it (as Body does for a
    streamed body) would cost a second Response and its headers. None for anything else."""
    if not 200 <= response.status_code < 300:
        return None  # error bodies are cut at MAX_ERROR_BODY by Body
    try:
        size = len(response.content)
    except httpx.ResponseNotRead:
        return None
    if size > MAX_API_BODY:
        raise too_large(response, str(size))
    return response


class _Guard:
    client: httpx.Client | httpx.AsyncClient

    def ensure_open(self) -> None:
        """Raise ClientClosedError once closed; checked before every attempt (the guarded
        senders of _lifecycle also check the speechspec client itself)."""
        error = closed_midway(self.client)
        if error is not None:
            raise error

    def closed_instead(self, exc: Exception) -> None:
        """A transport failure or httpx's RuntimeError after the client was closed is that
        close, not a network failure to retry."""
        try:
            self.ensure_open()
        except ClientClosedError as closed:
            raise closed from exc


class SyncSender(_Guard):
    """The sync I/O around Pipeline."""

    client: httpx.Client

    def __init__(self, pipeline: Pipeline, client: httpx.Client) -> None:
        self.pipeline = pipeline
        self.client = client

    def read(self, response: httpx.Response, deadline: float | None = None) -> httpx.Response:
        """Read the body (raw chunks, decoded in bounded steps); the response holding it."""
        answer = buffered(response)
        if answer is not None:
            return answer
        body = Body(response)
        if deadline is not None:
            _deadline.cut_read_timeout(response.request, deadline)
        try:
            for raw in raw_chunks(response):
                if not body.take(raw):
                    break
                if deadline is not None:
                    _deadline.cut_read_timeout(response.request, deadline)
        finally:
            response.close()
        return body.rebuilt()

    def send(self, call: Call) -> httpx.Response:
        """Send with retries; return a 2xx response with its body read, or raise."""
        p = self.pipeline
        attempt = 0
        while True:
            self.ensure_open()
            request = p.api_request(self.client, call)
            started = time.perf_counter()
            try:
                response = self.client.send(request, stream=True, follow_redirects=False)
                try:
                    response = self.read(response, call.deadline)
                finally:
                    response.close()
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
            time.sleep(delay)
            attempt += 1


class AsyncSender(_Guard):
    """The async I/O around Pipeline; the same loop as SyncSender with awaits."""

    client: httpx.AsyncClient

    def __init__(self, pipeline: Pipeline, client: httpx.AsyncClient) -> None:
        self.pipeline = pipeline
        self.client = client

    async def read(self, response: httpx.Response, deadline: float | None = None) -> httpx.Response:
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
            await anyio.sleep(delay)
            attempt += 1
