"""Wire-level behaviour of the wrapper (respx): requests, status mapping, parsing, retries."""

from __future__ import annotations

import email.utils
import json
import logging
import time
from typing import Any

import httpx
import pytest
import respx
import speechspec
from helpers import (
    HAMSA_KEY,
    HAMSA_URL,
    LIVEPEER_TOKEN,
    LIVEPEER_URL,
    audio_answer,
    call,
    create_answer,
    job,
    make,
    run,
    tts,
)
from speechspec import errors

MODES = ["sync", "async"]
VENDORS = ["hamsa", "livepeer"]
TTS_URL = {
    "hamsa": f"{HAMSA_URL}/v1/jobs/text-to-speech",
    "livepeer": f"{LIVEPEER_URL}/text-to-speech",
}
OK_BODY = {"hamsa": create_answer(), "livepeer": audio_answer()}
SECRET = {"hamsa": HAMSA_KEY, "livepeer": LIVEPEER_TOKEN}


@pytest.fixture
def mock() -> Any:
    with respx.mock(assert_all_called=False) as m:
        yield m


# --- requests on the wire ----------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_hamsa_create_request_is_exact(mock: Any, mode: str) -> None:
    route = mock.post(TTS_URL["hamsa"]).respond(200, json=create_answer())
    client = make("hamsa", mode)
    result = call(
        client,
        "text_to_speech",
        "أهلاً و سهلاً",
        voice_id="Amjad",
        webhook_url="https://hooks.example.com/tts",
        webhook_auth=("Token", "s3cr3t"),
    )
    request = route.calls.last.request
    assert request.method == "POST"
    assert request.headers["authorization"] == f"Token {HAMSA_KEY}"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"].startswith("speechspec/")
    assert json.loads(request.content) == {
        "text": "أهلاً و سهلاً",
        "voiceId": "Amjad",
        "webhookUrl": "https://hooks.example.com/tts",
        "webhookAuth": {"authKey": "Token", "authSecret": "s3cr3t"},
    }
    assert route.call_count == 1
    assert (result.id, result.status.value) == ("job-123", "PENDING")
    run(client.close())


@pytest.mark.parametrize("mode", MODES)
def test_hamsa_get_job_request_is_exact(mock: Any, mode: str) -> None:
    route = mock.get(f"{HAMSA_URL}/v1/jobs").respond(
        200,
        json={
            "message": "ok",
            "data": job("COMPLETED", id="job 1/2", mediaUrl="https://m.example.com/x.wav"),
        },
    )
    result = call(make("hamsa", mode), "get_job", "job 1/2")
    request = route.calls.last.request
    assert request.url.params["jobId"] == "job 1/2"
    assert request.headers["authorization"] == f"Token {HAMSA_KEY}"
    assert request.content == b""
    assert result.media_url == "https://m.example.com/x.wav"


@pytest.mark.parametrize("mode", MODES)
def test_livepeer_request_is_exact_with_and_without_token(
    mock: Any, mode: str, monkeypatch: Any
) -> None:
    route = mock.post(TTS_URL["livepeer"]).respond(200, json=audio_answer())
    result = call(make("livepeer", mode), "text_to_speech", "Hello", description="A calm voice")
    request = route.calls.last.request
    assert request.headers["authorization"] == f"Bearer {LIVEPEER_TOKEN}"
    assert json.loads(request.content) == {
        "text": "Hello",
        "model_id": "parler-tts/parler-tts-large-v1",
        "description": "A calm voice",
    }
    assert result.audio.url == "https://cdn.example.com/a.wav"

    monkeypatch.delenv("LIVEPEER_API_TOKEN", raising=False)
    anonymous = speechspec.Livepeer() if mode == "sync" else speechspec.AsyncLivepeer()
    call(anonymous, "text_to_speech", "Hi", model_id="m/x")
    request = route.calls.last.request
    assert "authorization" not in request.headers
    assert json.loads(request.content) == {"text": "Hi", "model_id": "m/x"}


