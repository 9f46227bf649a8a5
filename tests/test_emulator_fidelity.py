"""Each difference the fidelity harness (tools/vendor_check.py) found between the emulator and
the vendors' real server code, fixed: ai-runner v0.14.1 (runner/src/runner/routes/
text_to_speech.py under FastAPI 0.115.6) and go-livepeer (server/ai_mediaserver.go behind
github.com/oapi-codegen/nethttp-middleware v1.0.1)."""

from __future__ import annotations

import base64
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
import speechspec
from speechspec import errors
from speechspec.emulator import EmulatorServer, Fault

MODEL = "parler-tts/parler-tts-large-v1"


@pytest.fixture(scope="module")
def runner() -> Iterator[EmulatorServer]:
    with EmulatorServer(use_espeak=False, livepeer_mode="runner") as srv:
        yield srv


@pytest.fixture(scope="module")
def gateway() -> Iterator[EmulatorServer]:
    with EmulatorServer(use_espeak=False) as srv:
        yield srv


def call(
    server: EmulatorServer,
    body: bytes = b'{"text": "hi"}',
    *,
    method: str = "POST",
    path: str = "/text-to-speech",
    auth: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    sent = {"Authorization": auth or f"Bearer {server.livepeer_token}", **(headers or {})}
    return httpx.request(
        method, server.livepeer_base_url + path, content=body or None, headers=sent
    )


# --- runner: model_id ---------------------------------------------------------------------


@pytest.mark.parametrize("model_id", ["", MODEL])
def test_runner_serves_its_own_model_and_the_empty_one(
    runner: EmulatorServer, model_id: str
) -> None:
    r = call(runner, f'{{"model_id": "{model_id}", "text": "hi"}}'.encode())
    assert r.status_code == 200
    assert r.json()["audio"]["url"].startswith("data:audio/wav;base64,")


def test_runner_refuses_any_other_model_after_auth(runner: EmulatorServer) -> None:
    body = b'{"model_id": "other/model", "text": "hi"}'
    r = call(runner, body)
    assert r.status_code == 400
    assert r.content == (
        b'{"detail":{"msg":"pipeline configured with parler-tts/parler-tts-large-v1'
        b' but called with other/model"}}'
    )
    # The token is checked first (routes/text_to_speech.py).
    assert call(runner, body, auth="Bearer wrong").status_code == 401


def test_runner_model_is_configurable() -> None:
    with EmulatorServer(use_espeak=False, livepeer_mode="runner", livepeer_model="a/b") as srv:
        assert call(srv, b'{"model_id": "a/b", "text": "hi"}').status_code == 200
        r = call(srv, f'{{"model_id": "{MODEL}", "text": "hi"}}'.encode())
        assert r.json() == {
            "detail": {"msg": f"pipeline configured with a/b but called with {MODEL}"}
        }


def test_the_wrapper_calls_a_runner_with_its_model(runner: EmulatorServer) -> None:
    lp = speechspec.Livepeer(runner.livepeer_token, base_url=runner.livepeer_base_url)
    assert lp.text_to_speech("hi", model_id=MODEL).audio.url.startswith("data:")
    with pytest.raises(errors.BadRequestError, match="but called with x/y"):
        lp.text_to_speech("hi", model_id="x/y")


# --- runner: strings and auth ---------------------------------------------------------------


@pytest.mark.parametrize("field", ["text", "description"])
def test_runner_passes_lone_surrogates_to_the_pipeline(runner: EmulatorServer, field: str) -> None:
    body = f'{{"text": "hi", "{field}": "a\\ud800b"}}'.encode()
    r = call(runner, body)
    assert r.status_code == 200
    wav = base64.b64decode(r.json()["audio"]["url"].partition(",")[2])
    assert wav[:4] == b"RIFF"
    # ...after the token is checked: nothing answers 422 for them.
    assert call(runner, body, auth="Bearer wrong").status_code == 401


@pytest.mark.parametrize(
    ("scheme", "status"), [("Bearer", 200), ("bearer", 200), ("BEARER", 200), ("Token", 401)]
)
def test_runner_takes_the_bearer_scheme_in_any_case(
    runner: EmulatorServer, scheme: str, status: int
) -> None:
    assert call(runner, auth=f"{scheme} {runner.livepeer_token}").status_code == status


@pytest.mark.parametrize("auth", ["Bearer  {t}", "Bearer", "Basic {t}", "{t}"])
def test_runner_refuses_other_authorization_shapes(runner: EmulatorServer, auth: str) -> None:
    r = call(runner, auth=auth.format(t=runner.livepeer_token))
    assert (r.status_code, r.headers["www-authenticate"]) == (401, "Bearer")


# --- runner: routing ----------------------------------------------------------------------


def test_runner_serves_the_trailing_slash_route(runner: EmulatorServer) -> None:
    r = call(runner, path="/text-to-speech/")
    assert r.status_code == 200 and "audio" in r.json()


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"])
@pytest.mark.parametrize("path", ["/text-to-speech", "/text-to-speech/"])
def test_runner_wrong_method_is_fastapis_json_405(
    runner: EmulatorServer, method: str, path: str
) -> None:
    r = call(runner, b"", method=method, path=path)
    assert (r.status_code, r.content) == (405, b'{"detail":"Method Not Allowed"}')
    assert (r.headers["content-type"], r.headers["allow"]) == ("application/json", "POST")


@pytest.mark.parametrize("path", ["/nope", "/text-to-speech/x", "/Text-To-Speech"])
def test_runner_unknown_path_is_fastapis_json_404(runner: EmulatorServer, path: str) -> None:
    r = call(runner, path=path)
    assert (r.status_code, r.content) == (404, b'{"detail":"Not Found"}')
    assert r.headers["content-type"] == "application/json"


# --- gateway: routing ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/nope", "/text-to-speech/", "/Text-To-Speech"])
def test_gateway_unknown_path_is_net_http_not_found(gateway: EmulatorServer, path: str) -> None:
    r = call(gateway, path=path)
    assert (r.status_code, r.content) == (404, b"404 page not found\n")
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    assert r.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
def test_gateway_wrong_method_writes_nothing(gateway: EmulatorServer, method: str) -> None:
    # nethttp-middleware's validator calls the gateway's log-only ErrorHandler and returns.
    r = call(gateway, b"", method=method)
    assert (r.status_code, r.content, r.headers["content-length"]) == (200, b"", "0")
    assert "content-type" not in r.headers
    assert call(gateway, b"", method=method, auth="Bearer wrong").status_code == 401


# --- pipeline faults ----------------------------------------------------------------------

RUNNER_FAULTS = [
    ("inference", 400, "Error during model execution: emulated fault."),
    ("oom", 500, "Out of memory error. Try reducing text input length."),
    ("error", 500, "Text-to-speech pipeline error."),
]
GATEWAY_FAULTS = [
    ("inference", 400, ": Error during model execution: emulated fault."),
    ("oom", 503, "Service Unavailable Error"),
    ("error", 503, "Service Unavailable Error"),
]


@pytest.mark.parametrize(("kind", "status", "msg"), RUNNER_FAULTS)
def test_runner_pipeline_faults(runner: EmulatorServer, kind: str, status: int, msg: str) -> None:
    r = call(runner, headers={"X-Emulator-Fault": f"pipeline={kind}"})
    assert (r.status_code, r.json()) == (status, {"detail": {"msg": msg}})
    # A pipeline fault needs a request that reaches the pipeline.
    r = call(runner, auth="Bearer wrong", headers={"X-Emulator-Fault": f"pipeline={kind}"})
    assert r.status_code == 401


@pytest.mark.parametrize(("kind", "status", "msg"), GATEWAY_FAULTS)
def test_gateway_pipeline_faults(gateway: EmulatorServer, kind: str, status: int, msg: str) -> None:
    r = call(gateway, headers={"X-Emulator-Fault": f"pipeline={kind}"})
    assert (r.status_code, r.json()) == (status, {"error": {"message": msg}})
    assert r.content.endswith(b"}\n")
    r = call(gateway, b'{"model_id": "m"}', headers={"X-Emulator-Fault": f"pipeline={kind}"})
    assert r.json() == {"error": {"message": "text field is required"}}


def test_pipeline_faults_reach_the_wrapper_as_typed_errors() -> None:
    faults = [Fault(pipeline="inference", every=3), Fault(pipeline="oom", every=2)]
    with EmulatorServer(use_espeak=False, livepeer_mode="runner", faults=faults) as srv:
        lp = speechspec.Livepeer(srv.livepeer_token, base_url=srv.livepeer_base_url, max_retries=0)
        lp.text_to_speech("one")
        with pytest.raises(errors.InternalServerError, match="Out of memory error"):
            lp.text_to_speech("two")
        with pytest.raises(errors.BadRequestError, match="Error during model execution"):
            lp.text_to_speech("three")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("pipeline=gpu", "pipeline must be one of inference, oom, error"),
        ("pipeline=oom; status=500", "a pipeline fault has its own status"),
    ],
)
def test_bad_pipeline_fault_specs_are_refused(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Fault.parse(spec)


def test_bad_pipeline_faults_are_refused_when_built_too() -> None:
    with pytest.raises(ValueError, match="pipeline must be one of"):
        Fault(pipeline="gpu")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="its own status"):
        Fault(status=500, pipeline="oom")


