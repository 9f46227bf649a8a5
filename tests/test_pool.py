"""The async transport speechspec builds for direct connections (speechspec._pool): httpx's
pool with a cheaper idle-connection check. Each behaviour is held against httpx's own
AsyncHTTPTransport on the same real loopback server: same connections, same exceptions."""

from __future__ import annotations

import asyncio
import select
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpcore
import httpx
import pytest
from rawserver import Conn, RawServer, closed_port
from speechspec._pool import AsyncPoolTransport, _Stream
from speechspec._transport import _LIMITS, _SOCKET_OPTIONS, new_client

TRANSPORTS: dict[str, Callable[[], httpx.AsyncBaseTransport]] = {
    "speechspec": lambda: AsyncPoolTransport(
        ssl.create_default_context(), _LIMITS, _SOCKET_OPTIONS
    ),
    "httpx": lambda: httpx.AsyncHTTPTransport(limits=_LIMITS, socket_options=_SOCKET_OPTIONS),
}
OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


class KeepAliveServer:
    """Answers every request of a connection with a kept-alive 200; the first connection is
    closed by the server right after its first answer (an idle keep-alive the server drops)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/"
        self.connections = 0
        self.requests = 0
        self._lock = threading.Lock()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                first = self.connections == 1
            threading.Thread(target=self._handle, args=(conn, first), daemon=True).start()

    def _handle(self, conn: socket.socket, drop_after_one: bool) -> None:
        with conn:
            data = b""
            while True:
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                _, _, data = data.partition(b"\r\n\r\n")
                with self._lock:
                    self.requests += 1
                conn.sendall(OK)
                if drop_after_one:
                    return

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def keepalive() -> Iterator[KeepAliveServer]:
    server = KeepAliveServer()
    yield server
    server.close()


@pytest.mark.parametrize("name", TRANSPORTS)
def test_a_live_idle_connection_is_reused_and_one_the_server_closed_is_not(
    keepalive: KeepAliveServer, name: str
) -> None:
    async def scenario() -> None:
        async with httpx.AsyncClient(transport=TRANSPORTS[name]()) as client:
            first = await client.get(keepalive.url)
            # Wait (on the client's own socket) until the server's FIN has arrived: the idle
            # connection is now readable, and must not be used again. (The pool may have seen
            # the FIN already when the first response closed, and closed the socket.)
            sock = first.extensions["network_stream"].get_extra_info("socket")
            if sock.fileno() >= 0:
                assert select.select([sock], [], [], 5)[0]
            for _ in range(3):
                assert (await client.get(keepalive.url)).json() == {}

    asyncio.run(scenario())
    # One connection for the first request; one more, kept alive, for the next three.
    assert (keepalive.connections, keepalive.requests) == (2, 4)


def _silent(conn: Conn) -> None:
    conn.sock.recv(1)  # nothing more comes: wait for the client to give up


def _garbage(conn: Conn) -> None:
    conn.send(b"NOT HTTP AT ALL\r\n\r\n")


def _short_body(conn: Conn) -> None:
    conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")


async def _failure(name: str, url: str) -> BaseException:
    transport = TRANSPORTS[name]()
    async with httpx.AsyncClient(transport=transport, timeout=0.5) as client:
        try:
            async with client.stream("GET", url) as response:
                await response.aread()
        except Exception as exc:  # what is raised is the point
            return exc
    raise AssertionError("no exception")


@pytest.mark.parametrize(
    ("behaviour", "expected"),
    [
        (_silent, httpx.ReadTimeout),
        (_garbage, httpx.RemoteProtocolError),
        (_short_body, httpx.RemoteProtocolError),  # raised while the body is read
        (None, httpx.ConnectError),
    ],
    ids=["silent", "garbage", "short-body", "refused"],
)
def test_failures_are_httpx_exceptions_as_httpx_raises_them(
    behaviour: Callable[[Conn], None] | None, expected: type[Exception]
) -> None:
    def both(url: str) -> list[BaseException]:
        return [asyncio.run(_failure(name, url)) for name in TRANSPORTS]

    if behaviour is None:
        ours, theirs = both(f"http://127.0.0.1:{closed_port()}/")
    else:
        with RawServer(behaviour) as server:
            ours, theirs = both(server.url + "/")
    assert type(ours) is type(theirs) is expected
    assert str(ours) == str(theirs)
    # Raised from httpcore's own exception, as httpx's transport does.
    core = httpcore.NetworkError | httpcore.TimeoutException | httpcore.ProtocolError
    assert isinstance(ours.__cause__, core)


class _Counting(httpcore.AsyncNetworkStream):
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.asked: list[str] = []

    def get_extra_info(self, info: str) -> Any:
        self.asked.append(info)
        return self.sock if info == "socket" else "inner"


def test_the_idle_check_polls_the_socket_it_kept() -> None:
    a, b = socket.socketpair()
    with a, b:
        inner = _Counting(a)
        stream = _Stream(inner)
        assert [stream.get_extra_info("is_readable") for _ in range(100)] == [False] * 100
        b.sendall(b"x")  # data (or a FIN) waiting: the connection is not reusable
        assert stream.get_extra_info("is_readable") is True
        assert stream.get_extra_info("server_addr") == "inner"  # anything else: the inner's
        assert inner.asked == ["socket", "server_addr"]
    assert stream.get_extra_info("is_readable") is True  # a closed socket: drop it


def test_the_async_client_speechspec_builds_uses_it_for_direct_urls(
    keepalive: KeepAliveServer,
) -> None:
    async def stream_of_a_request() -> Any:
        async with new_client(httpx.AsyncClient, "ua", httpx.Timeout(5)) as client:
            return (await client.get(keepalive.url)).extensions["network_stream"]

    assert isinstance(asyncio.run(stream_of_a_request()), _Stream)
    with new_client(httpx.Client, "ua", httpx.Timeout(5)) as sync_client:  # needs none of it
        stream = sync_client.get(keepalive.url).extensions["network_stream"]
        assert isinstance(stream, httpcore.NetworkStream)
        assert not isinstance(stream, _Stream)