@pytest.mark.parametrize("mode", MODES)
def test_base_url_with_a_path_prefix(mock: Any, mode: str) -> None:
    studio = "https://livepeer.studio/api/beta/generate"
    route = mock.post(f"{studio}/text-to-speech").respond(200, json=audio_answer())
    tts(make("livepeer", mode, base_url=studio + "/"), "livepeer")
    assert route.call_count == 1


def test_env_vars_are_read_at_construction(mock: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("HAMSA_API_KEY", "from-env-key-1")
    monkeypatch.setenv("HAMSA_BASE_URL", "http://127.0.0.1:9/prefix")
    client = speechspec.Hamsa()
    monkeypatch.setenv("HAMSA_API_KEY", "changed-later")
    route = mock.post("http://127.0.0.1:9/prefix/v1/jobs/text-to-speech").respond(
        200, json=create_answer()
    )
    client.text_to_speech("t", voice_id="v")
    assert route.calls.last.request.headers["authorization"] == "Token from-env-key-1"


def test_missing_key_names_the_env_var(monkeypatch: Any) -> None:
    monkeypatch.delenv("HAMSA_API_KEY", raising=False)
    with pytest.raises(errors.ConfigurationError, match="HAMSA_API_KEY"):
        speechspec.Hamsa()
    with pytest.raises(errors.ConfigurationError, match="HAMSA_API_KEY"):
        speechspec.AsyncHamsa(api_key="  ")


@pytest.mark.parametrize(
    "base_url", ["ftp://x.example", "api.tryhamsa.com", "https://", "https://h/?q=1"]
)
def test_bad_base_url_is_a_configuration_error(base_url: str) -> None:
    with pytest.raises(errors.ConfigurationError, match="base_url"):
        speechspec.Hamsa(api_key="k" * 8, base_url=base_url)


def test_user_supplied_http_client_is_used_and_not_closed(mock: Any) -> None:
    route = mock.post(TTS_URL["livepeer"]).respond(200, json=audio_answer())
    own = httpx.Client(headers={"X-Caller": "yes"})
    with speechspec.Livepeer(api_token=LIVEPEER_TOKEN, http_client=own) as lp:
        lp.text_to_speech("Hello")
    assert route.calls.last.request.headers["x-caller"] == "yes"
    assert not own.is_closed
    own.close()
    with pytest.raises(errors.ConfigurationError, match=r"httpx\.AsyncClient"):
        speechspec.AsyncLivepeer(http_client=httpx.Client())  # type: ignore[arg-type]


# --- input checks before any request ------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("vendor", "kwargs", "param"),
    [
        ("hamsa", {"text": "", "voice_id": "v"}, "text"),
        ("hamsa", {"text": " \n\t", "voice_id": "v"}, "text"),
        ("hamsa", {"text": "hi", "voice_id": ""}, "voice_id"),
        ("hamsa", {"text": "hi", "voice_id": None}, "voice_id"),
        (
            "hamsa",
            {"text": "hi", "voice_id": "v", "webhook_url": "ftp://x.example/h"},
            "webhook_url",
        ),
        ("hamsa", {"text": "hi", "voice_id": "v", "webhook_url": "not a url"}, "webhook_url"),
        ("hamsa", {"text": "hi", "voice_id": "v", "webhook_auth": ("a", "b")}, "webhook_auth"),
        ("livepeer", {"text": ""}, "text"),
        ("livepeer", {"text": "   "}, "text"),
        ("livepeer", {"text": "hi", "model_id": ""}, "model_id"),
    ],
)
def test_bad_input_fails_before_any_request(
    mock: Any, mode: str, vendor: str, kwargs: dict[str, Any], param: str
) -> None:
    route = mock.route().respond(200)
    client = make(vendor, mode)
    kwargs = dict(kwargs)
    text = kwargs.pop("text")
    with pytest.raises(errors.InvalidRequestError) as info:
        call(client, "text_to_speech", text, **kwargs)
    assert isinstance(info.value, ValueError)
    assert info.value.param == param
    assert param.split("[")[0] in str(info.value)
    assert route.call_count == 0


