"""Reading an API answer's body: decoded in bounded steps, capped on decoded bytes.

A 2xx answer over MAX_API_BODY is a ResponseValidationError (no answer of either API is
that big: it is a misbehaving proxy). An error answer of any size keeps its status, and so
its error class and retry rule: its first MAX_ERROR_BODY bytes are kept for the message and
the rest is never read."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator

import httpx

from ._decode import DecodeError, Decoder
from ._errors_map import TRUNCATED, validation_error
from ._redact import FRAMING
from .errors import ResponseValidationError

# An API answer is a small JSON document; anything bigger is a misbehaving proxy.
MAX_API_BODY = 8 * 1024 * 1024
# What an error's message and .body need: the vendor's JSON, or an HTML page's title.
MAX_ERROR_BODY = 256 * 1024


def _already_read(response: httpx.Response) -> bool:
    """True for a response read before we saw it (an httpx.MockTransport handler's, or a
    transport that buffers): httpx has decoded it, and its raw stream is gone."""
    try:
        response.content  # noqa: B018 - raises until read
    except httpx.ResponseNotRead:
        return False
    return True


def decoder_for(response: httpx.Response) -> Decoder:
    """The bounded decoder of the response's Content-Encoding (raises DecodeError)."""
    if _already_read(response):
        return Decoder(None)
    return Decoder(response.headers.get("content-encoding"))


def raw_chunks(response: httpx.Response) -> Iterator[bytes]:
    """The body as it came off the wire, chunk by chunk (its already-decoded content if it
    was read)."""
    if _already_read(response):
        return iter((response.content,))
    return response.iter_raw()


class _Once:
    """An async iterator of one chunk (not an async generator: breaking out of one leaves it
    for the event loop to finalize)."""

    def __init__(self, data: bytes) -> None:
        self.data: bytes | None = data

    def __aiter__(self) -> _Once:
        return self

    async def __anext__(self) -> bytes:
        if self.data is None:
            raise StopAsyncIteration
        data, self.data = self.data, None
        return data


def araw_chunks(response: httpx.Response) -> AsyncIterator[bytes]:
    if _already_read(response):
        return _Once(response.content)
    return response.aiter_raw()


def too_large(response: httpx.Response, size: str = "") -> ResponseValidationError:
    what = f"response body of {size} bytes" if size else "response body"
    return validation_error(
        f"{what} exceeds the {MAX_API_BODY}-byte limit for API answers", response
    )


def buffered(response: httpx.Response) -> httpx.Response | None:
    """A 2xx that its transport read before we saw it (an httpx.MockTransport handler's, or a
    transport that buffers): httpx decoded it then, and nothing is left to read, so the
    response is its own answer once its size is checked; rebuilding it (as Body does for a
    streamed body) would cost a second Response and its headers. None for anything else
    (error bodies are cut at MAX_ERROR_BODY by Body)."""
    if not 200 <= response.status_code < 300 or not _already_read(response):
        return None
    if len(response.content) > MAX_API_BODY:
        raise too_large(response, str(len(response.content)))
    return response


class Body:
    """The decoded body of one response, as its raw chunks arrive."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.chunks: list[bytes] = []
        self.size = 0
        self.truncated = False
        self.limit = MAX_API_BODY if response.is_success else MAX_ERROR_BODY
        declared = response.headers.get("content-length", "")
        if response.is_success and declared.isdigit() and int(declared) > MAX_API_BODY:
            raise too_large(response, declared)
        try:
            self.decoder: Decoder | None = decoder_for(response)
        except DecodeError as exc:
            self.decoder = None
            self._undecodable(exc)

    def take(self, raw: bytes) -> bool:
        """Add one raw chunk; False once nothing more should be read."""
        if self.decoder is None:
            return False
        try:
            for piece in self.decoder.feed(raw):
                if not self._keep(piece):
                    return False
        except DecodeError as exc:
            self._undecodable(exc)
            return False
        return True

    def _keep(self, piece: bytes) -> bool:
        room = self.limit - self.size
        if len(piece) > room:
            if self.response.is_success:
                raise too_large(self.response)
            self.chunks.append(piece[:room])
            self.size = self.limit
            self.truncated = True
            return False
        self.chunks.append(piece)
        self.size += len(piece)
        return True

    def _undecodable(self, exc: DecodeError) -> None:
        """A body that cannot be decoded: for a 2xx an answer that breaks the spec; for an
        error status the status still says what happened (its body is dropped)."""
        if self.response.is_success:
            encoding = self.response.headers.get("content-encoding", "?")
            raise validation_error(
                f"response body could not be decoded (Content-Encoding {encoding}): {exc}",
                self.response,
            ) from exc
        self.chunks = []
        self.decoder = None

    def rebuilt(self) -> httpx.Response:
        """A response like the one read (closed by now), holding the decoded body; built with
        httpx's public constructor, so nothing private is set."""
        original = self.response
        headers = [(k, v) for k, v in original.headers.multi_items() if k.lower() not in FRAMING]
        extensions = dict(original.extensions)
        if self.truncated:
            extensions[TRUNCATED] = self.limit
        response = httpx.Response(
            original.status_code,
            headers=headers,
            content=b"".join(self.chunks),
            request=original.request,
            extensions=extensions,
        )
        with contextlib.suppress(RuntimeError):  # set when the original was closed
            response.elapsed = original.elapsed
        return response
