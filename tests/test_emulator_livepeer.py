"""The Livepeer emulator in both modes: a go-livepeer gateway (the default, what users call) and
an ai-runner, each with the exact bodies and statuses of the vendor's public source, and the
gateway's relative audio path end to end through the wrapper."""

from __future__ import annotations

import base64
import io
import re
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import speechspec
from speechspec import errors
from speechspec.emulator import EmulatorServer

EMPTY_TEXT = b'{"model_id": "m", "text": ""}'

# (body, status, exact JSON answer) of a gateway: go-livepeer server/ai_mediaserver.go,
# server/ai_process.go, server/handlers.go, server/utils.go (Go's encoding/json messages).
GATEWAY = [
    (b"", 400, {"error": {"message": "EOF"}}),
    (b"   ", 400, {"error": {"message": "EOF"}}),
    (
        b"not json",
        400,
        {"error": {"message": "invalid character 'o' in literal null (expecting 'u')"}},
    ),
    (
        b"<html>",
        400,
        {"error": {"message": "invalid character '<' looking for beginning of value"}},
    ),
    (b'{"text": "hi"', 400, {"error": {"message": "unexpected EOF"}}),
    (b'{"text" "hi"}', 400, {"error": {"message": "invalid character '\"' after object key"}}),
    (
        b'{"text": "hi",}',
        400,
        {"error": {"message": "invalid character '}' looking for beginning of object key string"}},
    ),
    (
        b'{"text": 1.}',
        400,
        {"error": {"message": "invalid character '}' after decimal point in numeric literal"}},
    ),
    (
        b'{"text": "a\x01"}',
        400,
        {"error": {"message": "invalid character '\\x01' in string literal"}},
    ),
    (
        b'{"text": 5}',
        400,
        {
            "error": {
                "message": "json: cannot unmarshal number into Go struct field TextToSpeechParams.text of type string"
            }
        },
    ),
    (
        b'{"text": "hi", "model_id": ["m"]}',
        400,
        {
            "error": {
                "message": "json: cannot unmarshal array into Go struct field TextToSpeechParams.model_id of type string"
            }
        },
    ),
    (
        b'{"text": true}',
        400,
        {
            "error": {
                "message": "json: cannot unmarshal bool into Go struct field TextToSpeechParams.text of type string"
            }
        },
    ),
    (
        b"[]",
        400,
        {
            "error": {
                "message": "json: cannot unmarshal array into Go value of type worker.TextToSpeechParams"
            }
        },
    ),
    (
        b'"hi"',
        400,
        {
            "error": {
                "message": "json: cannot unmarshal string into Go value of type worker.TextToSpeechParams"
            }
        },
    ),
    (b"null", 400, {"error": {"message": "text field is required"}}),
    (b'{"model_id": "m"}', 400, {"error": {"message": "text field is required"}}),
    (b'{"model_id": "m", "text": null}', 400, {"error": {"message": "text field is required"}}),
    (EMPTY_TEXT, 400, {"error": {"message": ": Text input must be provided."}}),
    (b'{"model_id": "", "text": "hi"}', 503, {"error": {"message": "Service Unavailable Error"}}),
    (b"[" * 10_001, 400, {"error": {"message": "invalid character '[' exceeded max depth"}}),
]

# The same bodies at a runner: livepeer/ai-runner runner/src/runner/routes/text_to_speech.py
# behind FastAPI's validation (pydantic 2 messages).
RUNNER = [
    (
        b"",
        422,
        {"detail": [{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}]},
    ),
    (
        b"not json",
        422,
        {
            "detail": [
                {
                    "type": "json_invalid",
                    "loc": ["body", 0],
                    "msg": "JSON decode error",
                    "input": {},
                    "ctx": {"error": "Expecting value"},
                }
            ]
        },
    ),
    (
        b'{"text": "hi"',
        422,
        {
            "detail": [
                {
                    "type": "json_invalid",
                    "loc": ["body", 13],
                    "msg": "JSON decode error",
                    "input": {},
                    "ctx": {"error": "Expecting ',' delimiter"},
                }
            ]
        },
    ),
    (b"\xff\xfe\x00", 400, {"detail": "There was an error parsing the body"}),
    (
        b'{"text": 5}',
        422,
        {
            "detail": [
                {
                    "type": "string_type",
                    "loc": ["body", "text"],
                    "msg": "Input should be a valid string",
                    "input": 5,
                }
            ]
        },
    ),
    (
        b"[]",
        422,
        {
            "detail": [
                {
                    "type": "model_attributes_type",
                    "loc": ["body"],
                    "msg": "Input should be a valid dictionary or object to extract fields from",
                    "input": [],
                }
            ]
        },
    ),
    (b'{"model_id": "m"}', 400, {"detail": {"msg": "Text input must be provided."}}),
    (EMPTY_TEXT, 400, {"detail": {"msg": "Text input must be provided."}}),
]