@pytest.mark.parametrize("timeout", [0, -1, 0.0, True, "5"])
def test_non_positive_timeout_is_rejected(timeout: Any) -> None:
    with pytest.raises(errors.InvalidRequestError, match="timeout"):
        speechspec.Livepeer(timeout=timeout)


# --- status mapping -----------------------------------------------------------------------


DOCUMENTED = [
    (
        "hamsa",
        400,
        {"code": 400, "message": "text is required"},
        errors.BadRequestError,
        "text is required",
    ),
    (
        "hamsa",
        401,
        {"code": 401, "message": "Invalid API key"},
        errors.AuthenticationError,
        "Invalid API key",
    ),
    ("hamsa", 500, {"code": 500, "message": "boom"}, errors.InternalServerError, "boom"),
    ("livepeer", 400, {"detail": {"msg": "empty text"}}, errors.BadRequestError, "empty text"),
    (
        "livepeer",
        401,
        {"detail": {"msg": "Invalid bearer token"}},
        errors.AuthenticationError,
        "Invalid bearer token",
    ),
    (
        "livepeer",
        500,
        {"detail": {"msg": "pipeline crashed"}},
        errors.InternalServerError,
        "pipeline crashed",
    ),
    (
        "livepeer",
        422,
        {"detail": [{"loc": ["body", "text"], "msg": "field required", "type": "missing"}]},
        errors.UnprocessableEntityError,
        "body.text: field required",
    ),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("vendor", "status", "body", "exc", "message"), DOCUMENTED)
def test_documented_statuses_map_to_typed_errors(
    mock: Any,
    sleeps: list[float],
    mode: str,
    vendor: str,
    status: int,
    body: Any,
    exc: type,
    message: str,
) -> None:
    mock.post(TTS_URL[vendor]).respond(status, json=body, headers={"x-request-id": "req-42"})
    with pytest.raises(exc) as info:
        tts(make(vendor, mode), vendor)
    err = info.value
    assert err.status_code == status
    assert message in err.message
    assert err.body == body
    assert err.request_id == "req-42"
    assert err.response.status_code == status
    if status == 422:
        assert err.errors == body["detail"]


