"""Per-call options, with_options() and default_headers on the wire (respx), sync and async."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx
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
from speechspec import NOT_GIVEN, InvalidRequestError

MODES = ["sync", "async"]
VENDORS = ["hamsa", "livepeer"]
BOTH = [(v, m) for v in VENDORS for m in MODES]
TTS_URL = {
    "hamsa": f"{HAMSA_URL}/v1/jobs/text-to-speech",
    "livepeer": f"{LIVEPEER_URL}/text-to-speech",
}
OK = {"hamsa": create_answer(), "livepeer": audio_answer()}
JOBS = f"{HAMSA_URL}/v1/jobs"
MEDIA = "https://cdn.example.com/a.wav"
SECRET = {"hamsa": HAMSA_KEY, "livepeer": LIVEPEER_TOKEN}


@pytest.fixture
def mock() -> Any:
    with respx.mock(assert_all_called=False) as m:
        yield m


def timeouts(request: httpx.Request) -> dict[str, float | None]:
    value: dict[str, float | None] = request.extensions["timeout"]
    return value


def sent_json(route: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(route.calls.last.request.content)
    return body


def job_answer(status: str, **extra: Any) -> httpx.Response:
    return httpx.Response(200, json={"message": "ok", "data": job(status, **extra)})


# --- timeout -------------------------------------------------------------------------------


@pytest.mark.parametrize(("vendor", "mode"), BOTH)
def test_timeout_per_call_given_none_and_not_given(mock: Any, vendor: str, mode: str) -> None:
    route = mock.post(TTS_URL[vendor]).respond(200, json=OK[vendor])
    client = make(vendor, mode)
    tts(client, vendor, timeout=3.5)
    assert timeouts(route.calls.last.request) == {
        "connect": 3.5,
        "read": 3.5,
        "write": 3.5,
        "pool": 3.5,
    }
    tts(client, vendor, timeout=None)  # None: no timeout at all
    assert set(timeouts(route.calls.last.request).values()) == {None}
    tts(client, vendor, timeout=httpx.Timeout(2.0, read=30.0))
    assert timeouts(route.calls.last.request)["read"] == 30.0
    tts(client, vendor, timeout=NOT_GIVEN)  # the client's default (120 s, 10 s to connect)
    assert timeouts(route.calls.last.request) == {
        "connect": 10.0,
        "read": 120.0,
        "write": 120.0,
        "pool": 30.0,
    }


@pytest.mark.parametrize(("vendor", "mode"), BOTH)
def test_client_timeout_none_means_no_timeout(mock: Any, vendor: str, mode: str) -> None:
    route = mock.post(TTS_URL[vendor]).respond(200, json=OK[vendor])
    tts(make(vendor, mode, timeout=None), vendor)
    assert set(timeouts(route.calls.last.request).values()) == {None}


# --- max_retries ---------------------------------------------------------------------------


@pytest.mark.parametrize(("vendor", "mode"), BOTH)
def test_max_retries_per_call(mock: Any, vendor: str, mode: str, sleeps: list[float]) -> None:
    route = mock.post(TTS_URL[vendor]).respond(503, headers={"Retry-After": "0"})
    client = make(vendor, mode, max_retries=5)
    with pytest.raises(Exception, match="503"):
        tts(client, vendor, max_retries=0)
    assert route.call_count == 1
    with pytest.raises(Exception, match="503"):
        tts(client, vendor, max_retries=2)
    assert route.call_count == 1 + 3
    route.side_effect = [httpx.Response(503), httpx.Response(200, json=OK[vendor])]
    tts(client, vendor)  # the client's 5 still applies when not given
    assert route.call_count == 4 + 2


# --- extra_headers -------------------------------------------------------------------------


@pytest.mark.parametrize(("vendor", "mode"), BOTH)
def test_extra_headers_are_sent_and_may_replace_user_agent(
    mock: Any, vendor: str, mode: str
) -> None:
    route = mock.post(TTS_URL[vendor]).respond(200, json=OK[vendor])
    tts(make(vendor, mode), vendor, extra_headers={"X-Trace": "t-1", "User-Agent": "mine/1"})
    request = route.calls.last.request
    assert request.headers["x-trace"] == "t-1"
    assert request.headers.get_list("user-agent") == ["mine/1"]
    assert request.headers["authorization"].endswith(SECRET[vendor])


@pytest.mark.parametrize(("vendor", "mode"), BOTH)
@pytest.mark.parametrize("name", ["Authorization", "authorization", "AUTHORIZATION"])
def test_authorization_cannot_be_overridden(mock: Any, vendor: str, mode: str, name: str) -> None:
    route = mock.post(TTS_URL[vendor]).respond(200, json=OK[vendor])
    client = make(vendor, mode)
    with pytest.raises(InvalidRequestError, match="Authorization") as info:
        tts(client, vendor, extra_headers={name: "Bearer other-key-0000"})
    assert info.value.param == "extra_headers"
    assert "other-key-0000" not in str(info.value)
    with pytest.raises(InvalidRequestError) as info:
        make(vendor, mode, default_headers={name: "Bearer other-key-0000"})
    assert info.value.param == "default_headers"
    with pytest.raises(InvalidRequestError) as info:
        client.with_options(extra_headers={name: "x"})
    assert route.call_count == 0


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        ({"X-Ok": "a\r\nInjected: 1"}, "X-Ok"),
        ({"Bad Name": "v"}, "invalid header name"),
        ({"X-Num": 3}, "must be a str"),
        ({"X-Uni": "caf\u00e9-secret-value"}, "ASCII"),
        ({"Content-Length": "1"}, "Content-Length"),
        ({"Host": "evil.example"}, "Host"),
        ({"x-a": "1", "X-A": "2"}, "twice"),
        (["X-A", "1"], "mapping"),
    ],
)
@pytest.mark.parametrize("mode", MODES)
def test_bad_extra_headers_are_refused_before_any_request(
    mock: Any, mode: str, headers: Any, fragment: str
) -> None:
    route = mock.post(TTS_URL["hamsa"]).respond(200, json=create_answer())
    with pytest.raises(InvalidRequestError, match=fragment) as info:
        tts(make("hamsa", mode), "hamsa", extra_headers=headers)
    assert info.value.param == "extra_headers"
    assert "secret-value" not in str(info.value)
    assert "Injected" not in str(info.value)
    assert route.call_count == 0


# --- extra_query ---------------------------------------------------------------------------


@pytest.mark.parametrize(("vendor", "mode"), BOTH)
def test_extra_query_is_added_to_the_url(mock: Any, vendor: str, mode: str) -> None:
    route = mock.post(TTS_URL[vendor]).respond(200, json=OK[vendor])
    tts(make(vendor, mode), vendor, extra_query={"trace": "a b", "n": 2, "flag": True})
    assert route.calls.last.request.url.params.multi_items() == [
        ("trace", "a b"),
        ("n", "2"),
        ("flag", "true"),
    ]


@pytest.mark.parametrize("mode", MODES)
def test_get_job_extra_query_joins_job_id_and_cannot_replace_it(mock: Any, mode: str) -> None:
    route = mock.get(JOBS).mock(return_value=job_answer("PENDING"))
    client = make("hamsa", mode)
    call(client, "get_job", "job-123", extra_query={"verbose": "1"})
    assert dict(route.calls.last.request.url.params) == {"jobId": "job-123", "verbose": "1"}
    with pytest.raises(InvalidRequestError, match="jobId") as info:
        call(client, "get_job", "job-123", extra_query={"jobId": "other"})
    assert info.value.param == "extra_query"
    assert route.call_count == 1


@pytest.mark.parametrize(
    "query", [{"a": None}, {"a": [1]}, {"": "x"}, {1: "x"}, {"a": float("nan")}, "a=1"]
)
@pytest.mark.parametrize("mode", MODES)
def test_bad_extra_query_is_refused(mock: Any, mode: str, query: Any) -> None:
    route = mock.post(TTS_URL["livepeer"]).respond(200, json=audio_answer())
    with pytest.raises(InvalidRequestError) as info:
        tts(make("livepeer", mode), "livepeer", extra_query=query)
    assert info.value.param == "extra_query"
    assert route.call_count == 0


# --- extra_body ----------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_extra_body_is_merged_after_the_typed_fields(mock: Any, mode: str) -> None:
    route = mock.post(TTS_URL["hamsa"]).respond(200, json=create_answer())
    extra = {"webhookUrl": "https://hooks.example.com/x", "webhookAuth": {"authKey": "Token"}}
    tts(make("hamsa", mode), "hamsa", text="hi", extra_body=extra)
    body = sent_json(route)
    assert body == {"text": "hi", "voiceId": "Amjad", **extra}
    assert list(body)[-2:] == ["webhookUrl", "webhookAuth"]


@pytest.mark.parametrize("mode", MODES)
def test_livepeer_extra_body_reaches_an_effective_spec_field(mock: Any, mode: str) -> None:
    route = mock.post(TTS_URL["livepeer"]).respond(200, json=audio_answer())
    tts(make("livepeer", mode), "livepeer", text="hi", extra_body={"description": "A calm voice"})
    assert sent_json(route)["description"] == "A calm voice"


@pytest.mark.parametrize(
    ("vendor", "extra", "fragment"),
    [
        ("livepeer", {"x_no_such_field": 1.2}, "extra_body['x_no_such_field']: is not a field"),
        ("livepeer", {"description": 5}, "extra_body['description']: must be string"),
        ("livepeer", {"text": "again"}, "extra_body['text'] is already set"),
        ("hamsa", {"voiceId": "x"}, "already set"),
        ("hamsa", {"webhookUrl": "not a uri SECRET-1234"}, "must be an absolute URI"),
        ("hamsa", {"webhookAuth": {"authKey": 7}}, "['webhookAuth']['authKey']: must be string"),
        ("hamsa", {"webhookAuth": {"authKye": "x"}}, "['authKye']: is not a field"),
        ("hamsa", {"webhookAuth": "SECRET-1234"}, "must be object"),
        ("hamsa", {"webhookUrl": b"https://x"}, "must be string"),
        ("hamsa", {"webhookAuth": {"authSecret": {1, 2}}}, "must be string"),
        ("hamsa", {1: "x"}, "keys must be strings"),
        ("hamsa", ["webhookUrl"], "must be a mapping"),
    ],
)
@pytest.mark.parametrize("mode", MODES)
def test_bad_extra_body_is_refused_naming_the_key(
    mock: Any, mode: str, vendor: str, extra: Any, fragment: str
) -> None:
    route = mock.post(TTS_URL[vendor]).respond(200, json=OK[vendor])
    with pytest.raises(InvalidRequestError) as info:
        tts(make(vendor, mode), vendor, extra_body=extra)
    assert info.value.param == "extra_body"
    assert fragment in str(info.value)
    assert "SECRET-1234" not in str(info.value)
    assert route.call_count == 0


def test_schema_keywords_of_the_validator() -> None:
    from speechspec._schema import _Validator

    v = _Validator({"components": {"schemas": {"S": {"type": "string", "enum": ["a", "b"]}}}})
    ref = {"$ref": "#/components/schemas/S"}
    assert v.problem(ref, "a", "$") is None
    assert v.problem(ref, "c", "$") == "$: must be one of ['a', 'b']"
    assert v.problem({"type": "integer", "minimum": 1}, 0, "$") == "$: must be >= 1"
    assert v.problem({"type": "integer"}, True, "$") == "$: must be integer, got boolean"
    assert v.problem({"type": "number", "exclusiveMaximum": 2}, 2, "$") == "$: must be < 2"
    assert (
        v.problem({"type": "number", "maximum": 2, "exclusiveMaximum": True}, 2, "$")
        == "$: must be < 2"
    )
    assert v.problem({"type": "string", "nullable": True}, None, "$") is None
    assert v.problem({"type": ["string", "null"]}, None, "$") is None
    assert v.problem({"anyOf": [{"type": "string"}, {"type": "integer"}]}, 1.5, "$") is not None
    assert v.problem({"type": "array", "items": ref, "maxItems": 2}, ["a", "x"], "$") == (
        "$[1]: must be one of ['a', 'b']"
    )
    assert v.problem({"type": "string", "maxLength": 2}, "abc", "$") is not None
    assert v.problem({"type": "number"}, float("inf"), "$") == "$: must be a finite number"


# --- with_options and default_headers ------------------------------------------------------


@pytest.mark.parametrize(("vendor", "mode"), BOTH)
def test_with_options_shares_the_pool_and_applies_its_defaults(
    mock: Any, vendor: str, mode: str
) -> None:
    route = mock.post(TTS_URL[vendor]).respond(200, json=OK[vendor])
    base = make(vendor, mode, default_headers={"X-Team": "tts"})
    derived = base.with_options(
        timeout=7, max_retries=0, extra_headers={"X-Run": "r1"}, extra_query={"q": "1"}
    )
    assert derived._client is base._client
    assert type(derived) is type(base)
    assert derived.max_retries == 0
    assert base.max_retries == 2
    tts(derived, vendor, extra_headers={"X-Run": "r2"})
    request = route.calls.last.request
    assert request.headers["x-team"] == "tts"
    assert request.headers["x-run"] == "r2"  # the call's own value wins
    assert request.url.params["q"] == "1"
    assert timeouts(request)["read"] == 7.0
    assert request.headers["authorization"].endswith(SECRET[vendor])
    tts(base, vendor)
    request = route.calls.last.request
    assert "x-run" not in request.headers
    assert "q" not in request.url.params
    # The copy does not own the pool: closing it leaves the original working.
    run(derived.close())
    assert not base._client.is_closed
    tts(base, vendor)
    run(base.close())
    assert base._client.is_closed


@pytest.mark.parametrize(("vendor", "mode"), BOTH)
def test_with_options_base_url_and_extra_body(mock: Any, vendor: str, mode: str) -> None:
    path = "/v1/jobs/text-to-speech" if vendor == "hamsa" else "/text-to-speech"
    route = mock.post(f"https://proxy.example.com/api{path}").respond(200, json=OK[vendor])
    extra = (
        {"webhookUrl": "https://hooks.example.com/x"}
        if vendor == "hamsa"
        else {"description": "A calm voice"}
    )
    client = make(vendor, mode).with_options(
        base_url="https://proxy.example.com/api/", extra_body=extra
    )
    assert client.base_url == "https://proxy.example.com/api"
    tts(client, vendor, text="hi")
    assert sent_json(route).items() >= extra.items()


@pytest.mark.parametrize(("vendor", "mode"), BOTH)
@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"timeout": -1}, "timeout"),
        ({"max_retries": "3"}, "max_retries"),
        ({"extra_body": {"nope": 1}}, "extra_body"),
        ({"extra_query": {"a": object()}}, "extra_query"),
    ],
)
def test_with_options_refuses_bad_values(vendor: str, mode: str, kwargs: Any, param: str) -> None:
    with pytest.raises(InvalidRequestError) as info:
        make(vendor, mode).with_options(**kwargs)
    assert info.value.param == param


@pytest.mark.parametrize("mode", MODES)
def test_with_options_extra_body_is_not_sent_on_get(mock: Any, mode: str) -> None:
    route = mock.get(JOBS).mock(return_value=job_answer("PENDING"))
    client = make("hamsa", mode).with_options(extra_body={"webhookUrl": "https://h.example/x"})
    call(client, "get_job", "job-123")
    assert route.calls.last.request.content == b""


@pytest.mark.parametrize(("vendor", "mode"), BOTH)
def test_default_headers_go_to_the_api_not_to_media_hosts(
    mock: Any, vendor: str, mode: str, tmp_path: Any
) -> None:
    route = mock.post(TTS_URL[vendor]).respond(200, json=OK[vendor])
    media = mock.get(MEDIA).respond(200, content=b"RIFF....WAVE")
    client = make(vendor, mode, default_headers={"X-Org": "org-1"})
    tts(client, vendor)
    assert route.calls.last.request.headers["x-org"] == "org-1"
    call(client, "download", MEDIA, tmp_path / "a.wav")
    sent = media.calls.last.request.headers
    assert "x-org" not in sent
    assert "authorization" not in sent


# --- download, wait_for_job, synthesize ----------------------------------------------------


@pytest.mark.parametrize(("vendor", "mode"), BOTH)
def test_download_options(
    mock: Any, vendor: str, mode: str, tmp_path: Any, sleeps: list[float]
) -> None:
    media = mock.get(MEDIA).mock(
        side_effect=[httpx.Response(503), httpx.Response(200, content=b"RIFF")]
    )
    client = make(vendor, mode)
    with pytest.raises(Exception, match="503"):
        call(client, "download", MEDIA, tmp_path / "a.wav", max_retries=0)
    assert media.call_count == 1
    call(
        client,
        "download",
        MEDIA,
        tmp_path / "a.wav",
        timeout=4,
        extra_headers={"X-Signed": "1"},
    )
    request = media.calls.last.request
    assert request.headers["x-signed"] == "1"
    assert "authorization" not in request.headers
    assert timeouts(request)["read"] == 4.0
    with pytest.raises(InvalidRequestError) as info:
        call(client, "download", MEDIA, tmp_path / "b.wav", extra_headers={"Authorization": "x"})
    assert info.value.param == "extra_headers"


@pytest.mark.parametrize("mode", MODES)
def test_wait_for_job_options_apply_to_every_poll(
    mock: Any, mode: str, sleeps: list[float]
) -> None:
    route = mock.get(JOBS).mock(
        side_effect=[job_answer("PENDING"), job_answer("COMPLETED", mediaUrl=MEDIA)]
    )
    client = make("hamsa", mode)
    call(
        client,
        "wait_for_job",
        "job-123",
        request_timeout=5,
        extra_headers={"X-Poll": "1"},
        extra_query={"v": "2"},
    )
    assert route.call_count == 2
    for sent in route.calls:
        assert sent.request.headers["x-poll"] == "1"
        assert sent.request.url.params["v"] == "2"
        assert timeouts(sent.request)["read"] == 5.0
    with pytest.raises(InvalidRequestError) as info:
        call(client, "wait_for_job", "job-123", request_timeout="soon")
    assert info.value.param == "request_timeout"
    assert route.call_count == 2


@pytest.mark.parametrize("mode", MODES)
def test_hamsa_synthesize_routes_each_option(
    mock: Any, mode: str, tmp_path: Any, sleeps: list[float]
) -> None:
    create = mock.post(TTS_URL["hamsa"]).respond(200, json=create_answer())
    polls = mock.get(JOBS).mock(return_value=job_answer("COMPLETED", mediaUrl=MEDIA))
    media = mock.get(MEDIA).respond(200, content=b"RIFF")
    call(
        make("hamsa", mode),
        "synthesize",
        "hi",
        tmp_path / "a.wav",
        voice_id="Amjad",
        request_timeout=6,
        extra_headers={"X-Api": "1"},
        extra_query={"trace": "t"},
        extra_body={"webhookUrl": "https://hooks.example.com/x"},
    )
    assert sent_json(create)["webhookUrl"] == "https://hooks.example.com/x"
    assert polls.calls.last.request.content == b""
    for route in (create, polls):
        assert route.calls.last.request.headers["x-api"] == "1"
        assert route.calls.last.request.url.params["trace"] == "t"
    for route in (create, polls, media):
        assert timeouts(route.calls.last.request)["read"] == 6.0
    media_request = media.calls.last.request
    assert "x-api" not in media_request.headers
    assert "trace" not in media_request.url.params


@pytest.mark.parametrize("mode", MODES)
def test_synthesize_checks_every_option_before_the_billed_create(
    mock: Any, mode: str, tmp_path: Any
) -> None:
    create = mock.post(TTS_URL["hamsa"]).respond(200, json=create_answer())
    client = make("hamsa", mode)
    for kwargs, param in [
        ({"extra_query": {"jobId": object()}}, "extra_query"),
        ({"extra_query": {"jobId": "job-9"}}, "extra_query"),
        ({"extra_body": {"nope": 1}}, "extra_body"),
        ({"request_timeout": 0}, "request_timeout"),
        ({"max_retries": -2}, "max_retries"),
    ]:
        with pytest.raises(InvalidRequestError) as info:
            call(client, "synthesize", "hi", tmp_path / "a.wav", voice_id="Amjad", **kwargs)
        assert info.value.param == param
    assert create.call_count == 0


@pytest.mark.parametrize("mode", MODES)
def test_livepeer_synthesize_routes_each_option(mock: Any, mode: str, tmp_path: Any) -> None:
    create = mock.post(TTS_URL["livepeer"]).respond(200, json=audio_answer(MEDIA))
    media = mock.get(MEDIA).respond(200, content=b"RIFF")
    call(
        make("livepeer", mode),
        "synthesize",
        "hi",
        tmp_path / "a.wav",
        timeout=9,
        extra_headers={"X-Api": "1"},
        extra_body={"description": "A calm voice"},
    )
    assert sent_json(create)["description"] == "A calm voice"
    assert create.calls.last.request.headers["x-api"] == "1"
    assert "x-api" not in media.calls.last.request.headers
    assert timeouts(media.calls.last.request)["read"] == 9.0


def test_not_given_is_a_falsy_singleton() -> None:
    import copy
    import pickle

    from speechspec import NotGiven

    assert not NOT_GIVEN
    assert NotGiven() is NOT_GIVEN
    assert repr(NOT_GIVEN) == "NOT_GIVEN"
    assert copy.deepcopy(NOT_GIVEN) is NOT_GIVEN
    assert pickle.loads(pickle.dumps(NOT_GIVEN)) is NOT_GIVEN


def test_option_values_stay_out_of_reprs() -> None:
    from speechspec._options import request_options

    options = request_options(
        extra_headers={"X-Api-Key": "HDR-SECRET"},
        extra_query={"token": "Q-SECRET"},
        extra_body={"webhookAuth": {"authSecret": "B-SECRET"}},
    )
    client = make("hamsa", "sync").with_options(extra_headers={"X-Api-Key": "HDR-SECRET"})
    for text in (repr(options), repr(client), repr(client._defaults)):
        for secret in ("HDR-SECRET", "Q-SECRET", "B-SECRET", HAMSA_KEY):
            assert secret not in text


@pytest.mark.parametrize(("vendor", "mode"), BOTH)
def test_with_options_key_replaces_the_authorization_of_the_copy_only(
    mock: Any, vendor: str, mode: str
) -> None:
    route = mock.post(TTS_URL[vendor]).respond(401, json={"message": "bad other-key-0000"})
    base = make(vendor, mode)
    argument, wrong = ("api_key", "api_token") if vendor == "hamsa" else ("api_token", "api_key")
    other = base.with_options(**{argument: "other-key-0000"})
    with pytest.raises(Exception, match="401") as info:
        tts(other, vendor)
    assert "other-key-0000" not in str(info.value)  # the new key is redacted too
    scheme = "Token" if vendor == "hamsa" else "Bearer"
    assert route.calls.last.request.headers["authorization"] == f"{scheme} other-key-0000"
    with pytest.raises(Exception, match="401"):
        tts(base, vendor)
    assert route.calls.last.request.headers["authorization"] == f"{scheme} {SECRET[vendor]}"
    # Each client's copy() takes only its own key argument: the other one is a TypeError
    # (and a type error for mypy), as for any keyword a function does not have.
    with pytest.raises(TypeError, match=wrong):
        base.with_options(**{wrong: "x-key-1234"})
    # The copy shares the pool: it follows its origin's client (async: per event loop).
    assert other._origin is base and not other._owns_client
    if mode == "sync":
        assert other._client is base._client
