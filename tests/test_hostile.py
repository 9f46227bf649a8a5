"""Hostile input from either side (issue 17): one test per class of defect. Each asserts the
documented outcome and, for a refused argument, that nothing was sent."""

from __future__ import annotations

import asyncio
import base64
import os
import pickle
import stat
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
import speechspec
from helpers import (
    HAMSA_KEY,
    HAMSA_URL,
    LIVEPEER_URL,
    audio_answer,
    call,
    create_answer,
    job,
    make,
)
from speechspec import errors
from speechspec.cli import main
from speechspec.emulator import EmulatorServer
from speechspec.webhooks import verify_hamsa_webhook

MODES = ["sync", "async"]
WAV = b"RIFF" + b"\x00" * 40
CREATE = f"{HAMSA_URL}/v1/jobs/text-to-speech"


@pytest.fixture
def mock() -> Any:
    with respx.mock(assert_all_called=False) as m:
        yield m


def refused(exc_info: Any, param: str) -> None:
    assert exc_info.value.param == param
    assert isinstance(exc_info.value, ValueError)


# -- unencodable characters ---------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"text": "a\ud800"}, "text"),
        ({"voice_id": "\udcff"}, "voice_id"),
        ({"webhook_url": "http://x/\ud800"}, "webhook_url"),
        (
            {"webhook_url": "https://x/h", "webhook_auth": ("Token", "s\ud800cret")},
            "webhook_auth[1] (auth secret)",
        ),
        (
            {"webhook_url": "https://x/h", "webhook_auth": ("Tök", "secret")},
            "webhook_auth[0] (auth key)",
        ),
    ],
)
def test_unencodable_arguments_are_refused_before_sending(
    mock: Any, mode: str, kwargs: dict[str, Any], param: str
) -> None:
    route = mock.post(CREATE).respond(200, json=create_answer())
    args = {"text": "t", "voice_id": "v", **kwargs}
    with pytest.raises(errors.InvalidRequestError) as info:
        call(make("hamsa", mode), "text_to_speech", args.pop("text"), **args)
    refused(info, param)
    assert "s\ud800cret" not in str(info.value)
    assert route.call_count == 0


@pytest.mark.parametrize("mode", MODES)
def test_livepeer_model_id_and_description_surrogates(mock: Any, mode: str) -> None:
    route = mock.post(f"{LIVEPEER_URL}/text-to-speech").respond(200, json=audio_answer())
    for kwargs, param in (
        ({"model_id": "m\ud800"}, "model_id"),
        ({"description": "\udc80"}, "description"),
    ):
        with pytest.raises(errors.InvalidRequestError) as info:
            call(make("livepeer", mode), "text_to_speech", "hi", **kwargs)
        refused(info, param)
    assert route.call_count == 0


