"""A client's life: refusing calls once closed, and async clients moving between event loops.

An ``httpx.AsyncClient``'s pooled connections belong to the event loop that opened them; used
from another loop (a second ``asyncio.run``), they fail with ``RuntimeError: Event loop is
closed``. A client that owns its httpx client starts a fresh one in the new loop (the old
loop's connections cannot be closed from here and are dropped); a client given its
``http_client`` cannot replace it, and says so with a ConfigurationError."""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from typing import Any, Protocol

import httpx

from ._pipeline import Call
from ._send import AsyncSender, SyncSender
from .errors import ClientClosedError, ConfigurationError


class _Owner(Protocol):
    _closed: bool
    _owns_client: bool
    _loop: weakref.ReferenceType[asyncio.AbstractEventLoop] | None
    _client: Any

    def _new_client(self) -> Any: ...


def check_open(owner: Any, client: httpx.Client | httpx.AsyncClient) -> None:
    if getattr(owner, "_closed", False):
        raise ClientClosedError(
            f"this {type(owner).__name__} is closed (close() or its with block); build a new one"
        )
    if client.is_closed:
        raise ClientClosedError(
            f"the httpx client of this {type(owner).__name__} is closed; build a new one"
        )


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:  # another async library (trio): its own rules apply
        return None


def live_async_client(owner: _Owner) -> httpx.AsyncClient:
    """The owner's AsyncClient, usable in the running loop (ClientClosedError once closed).
    A with_options() copy uses its original's: a pool replaced for a new loop, or closed,
    is replaced or closed for every copy too."""
    origin = getattr(owner, "_origin", None)
    if origin is not None:
        if owner._closed:
            check_open(owner, owner._client)
        owner._client = live_async_client(origin)
        return owner._client  # type: ignore[no-any-return]
    check_open(owner, owner._client)
    loop = _running_loop()
    if loop is None:
        return owner._client  # type: ignore[no-any-return]
    previous = owner._loop() if owner._loop is not None else None
    if previous is not loop:
        if previous is not None and owner._owns_client:
            owner._client = owner._new_client()
        owner._loop = weakref.ref(loop)
    return owner._client  # type: ignore[no-any-return]


async def close_async(owner: _Owner) -> None:
    """Close the owned AsyncClient; connections that belong to another (finished) event loop
    cannot be closed from this one and are dropped instead."""
    owner._closed = True
    if not owner._owns_client:
        return
    previous = owner._loop() if owner._loop is not None else None
    loop = _running_loop()
    if previous is not None and loop is not None and previous is not loop:
        owner._client = owner._new_client()  # nothing opened yet: closes cleanly
    with contextlib.suppress(RuntimeError):  # the loop that opened the connections is gone
        await owner._client.aclose()


def loop_error(owner: Any, exc: RuntimeError) -> ConfigurationError:
    return ConfigurationError(
        f"the http_client given to this {type(owner).__name__} failed in this event loop "
        f"({exc}): an httpx.AsyncClient's connections belong to the loop that opened them. "
        "Build the http_client in the loop that uses it, or let speechspec own it"
    )


class GuardedSyncSender(SyncSender):
    """SyncSender that refuses to send once its client is closed."""

    def __init__(self, pipeline: Any, client: httpx.Client, owner: Any) -> None:
        super().__init__(pipeline, client)
        self.owner = owner

    def send(self, call: Call) -> httpx.Response:
        check_open(self.owner, self.client)
        return super().send(call)

    def ensure_open(self) -> None:
        check_open(self.owner, self.client)


class GuardedAsyncSender(AsyncSender):
    """AsyncSender that refuses to send once closed and follows its owner across loops."""

    def __init__(self, pipeline: Any, client: httpx.AsyncClient, owner: Any) -> None:
        super().__init__(pipeline, client)
        self.owner = owner

    def ensure_open(self) -> None:
        check_open(self.owner, self.client)

    async def send(self, call: Call) -> httpx.Response:
        self.client = live_async_client(self.owner)
        try:
            return await super().send(call)
        except RuntimeError as exc:
            raise loop_error(self.owner, exc) from exc
