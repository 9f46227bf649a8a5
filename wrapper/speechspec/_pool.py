"""The async transport of a client speechspec builds itself, for direct connections: httpx's
own (an httpcore connection pool behind httpx's request and response types), over a network
backend whose streams answer httpcore's idle-connection check from the socket they keep.

Why: before every request and after every response httpcore asks each idle connection of the
pool whether the server closed it (``get_extra_info("is_readable")``). httpcore's anyio
stream looks the socket up through anyio's ``extra_attributes``, which builds a dict and calls
``getpeername()`` each time: ~22% of the event loop's thread in a 1,000-line batch at
concurrency 16 (py-spy), for an answer that needs one ``poll``. httpx takes no network
backend, so the pool is built here, with the same settings httpx would give it; everything
used is httpx's and httpcore's public API. Proxied URLs keep httpx's own transport.

The sync client needs none of this: httpcore's sync stream holds its socket already."""

from __future__ import annotations

import contextlib
import select
import socket
import ssl
import sys
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import Any, cast

import httpcore
import httpx

# httpcore's exceptions as httpx raises them (httpx's own transport maps them the same way;
# the most specific class wins: a ReadTimeout is an httpx.ReadTimeout, not a TimeoutException).
_MAPPED: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)
_POLL = getattr(select, "poll", None) if sys.platform != "win32" else None


@contextlib.contextmanager
def _httpx_errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        for source, target in _MAPPED:  # ordered from the most specific
            if isinstance(exc, source):
                raise target(str(exc)) from exc
        raise


def _readable(sock: socket.socket | None) -> bool:
    """httpcore's test: data (or the end of the stream) is waiting; a socket that is gone
    counts as readable, so the connection is dropped."""
    fd = -1 if sock is None else sock.fileno()
    if fd < 0:
        return True
    if _POLL is None:
        ready, _, _ = select.select([fd], [], [], 0)
        return bool(ready)
    poller = _POLL()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


class _Stream(httpcore.AsyncNetworkStream):
    """httpcore's anyio stream, with its socket looked up once (see the module's docstring)."""

    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream
        self._socket: socket.socket | None = stream.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._stream.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._stream.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return _readable(self._socket)
        if info == "socket":
            return self._socket
        return self._stream.get_extra_info(info)


class _Backend(httpcore.AsyncNetworkBackend):
    def __init__(self) -> None:
        self._backend = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._backend.connect_tcp(host, port, timeout, local_address, socket_options)
        return _Stream(stream)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._backend.connect_unix_socket(path, timeout, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, stream: AsyncIterable[bytes]) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _httpx_errors():
            async for part in self._stream:
                yield part

    async def aclose(self) -> None:
        close = getattr(self._stream, "aclose", None)
        if close is not None:
            with _httpx_errors():
                await close()


class AsyncPoolTransport(httpx.AsyncBaseTransport):
    """What ``httpx.AsyncHTTPTransport(verify=ssl_context, limits=limits,
    socket_options=socket_options)`` is for a direct connection (HTTP/1.1, no retries)."""

    def __init__(
        self,
        ssl_context: ssl.SSLContext,
        limits: httpx.Limits,
        socket_options: Iterable[httpcore.SOCKET_OPTION],
    ) -> None:
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            socket_options=socket_options,
            network_backend=_Backend(),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _httpx_errors():
            answer = await self._pool.handle_async_request(core_request)
        return httpx.Response(
            status_code=answer.status,
            headers=answer.headers,
            stream=_ResponseStream(cast(AsyncIterable[bytes], answer.stream)),  # an async pool's
            extensions=answer.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()