@pytest.fixture(scope="module")
def gateway() -> Iterator[EmulatorServer]:
    with EmulatorServer(use_espeak=False) as srv:
        yield srv


@pytest.fixture(scope="module")
def runner() -> Iterator[EmulatorServer]:
    with EmulatorServer(use_espeak=False, livepeer_mode="runner") as srv:
        yield srv


def post(server: EmulatorServer, body: bytes, token: str | None = None) -> httpx.Response:
    return httpx.post(
        f"{server.livepeer_base_url}/text-to-speech",
        content=body,
        headers={
            "Authorization": f"Bearer {token or server.livepeer_token}",
            "Content-Type": "application/json",
        },
    )


@pytest.mark.parametrize(("body", "status", "answer"), GATEWAY, ids=lambda v: repr(v)[:40])
def test_gateway_errors(gateway: EmulatorServer, body: bytes, status: int, answer: Any) -> None:
    r = post(gateway, body)
    assert (r.status_code, r.json()) == (status, answer)
    assert r.headers["content-type"] == "application/json"
    assert r.content.endswith(b"}\n")  # Go's json.Encoder


@pytest.mark.parametrize(("body", "status", "answer"), RUNNER, ids=lambda v: repr(v)[:40])
def test_runner_errors(runner: EmulatorServer, body: bytes, status: int, answer: Any) -> None:
    r = post(runner, body)
    assert (r.status_code, r.json()) == (status, answer)
    assert r.headers["content-type"] == "application/json"


def test_go_escapes_html_in_messages_like_json_encoder(gateway: EmulatorServer) -> None:
    r = post(gateway, b"<")
    assert (
        r.content
        == b'{"error":{"message":"invalid character \'\\u003c\' looking for beginning of value"}}\n'
    )


def test_auth_order_and_shapes(gateway: EmulatorServer, runner: EmulatorServer) -> None:
    good = b'{"model_id": "m", "text": "hi"}'
    r = post(gateway, good, token="wrong")
    assert (r.status_code, r.json()) == (401, {"error": {"message": "Invalid bearer token"}})
    r = post(runner, good, token="wrong")
    assert (r.status_code, r.json()) == (401, {"detail": {"msg": "Invalid bearer token."}})
    assert r.headers["www-authenticate"] == "Bearer"
    # The runner checks the text before the token (routes/text_to_speech.py).
    assert post(runner, EMPTY_TEXT, token="wrong").status_code == 400


def test_lone_surrogates_and_bad_utf8_become_u_fffd_at_a_gateway(gateway: EmulatorServer) -> None:
    # encoding/json replaces them; the gateway synthesizes, it does not fail.
    for body in (b'{"text": "\\ud800"}', b'{"text": "\xff\xfe"}', b'{"TEXT": "case-insensitive"}'):
        r = post(gateway, body)
        assert r.status_code == 200, body
        assert re.fullmatch(r"/stream/[0-9a-f]{8}/[0-9a-f]{8}\.wav", r.json()["audio"]["url"])


def _wav(data: bytes) -> tuple[int, float]:
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        return w.getframerate(), w.getnframes() / w.getframerate()