@pytest.mark.parametrize(
    "key", ["ключ-секрет-1234", "key\ud800secret", "key with space", "k\x00ey1"]
)
def test_bad_api_keys_are_refused_by_the_constructor_without_echo(
    key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(errors.ConfigurationError) as info:
        speechspec.Hamsa(key)
    assert "api_key" in str(info.value)
    assert key not in str(info.value)
    if "\ud800" in key or "\x00" in key:
        return  # the environment cannot hold these
    monkeypatch.setenv("LIVEPEER_API_TOKEN", key)
    with pytest.raises(errors.ConfigurationError) as info:
        speechspec.AsyncLivepeer()
    assert "LIVEPEER_API_TOKEN" in str(info.value)
    assert key not in str(info.value)


def test_cli_surrogates_in_argv_and_undecodable_stdin(
    mock: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    import io
    import sys

    route = mock.post(f"{LIVEPEER_URL}/text-to-speech").respond(200, json=audio_answer())
    out = str(tmp_path / "a.wav")
    assert main(["speak", "livepeer", "caf\udce9", "-o", out]) == 2
    assert "TEXT argument is not valid UTF-8" in capsys.readouterr().err
    monkeypatch.setattr(
        sys, "stdin", io.TextIOWrapper(io.BytesIO(b"\xff\xfe bad"), encoding="utf-8")
    )
    assert main(["speak", "livepeer", "-", "-o", out]) == 2
    assert "standard input" in capsys.readouterr().err
    assert main(["speak", "livepeer", "x", "--bogus\udcff"]) == 2  # argparse's own message
    assert route.call_count == 0


# -- wrong Python types -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "args", "kwargs", "param"),
    [
        ("download", ("data:,x", None), {}, "path"),
        ("download", (5, "a.wav"), {}, "url"),
        ("download", ("data:,x", "a.wav"), {"on_progress": "print"}, "on_progress"),
        ("download", ("data:,x", "a.wav"), {"allow_http": "yes"}, "allow_http"),
        ("download", ("data:,x", "a.wav"), {"max_bytes": "100"}, "max_bytes"),
        ("wait_for_job", ("j",), {"on_poll": 3}, "on_poll"),
        ("wait_for_job", ("j",), {"timeout": "10"}, "timeout"),
        ("wait_for_job", ("j",), {"poll_interval": float("nan")}, "poll_interval"),
        ("get_job", (None,), {}, "job_id"),
        ("audio_url", ({"mediaUrl": "https://x/a.wav"},), {}, "job"),
    ],
)
def test_wrong_types_name_the_parameter(
    mock: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    method: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    param: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(errors.InvalidRequestError) as info:
        call(make("hamsa", "sync"), method, *args, **kwargs)
    refused(info, param)
    assert not mock.calls


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"api_key": 12345}, errors.ConfigurationError),
        ({"base_url": 5}, errors.ConfigurationError),
        ({"timeout": "10"}, errors.InvalidRequestError),
        ({"timeout": float("inf")}, errors.InvalidRequestError),
        ({"max_retries": 2.5}, errors.InvalidRequestError),
        ({"retry_billed": "no"}, errors.InvalidRequestError),
        ({"http_client": object()}, errors.ConfigurationError),
    ],
)
def test_constructor_wrong_types(kwargs: dict[str, Any], error: type[Exception]) -> None:
    kwargs.setdefault("api_key", HAMSA_KEY)
    with pytest.raises(error):
        speechspec.Hamsa(**kwargs)


# -- webhook URLs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/a hook",
        "https://example.com/<x>",
        'https://example.com/"q"',
        "https://example.com/{x}",
        "https://example.com/a|b",
        "https://example.com/a\\b",
        "https://example.com/a^b",
        "https://example.com/a`b",
        "https://example.com/%zz",
        "https://example.com/50%",
        "https://example.com/café",
        "https://exämple.com/",
        "https://user:hunter22@example.com/",
        "ftp://example.com/hook",
        "https:///nohost",
        "https://example.com:99999/",
    ],
)
def test_webhook_urls_must_be_rfc3986_http_uris(mock: Any, url: str) -> None:
    route = mock.post(CREATE).respond(200, json=create_answer())
    with pytest.raises(errors.InvalidRequestError) as info:
        make("hamsa", "sync").text_to_speech("t", voice_id="v", webhook_url=url)
    refused(info, "webhook_url")
    assert "hunter22" not in str(info.value)
    assert route.call_count == 0


def test_valid_webhook_uris_are_sent_unchanged(mock: Any) -> None:
    route = mock.post(CREATE).respond(200, json=create_answer())
    url = "https://example.com:8443/h%C3%A9/x;y=1?a=%20b&c=d#frag"
    make("hamsa", "sync").text_to_speech("t", voice_id="v", webhook_url=url)
    assert url.encode() in route.calls.last.request.content


