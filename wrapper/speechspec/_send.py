"""The two send loops around Pipeline: sync and async differ only in their I/O; reading an
answer is capped at MAX_API_BODY, whatever a proxy sends."""

from __future__ import annotations

import time

import httpx

from . import _deadline
from ._pipeline import Call, Pipeline
from ._raw import record
from .errors import ResponseValidationError

# An API answer is a small JSON document; anything bigger is a misbehaving proxy.
MAX_API_BODY = 8 * 1024 * 1024


def check_body_size(response: httpx.Response) -> None:
    """Refuse a declared body over MAX_API_BODY before reading any of it."""
    declared = response.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_API_BODY:
        raise ResponseValidationError(
            f"response body of {declared} bytes exceeds the {MAX_API_BODY}-byte limit for API answers",
            status_code=response.status_code,
            response=response,
        )


def too_large(response: httpx.Response) -> ResponseValidationError:
    return ResponseValidationError(
        f"response body exceeds the {MAX_API_BODY}-byte limit for API answers",
        status_code=response.status_code,
        response=response,
    )


def bad_redirect(exc: httpx.InvalidURL) -> ResponseValidationError:
    # httpx prepares the next request of any redirect, even unfollowed, and raises InvalidURL
    # on a malformed Location: an answer the spec never promised.
    return ResponseValidationError(f"the server answered a redirect to an invalid URL: {exc}")


def undecodable(response: httpx.Response, exc: httpx.DecodingError) -> list[bytes]:
    """A body that arrived but cannot be decoded (a bad Content-Encoding): for a 2xx that is an
    answer that breaks the spec; for an error status the status still says what happened."""
    if response.is_success:
        raise ResponseValidationError(
            f"response body could not be decoded "
            f"(Content-Encoding {response.headers.get('content-encoding', '?')}): {exc}",
            status_code=response.status_code,
            response=response,
        ) from exc
    return []


def set_content(response: httpx.Response, chunks: list[bytes]) -> None:
    # What httpx's own Response.read() does after iterating the stream; we iterate ourselves
    # to stop at MAX_API_BODY instead of buffering whatever a proxy sends.
    response._content = b"".join(chunks)


class SyncSender:
    """The sync I/O around Pipeline."""

    def __init__(self, pipeline: Pipeline, client: httpx.Client) -> None:
        self.pipeline = pipeline
        self.client = client

    def read(self, response: httpx.Response, deadline: float | None = None) -> None:
        check_body_size(response)
        if deadline is not None:
            _deadline.cut_read_timeout(response.request, deadline)
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_API_BODY:
                    response.close()
                    raise too_large(response)
                chunks.append(chunk)
                if deadline is not None:
                    _deadline.cut_read_timeout(response.request, deadline)
        except httpx.DecodingError as exc:
            chunks = undecodable(response, exc)
        set_content(response, chunks)

    def send(self, call: Call) -> httpx.Response:
        """Send with retries; return a 2xx response with its body read, or raise."""
        p = self.pipeline
        attempt = 0
        while True:
            request = p.api_request(self.client, call)
            started = time.perf_counter()
            try:
                response = self.client.send(request, stream=True, follow_redirects=False)
                try:
                    self.read(response, call.deadline)
                finally:
                    response.close()
            except httpx.RequestError as exc:
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
                if response.is_success:
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
            time.sleep(delay)
            attempt += 1


class AsyncSender:
    """The async I/O around Pipeline; the same loop as SyncSender with awaits."""

    def __init__(self, pipeline: Pipeline, client: httpx.AsyncClient) -> None:
        self.pipeline = pipeline
        self.client = client

    async def read(self, response: httpx.Response, deadline: float | None = None) -> None:
        check_body_size(response)
        if deadline is not None:
            _deadline.cut_read_timeout(response.request, deadline)
        chunks: list[bytes] = []
        size = 0
        try:
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > MAX_API_BODY:
                    await response.aclose()
                    raise too_large(response)
                chunks.append(chunk)
                if deadline is not None:
                    _deadline.cut_read_timeout(response.request, deadline)
        except httpx.DecodingError as exc:
            chunks = undecodable(response, exc)
        set_content(response, chunks)

    async def send(self, call: Call) -> httpx.Response:
        import anyio

        p = self.pipeline
        attempt = 0
        while True:
            request = p.api_request(self.client, call)
            started = time.perf_counter()
            try:
                response = await self.client.send(request, stream=True, follow_redirects=False)
                try:
                    await self.read(response, call.deadline)
                finally:
                    await response.aclose()
            except httpx.RequestError as exc:
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
                if response.is_success:
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