UNDOCUMENTED = [
    (403, {"error": "forbidden by gateway"}, errors.PermissionDeniedError, "forbidden by gateway"),
    (
        404,
        "<html><head><title>404 Not Found</title></head><body>nginx</body></html>",
        errors.NotFoundError,
        "404 Not Found",
    ),
    (418, {"errors": ["teapot"]}, errors.APIStatusError, "teapot"),
    (409, "", errors.APIStatusError, "409 Conflict"),
    (
        502,
        "<html><body><h1>502 Bad Gateway</h1></body></html>",
        errors.InternalServerError,
        "502 Bad Gateway",
    ),
    (520, "", errors.InternalServerError, "520"),
    (599, {"weird": True}, errors.InternalServerError, "599"),
    (400, {"detail": "plain string detail"}, errors.BadRequestError, "plain string detail"),
    (400, {"error": {"message": "nested message"}}, errors.BadRequestError, "nested message"),
    (400, [1, 2, 3], errors.BadRequestError, "400"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("vendor", VENDORS)
@pytest.mark.parametrize(("status", "body", "exc", "message"), UNDOCUMENTED)
def test_undocumented_statuses_and_bodies_map_to_typed_errors(
    mock: Any,
    sleeps: list[float],
    mode: str,
    vendor: str,
    status: int,
    body: Any,
    exc: type,
    message: str,
) -> None:
    kwargs = (
        {"json": body}
        if not isinstance(body, str)
        else {"text": body, "headers": {"content-type": "text/html"}}
    )
    mock.post(TTS_URL[vendor]).respond(status, **kwargs)
    with pytest.raises(exc) as info:
        tts(make(vendor, mode), vendor)
    assert type(info.value) is exc
    assert info.value.status_code == status
    assert message in info.value.message


INVALID_2XX = [
    ("hamsa", 200, b"<html>oops</html>", "not JSON"),
    ("hamsa", 200, b"", "not JSON"),
    (
        "hamsa",
        200,
        b'{"success": "yes", "data": {"id": "j", "status": "PENDING"}}',
        "success: expected boolean, got string",
    ),
    (
        "hamsa",
        200,
        b'{"success": true, "data": {"id": 7, "status": "PENDING"}}',
        "data.id: expected string, got integer",
    ),
    (
        "hamsa",
        200,
        b'{"success": true, "data": {"id": "j", "status": 1}}',
        "data.status: expected string, got integer",
    ),
    (
        "hamsa",
        200,
        b'{"success": true, "data": {"id": "j"}}',
        "data.status: required field is missing",
    ),
    ("hamsa", 200, b'{"success": true}', "no job"),
    (
        "hamsa",
        200,
        b'{"success": true, "data": {"id": "j", "status": "PENDING", "createdAt": "yesterday"}}',
        "data.createdAt: expected string (date-time)",
    ),
    ("hamsa", 200, b'["a", "b"]', "the document: expected object, got array"),
    (
        "hamsa",
        200,
        b'{"data": {"id": "j", "status": "PENDING", "jobResponse": "str"}}',
        "data.jobResponse: expected object, got string",
    ),
    (
        "hamsa",
        200,
        b'{"data": {"id": "j", "status": "PENDING", "jobResponse": {"ttsMediaFile": 5}}}',
        "data.jobResponse.ttsMediaFile: expected string, got integer",
    ),
    ("hamsa", 200, b'{"success": true, "data": []}', "data: expected object, got array"),
    ("hamsa", 200, b'{"success": true, "data": ""}', "data: expected object, got string"),
    ("hamsa", 200, b'{"success": true, "data": [["id", "j"]]}', "data: expected object"),
    ("livepeer", 200, b'{"audio": [["url", "https://x"]]}', "audio: expected object, got array"),
    ("livepeer", 200, b'{"audio": {}}', "audio.url: required field is missing"),
    ("livepeer", 200, b"{}", "audio: required field is missing"),
    ("livepeer", 200, b'{"audio": {"url": 5}}', "audio.url: expected string, got integer"),
    ("livepeer", 200, b'{"audio": {"url": null}}', "audio.url: expected string, got null"),
    ("livepeer", 200, b'{"audio": "https://x"}', "audio: expected object, got string"),
    ("livepeer", 200, b"null", "expected object, got null"),
    ("livepeer", 204, b"", "not JSON"),
    ("livepeer", 201, b'{"audio": []}', "audio: expected object, got array"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("vendor", "status", "content", "message"), INVALID_2XX)
def test_2xx_bodies_that_break_the_spec_raise_response_validation_error(
    mock: Any, mode: str, vendor: str, status: int, content: bytes, message: str
) -> None:
    route = mock.post(TTS_URL[vendor]).respond(
        status, content=content, headers={"content-type": "application/json"}
    )
    with pytest.raises(errors.ResponseValidationError) as info:
        tts(make(vendor, mode), vendor)
    assert message in str(info.value)
    assert info.value.status_code == status
    assert route.call_count == 1  # never retried: the job may exist


def test_other_2xx_with_a_valid_body_is_accepted(mock: Any) -> None:
    mock.post(TTS_URL["livepeer"]).respond(201, json=audio_answer("data:audio/wav;base64,AAAA"))
    assert tts(make("livepeer", "sync"), "livepeer").audio.url.startswith("data:")


def test_huge_api_bodies_are_refused_without_buffering_them(mock: Any) -> None:
    def endless() -> Any:
        chunk = b" " * 65536
        for _ in range(1000):  # 64 MiB if read to the end
            yield chunk

    mock.post(TTS_URL["livepeer"]).respond(200, stream=endless())
    with pytest.raises(errors.ResponseValidationError, match="limit"):
        tts(make("livepeer", "sync"), "livepeer")
    mock.post(TTS_URL["hamsa"]).respond(200, headers={"content-length": str(10**9)}, content=b"{}")
    with pytest.raises(errors.ResponseValidationError, match="limit"):
        tts(make("hamsa", "sync"), "hamsa")


# --- retries ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("vendor", VENDORS)
@pytest.mark.parametrize("status", [429, 503])
def test_429_and_503_are_retried_for_the_billed_post(
    mock: Any, sleeps: list[float], mode: str, vendor: str, status: int
) -> None:
    route = mock.post(TTS_URL[vendor]).mock(
        side_effect=[
            httpx.Response(status, headers={"retry-after": "2"}),
            httpx.Response(status, headers={"retry-after": "1.5"}),
            httpx.Response(200, json=OK_BODY[vendor]),
        ]
    )
    tts(make(vendor, mode), vendor)
    assert route.call_count == 3
    assert sleeps == [2.0, 1.5]


@pytest.mark.parametrize("mode", MODES)
def test_retries_stop_at_max_retries(mock: Any, sleeps: list[float], mode: str) -> None:
    route = mock.post(TTS_URL["hamsa"]).respond(
        429, json={"message": "slow down"}, headers={"retry-after": "0"}
    )
    with pytest.raises(errors.RateLimitError) as info:
        tts(make("hamsa", mode, max_retries=3), "hamsa")
    assert route.call_count == 4
    assert info.value.retry_after == 0.0
    assert info.value.attempts == 4
    route.reset()
    with pytest.raises(errors.RateLimitError):
        tts(make("hamsa", mode, max_retries=0), "hamsa")
    assert route.call_count == 1


def test_retry_after_as_http_date_and_capped(mock: Any, sleeps: list[float]) -> None:
    in_30s = email.utils.formatdate(time.time() + 30, usegmt=True)
    mock.post(TTS_URL["livepeer"]).mock(
        side_effect=[
            httpx.Response(429, headers={"retry-after": in_30s}),
            httpx.Response(503, headers={"retry-after": "86400"}),
            httpx.Response(200, json=audio_answer()),
        ]
    )
    tts(make("livepeer", "sync"), "livepeer")
    assert 28 <= sleeps[0] <= 30
    assert sleeps[1] == 60.0


def test_backoff_without_retry_after_is_jittered_exponential(
    mock: Any, sleeps: list[float]
) -> None:
    mock.get(f"{HAMSA_URL}/v1/jobs").respond(502)
    with pytest.raises(errors.InternalServerError):
        make("hamsa", "sync", max_retries=5).get_job("j")
    assert len(sleeps) == 5
    for attempt, delay in enumerate(sleeps):
        assert 0 <= delay <= min(8.0, 0.5 * 2**attempt)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("vendor", VENDORS)
@pytest.mark.parametrize("status", [500, 502, 504, 520])
def test_billed_post_is_not_retried_after_a_5xx(
    mock: Any, sleeps: list[float], mode: str, vendor: str, status: int
) -> None:
    route = mock.post(TTS_URL[vendor]).respond(status)
    with pytest.raises(errors.InternalServerError) as info:
        tts(make(vendor, mode), vendor)
    assert route.call_count == 1
    assert info.value.may_have_been_processed
    assert "may have been processed" in str(info.value)
    if vendor == "hamsa":
        assert "job may exist" in str(info.value)


@pytest.mark.parametrize("mode", MODES)
def test_billed_post_retried_after_5xx_when_opted_in(
    mock: Any, sleeps: list[float], mode: str
) -> None:
    route = mock.post(TTS_URL["hamsa"]).mock(
        side_effect=[httpx.Response(500), httpx.Response(200, json=create_answer())]
    )
    tts(make("hamsa", mode, retry_billed=True), "hamsa")
    assert route.call_count == 2


@pytest.mark.parametrize("mode", MODES)
def test_get_is_retried_after_5xx(mock: Any, sleeps: list[float], mode: str) -> None:
    route = mock.get(f"{HAMSA_URL}/v1/jobs").mock(
        side_effect=[
            httpx.Response(500),
            httpx.Response(504),
            httpx.Response(200, json={"data": job()}),
        ]
    )
    assert call(make("hamsa", mode), "get_job", "job-123").id == "job-123"
    assert route.call_count == 3


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("vendor", VENDORS)
def test_connection_failures_before_sending_are_retried_for_the_post(
    mock: Any, sleeps: list[float], mode: str, vendor: str
) -> None:
    route = mock.post(TTS_URL[vendor]).mock(
        side_effect=[
            httpx.ConnectError("refused"),
            httpx.ConnectTimeout("slow connect"),
            httpx.Response(200, json=OK_BODY[vendor]),
        ]
    )
    tts(make(vendor, mode), vendor)
    assert route.call_count == 3


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (httpx.ReadTimeout("read timed out"), errors.APITimeoutError),
        (httpx.RemoteProtocolError("peer closed connection"), errors.APIConnectionError),
        (httpx.ReadError("connection reset"), errors.APIConnectionError),
        (httpx.WriteError("broken pipe"), errors.APIConnectionError),
    ],
)
def test_failures_after_sending_are_not_retried_for_the_post(
    mock: Any, sleeps: list[float], mode: str, exc: Exception, expected: type
) -> None:
    route = mock.post(TTS_URL["hamsa"]).mock(side_effect=exc)
    with pytest.raises(expected) as info:
        tts(make("hamsa", mode), "hamsa")
    assert route.call_count == 1
    assert info.value.may_have_been_processed
    assert "job may exist" in str(info.value)
    assert "retry_billed=True" in str(info.value)

    get_route = mock.get(f"{HAMSA_URL}/v1/jobs").mock(
        side_effect=[exc, httpx.Response(200, json={"data": job()})]
    )
    call(make("hamsa", mode), "get_job", "job-123")
    assert get_route.call_count == 2


@pytest.mark.parametrize("mode", MODES)
def test_connect_failure_exhausting_retries_says_it_was_not_processed(
    mock: Any, sleeps: list[float], mode: str
) -> None:
    mock.post(TTS_URL["livepeer"]).mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(errors.APIConnectionError) as info:
        tts(make("livepeer", mode), "livepeer")
    assert not info.value.may_have_been_processed
    assert info.value.attempts == 3
    assert "after 3 attempts" in str(info.value)


# --- secrets ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("vendor", VENDORS)
def test_secrets_never_in_repr_errors_or_debug_logs(
    mock: Any, sleeps: list[float], mode: str, vendor: str, caplog: pytest.LogCaptureFixture
) -> None:
    secret = SECRET[vendor]
    caplog.set_level(logging.DEBUG)
    client = make(vendor, mode)
    texts = [repr(client), str(client)]
    # A server that echoes the credential back in its error message.
    mock.post(TTS_URL[vendor]).mock(
        side_effect=[
            httpx.Response(503),
            httpx.Response(
                401, json={"message": f"bad key {secret}", "detail": {"msg": f"bad token {secret}"}}
            ),
        ]
    )
    with pytest.raises(errors.AuthenticationError) as info:
        tts(client, vendor)
    texts += [
        str(info.value),
        repr(info.value),
        info.value.message,
        repr(info.value.response.request),
    ]
    texts += [repr(info.value.response.request.headers)]
    mock.get(f"{HAMSA_URL}/v1/jobs").mock(side_effect=httpx.ConnectError(f"refused {secret}"))
    if vendor == "hamsa":
        with pytest.raises(errors.APIConnectionError) as conn:
            call(client, "get_job", "j")
        texts += [str(conn.value), repr(conn.value)]
    texts += [record.getMessage() for record in caplog.records]
    assert any(r.name == "speechspec" for r in caplog.records)
    for text in texts:
        assert secret not in text
