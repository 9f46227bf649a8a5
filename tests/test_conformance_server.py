"""(c) A server behaves as the spec says: schemathesis against the emulator, on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from conformance import run_against
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup
from speechspec.emulator import EmulatorServer
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def auth_for(server: EmulatorServer, vendor: str) -> dict[str, str]:
    if vendor == "hamsa":
        return {"Authorization": f"Token {server.hamsa_key}"}
    return {"Authorization": f"Bearer {server.livepeer_token}"}


def base_for(server: EmulatorServer, vendor: str) -> str:
    return server.hamsa_base_url if vendor == "hamsa" else server.livepeer_base_url


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(job_delay=0.0, use_espeak=False) as srv:
        yield srv


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize("vendor", ["hamsa", "livepeer"])
def test_emulator_passes_every_default_check(
    server: EmulatorServer, vendor: str, mode: GenerationMode
) -> None:
    server.clear_requests()
    sent = run_against(
        base_for(server, vendor), vendor, auth_for(server, vendor), mode=mode, max_examples=60
    )
    received = server.requests()
    assert sent >= 10
    # Checks such as ignored_auth send extra requests: the emulator saw at least every case.
    assert len(received) >= sent
    statuses = {r["status"] for r in received}
    assert statuses <= {200, 400, 401, 404, 422}, statuses
    if mode == GenerationMode.POSITIVE:
        assert 200 in statuses
    else:
        assert statuses & {400, 422}


# --- deliberately broken variants: the suite must catch them --------------------------------


def accept_any_token(app: ASGIApp, server_ref: list[EmulatorServer]) -> ASGIApp:
    """Rewrites every Authorization header to the right one: auth is effectively ignored."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            srv = server_ref[0]
            right = (
                f"Bearer {srv.livepeer_token}"
                if scope["path"].startswith("/livepeer")
                else f"Token {srv.hamsa_key}"
            )
            headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"authorization"]
            scope = {**scope, "headers": [*headers, (b"authorization", right.encode())]}
        await app(scope, receive, send)

    return wrapped


def corrupt_success_bodies(app: ASGIApp) -> ASGIApp:
    """Answers 200 bodies that break the response schema."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            if start["status"] == 200 and body.startswith(b"{"):
                data = json.loads(body)
                if "audio" in data:
                    data["audio"] = {"link": "nope"}  # required url missing
                if isinstance(data.get("data"), dict):
                    data["data"]["status"] = 42  # wrong type and not in the enum
                body = json.dumps(data).encode()
            headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await app(scope, receive, capture if scope["type"] == "http" else send)

    return wrapped


@pytest.mark.parametrize("vendor", ["hamsa", "livepeer"])
def test_a_server_that_accepts_any_token_fails_the_run(vendor: str) -> None:
    ref: list[EmulatorServer] = []
    with EmulatorServer(
        job_delay=0.0, use_espeak=False, wrap=lambda app: accept_any_token(app, ref)
    ) as srv:
        ref.append(srv)
        with pytest.raises(FailureGroup) as info:
            run_against(base_for(srv, vendor), vendor, auth_for(srv, vendor), max_examples=20)
    assert "auth" in str(info.value).lower()


@pytest.mark.parametrize("vendor", ["hamsa", "livepeer"])
def test_a_server_answering_schema_invalid_bodies_fails_the_run(vendor: str) -> None:
    with (
        EmulatorServer(job_delay=0.0, use_espeak=False, wrap=corrupt_success_bodies) as srv,
        pytest.raises(FailureGroup) as info,
    ):
        run_against(base_for(srv, vendor), vendor, auth_for(srv, vendor), max_examples=20)
    assert "schema" in str(info.value).lower()
