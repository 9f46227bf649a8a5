"""The ``speechspec emulator`` command: both vendors' APIs served on loopback (the emulator
extra), with the base URLs and keys printed for people and scripts."""

from __future__ import annotations

import argparse
import errno
import os
import secrets
from typing import Any

from .errors import ConfigurationError


def tcp_port(value: str) -> int:
    """A TCP port (0: any free one); argparse turns the ValueError into a usage error."""
    port = int(value)
    if not 0 <= port <= 65535:
        raise ValueError(value)
    return port


def add_parser(sub: Any) -> argparse.ArgumentParser:
    emulator: argparse.ArgumentParser = sub.add_parser(
        "emulator", help="serve the local emulator of both APIs"
    )
    emulator.add_argument("--host", default="127.0.0.1")
    emulator.add_argument("--port", type=tcp_port, default=8000, help="8000; 0 picks a free port")
    emulator.add_argument(
        "--hamsa-key", help="accepted Hamsa key (default: $HAMSA_API_KEY or random)"
    )
    emulator.add_argument(
        "--livepeer-token", help="accepted Livepeer token (default: $LIVEPEER_API_TOKEN or random)"
    )
    emulator.add_argument(
        "--job-delay", type=float, default=1.0, help="seconds until a job completes"
    )
    emulator.add_argument("--data-urls", action="store_true", help="Livepeer answers data: URLs")
    emulator.add_argument(
        "--livepeer-mode",
        choices=("gateway", "runner"),
        default="gateway",
        help="emulate a go-livepeer gateway (default) or an ai-runner",
    )
    emulator.add_argument(
        "--livepeer-model",
        default="parler-tts/parler-tts-large-v1",
        help="the one model an emulated ai-runner serves (others: 400)",
    )
    emulator.add_argument("--base-url", help=argparse.SUPPRESS)
    return emulator


def command(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from .emulator import create_app
        from .emulator._server import KEEP_ALIVE, bind_socket
    except ImportError:
        raise ConfigurationError(
            "the emulator needs its extra: pip install 'speechspec[emulator]'"
        ) from None
    hamsa_key = args.hamsa_key or os.environ.get("HAMSA_API_KEY") or f"hk-{secrets.token_hex(8)}"
    token = (
        args.livepeer_token or os.environ.get("LIVEPEER_API_TOKEN") or f"lp-{secrets.token_hex(8)}"
    )
    app = create_app(
        hamsa_key=hamsa_key,
        livepeer_token=token,
        job_delay=args.job_delay,
        livepeer_data_urls=args.data_urls,
        livepeer_mode=args.livepeer_mode,
        livepeer_model=args.livepeer_model,
    )
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise ConfigurationError(
                f"the emulator cannot listen on {args.host}:{args.port} "
                f"({exc.strerror or exc}): check --host, or pick another --port"
            ) from None
        raise ConfigurationError(
            f"port {args.port} on {args.host} is already in use (another emulator?): "
            "pick another with --port N, or --port 0 for any free port"
        ) from None
    port = sock.getsockname()[1]
    host = f"[{args.host}]" if ":" in args.host else args.host
    # Printed for people and for scripts (the demo reads these lines).
    print(f"HAMSA_BASE_URL=http://{host}:{port}", flush=True)
    print(f"LIVEPEER_BASE_URL=http://{host}:{port}/livepeer", flush=True)
    print(f"HAMSA_API_KEY={hamsa_key}", flush=True)
    print(f"LIVEPEER_API_TOKEN={token}", flush=True)
    config = uvicorn.Config(app, log_level="warning", lifespan="off", timeout_keep_alive=KEEP_ALIVE)
    uvicorn.Server(config).run(sockets=[sock])
    return 0
