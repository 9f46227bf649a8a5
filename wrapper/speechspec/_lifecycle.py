"""A client's life: refusing calls once closed, and async clients moving between event loops.

An ``httpx.AsyncClient``'s pooled connections belong to the event loop that opened them; used
from another loop (a second ``asyncio.run``), they fail with ``RuntimeError: Event loop is
closed``. A client that owns its httpx client starts a fresh one in the new loop (the old
loop's connections cannot be closed from here and are dropped); a client given its
``http_client`` cannot replace it, and says so with a ConfigurationError."""

from __future__ import annotations

import contextlib
import sys
import weakref
from typing import TYPE_CHECKING

import httpx

from ._redact import redact
from .errors import ClientClosedError, ConfigurationError

if TYPE_CHECKING:
    import asyncio


def check_open(owner: object, client: httpx.Client | httpx.AsyncClient) -> None:
    if getattr(owner, "_closed", False):
        raise ClientClosedError(
            f"this {type(owner).__name__} is closed (close() or its with block); build a new one"
        )
    if client.is_closed:
        raise ClientClosedError(
            f"the httpx client of this {type(owner).__name__} is closed; build a new one"
        )


def closed_midway(client: httpx.Client | httpx.AsyncClient) -> ClientClosedError | None:
    """The error for a call whose httpx client was closed while it ran (during a retry's
    sleep, from another thread or task, between a download's redirects), else None."""
    if client.is_closed:
        return ClientClosedError(
            "the client was closed while this call was in progress; build a new one"
        )
    return None


def closed_instead(client: httpx.Client | httpx.AsyncClient, exc: Exception) -> None:
    """A transport failure or httpx's RuntimeError after the client was closed is that close,
    not a network failure to retry."""
    closed = closed_midway(client)
    if closed is not None:
        raise closed from exc


def _running_loop() -> asyncio.AbstractEventLoop | None:
    # Not imported at module level: asyncio costs ~8 ms of everyone's `import speechspec`, and
    # no asyncio loop can be running before something has imported it.
    asyncio = sys.modules.get("asyncio")
    if asyncio is None:
        return None
    try:
        return asyncio.get_running_loop()  # type: ignore[no-any-return]
    except RuntimeError:  # another async library (trio): its own rules apply
        return None


class AsyncLifecycle:
    """The async client's part: the httpx client usable in the running loop, and closing."""

    _closed: bool
    _owns_client: bool
    _loop: weakref.ReferenceType[asyncio.AbstractEventLoop] | None
    _client: httpx.AsyncClient

    if TYPE_CHECKING:  # the client base's (not defined here: it comes later in the MRO)

        def _new_client(self) -> httpx.AsyncClient: ...

    def _live_client(self) -> httpx.AsyncClient:
        """The AsyncClient, usable in the running loop (ClientClosedError once closed). A
        copy() uses its original's: a pool replaced for a new loop, or closed, is replaced or
        closed for every copy too."""
        origin = getattr(self, "_origin", None)  # set on copies (see _with_options)
        if isinstance(origin, AsyncLifecycle):
            if self._closed:
                check_open(self, self._client)
            self._client = origin._live_client()
            return self._client
        check_open(self, self._client)
        loop = _running_loop()
        if loop is None:
            return self._client
        previous = self._loop() if self._loop is not None else None
        if previous is not loop:
            if previous is not None and self._owns_client:
                self._client = self._new_client()
            self._loop = weakref.ref(loop)
        return self._client

    async def aclose(self) -> None:
        """Close the owned httpx client (a client passed as http_client is the caller's);
        connections that belong to another (finished) event loop cannot be closed from this
        one and are dropped instead."""
        self._closed = True
        if not self._owns_client:
            return
        previous = self._loop() if self._loop is not None else None
        loop = _running_loop()
        if previous is not None and loop is not None and previous is not loop:
            self._client = self._new_client()  # nothing opened yet: closes cleanly
        with contextlib.suppress(RuntimeError):  # the loop that opened the connections is gone
            await self._client.aclose()


def runtime_error(
    owner: object, client: httpx.Client | httpx.AsyncClient, exc: RuntimeError
) -> ConfigurationError:
    """httpx's (or the caller's transport's) RuntimeError on an open client, as a
    SpeechspecError: for an AsyncClient, its connections used from another event loop; a sync
    client has no loop to blame, so its caller's http_client (transport, hooks) is named. A
    closed client raises ClientClosedError instead."""
    closed_instead(client, exc)
    pipeline = getattr(owner, "_pipeline", None)
    detail = redact(str(exc), getattr(pipeline, "secrets", ()))
    name = type(owner).__name__
    if not isinstance(client, httpx.AsyncClient):
        return ConfigurationError(
            f"the http_client of this {name} raised RuntimeError ({detail}): "
            "check its transport and event hooks"
        )
    return ConfigurationError(
        f"the http_client given to this {name} failed in this event loop "
        f"({detail}): an httpx.AsyncClient's connections belong to the loop that opened them. "
        "Build the http_client in the loop that uses it, or let speechspec own it"
    )
