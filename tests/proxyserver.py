"""A real HTTP proxy on loopback (forwarding for http://, CONNECT tunnels for https://), and a
small origin server (http or https with a trustme certificate), for the proxy tests."""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

WAV = b"RIFF" + b"\x00" * 40


@dataclass
class Seen:
    """What the proxy was asked: request lines, and the Proxy-Authorization headers."""

    lines: list[str] = field(default_factory=list)
    auth: list[str | None] = field(default_factory=list)


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := src.recv(65536):
            dst.sendall(data)
    with contextlib.suppress(OSError):
        dst.shutdown(socket.SHUT_WR)


def _read_head(sock: socket.socket) -> tuple[bytes, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the request head")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


class Proxy:
    """Forwards absolute-form requests (one per connection) and tunnels CONNECT."""

    def __init__(self) -> None:
        self.seen = Seen()
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> Proxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() on Linux
        self._sock.close()
        self._thread.join(timeout=5)

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, client: socket.socket) -> None:
        try:
            head, rest = _read_head(client)
            first, *headers = head.decode("latin-1").split("\r\n")
            method, target, version = first.split(" ", 2)
            auth = None
            kept = []
            for line in headers:
                name, _, value = line.partition(":")
                if name.strip().lower() == "proxy-authorization":
                    auth = value.strip()
                elif name.strip().lower() not in ("connection", "proxy-connection"):
                    kept.append(line)
            self.seen.lines.append(f"{method} {target}")
            self.seen.auth.append(auth)
            if method == "CONNECT":
                host, _, port = target.rpartition(":")
                upstream = socket.create_connection((host.strip("[]"), int(port)))
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            else:
                # http://host:port/path -> /path, sent to host:port, one request per connection.
                rest_of_url = target.split("://", 1)[1]
                hostport, slash, path = rest_of_url.partition("/")
                host, _, port = hostport.rpartition(":")
                upstream = socket.create_connection((host, int(port or 80)))
                lines = [f"{method} {slash}{path} {version}", *kept, "Connection: close", "", ""]
                upstream.sendall("\r\n".join(lines).encode("latin-1") + rest)
                rest = b""
            if rest:
                upstream.sendall(rest)
            back = threading.Thread(target=_pipe, args=(upstream, client), daemon=True)
            back.start()
            _pipe(client, upstream)
            back.join(timeout=30)
        except (OSError, ValueError, ConnectionError):
            pass
        finally:
            client.close()


class _Origin(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Any

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        self.server.paths.append(("POST", self.path))
        body = json.dumps({"audio": {"url": f"{self.server.url}/a.wav"}}).encode()
        self._send(200, body, "application/json")

    def do_GET(self) -> None:
        self.server.paths.append(("GET", self.path))
        self._send(200, WAV, "audio/wav")


@contextlib.contextmanager
def origin(tls: ssl.SSLContext | None = None, host: str = "127.0.0.1") -> Iterator[Any]:
    """A Livepeer-like origin: POST answers an audio URL on itself, GET serves a WAV."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Origin)
    port = server.server_address[1]
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    server.url = f"{'https' if tls else 'http'}://{host}:{port}"  # type: ignore[attr-defined]
    server.paths = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
