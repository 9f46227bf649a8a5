"""(a) what the clients send is valid under the spec; (b) whatever valid answer a vendor sends
parses, and every invalid one is a typed error. Data from schemathesis' own generators."""

from __future__ import annotations

import copy
import json
from datetime import datetime
from typing import Any

import httpx
import jsonschema
import pytest
import respx
import schemathesis
import speechspec
from conformance import DEEP, quiet_settings
from hypothesis import given
from schemathesis import GenerationMode
from speechspec import errors
from speechspec._config import LIVEPEER_DEFAULT_MODEL_ID
from speechspec.emulator._schema import effective_document, validator

HAMSA = "https://api.tryhamsa.com"
LIVEPEER = "https://dream-gateway.livepeer.cloud"
# Examples per request operation (a third of it per response schema and outcome); the time
# goes to schemathesis generating bodies, so this count is the file's CPU.
EXAMPLES = 300 if DEEP else 50


# --- (a) requests -------------------------------------------------------------------------


def _op(package: str, path: str, method: str) -> Any:
    return schemathesis.openapi.from_dict(effective_document(package))[path][method]


def _wrapper_should_refuse(body: dict[str, Any]) -> str | None:
    """The argument the wrapper refuses on purpose, for a spec-valid Hamsa body (or None):
    blank text or voice, a webhook URL that is not an RFC 3986 http(s) URI, webhook
    credentials that cannot travel in an HTTP header (see speechspec._args)."""
    from speechspec import _args
    from speechspec._hamsa_async import webhook_auth

    auth = body.get("webhookAuth")
    try:
        _args.text(body["text"], "text")
        if body["voiceId"] is None:
            return "voice_id"
        _args.text(body["voiceId"], "voice_id")
        if body.get("webhookUrl") is not None:
            _args.webhook_url(body["webhookUrl"], "webhook_url")
        if auth is not None:
            pair = (auth.get("authKey"), auth.get("authSecret"))
            webhook_auth(pair, "webhook_auth", {"webhook_url": body.get("webhookUrl")})
    except errors.InvalidRequestError as exc:
        return exc.param
    return None


def test_hamsa_create_requests_conform() -> None:
    client = speechspec.Hamsa(api_key="k-conformance")
    tally = {"sent": 0, "refused": 0}
    answer = {"success": True, "data": {"id": "j", "status": "PENDING"}}
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(f"{HAMSA}/v1/jobs/text-to-speech").respond(200, json=answer)

        @quiet_settings(EXAMPLES)
        @given(case=_op("hamsa_client", "/v1/jobs/text-to-speech", "POST").as_strategy())
        def check(case: Any) -> None:
            body = case.body
            # The generated model round-trips every spec-valid body, extra properties included.
            from hamsa_client.models import TTSRequest

            assert TTSRequest.from_dict(copy.deepcopy(body)).to_dict() == body
            auth = body.get("webhookAuth")
            kwargs: dict[str, Any] = {
                "voice_id": body["voiceId"],
                "webhook_url": body.get("webhookUrl"),
            }
            if auth is not None:
                kwargs["webhook_auth"] = (auth.get("authKey"), auth.get("authSecret"))
            refused = _wrapper_should_refuse(body)
            if refused:
                with pytest.raises(errors.InvalidRequestError) as info:
                    client.text_to_speech(body["text"], **kwargs)
                assert info.value.param == refused
                tally["refused"] += 1
                return
            before = route.call_count
            client.text_to_speech(body["text"], **kwargs)
            assert route.call_count == before + 1
            sent = json.loads(route.calls.last.request.content)
            assert not list(validator("hamsa_client", "TTSRequest").iter_errors(sent))
            expected = {
                k: body[k] for k in ("text", "voiceId", "webhookUrl", "webhookAuth") if k in body
            }
            if "webhookAuth" in expected:
                expected["webhookAuth"] = {
                    "authKey": auth["authKey"],
                    "authSecret": auth["authSecret"],
                }
            assert sent == expected
            tally["sent"] += 1

        check()
    assert tally["sent"] >= EXAMPLES // 3, tally