# -- nothing billed before the whole call is checked ----------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"timeout": 0}, "timeout"),
        ({"timeout": float("nan")}, "timeout"),
        ({"max_bytes": 0}, "max_bytes"),
        ({"max_bytes": 1.5}, "max_bytes"),
    ],
)
def test_hamsa_synthesize_checks_every_argument_first(
    mock: Any, tmp_path: Path, mode: str, kwargs: dict[str, Any], param: str
) -> None:
    route = mock.post(CREATE).respond(200, json=create_answer())
    with pytest.raises(errors.InvalidRequestError) as info:
        call(make("hamsa", mode), "synthesize", "t", tmp_path / "a.wav", voice_id="v", **kwargs)
    refused(info, param)
    assert route.call_count == 0


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_unwritable_target_directory_is_refused_first(mock: Any, tmp_path: Path) -> None:
    route = mock.post(f"{LIVEPEER_URL}/text-to-speech").respond(200, json=audio_answer())
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(errors.InvalidRequestError, match="not writable"):
            make("livepeer", "sync").synthesize("t", locked / "a.wav")
    finally:
        locked.chmod(0o700)
    assert route.call_count == 0


@pytest.mark.parametrize("kind", ["fifo", "proc"])
def test_targets_that_cannot_be_written_are_refused_first_even_for_root(
    mock: Any, tmp_path: Path, kind: str
) -> None:
    # os.access() says yes to root everywhere; a probe file and a regular-file check do not.
    route = mock.post(f"{LIVEPEER_URL}/text-to-speech").respond(200, json=audio_answer())
    if kind == "fifo":
        target = tmp_path / "pipe.wav"
        os.mkfifo(target)
        match = "not a regular file"
    else:
        target = Path("/proc/speechspec-out.wav")
        match = "not writable"
    with pytest.raises(errors.InvalidRequestError, match=match) as info:
        make("livepeer", "sync").synthesize("t", target)
    assert info.value.param == "path"
    assert route.call_count == 0
    if kind == "fifo":
        assert stat.S_ISFIFO(target.stat().st_mode)
        assert [p.name for p in tmp_path.iterdir()] == ["pipe.wav"]


def test_synthesize_refuses_a_name_too_long_and_a_directory_first(
    mock: Any, tmp_path: Path
) -> None:
    route = mock.post(f"{LIVEPEER_URL}/text-to-speech").respond(200, json=audio_answer())
    with pytest.raises(errors.InvalidRequestError, match="longer than"):
        make("livepeer", "sync").synthesize("t", tmp_path / ("x" * 256))
    with pytest.raises(errors.InvalidRequestError, match="directory"):
        make("livepeer", "sync").synthesize("t", tmp_path)
    assert route.call_count == 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--job-timeout", "0"], "--job-timeout"),
        (["--job-timeout", "nan"], "--job-timeout"),
        (["-o", "DIR"], "directory"),
        (["--webhook-url", "http://a b/"], "--webhook-url"),
    ],
)
def test_cli_checks_everything_before_the_billed_post(
    mock: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
    extra: list[str],
    message: str,
) -> None:
    monkeypatch.setenv("HAMSA_API_KEY", HAMSA_KEY)
    route = mock.post(CREATE).respond(200, json=create_answer())
    extra = [str(tmp_path) if e == "DIR" else e for e in extra]
    argv = ["speak", "hamsa", "t", "--voice-id", "v", "-o", str(tmp_path / "a.wav"), *extra]
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert route.call_count == 0


# -- pathological answers ---------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("status", [200, 400, 500])
def test_deeply_nested_json_is_a_typed_error(mock: Any, mode: str, status: int) -> None:
    deep = b'{"audio": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    mock.post(f"{LIVEPEER_URL}/text-to-speech").respond(status, content=deep)
    expected = errors.ResponseValidationError if status == 200 else errors.APIStatusError
    with pytest.raises(expected):
        call(make("livepeer", mode, max_retries=0), "text_to_speech", "hi")


def test_deeply_nested_webhook_body() -> None:
    with pytest.raises(errors.ResponseValidationError, match="deeper"):
        verify_hamsa_webhook(
            {"Authorization": "Token s3cret"}, b"[" * 50_000, auth_key="Token", auth_secret="s3cret"
        )
    nested: Any = {}
    for _ in range(5000):
        nested = {"data": nested}
    with pytest.raises(errors.ResponseValidationError):
        verify_hamsa_webhook(
            {"Authorization": "Token s3cret"}, nested, auth_key="Token", auth_secret="s3cret"
        )