# --- headers ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["gateway", "runner"])
def test_neither_server_sends_request_id_or_retry_after(mode: str) -> None:
    with EmulatorServer(use_espeak=False, livepeer_mode=mode) as srv:
        answers = [
            call(srv),
            call(srv, b'{"text": ""}'),
            call(srv, auth="Bearer wrong"),
            call(srv, headers={"X-Emulator-Fault": "pipeline=oom", "X-Request-Id": "abc"}),
        ]
    for r in answers:
        assert "x-request-id" not in r.headers and "retry-after" not in r.headers


# --- gateway: Go's key folding ------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "field"),
    [
        ("TEXT", "text"),
        ("Text", "text"),
        ("de\\u017fcription", "description"),  # long s folds to s in Go
        ("model_\\u0131d", None),  # dotless i does not fold to i
        ("t\\u0435xt", None),  # Cyrillic e is no e
    ],
)
def test_gateway_matches_keys_as_go_folds_them(key: str, field: str | None) -> None:
    from speechspec.emulator import _gojson

    params = _gojson.decode_params(f'{{"{key}": "v"}}'.encode())
    assert [name for name, value in params.items() if value == "v"] == ([field] if field else [])


# --- runner: what Starlette cannot render -------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b'{"text": ["\\ud800"]}',  # a 422 echoing a lone surrogate
        b'{"text": NaN}',  # a 422 echoing NaN
        b'{"model_id": "m\\ud800", "text": "hi"}',  # the model 400 naming it
    ],
)
def test_runner_answers_a_plain_500_where_its_json_rendering_fails(
    runner: EmulatorServer, body: bytes
) -> None:
    # JSONResponse.render: ensure_ascii=False, allow_nan=False; ServerErrorMiddleware's 500.
    r = call(runner, body)
    assert (r.status_code, r.content) == (500, b"Internal Server Error")
    assert r.headers["content-type"] == "text/plain; charset=utf-8"


# --- the command line ---------------------------------------------------------------------


def test_emulator_command_takes_the_runners_model() -> None:
    command = [sys.executable, "-m", "speechspec", "emulator", "--port", "0"]
    command += ["--livepeer-mode", "runner", "--livepeer-model", "a/b", "--livepeer-token", "tok"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        printed = dict(proc.stdout.readline().strip().partition("=")[::2] for _ in range(4))
        url = f"{printed['LIVEPEER_BASE_URL']}/text-to-speech"
        auth = {"Authorization": "Bearer tok"}
        ok = httpx.post(url, json={"model_id": "a/b", "text": "hi"}, headers=auth)
        refused = httpx.post(url, json={"model_id": MODEL, "text": "hi"}, headers=auth)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert ok.status_code == 200
    assert refused.json() == {
        "detail": {"msg": f"pipeline configured with a/b but called with {MODEL}"}
    }


def test_the_emulators_socket_listens_before_uvicorn_runs() -> None:
    """The CLI prints its address before uvicorn starts: a client must queue, not be refused."""
    import socket

    from speechspec.emulator._server import bind_socket

    sock = bind_socket("127.0.0.1", 0)
    try:
        socket.create_connection(sock.getsockname(), timeout=5).close()
    finally:
        sock.close()