def test_hamsa_job_requests_conform() -> None:
    client = speechspec.Hamsa(api_key="k-conformance")
    with respx.mock(assert_all_called=False) as mock:
        # The answer is about the job asked for (the wrapper refuses any other).
        route = mock.get(f"{HAMSA}/v1/jobs").mock(
            side_effect=lambda request: httpx.Response(
                200, json={"data": {"id": request.url.params["jobId"], "status": "PENDING"}}
            )
        )

        @quiet_settings(EXAMPLES // 2)
        @given(case=_op("hamsa_client", "/v1/jobs", "GET").as_strategy())
        def check(case: Any) -> None:
            job_id = case.query["jobId"]
            if not job_id.strip():
                with pytest.raises(errors.InvalidRequestError):
                    client.get_job(job_id)
                return
            client.get_job(job_id)
            request = route.calls.last.request
            assert request.url.params.get_list("jobId") == [job_id]
            assert request.url.path == "/v1/jobs"

        check()


def test_livepeer_requests_conform() -> None:
    client = speechspec.Livepeer(api_token="t-conformance")
    tally = {"sent": 0}
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(f"{LIVEPEER}/text-to-speech").respond(
            200, json={"audio": {"url": "https://x/a.wav"}}
        )

        @quiet_settings(EXAMPLES)
        @given(case=_op("livepeer_client", "/text-to-speech", "POST").as_strategy())
        def check(case: Any) -> None:
            body = case.body
            from livepeer_client.models import TextToSpeechParams

            assert TextToSpeechParams.from_dict(copy.deepcopy(body)).to_dict() == body
            # model_id is optional on the wire (servers default it); the wrapper always sends one.
            body = {"model_id": LIVEPEER_DEFAULT_MODEL_ID, **body}
            kwargs = {"model_id": body["model_id"], "description": body.get("description")}
            if not body["text"].strip() or not body["model_id"].strip():
                with pytest.raises(errors.InvalidRequestError):
                    client.text_to_speech(body["text"], **kwargs)
                return
            client.text_to_speech(body["text"], **kwargs)
            sent = json.loads(route.calls.last.request.content)
            assert not list(validator("livepeer_client", "TextToSpeechParams").iter_errors(sent))
            assert sent == {k: body[k] for k in ("text", "model_id", "description") if k in body}
            tally["sent"] += 1

        check()
    assert tally["sent"] >= EXAMPLES // 3, tally


# --- (b) responses ------------------------------------------------------------------------


def _body_strategy(package: str, schema: dict[str, Any], mode: GenerationMode) -> Any:
    """Bodies for a response schema, from schemathesis' generators: the schema becomes the
    request body of a probe operation in a copy of the effective document."""
    doc = effective_document(package)
    probe = {
        "openapi": doc["openapi"],
        "info": {"title": "probe", "version": "1"},
        "paths": {
            "/probe": {
                "post": {
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": schema}},
                    },
                    "responses": {"200": {"description": "ok"}},
                }
            }
        },
        "components": doc["components"],
    }
    return schemathesis.openapi.from_dict(probe)["/probe"]["POST"].as_strategy(generation_mode=mode)


def _same(expected: Any, actual: Any) -> bool:
    """Equal, reading date-times by value (the model writes them back in isoformat)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(
            _same(v, actual[k]) for k, v in expected.items()
        )
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(
            _same(a, b) for a, b in zip(expected, actual, strict=True)
        )
    if isinstance(expected, str) and isinstance(actual, str) and expected != actual:
        try:
            return datetime.fromisoformat(expected) == datetime.fromisoformat(actual)
        except ValueError:
            return False
    return (bool(expected == actual) and type(expected) is type(actual)) or (
        isinstance(expected, int | float) and isinstance(actual, int | float) and expected == actual
    )


OPERATIONS = [
    ("hamsa", "/v1/jobs/text-to-speech", "POST"),
    ("hamsa", "/v1/jobs", "GET"),
    ("livepeer", "/text-to-speech", "POST"),
]
CASES = [
    (vendor, path, method, status)
    for vendor, path, method in OPERATIONS
    for status in effective_document(f"{vendor}_client")["paths"][path][method.lower()]["responses"]
]


# Built once: an httpx client per example would spend the time building SSL contexts.
_CLIENTS: dict[str, Any] = {}


def _invoke(vendor: str, method: str) -> Any:
    if not _CLIENTS:
        _CLIENTS["livepeer"] = speechspec.Livepeer(api_token="t-conf", max_retries=0)
        _CLIENTS["hamsa"] = speechspec.Hamsa(api_key="k-conf", max_retries=0)
    client = _CLIENTS[vendor]
    if vendor == "livepeer":
        return client.text_to_speech("Hello")
    return client.text_to_speech("مرحبا", voice_id="v") if method == "POST" else client.get_job("j")


def _url(vendor: str, path: str) -> str:
    return (HAMSA if vendor == "hamsa" else LIVEPEER) + path


def _schema_of(vendor: str, path: str, method: str, status: str) -> dict[str, Any]:
    responses = effective_document(f"{vendor}_client")["paths"][path][method.lower()]["responses"]
    schema: dict[str, Any] = responses[status]["content"]["application/json"]["schema"]
    return schema


def _examples(vendor: str, path: str, method: str, status: str) -> int:
    """EXAMPLES // 3 for the first status of an operation answering a given schema with a
    given outcome (a model, or an APIStatusError); a few for the statuses after it, where the
    rule and the bodies are the same and only the status code differs (Hamsa's 400, 401
    and 500 all answer ErrorSchema): the suite's time goes where the rules differ."""
    key = (
        vendor,
        path,
        method,
        json.dumps(_schema_of(vendor, path, method, status), sort_keys=True),
    )
    first = next(
        c
        for c in CASES
        if (c[0], c[1], c[2], json.dumps(_schema_of(*c), sort_keys=True)) == key
        and (int(c[3]) >= 300) == (int(status) >= 300)
    )
    return EXAMPLES // 3 if first[3] == status else EXAMPLES // 15