@pytest.mark.parametrize("mode", MODES)
def test_a_job_answer_for_another_job_is_refused(mock: Any, mode: str) -> None:
    mock.get(f"{HAMSA_URL}/v1/jobs").respond(200, json={"message": "ok", "data": job(id="other")})
    with pytest.raises(errors.ResponseValidationError, match="not about the job asked for"):
        call(make("hamsa", mode), "get_job", "job-123")
    with pytest.raises(errors.ResponseValidationError):
        call(make("hamsa", mode), "wait_for_job", "job-123")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "url", ["", "   ", "?x=1", "#", ".", "/", "javascript:alert(1)", "ftp://x/a"]
)
def test_unusable_livepeer_audio_url_is_never_downloaded(
    mock: Any, tmp_path: Path, mode: str, url: str
) -> None:
    mock.post(f"{LIVEPEER_URL}/text-to-speech").respond(200, json=audio_answer(url))
    root = mock.get(url__startswith=LIVEPEER_URL).respond(200, html="<html>gateway</html>")
    with pytest.raises(errors.ResponseValidationError):
        call(make("livepeer", mode), "synthesize", "hi", tmp_path / "a.wav")
    assert root.call_count == 0
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("mode", MODES)
def test_empty_hamsa_media_url_is_a_response_error(mock: Any, tmp_path: Path, mode: str) -> None:
    mock.post(CREATE).respond(200, json=create_answer())
    mock.get(f"{HAMSA_URL}/v1/jobs").respond(
        200, json={"message": "ok", "data": job("COMPLETED", mediaUrl="")}
    )
    with pytest.raises(errors.ResponseValidationError, match="neither mediaUrl"):
        call(make("hamsa", mode), "synthesize", "t", tmp_path / "a.wav", voice_id="v")


@pytest.mark.parametrize("mode", MODES)
def test_hamsa_answer_without_its_optional_data(mock: Any, mode: str) -> None:
    """Decision: `data` stays optional (the vendor's docs never promise it); its absence is a
    ResponseValidationError that says the answer is spec-valid but carries no job."""
    mock.post(CREATE).respond(200, json={"success": True, "message": "queued"})
    mock.get(f"{HAMSA_URL}/v1/jobs").respond(200, json={"message": "ok"})
    with pytest.raises(errors.ResponseValidationError, match="spec-valid but unusable"):
        call(make("hamsa", mode), "text_to_speech", "t", voice_id="v")
    with pytest.raises(errors.ResponseValidationError, match="optional 'data'"):
        call(make("hamsa", mode), "get_job", "job-123")


# -- downloads ----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("start", "location", "message"),
    [
        ("https://cdn.example.com/a.wav", "http://127.0.0.1:8080/a.wav", "https to plain http"),
        ("https://cdn.example.com/a.wav", "https://127.0.0.1/a.wav", "internal"),
        ("https://cdn.example.com/a.wav", "https://10.0.0.5/a.wav", "internal"),
        ("https://cdn.example.com/a.wav", "https://169.254.169.254/latest", "internal"),
        ("https://cdn.example.com/a.wav", "https://[::ffff:127.0.0.1]/a.wav", "internal"),
        ("https://cdn.example.com/a.wav", "https://2130706433/a.wav", "internal"),
        ("https://cdn.example.com/a.wav", "https://localhost/a.wav", "internal"),
    ],
)
def test_redirects_never_downgrade_or_reach_inside(
    mock: Any, tmp_path: Path, mode: str, start: str, location: str, message: str
) -> None:
    mock.get(start).respond(302, headers={"Location": location})
    target = mock.get(url__startswith=location.split("/a.wav")[0]).respond(200, content=WAV)
    with pytest.raises(errors.DownloadError, match=message):
        call(make("livepeer", mode), "download", start, tmp_path / "a.wav")
    assert target.call_count == 0
    assert list(tmp_path.iterdir()) == []


