"""``client.with_raw_response.<method>(...)``: the HTTP response behind a call's result.

The pipeline records each successful response into the Capture active in the current context
(a ContextVar, so concurrent calls in threads or tasks never see each other's); the wrapper
runs the ordinary method under a fresh Capture and pairs its result with the recorded response.
Which response: the method's own for one-request methods; for wait_for_job the last poll; for
synthesize the last *API* response (Hamsa: the final poll, Livepeer: the create), since the
media host's response carries no vendor request id; for download the media response.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import functools
from collections.abc import Awaitable, Callable, Iterator
from typing import Generic, Literal, ParamSpec, TypeVar

import httpx

from ._errors_map import request_id

P = ParamSpec("P")
T = TypeVar("T")
Source = Literal["api", "download"]


# Per source, the last successful response recorded and its retries: the one a RawResponse
# shows (a composite's earlier requests are replaced by its later ones).
Capture = dict[Source, tuple[httpx.Response, int]]

_CAPTURE: contextvars.ContextVar[Capture | None] = contextvars.ContextVar(
    "speechspec_raw_capture", default=None
)


def record(response: httpx.Response, attempt: int, source: Source = "api") -> None:
    """Called by the pipeline for each successful response; free when nobody captures."""
    capture = _CAPTURE.get()
    if capture is not None:
        capture[source] = (response, attempt)


class RawResponse(Generic[T]):
    """The HTTP response of a call, and its usual typed result via ``parse()``.

    The body was already read and parsed during the call (an answer that breaks the spec
    raised ResponseValidationError there, with ``.response``); ``parse()`` returns that result.
    For a ``data:`` URL download there is no HTTP exchange: ``status_code`` is 200,
    ``http_request`` is None and ``headers`` is empty.
    """

    def __init__(self, response: httpx.Response, retries_taken: int, result: T) -> None:
        self.http_response = response
        self.retries_taken = retries_taken
        self._result = result

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def request_id(self) -> str | None:
        return request_id(self.http_response)

    @property
    def http_request(self) -> httpx.Request | None:
        try:
            return self.http_response.request
        except RuntimeError:  # a response built without a request (data: URL)
            return None

    @property
    def elapsed(self) -> datetime.timedelta:
        """From sending the request to the end of the body (httpx's ``Response.elapsed``)."""
        try:
            return self.http_response.elapsed
        except RuntimeError:
            return datetime.timedelta(0)

    def parse(self) -> T:
        return self._result

    def __repr__(self) -> str:
        return f"<RawResponse [{self.status_code}] retries_taken={self.retries_taken}>"


@contextlib.contextmanager
def _capturing() -> Iterator[Capture]:
    capture: Capture = {}
    token = _CAPTURE.set(capture)
    try:
        yield capture
    finally:
        _CAPTURE.reset(token)


def _pick(capture: Capture, source: Source, result: T) -> RawResponse[T]:
    if source not in capture:
        if source == "download":  # a data: URL: no HTTP exchange
            return RawResponse(httpx.Response(200), 0, result)
        # Every API method sends at least one request or raises.
        raise RuntimeError("no response was recorded")  # pragma: no cover
    return RawResponse(*capture[source], result)


def raw(method: Callable[P, T], source: Source = "api") -> Callable[P, RawResponse[T]]:
    @functools.wraps(method)
    def call(*args: P.args, **kwargs: P.kwargs) -> RawResponse[T]:
        with _capturing() as capture:
            result = method(*args, **kwargs)
        return _pick(capture, source, result)

    return call


def araw(
    method: Callable[P, Awaitable[T]], source: Source = "api"
) -> Callable[P, Awaitable[RawResponse[T]]]:
    @functools.wraps(method)
    async def call(*args: P.args, **kwargs: P.kwargs) -> RawResponse[T]:
        with _capturing() as capture:
            result = await method(*args, **kwargs)
        return _pick(capture, source, result)

    return call
