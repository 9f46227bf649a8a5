"""Emulators made to drift, for the contract command's tests: ASGI middleware around
``speechspec.emulator.create_app`` (via ``EmulatorServer(wrap=...)``) that changes what the
Livepeer routes answer, each in one way a real endpoint has been seen to differ from its spec."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

ASGIApp = Callable[..., Any]
LIVEPEER_TTS = "/livepeer/text-to-speech"


def _rewrite(
    app: ASGIApp,
    change: Callable[[int, dict[str, Any], list[tuple[bytes, bytes]]], tuple[int, Any]],
) -> ASGIApp:
    """Buffer each answer of the Livepeer TTS route and let ``change(status, body, headers)``
    return a new status and body (headers may be edited in place)."""

    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != LIVEPEER_TTS:
            await app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    headers = [
                        (k, v)
                        for k, v in start.get("headers", [])
                        if k.lower() != b"content-length"
                    ]
                    try:
                        body = json.loads(b"".join(chunks))
                    except ValueError:
                        body = None
                    status, body = change(start["status"], body, headers)
                    data = body if isinstance(body, bytes) else json.dumps(body).encode()
                    headers.append((b"content-length", str(len(data)).encode()))
                    await send(
                        {"type": "http.response.start", "status": status, "headers": headers}
                    )
                    await send({"type": "http.response.body", "body": data})

        await app(scope, receive, capture)

    return wrapped


def extra_field(app: ASGIApp) -> ASGIApp:
    """A 200 answer with a member the AudioResponse schema does not name."""

    def change(status: int, body: Any, headers: list[tuple[bytes, bytes]]) -> tuple[int, Any]:
        if status == 200 and isinstance(body, dict):
            body = {**body, "request_id": "req-1234"}
        return status, body

    return _rewrite(app, change)


def request_id_header(app: ASGIApp) -> ASGIApp:
    """Every answer carries an X-Request-Id header no response documents."""

    def change(status: int, body: Any, headers: list[tuple[bytes, bytes]]) -> tuple[int, Any]:
        headers.append((b"x-request-id", b"req-5678"))
        return status, body

    return _rewrite(app, change)


def new_status(app: ASGIApp) -> ASGIApp:
    """A refused credential answered 403 (the document lists 401 only)."""

    def change(status: int, body: Any, headers: list[tuple[bytes, bytes]]) -> tuple[int, Any]:
        return (403 if status == 401 else status), body

    return _rewrite(app, change)


def other_error_shape(app: ASGIApp) -> ASGIApp:
    """400 answers as ``{"message", "code"}``: none of the documented error shapes."""

    def change(status: int, body: Any, headers: list[tuple[bytes, bytes]]) -> tuple[int, Any]:
        if status == 400 and isinstance(body, dict) and "error" in body:
            return status, {"message": body["error"]["message"], "code": 400}
        return status, body

    return _rewrite(app, change)


def html_error_page(app: ASGIApp) -> ASGIApp:
    """400 answers as a proxy's HTML page, a media type no response lists."""

    def change(status: int, body: Any, headers: list[tuple[bytes, bytes]]) -> tuple[int, Any]:
        if status != 400:
            return status, body
        headers[:] = [(k, v) for k, v in headers if k.lower() != b"content-type"]
        headers.append((b"content-type", b"text/html; charset=utf-8"))
        return status, b"<html><body><h1>400 Bad Request</h1></body></html>"

    return _rewrite(app, change)


def auth_ignored(token: str) -> Callable[[ASGIApp], ASGIApp]:
    """Every request is let through as if it carried the right token."""

    def wrap(app: ASGIApp) -> ASGIApp:
        async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] == "http" and scope["path"] == LIVEPEER_TTS:
                headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"authorization"]
                headers.append((b"authorization", f"Bearer {token}".encode()))
                scope = {**scope, "headers": headers}
            await app(scope, receive, send)

        return wrapped

    return wrap