def test_redirect_between_public_https_hosts_and_within_loopback_still_work(
    mock: Any, tmp_path: Path
) -> None:
    mock.get("https://a.example.com/x").respond(
        302, headers={"Location": "https://b.example.com/y"}
    )
    mock.get("https://b.example.com/y").respond(200, content=WAV)
    make("livepeer", "sync").download("https://a.example.com/x", tmp_path / "a.wav")
    mock.get("http://127.0.0.1:9/x").respond(302, headers={"Location": "http://127.0.0.1:9/y"})
    mock.get("http://127.0.0.1:9/y").respond(200, content=WAV)
    make("livepeer", "sync").download("http://127.0.0.1:9/x", tmp_path / "b.wav")
    assert (tmp_path / "b.wav").read_bytes() == WAV


def test_data_urls_per_rfc2397(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    client = make("livepeer", "sync")
    b64 = base64.b64encode(WAV).decode()
    for i, url in enumerate(
        [
            "DATA:audio/wav;BASE64," + b64,
            "Data:audio/wav;base64,"
            + b64.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D"),
            "data:audio/wav;base64," + "\n".join([b64[:8], b64[8:]]),
        ]
    ):
        assert client.download(url, tmp_path / f"{i}.wav").read_bytes() == WAV
    # Padding inside the data is refused, in one slice or across slices.
    with pytest.raises(errors.DownloadError, match="padding"):
        client.download("data:;base64,YQ==YWJj", tmp_path / "bad.wav")
    from speechspec import _data_url

    monkeypatch.setattr(_data_url, "_B64_SLICE", 8)
    with pytest.raises(errors.DownloadError, match="padding"):
        client.download("data:;base64,YWI=YWJjYWJj", tmp_path / "bad.wav")  # "=" ends slice 1
    with pytest.raises(errors.DownloadError, match="padding"):
        client.download("data:;base64,YWJjYQ==YWJj", tmp_path / "bad.wav")
    assert (
        client.download("data:;base64,YWJjYWJjYQ==", tmp_path / "ok.wav").read_bytes() == b"abcabca"
    )
    # Whitespace may follow the padding, also when the padding ends a slice; data may not.
    for tail in ("\n", " \r\n ", "\n\n\n\n\n\n\n\n\t"):
        url = "data:;base64,YWJjYQ==" + tail  # "=" ends slice 1 of 8 characters
        assert client.download(url, tmp_path / "ws.wav").read_bytes() == b"abca"
    with pytest.raises(errors.DownloadError, match="padding"):
        client.download("data:;base64,YWJjYQ==\nYWJj", tmp_path / "bad.wav")
    assert not (tmp_path / "bad.wav").exists()


@pytest.mark.parametrize("size", [10_239, 10_240, 10_241])
def test_max_bytes_of_a_data_url_counts_decoded_bytes_not_its_line_breaks(
    tmp_path: Path, size: int
) -> None:
    """base64 wrapped at 76 characters (MIME's habit) holds the same audio as unwrapped."""
    audio = (bytes(range(256)) * 41)[:size]
    b64 = base64.b64encode(audio).decode()
    wrapped = "\n".join(b64[i : i + 76] for i in range(0, len(b64), 76)) + "\n"
    client = make("livepeer", "sync")
    for n, data in enumerate((b64, wrapped)):
        target = tmp_path / f"{n}.wav"
        if size <= 10_240:
            assert (
                client.download(f"data:;base64,{data}", target, max_bytes=10_240).read_bytes()
                == audio
            )
        else:
            with pytest.raises(errors.DownloadError, match="exceeds max_bytes=10240"):
                client.download(f"data:;base64,{data}", target, max_bytes=10_240)
            assert not target.exists()


def test_longest_file_names_and_umask_file_mode(tmp_path: Path) -> None:
    client = make("livepeer", "sync")
    url = "data:;base64," + base64.b64encode(WAV).decode()
    name = tmp_path / ("é" * 127 + "x")  # 255 bytes in UTF-8
    assert len(os.fsencode(name.name)) == 255
    assert client.download(url, name).read_bytes() == WAV
    old = os.umask(0o027)
    try:
        mode = stat.S_IMODE(client.download(url, tmp_path / "m.wav").stat().st_mode)
    finally:
        os.umask(old)
    assert mode == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name.name, "m.wav"])


