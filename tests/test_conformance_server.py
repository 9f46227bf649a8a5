"""(c) A server behaves as the spec says: schemathesis against the emulator, on loopback."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from conformance import run_against
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance
from speechspec.emulator import EmulatorServer
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def auth_for(server: EmulatorServer, vendor: str) -> dict[str, str]:
    if vendor == "hamsa":
        return {"Authorization": f"Token {server.hamsa_key}"}
    return {"Authorization": f"Bearer {server.livepeer_token}"}


def base_for(server: EmulatorServer, vendor: str) -> str:
    return server.hamsa_base_url if vendor == "hamsa" else server.livepeer_base_url


class _LazyServers(dict[str, EmulatorServer]):
    """One emulator per Livepeer mode, started when first asked for."""

    def __missing__(self, mode: str) -> EmulatorServer:
        srv = self[mode] = EmulatorServer(job_delay=0.0, use_espeak=False, livepeer_mode=mode)
        return srv.start()


@pytest.fixture(scope="module")
def servers() -> Iterator[_LazyServers]:
    lazy = _LazyServers()
    yield lazy
    for srv in lazy.values():
        srv.stop()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize(
    ("vendor", "livepeer_mode"),
    [("hamsa", "gateway"), ("livepeer", "gateway"), ("livepeer", "runner")],
    ids=["hamsa", "livepeer-gateway", "livepeer-runner"],
)
def test_emulator_passes_every_default_check(
    servers: _LazyServers, vendor: str, livepeer_mode: str, mode: GenerationMode
) -> None:
    server = servers[livepeer_mode]
    server.clear_requests()
    excluded, additional = adjusted_checks(vendor, server.livepeer_mode)
    sent = run_against(
        base_for(server, vendor),
        vendor,
        auth_for(server, vendor),
        mode=mode,
        max_examples=60,
        excluded_checks=excluded,
        additional_checks=additional,
    )
    received = server.requests()
    assert sent >= 10
    # Checks such as ignored_auth send extra requests: the emulator saw at least every case.
    assert len(received) >= sent
    statuses = {r["status"] for r in received}
    allowed = {200, 400, 401, 404, 422}
    if vendor == "livepeer" and server.livepeer_mode == "gateway":
        allowed = {200, 400, 401, 503}  # a gateway never answers 422
    assert statuses <= allowed, statuses
    if mode == GenerationMode.POSITIVE:
        assert 200 in statuses
    else:
        assert statuses & {400, 422}


def documented_503_only(ctx: Any, response: Any, case: Any) -> None:
    """not_a_server_error, but for the gateway's documented 503: no orchestrator serves the
    model "" (go-livepeer server/ai_process.go), which a negative case sends."""
    if response.status_code >= 500 and response.status_code != 503:
        raise AssertionError(f"server error {response.status_code}: {response.text[:200]}")


def runner_negative_data_rejection(ctx: Any, response: Any, case: Any) -> Any:
    """negative_data_rejection, but a runner accepts model_id "": it is its own default (the
    pipeline's model, ai-runner routes/text_to_speech.py); minLength 1 is the gateway's rule."""
    if (
        isinstance(case.body, dict)
        and case.body.get("model_id") == ""
        and response.status_code == 200
    ):
        return None
    return negative_data_rejection(ctx, response, case)


RUNNER_MODEL = "parler-tts/parler-tts-large-v1"


def runner_positive_data_acceptance(ctx: Any, response: Any, case: Any) -> Any:
    """positive_data_acceptance, but a runner serves one model: a schema-valid model_id other
    than "" and its own is refused with the documented 400 "pipeline configured with <model>
    but called with <model_id>" (ai-runner runner/src/runner/routes/text_to_speech.py; the
    overlay's runner-other-model example). Only that exact answer is let through."""
    model_id = case.body.get("model_id", "") if isinstance(case.body, dict) else ""
    if (
        model_id not in ("", RUNNER_MODEL)
        and response.status_code == 400
        and response.json()
        == {
            "detail": {"msg": f"pipeline configured with {RUNNER_MODEL} but called with {model_id}"}
        }
    ):
        return None
    return positive_data_acceptance(ctx, response, case)


def gateway_negative_data_rejection(ctx: Any, response: Any, case: Any) -> Any:
    """negative_data_rejection, but a gateway decodes a JSON null as "absent": Go's encoding/json
    leaves the field at its zero value ("unmarshaling a JSON null into any other Go type has no
    effect"), so go-livepeer server/ai_mediaserver.go's decoder accepts `"description": null`
    where the spec says string. Only a 200 to a body holding a null is let through."""
    if isinstance(case.body, dict) and None in case.body.values() and response.status_code == 200:
        return None
    return negative_data_rejection(ctx, response, case)


def adjusted_checks(vendor: str, livepeer_mode: str) -> tuple[list[Any], list[Any]]:
    """(excluded, additional) checks: what a real server of this kind is known to answer."""
    if vendor != "livepeer":
        return [], []
    if livepeer_mode == "gateway":
        return (
            [not_a_server_error, negative_data_rejection],
            [documented_503_only, gateway_negative_data_rejection],
        )
    return (
        [negative_data_rejection, positive_data_acceptance],
        [runner_negative_data_rejection, runner_positive_data_acceptance],
    )


def test_the_adjusted_checks_still_catch_what_they_replace() -> None:
    """The replacements fail where the checks they stand in for would."""

    class Answer:
        def __init__(self, status: int) -> None:
            self.status_code = status
            self.text = "x"

    with pytest.raises(AssertionError):
        documented_503_only(None, Answer(500), None)
    documented_503_only(None, Answer(503), None)

    class Case:
        def __init__(self) -> None:
            self.body = {"text": "hi", "description": None}

    assert gateway_negative_data_rejection(None, Answer(200), Case()) is None


def test_the_runner_model_check_hands_everything_else_to_schemathesis(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another 400 to a foreign model, or the model 400 to the runner's own model, goes to
    positive_data_acceptance unexcused."""
    handed: list[Any] = []
    monkeypatch.setattr(
        sys.modules[__name__], "positive_data_acceptance", lambda c, r, k: handed.append(r)
    )

    class Answer:
        status_code = 400

        def __init__(self, body: Any) -> None:
            self.body = body

        def json(self) -> Any:
            return self.body

    class Case:
        def __init__(self, model_id: str) -> None:
            self.body = {"text": "hi", "model_id": model_id}

    def refusal(model_id: str) -> Answer:
        msg = f"pipeline configured with {RUNNER_MODEL} but called with {model_id}"
        return Answer({"detail": {"msg": msg}})

    assert runner_positive_data_acceptance(None, refusal("a/b"), Case("a/b")) is None
    assert handed == []
    unexcused = [
        (refusal("x"), Case("a/b")),
        (Answer({"detail": {"msg": "Text input must be provided."}}), Case("a/b")),
        (refusal(RUNNER_MODEL), Case(RUNNER_MODEL)),
    ]
    for answer, case in unexcused:
        runner_positive_data_acceptance(None, answer, case)
    assert handed == [answer for answer, _ in unexcused]


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
