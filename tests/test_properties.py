"""Property tests: every public method, given arbitrary Python values and strings for every
parameter, returns or raises a documented exception (speechspec.errors); when it raised
InvalidRequestError, the emulator's request log (GET /__emulator__/requests) shows that
nothing was sent. Example counts are moderate: each test takes a few seconds."""

from __future__ import annotations

import asyncio
import io
import os
import ssl
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import speechspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from speechspec import errors
from speechspec.cli import main
from speechspec.emulator import EmulatorServer
from speechspec.webhooks import verify_hamsa_webhook

DOCUMENTED = tuple(
    getattr(errors, name) for name in errors.__all__ if isinstance(getattr(errors, name), type)
)
SETTINGS = settings(
    max_examples=int(os.environ.get("SPEECHSPEC_PROPERTY_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)

# -- strategies ---------------------------------------------------------------------------

# Strings with lone surrogates, controls, non-ASCII and RFC 3986-hostile characters.
HOSTILE_CHARS = st.characters(codec=None, exclude_categories=())
STRINGS = st.one_of(
    st.text(max_size=20),
    st.text(HOSTILE_CHARS, max_size=12),
    st.sampled_from(["", " ", "\ud800", "a\udcffb", "é", "\x00", "\n", "%", "%zz", "<>", "`"]),
)
ANY = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    STRINGS,
    st.binary(max_size=8),
    st.lists(st.integers(), max_size=2),
    st.tuples(STRINGS, STRINGS),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.builds(object),
)


def values(*good: Any) -> st.SearchStrategy[Any]:
    """Arbitrary values, and (often) good ones, so that calls also succeed."""
    return st.one_of(st.sampled_from(good), ANY) if good else ANY


NUMBERS = values(1, 0.5, 30, 0, -1, 1e-9, 1e300, float("nan"), float("inf"), True, "5")
WEBHOOKS = values(
    None,
    "http://127.0.0.1:9/hook",
    "https://example.com/hook?a=1",
    "http://a b/",
    "http://x/%zz",
    "http://x/é",
    "http://u:p@x/",
    "ftp://x/",
)
HEADERS = values(
    None,
    {"X-Trace": "t-1"},
    {"X-Trace": "\ud800"},
    {"X-Trace": "é"},
    {"é": "x"},
    {"Authorization": "Token x"},
    {"X-Trace": 5},
    {"X Bad": "v"},
    {"X-Trace": "a\r\nb"},
)
QUERY = values(None, {"a": "b"}, {"a": "\ud800"}, {"jobId": "x"}, {"a": ["b", 1]}, {5: "x"})
BODY = values(
    None,
    {"x_no_such_field": 1},
    {"webhookUrl": "http://a b/"},
    {"x": float("nan")},
    {"text": "t"},
    {"webhookUrl": "https://example.com/h"},
    {"description": "\ud800"},
)


def options(*names: str, timeout: str = "timeout") -> st.SearchStrategy[dict[str, Any]]:
    """The per-call options a method takes, each arbitrary or absent."""
    pool: dict[str, st.SearchStrategy[Any]] = {
        timeout: st.one_of(st.none(), NUMBERS),
        "max_retries": values(0, 1, -1, 101),
        "extra_headers": HEADERS,
        "extra_query": QUERY,
        "extra_body": BODY,
    }
    return st.fixed_dictionaries({}, optional={n: pool[n] for n in (timeout, *names)})


API_OPTIONS = ("max_retries", "extra_headers", "extra_query")
AUTHS = values(None, ("Token", "s3cret-value"), ("Token", "é"), ("k",), ["k", "s"])


def _in_workdir(value: object) -> bool:
    """A path (as its str) that stays in the test's working directory: never absolute, never
    ~ or .. (the tests may run as root: "/0" was once written at the root of the machine)."""
    text = str(value)
    return not text.startswith(("/", "~")) and ".." not in text


def relative_paths() -> st.SearchStrategy[Any]:
    """Paths inside the test's temporary working directory only (never absolute, never ..)."""
    names = st.text(HOSTILE_CHARS, min_size=0, max_size=12).filter(_in_workdir)
    return st.one_of(
        st.sampled_from(["a.wav", "sub/a.wav", "missing/a.wav", ".", "", "x" * 255, "x" * 256]),
        names,
        names.map(Path),
        ANY.filter(lambda v: not isinstance(v, str)),
    )


# -- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(job_delay=0.0, use_espeak=False) as server:
        yield server


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


class LoopbackOnly(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """No test touches the internet: anything but loopback fails to connect."""

    # One SSL context for every example's transports (they only reach the loopback emulator,
    # over http): building one costs ~20 ms of CPU under OpenSSL 3, two per example.
    TLS = ssl.create_default_context()

    def __init__(self) -> None:
        self.sync = httpx.HTTPTransport(verify=self.TLS)
        self.async_ = httpx.AsyncHTTPTransport(verify=self.TLS)

    @staticmethod
    def _check(request: httpx.Request) -> None:
        if request.url.host not in ("127.0.0.1", "localhost"):
            raise httpx.ConnectError("the test transport refuses non-loopback hosts")

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._check(request)
        return self.sync.handle_request(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._check(request)
        return await self.async_.handle_async_request(request)


def _client(emulator: EmulatorServer, vendor: str, mode: str) -> Any:
    transport = LoopbackOnly()
    if vendor == "hamsa":
        cls: Any = speechspec.Hamsa if mode == "sync" else speechspec.AsyncHamsa
        key, base = emulator.hamsa_key, emulator.hamsa_base_url
    else:
        cls = speechspec.Livepeer if mode == "sync" else speechspec.AsyncLivepeer
        key, base = emulator.livepeer_token, emulator.livepeer_base_url
    http: Any = (
        httpx.Client(transport=transport)
        if mode == "sync"
        else httpx.AsyncClient(transport=transport)
    )
    return cls(key, base_url=base, http_client=http, max_retries=0)


def _check(emulator: EmulatorServer, call: Callable[[], Any]) -> Any:
    """Run ``call``; any exception must be documented, and InvalidRequestError sends nothing."""
    emulator.clear_requests()
    try:
        return call()
    except DOCUMENTED as exc:
        if isinstance(exc, errors.InvalidRequestError):
            assert isinstance(exc, ValueError)
            assert exc.param, f"InvalidRequestError without .param: {exc}"
            assert emulator.requests() == [], f"{exc} was raised after a request"
        return exc


def _both(emulator: EmulatorServer, vendor: str, mode: str, method: str, *a: Any, **kw: Any) -> Any:
    client = _client(emulator, vendor, mode)
    if mode == "sync":
        with client:
            return _check(emulator, lambda: getattr(client, method)(*a, **kw))

    async def scenario() -> Any:
        async with client:
            return await getattr(client, method)(*a, **kw)

    return _check(emulator, lambda: asyncio.run(scenario()))


MODES = ["sync", "async"]

# -- constructors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cls", [speechspec.Hamsa, speechspec.AsyncHamsa, speechspec.Livepeer, speechspec.AsyncLivepeer]
)
@SETTINGS
@given(
    key=values(None, "hk-valid-key", "ключ", "a\ud800", " k ", 5),
    base_url=values(None, "https://api.example.com", "http://u:pw@h/", "ftp://x", "http://é/"),
    timeout=values(None, 5, httpx.Timeout(1.0), httpx.Timeout(float("nan"))),
    max_retries=values(0, 2, 10**9),
    retry_billed=values(True, False),
    http_client=values(None, "client"),
)
def test_constructors(
    cls: Any,
    key: Any,
    base_url: Any,
    timeout: Any,
    max_retries: Any,
    retry_billed: Any,
    http_client: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for var in ("HAMSA_API_KEY", "HAMSA_BASE_URL", "LIVEPEER_API_TOKEN", "LIVEPEER_BASE_URL"):
        monkeypatch.delenv(var, raising=False)

    def construct(key: Any) -> Any:
        return cls(
            key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            retry_billed=retry_billed,
            http_client=http_client,
        )

    try:
        client = construct(key)
    except (errors.ConfigurationError, errors.InvalidRequestError) as exc:
        if isinstance(key, str) and len(key.strip()) >= 4:
            # A drawn key may be a word of the message itself ("name", in "host name"): it
            # leaked only if the same call with another key does not say it either.
            try:
                construct("hk-placeholder-key")
                said = ""
            except (errors.ConfigurationError, errors.InvalidRequestError) as other:
                said = str(other)
            assert key.strip() not in str(exc) or key.strip() in said
        return
    assert isinstance(key, str) or key is None
    if isinstance(key, str) and len(key) >= 4:
        assert key not in repr(client)


# -- Hamsa --------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@SETTINGS
@given(
    text=values("مرحبا"),
    voice_id=values("Amjad"),
    webhook_url=WEBHOOKS,
    webhook_auth=AUTHS,
    opts=options(*API_OPTIONS, "extra_body"),
)
def test_hamsa_text_to_speech(
    emulator: EmulatorServer,
    mode: str,
    text: Any,
    voice_id: Any,
    webhook_url: Any,
    webhook_auth: Any,
    opts: dict[str, Any],
) -> None:
    result = _both(
        emulator,
        "hamsa",
        mode,
        "text_to_speech",
        text,
        voice_id=voice_id,
        webhook_url=webhook_url,
        webhook_auth=webhook_auth,
        **opts,
    )
    if not isinstance(result, Exception):
        assert isinstance(result.id, str)


@pytest.fixture(scope="module")
def job_id(emulator: EmulatorServer) -> str:
    with _client(emulator, "hamsa", "sync") as client:
        return str(client.text_to_speech("مرحبا", voice_id="Amjad").id)


@pytest.mark.parametrize("mode", MODES)
@SETTINGS
@given(data=st.data())
def test_hamsa_get_job(emulator: EmulatorServer, job_id: str, mode: str, data: Any) -> None:
    requested = data.draw(values(job_id, "no-such-job"))
    opts = data.draw(options(*API_OPTIONS))
    result = _both(emulator, "hamsa", mode, "get_job", requested, **opts)
    if not isinstance(result, Exception):
        assert result.id == requested


@pytest.mark.parametrize("mode", MODES)
@SETTINGS
@given(data=st.data())
def test_hamsa_wait_for_job(emulator: EmulatorServer, job_id: str, mode: str, data: Any) -> None:
    kwargs = {
        "timeout": data.draw(NUMBERS),
        "poll_interval": data.draw(NUMBERS),
        "max_poll_interval": data.draw(NUMBERS),
        "on_poll": data.draw(values(None, lambda job: None, "not callable")),
        **data.draw(options(*API_OPTIONS, timeout="request_timeout")),
    }
    _both(emulator, "hamsa", mode, "wait_for_job", data.draw(values(job_id, "nope")), **kwargs)


@pytest.mark.parametrize("mode", MODES)
@SETTINGS
@given(
    text=values("مرحبا"),
    path=relative_paths(),
    voice_id=values("Amjad"),
    timeout=NUMBERS,
    max_bytes=values(10**6, 1, 0, -1, 2.5),
    opts=options(*API_OPTIONS, "extra_body", timeout="request_timeout"),
)
def test_hamsa_synthesize(
    emulator: EmulatorServer,
    workdir: Path,
    mode: str,
    text: Any,
    path: Any,
    voice_id: Any,
    timeout: Any,
    max_bytes: Any,
    opts: dict[str, Any],
) -> None:
    result = _both(
        emulator,
        "hamsa",
        mode,
        "synthesize",
        text,
        path,
        voice_id=voice_id,
        timeout=timeout,
        max_bytes=max_bytes,
        **opts,
    )
    if not isinstance(result, Exception):
        assert result.read_bytes()[:4] == b"RIFF"


@pytest.mark.parametrize("vendor", ["hamsa", "livepeer"])
@SETTINGS
@given(value=values(None))
def test_audio_url(emulator: EmulatorServer, vendor: str, value: Any) -> None:
    _check(emulator, lambda: _client(emulator, vendor, "sync").audio_url(value))


# -- Livepeer -----------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@SETTINGS
@given(
    text=values("Hello"),
    model_id=values("parler-tts/parler-tts-large-v1"),
    description=values(None, "A calm voice", ""),
    opts=options(*API_OPTIONS, "extra_body"),
)
def test_livepeer_text_to_speech(
    emulator: EmulatorServer,
    mode: str,
    text: Any,
    model_id: Any,
    description: Any,
    opts: dict[str, Any],
) -> None:
    _both(
        emulator,
        "livepeer",
        mode,
        "text_to_speech",
        text,
        model_id=model_id,
        description=description,
        **opts,
    )


@pytest.mark.parametrize("mode", MODES)
@SETTINGS
@given(
    text=values("Hello"),
    path=relative_paths(),
    description=values(None, "A calm voice"),
    max_bytes=values(10**6, 1, 0),
    opts=options(*API_OPTIONS, "extra_body"),
)
def test_livepeer_synthesize(
    emulator: EmulatorServer,
    workdir: Path,
    mode: str,
    text: Any,
    path: Any,
    description: Any,
    max_bytes: Any,
    opts: dict[str, Any],
) -> None:
    _both(
        emulator,
        "livepeer",
        mode,
        "synthesize",
        text,
        path,
        description=description,
        max_bytes=max_bytes,
        **opts,
    )


# -- downloads ----------------------------------------------------------------------------

WAV_B64 = "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQAAAAA="


@pytest.mark.parametrize("vendor", ["hamsa", "livepeer"])
@pytest.mark.parametrize("mode", MODES)
@SETTINGS
@given(data=st.data())
def test_download(
    emulator: EmulatorServer, workdir: Path, vendor: str, mode: str, data: Any
) -> None:
    url = data.draw(
        values(
            "data:audio/wav;base64," + WAV_B64,
            "DATA:audio/wav;BASE64," + WAV_B64.replace("=", "%3D"),
            "data:;base64,YQ==YQ==",
            "data:,a%ZZ",
            f"{emulator.base_url}/media/missing.wav",
            "https://example.invalid/a.wav",
            "http://example.invalid/a.wav",
            "file:///etc/passwd",
        )
    )
    kwargs = {
        "max_bytes": data.draw(values(10**6, 1, 0)),
        "allow_http": data.draw(values(False, True)),
        "on_progress": data.draw(values(None, lambda done, total: None, 3)),
        **data.draw(options("max_retries", "extra_headers")),
    }
    _both(emulator, vendor, mode, "download", url, data.draw(relative_paths()), **kwargs)


# -- webhooks -----------------------------------------------------------------------------

JOB = b'{"id": "j1", "status": "COMPLETED", "mediaUrl": "https://m.example.com/a.wav"}'


@SETTINGS
@given(
    headers=values({"Authorization": "Token s3cret"}, [("authorization", b"Token s3cret")], {}),
    body=values(JOB, JOB.decode(), {"id": "j1"}, b"[" * 5000, b"{" * 100000),
    auth_key=values("Token"),
    auth_secret=values("s3cret"),
    max_body_bytes=values(1 << 20, 0, 10),
)
def test_verify_hamsa_webhook(
    headers: Any, body: Any, auth_key: Any, auth_secret: Any, max_body_bytes: Any
) -> None:
    try:
        job = verify_hamsa_webhook(
            headers, body, auth_key=auth_key, auth_secret=auth_secret, max_body_bytes=max_body_bytes
        )
    except DOCUMENTED:
        return
    assert job.id == "j1"


# -- CLI ----------------------------------------------------------------------------------


@SETTINGS
@given(
    vendor=st.sampled_from(["hamsa", "livepeer"]),
    text=values("مرحبا", "-"),
    ident=values("Amjad"),
    output=values("out.wav", "sub", "missing/out.wav", "out\udcff.wav").filter(_in_workdir),
    job_timeout=values("30", "0", "-1", "nan", "inf", "x"),
    webhook=values(None, "http://a b/"),
    stdin=st.binary(max_size=20),
)
def test_cli_main(
    emulator: EmulatorServer,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    vendor: str,
    text: Any,
    ident: Any,
    output: Any,
    job_timeout: Any,
    webhook: Any,
    stdin: bytes,
) -> None:
    monkeypatch.setenv("HAMSA_API_KEY", emulator.hamsa_key)
    monkeypatch.setenv("LIVEPEER_API_TOKEN", emulator.livepeer_token or "")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
    # Values in --name=value form and the text after "--": a value such as "-h" stays a value.
    base = emulator.hamsa_base_url if vendor == "hamsa" else emulator.livepeer_base_url
    argv = ["speak", vendor, f"--output={output}", f"--base-url={base}"]
    if vendor == "hamsa":
        argv += [f"--voice-id={ident}", f"--job-timeout={job_timeout}"]
        if webhook is not None:
            argv += [f"--webhook-url={webhook}"]
    else:
        argv += [f"--model-id={ident}"]
    argv += ["--", str(text)]
    emulator.clear_requests()
    code = main(argv)
    out = capsys.readouterr()
    assert code in (0, 1, 2)
    if code == 2:
        assert emulator.requests() == []
    if code == 0:
        written = [p for p in workdir.rglob("*") if p.is_file()]
        assert len(written) == 1, (argv, out)
        assert written[0].read_bytes()[:4] == b"RIFF"
    for leftover in workdir.rglob("*.part"):
        raise AssertionError(f"partial file left: {leftover}")
    for p in workdir.rglob("*"):
        if p.is_file():
            os.unlink(p)