def test_os_errors_while_writing_are_download_errors_naming_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    target = tmp_path / "a.wav"
    with pytest.raises(errors.DownloadError, match="No space left") as info:
        make("livepeer", "sync").download("data:,abc", target)
    assert info.value.path == str(target)
    assert list(tmp_path.iterdir()) == []


# -- secrets, pickles --------------------------------------------------------------------------


def test_errors_pickle_with_fields_and_without_secrets(mock: Any) -> None:
    secret = "wh-secret-0123456789"
    mock.post(CREATE).respond(
        401, json={"message": f"bad key {HAMSA_KEY}, webhook secret {secret}"}
    )
    with pytest.raises(errors.AuthenticationError) as info:
        make("hamsa", "sync").text_to_speech(
            "t", voice_id="v", webhook_url="https://x.example/h", webhook_auth=("Token", secret)
        )
    err = info.value
    blob = pickle.dumps(err)
    for s in (HAMSA_KEY, secret):
        assert s.encode() not in blob
        assert s not in str(err) and s not in repr(err.body)
        assert s.encode() not in err.response.content
        assert s.encode() not in err.response.request.content
        assert s not in str(err.response.request.headers)
    back = pickle.loads(blob)
    assert type(back) is errors.AuthenticationError
    assert (back.status_code, back.message, back.body, back.attempts) == (
        401,
        err.message,
        err.body,
        err.attempts,
    )
    assert back.response.request.method == "POST"


@pytest.mark.parametrize(
    "error",
    [
        errors.SpeechspecError("m"),
        errors.ConfigurationError("m"),
        errors.InvalidRequestError("m", param="text"),
        errors.ClientClosedError("m"),
        errors.APIConnectionError("m", may_have_been_processed=True, attempts=3),
        errors.APITimeoutError("m", attempts=2),
        errors.RateLimitError(
            "m", response=httpx.Response(429, headers={"Retry-After": "7"}), body={}, retry_after=7
        ),
        errors.UnprocessableEntityError("m", response=httpx.Response(422), body={"detail": [1]}),
        errors.ResponseValidationError("m", status_code=200, body={"a": 1}),
        errors.JobFailedError("m", job={"id": "j"}),
        errors.JobTimeoutError("m", job_id="j"),
        errors.DownloadError("m", url="https://x/a", path="/tmp/a"),
        errors.WebhookVerificationError("m"),
    ],
)
def test_every_error_survives_a_pickle_round_trip(error: errors.SpeechspecError) -> None:
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error)
    assert str(back) == str(error)
    for name, value in vars(error).items():
        if not isinstance(value, httpx.Response | httpx.Request):
            assert getattr(back, name) == value
    if isinstance(error, errors.RateLimitError):
        assert back.retry_after == 7.0
    if isinstance(error, errors.UnprocessableEntityError):
        assert back.errors == [1]


def test_refused_urls_do_not_echo_credentials(tmp_path: Path) -> None:
    with pytest.raises(errors.ConfigurationError) as info:
        speechspec.Hamsa(HAMSA_KEY, base_url="ftp://user:hunter22@example.com")
    assert "hunter22" not in str(info.value)
    with pytest.raises(errors.DownloadError) as dl:
        make("livepeer", "sync").download("http://user:hunter22@example.com/a.wav", tmp_path / "a")
    assert "hunter22" not in str(dl.value) and "hunter22" not in str(dl.value.url)


# -- lifecycle ----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_a_closed_client_says_it_is_closed(mock: Any, tmp_path: Path, mode: str) -> None:
    mock.post(f"{LIVEPEER_URL}/text-to-speech").respond(200, json=audio_answer())
    client = make("livepeer", mode)
    if mode == "sync":
        client.close()
    else:
        asyncio.run(client.aclose())
    with pytest.raises(errors.ClientClosedError, match="closed"):
        call(client, "text_to_speech", "hi")
    with pytest.raises(errors.ClientClosedError):
        call(client, "download", "data:,x", tmp_path / "a.wav")
    # A borrowed http_client closed by its owner: the same error.
    own = httpx.Client()
    borrowed = speechspec.Livepeer(http_client=own)
    own.close()
    with pytest.raises(errors.ClientClosedError):
        borrowed.text_to_speech("hi")
    assert not mock.calls