def test_gateway_audio_is_a_relative_path_through_synthesize(tmp_path: Path) -> None:
    with EmulatorServer(use_espeak=False) as emu:
        lp = speechspec.Livepeer(emu.livepeer_token, base_url=emu.livepeer_base_url)
        audio = lp.text_to_speech("Hello there")
        url = audio.audio.url
        assert re.fullmatch(r"/stream/[0-9a-f]{8}/[0-9a-f]{8}\.wav", url)
        # The path is the gateway's own: under the /livepeer prefix the gateway is mounted at.
        assert lp.audio_url(audio) == emu.livepeer_base_url + url
        emu.clear_requests()
        path = lp.synthesize("Hello there, twice", tmp_path / "hello.wav")
        log = emu.requests()
    assert [(r["method"], r["status"]) for r in log] == [("POST", 200), ("GET", 200)]
    assert re.fullmatch(r"/livepeer/stream/[0-9a-f]{8}/[0-9a-f]{8}\.wav", log[1]["path"])
    rate, seconds = _wav(path.read_bytes())
    assert rate == 44_100 and seconds > 0.5


async def test_async_gateway_audio_through_synthesize(tmp_path: Path) -> None:
    with EmulatorServer(use_espeak=False) as emu:
        async with speechspec.AsyncLivepeer(
            emu.livepeer_token, base_url=emu.livepeer_base_url
        ) as lp:
            path = await lp.synthesize("Hello async", tmp_path / "a.wav")
        assert [r["method"] for r in emu.requests()] == ["POST", "GET"]
    assert _wav(path.read_bytes())[0] == 44_100


def test_the_stream_path_is_not_served_at_the_host_root(gateway: EmulatorServer) -> None:
    url = post(gateway, b'{"text": "hi"}').json()["audio"]["url"]
    assert httpx.get(gateway.livepeer_base_url + url).status_code == 200
    assert httpx.get(gateway.base_url + url).status_code == 404
    missing = httpx.get(f"{gateway.livepeer_base_url}/stream/00000000/00000000.wav")
    assert (missing.status_code, missing.content) == (404, b"404 page not found\n")


def test_runner_answers_44k_data_urls_through_synthesize(tmp_path: Path) -> None:
    with EmulatorServer(use_espeak=False, livepeer_mode="runner") as emu:
        lp = speechspec.Livepeer(emu.livepeer_token, base_url=emu.livepeer_base_url)
        url = lp.text_to_speech("Hello runner").audio.url
        assert url.startswith("data:audio/wav;base64,")
        assert _wav(base64.b64decode(url.partition(",")[2]))[0] == 44_100
        path = lp.synthesize("Hello runner", tmp_path / "r.wav")
        assert [r["method"] for r in emu.requests()] == ["POST", "POST"]  # no download request
    assert _wav(path.read_bytes())[0] == 44_100


@pytest.mark.parametrize("mode", ["gateway", "runner"])
def test_wrapper_errors_carry_each_modes_message(mode: str) -> None:
    with EmulatorServer(use_espeak=False, livepeer_mode=mode) as emu:
        lp = speechspec.Livepeer("wrong", base_url=emu.livepeer_base_url, max_retries=0)
        with pytest.raises(errors.AuthenticationError) as info:
            lp.text_to_speech("hi")
        expected = "Invalid bearer token" if mode == "gateway" else "Invalid bearer token."
        assert info.value.message == f"401 Unauthorized: {expected}"
        assert info.value.body == (
            {"error": {"message": expected}} if mode == "gateway" else {"detail": {"msg": expected}}
        )


def test_gateway_503_is_a_fault_the_wrapper_retries(sleeps: list[float]) -> None:
    fault = speechspec.emulator.Fault(status=503, every=2, path="/livepeer")
    with EmulatorServer(use_espeak=False, faults=[fault]) as emu:
        lp = speechspec.Livepeer(emu.livepeer_token, base_url=emu.livepeer_base_url, max_retries=0)
        lp.text_to_speech("one")
        with pytest.raises(errors.InternalServerError) as info:
            lp.text_to_speech("two")
        assert info.value.status_code == 503
        assert info.value.message == "503 Service Unavailable: Service Unavailable Error"
        retrying = speechspec.Livepeer(emu.livepeer_token, base_url=emu.livepeer_base_url)
        retrying.text_to_speech("three")  # request 3
        sleeps.clear()
        retrying.text_to_speech("four")  # request 4: 503 (nothing processed), retried as 5
        assert [r["status"] for r in emu.requests()] == [200, 503, 200, 503, 200]
        assert len(sleeps) == 1


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="livepeer_mode"):
        speechspec.emulator.create_app(livepeer_mode="proxy")  # type: ignore[arg-type]
