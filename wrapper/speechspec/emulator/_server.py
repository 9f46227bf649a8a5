"""Run the emulator under uvicorn on loopback, in a background thread (tests, demo, bench)."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

import uvicorn
from starlette.types import ASGIApp

from ._app import EmulatorState, create_app

# Idle keep-alive connections are kept longer than httpx keeps them (5 s): with uvicorn's
# default of 5 s too, a client could reuse a connection the server was closing that instant,
# and a billed POST on it fails as "may have been processed". Gateways keep them far longer.
KEEP_ALIVE = 65


def bind_socket(host: str, port: int) -> socket.socket:
    """A bound, listening TCP socket for uvicorn (port 0: a free one)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit it: without, each answer waits on the client's delayed ACK.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    # Listening from here on: a client told the address (the CLI prints it before uvicorn has
    # started) waits in the backlog instead of being refused. uvicorn listens again, harmlessly.
    sock.listen(2048)
    return sock


class EmulatorServer:
    """A running emulator on ``host`` (port 0: a free port), stopped on ``stop()`` / exit."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        wrap: Callable[[ASGIApp], ASGIApp] | None = None,
        **options: Any,
    ) -> None:
        self.host = host
        self._requested_port = port
        app = create_app(**options)
        self.state: EmulatorState = app.state  # type: ignore[attr-defined]
        # ``wrap`` puts middleware around the app (tests build deliberately broken variants).
        self.app = wrap(app) if wrap is not None else app
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = port

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def hamsa_base_url(self) -> str:
        return self.base_url

    @property
    def livepeer_base_url(self) -> str:
        return f"{self.base_url}/livepeer"

    @property
    def hamsa_key(self) -> str:
        return self.state.hamsa_key

    @property
    def livepeer_token(self) -> str | None:
        return self.state.livepeer_token

    @property
    def livepeer_mode(self) -> str:
        """``"gateway"`` (the default) or ``"runner"`` (``EmulatorServer(livepeer_mode=...)``)."""
        return self.state.livepeer_mode

    def requests(self) -> list[dict[str, Any]]:
        """What the emulator received, over real HTTP, as ``GET /__emulator__/requests``."""
        with urllib.request.urlopen(f"{self.base_url}/__emulator__/requests", timeout=10) as r:  # noqa: S310
            data: list[dict[str, Any]] = json.loads(r.read())
        return data

    def clear_requests(self) -> None:
        self.state.requests.clear()

    def start(self) -> Self:
        sock = bind_socket(self.host, self._requested_port)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            lifespan="off",
            access_log=False,
            timeout_graceful_shutdown=2,
            timeout_keep_alive=KEEP_ALIVE,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [sock]},
            name="speechspec-emulator",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the emulator did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