def test_async_clients_work_across_event_loops() -> None:
    with EmulatorServer(job_delay=0.0, use_espeak=False) as emulator:
        client = speechspec.AsyncLivepeer(
            emulator.livepeer_token, base_url=emulator.livepeer_base_url
        )
        for _ in range(3):  # each asyncio.run is a new loop; pooled connections are per loop
            audio = asyncio.run(client.text_to_speech("hello"))
            assert audio.audio.url
        asyncio.run(client.aclose())

        async def in_loop(c: Any) -> Any:
            return await c.text_to_speech("hello")

        own = httpx.AsyncClient()
        borrowed = speechspec.AsyncLivepeer(
            emulator.livepeer_token, base_url=emulator.livepeer_base_url, http_client=own
        )
        asyncio.run(in_loop(borrowed))
        # The caller's client cannot be replaced: a clear error, not asyncio's RuntimeError.
        with pytest.raises(errors.ConfigurationError, match="event loop"):
            asyncio.run(in_loop(borrowed))


def test_credential_like_headers_and_base_url_queries_never_reach_a_pickle(mock: Any) -> None:
    secret = "tok-0123456789abcdef"
    mock.post(CREATE).respond(500, json={"message": "boom"})
    with pytest.raises(errors.InternalServerError) as info:
        make("hamsa", "sync").text_to_speech(
            "t", voice_id="v", extra_headers={"X-Auth-Token": secret, "X-Signature": secret}
        )
    blob = pickle.dumps(info.value)
    assert secret.encode() not in blob
    assert secret not in str(info.value.response.request.headers)
    with pytest.raises(speechspec.ConfigurationError) as bad:
        speechspec.Hamsa(api_key=HAMSA_KEY, base_url=f"https://x.example/?k={secret}\n")
    assert secret not in str(bad.value)
    assert secret.encode() not in pickle.dumps(bad.value)


@pytest.mark.parametrize("port", ["99999", "-1", "x"])
def test_emulator_port_out_of_range_is_a_usage_error(
    port: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["emulator", "--port", port]) == 2
    assert "--port" in capsys.readouterr().err


def test_plain_http_gateway_audio_on_its_own_origin_is_fetched(mock: Any, tmp_path: Path) -> None:
    # go-livepeer's usual setup: http://host:8935, audio at a /stream/ path relative to it.
    base = "http://gateway.example:8935"
    mock.post(f"{base}/text-to-speech").respond(
        200, json={"audio": {"url": "/stream/ab12/cd34.wav"}}
    )
    audio = mock.get(f"{base}/stream/ab12/cd34.wav").respond(200, content=WAV)
    client = speechspec.Livepeer(api_token="t", base_url=base)
    out = client.synthesize("hi", tmp_path / "a.wav")
    assert out.read_bytes() == WAV and audio.call_count == 1
    # Another plain-http host is still refused, before any request to it.
    other = mock.get("http://elsewhere.example/a.wav")
    with pytest.raises(errors.DownloadError, match="allow_http"):
        client.download("http://elsewhere.example/a.wav", tmp_path / "b.wav")
    assert other.call_count == 0


def test_with_options_copies_follow_their_original_across_loops_and_close() -> None:
    with EmulatorServer(job_delay=0.0, use_espeak=False) as emulator:
        client = speechspec.AsyncLivepeer(
            emulator.livepeer_token, base_url=emulator.livepeer_base_url
        )
        copy = client.with_options(timeout=30.0)
        for c in (copy, client, copy, copy):  # each asyncio.run is a new event loop
            assert asyncio.run(c.text_to_speech("hello")).audio.url
        asyncio.run(client.aclose())
        with pytest.raises(errors.ClientClosedError):
            asyncio.run(copy.text_to_speech("hello"))
        assert [r["method"] for r in emulator.requests()].count("POST") == 4
