"""What the two send loops around Pipeline share. The loop itself is written once, async, in
_send_async.py; its sync twin (_generated/send_sync.py) is generated from it by tools/unasync.py.
Reading an answer is capped on decoded bytes (_body), whatever a proxy sends or however it
encodes it."""

from __future__ import annotations

import httpx

from ._body import MAX_API_BODY, too_large
from .errors import ClientClosedError, ResponseValidationError

__all__ = ["MAX_API_BODY", "bad_redirect", "buffered", "closed_instead", "closed_midway"]


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


def closed_instead(client: httpx.Client | httpx.AsyncClient, exc: Exception) -> None:
    """A transport failure or httpx's RuntimeError after the client was closed is that close,
    not a network failure to retry."""
    closed = closed_midway(client)
    if closed is not None:
        raise closed from exc
