"""A raw-socket HTTP server on loopback that misbehaves on purpose (what ASGI cannot do:
resets, silence, truncated bodies, non-standard status lines, trickles)."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self


@dataclass
class Conn:
    """One accepted connection, handed to a behaviour."""

    sock: socket.socket
    attempt: int  # 1-based count of requests the server has read so far (this one included)
    request: bytes = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def reset(self) -> None:
        """Close with RST instead of FIN."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()

    def respond(
        self, status: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> None:
        head = {
            "Content-Type": "application/json",
            "Content-Length": str(len(body)),
            **(headers or {}),
        }
        lines = [
            f"HTTP/1.1 {status}",
            *(f"{k}: {v}" for k, v in head.items()),
            "Connection: close",
            "",
            "",
        ]
        self.send("\r\n".join(lines).encode("latin-1") + body)


Behaviour = Callable[[Conn], None]


@dataclass
class RawServer:
    """Reads each request fully (unless ``read_request`` is False), then runs ``behaviour``.
    ``peek_request`` (with read_request False) waits until the whole request has arrived but
    leaves it unread: the client has finished connecting and sending, whatever the timing."""

    behaviour: Behaviour
    read_request: bool = True
    peek_request: bool = False
    requests: list[bytes] = field(default_factory=list)
    connections: int = 0

    def __post_init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        self._sock.settimeout(0.05)
        while not self._stop.is_set():
            try:
                client, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, client: socket.socket) -> None:
        with self._lock:
            self.connections += 1
        request = b""
        if self.read_request:
            request = self._read(client)
            if request is None:
                client.close()
                return
            with self._lock:
                self.requests.append(request)
        elif self.peek_request and not self._peek(client):
            client.close()
            return
        conn = Conn(client, len(self.requests), request or b"")
        try:
            self.behaviour(conn)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                client.close()

    @staticmethod
    def _peek(client: socket.socket) -> bool:
        """Wait (up to 5 s) until a whole request sits unread in the receive buffer."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                data = client.recv(1 << 20, socket.MSG_PEEK | socket.MSG_DONTWAIT)
            except BlockingIOError:
                data = b""
            except OSError:
                return False
            head, sep, body = data.partition(b"\r\n\r\n")
            if sep:
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                if len(body) >= length:
                    return True
            threading.Event().wait(0.001)
        return False

    @staticmethod
    def _read(client: socket.socket) -> bytes | None:
        client.settimeout(5)
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                chunk = client.recv(65536)
                if not chunk:
                    return None
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            while len(body) < length:
                chunk = client.recv(65536)
                if not chunk:
                    return None
                body += chunk
        except OSError:
            return None
        return head + b"\r\n\r\n" + body

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._sock.close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, a: type[BaseException] | None, b: BaseException | None, c: TracebackType | None
    ) -> None:
        self.stop()


def closed_port() -> int:
    """A loopback port with nothing listening (connection refused)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port: int = s.getsockname()[1]
    s.close()
    return port


class BlackholeListener:
    """A listener whose accept queue is full and never drained: new connects hang (SYNs are
    dropped), so clients hit their connect timeout - on loopback, with no outside address."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(0)
        self.port = self.sock.getsockname()[1]
        self.fillers: list[socket.socket] = []
        for _ in range(4):
            s = socket.socket()
            s.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                s.connect(("127.0.0.1", self.port))
            self.fillers.append(s)
        time.sleep(0.05)

    def close(self) -> None:
        for s in self.fillers:
            s.close()
        self.sock.close()