@pytest.mark.parametrize(("vendor", "path", "method", "status"), CASES)
def test_valid_response_bodies_parse_and_round_trip(
    vendor: str, path: str, method: str, status: str
) -> None:
    schema = _schema_of(vendor, path, method, status)
    code = int(status)

    with respx.mock(assert_all_called=False) as mock:
        route = mock.route(method=method, url__startswith=_url(vendor, path))

        @quiet_settings(_examples(vendor, path, method, status))
        @given(case=_body_strategy(f"{vendor}_client", schema, GenerationMode.POSITIVE))
        def check(case: Any) -> None:
            body = case.body
            if vendor == "hamsa" and method == "GET" and isinstance(body.get("data"), dict):
                # The answer is about the job asked for ("j"); another job is refused
                # (tests/test_hostile.py).
                body["data"]["id"] = "j"
            route.respond(code, json=body)
            if code >= 300:
                with pytest.raises(errors.APIStatusError) as info:
                    _invoke(vendor, method)
                assert info.value.status_code == code
                assert info.value.body == body
                return
            if vendor == "hamsa" and not isinstance(body.get("data"), dict):
                # The wrapper's contract: a job answer carries the job.
                with pytest.raises(errors.ResponseValidationError, match="no job"):
                    _invoke(vendor, method)
                return
            result = _invoke(vendor, method)
            expected = body["data"] if vendor == "hamsa" else body
            assert _same(expected, result.to_dict()), (expected, result.to_dict())

        check()


def _violations(
    package: str, schema: dict[str, Any], body: Any
) -> list[jsonschema.ValidationError]:
    doc = effective_document(package)
    from speechspec.emulator._schema import _formats, _to_json_schema

    root = {
        **_to_json_schema(copy.deepcopy(schema)),
        "components": _to_json_schema(copy.deepcopy(doc["components"])),
    }
    return list(jsonschema.Draft202012Validator(root, format_checker=_formats).iter_errors(body))


@pytest.mark.parametrize(("vendor", "path", "method", "status"), CASES)
def test_invalid_response_bodies_raise_only_typed_errors(
    vendor: str, path: str, method: str, status: str
) -> None:
    schema = _schema_of(vendor, path, method, status)
    code = int(status)
    tally = {"rejected": 0}

    with respx.mock(assert_all_called=False) as mock:
        route = mock.route(method=method, url__startswith=_url(vendor, path))

        @quiet_settings(_examples(vendor, path, method, status))
        @given(case=_body_strategy(f"{vendor}_client", schema, GenerationMode.NEGATIVE))
        def check(case: Any) -> None:
            body = case.body
            # Negative generation also mutates into raw bytes: those go on the wire as they are.
            content = body if isinstance(body, bytes) else json.dumps(body).encode()
            route.respond(code, content=content, headers={"content-type": "application/json"})
            problems = (
                [] if isinstance(body, bytes) else _violations(f"{vendor}_client", schema, body)
            )
            if code >= 300:
                with pytest.raises(errors.APIStatusError):
                    _invoke(vendor, method)
                return
            try:
                _invoke(vendor, method)
            except errors.ResponseValidationError:
                tally["rejected"] += 1
                return
            # Accepted: only what the typed model cannot see (string formats) may be wrong, and
            # an enum value the spec does not list (response enums are open, kept as strings).
            assert not isinstance(body, bytes)
            allowed = ("format", "enum")
            assert all(p.validator in allowed for p in problems), [p.message for p in problems]

        check()
    if code < 300:
        assert tally["rejected"] > 0


# --- the effective document only tightens the vendored one ---------------------------------


@pytest.mark.parametrize(
    ("vendor", "path", "schema_name"),
    [
        ("hamsa", "/v1/jobs/text-to-speech", "TTSRequest"),
        ("livepeer", "/text-to-speech", "TextToSpeechParams"),
    ],
)
def test_every_request_the_effective_spec_accepts_the_vendored_spec_accepts(
    vendor: str, path: str, schema_name: str
) -> None:
    from pathlib import Path

    import yaml
    from speechspec.emulator._schema import _formats, _to_json_schema

    vendored = yaml.safe_load(
        (Path(__file__).parent.parent / "specs" / vendor / "openapi.yaml").read_text()
    )
    root = {
        "$ref": f"#/components/schemas/{schema_name}",
        "components": _to_json_schema(vendored["components"]),
    }
    check_vendored = jsonschema.Draft202012Validator(root, format_checker=_formats)

    @quiet_settings(EXAMPLES // 2)
    @given(case=_op(f"{vendor}_client", path, "POST").as_strategy())
    def check(case: Any) -> None:
        assert not list(check_vendored.iter_errors(case.body))

    check()
