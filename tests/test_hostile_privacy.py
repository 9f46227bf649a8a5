"""Hostile round 3 (issue 22): secrets in every string a kept response holds, redaction
before truncation, base URLs, lenient RFC 3339, webhook text, callbacks' own exceptions and
caller headers on a cross-origin download redirect."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
import speechspec
from helpers import HAMSA_KEY, HAMSA_URL, call, create_answer, job, make, run
from speechspec import errors
from speechspec.webhooks import verify_hamsa_webhook

MODES = ["sync", "async"]
CREATE = f"{HAMSA_URL}/v1/jobs/text-to-speech"
WAV = b"RIFF" + b"\x00" * 40


@pytest.fixture
def mock() -> Any:
    with respx.mock(assert_all_called=False) as m:
        yield m


# -- secrets -------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_a_key_in_the_reason_phrase_never_reaches_the_error_or_its_pickle(
    mock: Any, mode: str
) -> None:
    mock.post(CREATE).respond(
        401, content=b"no", extensions={"reason_phrase": f"Bad key {HAMSA_KEY}".encode()}
    )
    client = make("hamsa", mode)
    with pytest.raises(errors.AuthenticationError) as info:
        call(client, "text_to_speech", "t", voice_id="v")
    err = info.value
    assert HAMSA_KEY not in err.response.reason_phrase
    assert "[REDACTED]" in err.response.reason_phrase
    assert HAMSA_KEY not in str(err)
    assert HAMSA_KEY.encode() not in pickle.dumps(err)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("offset", range(449, 476, 3))
def test_a_secret_straddling_the_message_cut_is_redacted_first(
    mock: Any, mode: str, offset: int
) -> None:
    """A header secret the caller passed (not the client's key) echoed at the 500-character
    cut: no prefix of it may survive in the message."""
    secret = "xs_9f8e7d6c5b4a39281706"
    filler = "e" * offset
    mock.post(CREATE).respond(500, json={"message": filler + secret + " tail"})
    client = make("hamsa", mode, max_retries=0)
    with pytest.raises(errors.InternalServerError) as info:
        call(client, "text_to_speech", "t", voice_id="v", extra_headers={"X-Api-Key": secret})
    message = str(info.value)
    for n in range(6, len(secret) + 1):
        assert secret[:n] not in message, (offset, n)
    assert secret.encode() not in pickle.dumps(info.value)


# -- base URLs --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://api.example.com/?",
        "https://api.example.com?",
        "https://api.example.com/v1#",
        "https://api.example.com/#",
        "https://api.example.com/?#",
        "https://api.example.com/?a=1",
        "https://api.example.com/#frag",
    ],
)
@pytest.mark.parametrize("mode", MODES)
def test_base_urls_with_any_query_or_fragment_are_refused(mock: Any, url: str, mode: str) -> None:
    with pytest.raises(errors.ConfigurationError, match="query or fragment"):
        make("hamsa", mode, base_url=url)
    assert not mock.calls


def test_base_url_from_the_environment_with_an_empty_query_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LIVEPEER_BASE_URL", "http://127.0.0.1:8935?")
    with pytest.raises(errors.ConfigurationError, match="query or fragment"):
        speechspec.Livepeer()


# -- RFC 3339 and webhook text ---------------------------------------------------------------


@pytest.mark.parametrize(
    "stamp", ["2026-11-22t10:00:00z", "2026-11-22T10:00:00z", "2026-11-22t10:00:00.5+03:00"]
)
@pytest.mark.parametrize("mode", MODES)
def test_lower_case_rfc3339_date_times_are_accepted(mock: Any, stamp: str, mode: str) -> None:
    mock.post(CREATE).respond(200, json=create_answer(createdAt=stamp))
    created = call(make("hamsa", mode), "text_to_speech", "t", voice_id="v")
    assert created.created_at.tzinfo is not None
    assert created.created_at.isoformat()[:10] == "2026-11-22"


AUTH = {"Authorization": "hk secret-value"}


@pytest.mark.parametrize(
    "body",
    [
        # A framework decoding the raw bytes with surrogateescape.
        b'{"id": "j1", "status": "COMPLETED", "title": "\xff"}'.decode("utf-8", "surrogateescape"),
        # A lone surrogate as a JSON escape: valid JSON syntax, not text.
        json.dumps({"id": "j1", "status": "COMPLETED", "title": "\ud800"}),
        json.dumps({"id": "j1", "status": "COMPLETED", "title": "\ud800"}).encode(),
        {"id": "j1", "status": "COMPLETED", "title": "a\udcffb"},
    ],
)
def test_webhook_bodies_with_lone_surrogates_are_response_errors(body: Any) -> None:
    with pytest.raises(errors.ResponseValidationError, match=r"surrogate|UTF-8|JSON"):
        verify_hamsa_webhook(AUTH, body, auth_key="hk", auth_secret="secret-value")


def test_webhook_body_with_proper_unicode_still_parses() -> None:
    body = json.dumps(job("COMPLETED", title="أهلاً 😀"), ensure_ascii=False)
    got = verify_hamsa_webhook(AUTH, body, auth_key="hk", auth_secret="secret-value")
    assert got.id == "job-123"


# -- callbacks -----------------------------------------------------------------------------------


class Mine(ValueError):
    pass


def _explode(done: int, total: int | None) -> None:
    raise Mine("from my callback")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("url", ["data:audio/wav;base64,UklGRgAAAAA=", "data:,plain%20text"])
def test_a_data_url_progress_callback_exception_reaches_the_caller(
    tmp_path: Path, mode: str, url: str
) -> None:
    client = make("livepeer", mode)
    with pytest.raises(Mine, match="from my callback"):
        call(client, "download", url, tmp_path / "a.wav", on_progress=_explode)
    assert not (tmp_path / "a.wav").exists()
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("mode", MODES)
def test_an_http_progress_callback_exception_reaches_the_caller(
    mock: Any, tmp_path: Path, mode: str
) -> None:
    mock.get("https://cdn.example.com/a.wav").respond(200, content=WAV)
    with pytest.raises(Mine):
        call(
            make("livepeer", mode),
            "download",
            "https://cdn.example.com/a.wav",
            tmp_path / "a.wav",
            on_progress=_explode,
        )
    assert not list(tmp_path.iterdir())


# -- caller headers on redirects --------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_caller_headers_never_follow_a_redirect_to_another_origin(
    mock: Any, tmp_path: Path, mode: str
) -> None:
    mock.get("https://media.example.com/a.wav").respond(
        302, headers={"Location": "https://other.example.net/b.wav"}
    )
    mock.get("https://other.example.net/b.wav").respond(
        302, headers={"Location": "https://media.example.com/c.wav"}
    )
    mock.get("https://media.example.com/c.wav").respond(200, content=WAV)
    headers = {"Cookie": "session=abc123", "X-Signed": "sig-42"}
    call(
        make("livepeer", mode),
        "download",
        "https://media.example.com/a.wav",
        tmp_path / "a.wav",
        extra_headers=headers,
    )
    sent = [c.request for c in mock.calls]
    assert [str(r.url) for r in sent] == [
        "https://media.example.com/a.wav",
        "https://other.example.net/b.wav",
        "https://media.example.com/c.wav",
    ]
    assert sent[0].headers.get("cookie") == "session=abc123"
    assert sent[0].headers.get("x-signed") == "sig-42"
    # Dropped at the cross-origin hop, and not restored when a later hop comes back.
    for request in sent[1:]:
        assert "cookie" not in request.headers and "x-signed" not in request.headers
    assert (tmp_path / "a.wav").read_bytes() == WAV


@pytest.mark.parametrize("mode", MODES)
def test_caller_headers_follow_a_same_origin_redirect_and_every_retry(
    mock: Any, tmp_path: Path, mode: str
) -> None:
    mock.get("https://media.example.com/a.wav").mock(
        side_effect=[
            httpx.Response(302, headers={"Location": "https://other.example.net/x"}),
            httpx.Response(302, headers={"Location": "/b.wav"}),
        ]
    )
    mock.get("https://other.example.net/x").respond(503)
    mock.get("https://media.example.com/b.wav").respond(200, content=WAV)
    client = make("livepeer", mode)
    run(
        client.download(
            "https://media.example.com/a.wav",
            tmp_path / "a.wav",
            extra_headers={"X-Signed": "sig-42"},
            max_retries=1,
        )
    )
    sent = [c.request for c in mock.calls]
    hosts = [(r.url.host, r.url.path, r.headers.get("x-signed")) for r in sent]
    assert hosts == [
        ("media.example.com", "/a.wav", "sig-42"),
        ("other.example.net", "/x", None),
        # The retry starts again at the URL asked for, with the caller's headers.
        ("media.example.com", "/a.wav", "sig-42"),
        ("media.example.com", "/b.wav", "sig-42"),
    ]


# -- the batch journal keeps no text ------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("500 Internal Server Error", "InternalServerError (HTTP 500)"),
        ("502 Bad Gateway", "InternalServerError (HTTP 502)"),
    ],
)
def test_the_journal_keeps_no_text_of_a_line_a_server_quotes(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    status: str,
    expected: str,
) -> None:
    from rawserver import Conn, RawServer
    from speechspec.cli import main

    secret_line = "my private diary entry number 7"

    def quoting(conn: Conn) -> None:
        text = json.loads(conn.request.partition(b"\r\n\r\n")[2])["text"]
        body = json.dumps({"error": {"message": f"could not synthesize {text!r}"}}).encode()
        conn.respond(status, body)

    monkeypatch.chdir(tmp_path)
    (tmp_path / "lines.txt").write_text(secret_line + "\n", encoding="utf-8")
    with RawServer(quoting) as server:
        code = main(["batch", "livepeer", "lines.txt", "--out-dir=out", f"--base-url={server.url}"])
    err = capsys.readouterr().err
    assert code == 1 and "uncertain" in err
    journals = list((tmp_path / "out" / ".speechspec-batch").glob("*.journal"))
    assert journals
    for path in journals:
        content = path.read_text(encoding="utf-8")
        assert "diary" not in content and "synthesize" not in content, content
        assert expected in content, content


@pytest.mark.parametrize("mode", MODES)
def test_a_status_new_to_us_is_redacted_and_cut_in_the_timeout_message(
    mock: Any, mode: str
) -> None:
    """The job's status is the vendor's free text once it is not a known value (response enums
    are open): it reaches JobTimeoutError's message as a failure reason does, redacted, cut."""
    status = f"QUEUED {HAMSA_KEY} " + "x" * 5000
    mock.get(f"{HAMSA_URL}/v1/jobs").respond(
        200, json={"success": True, "message": "", "data": job(status)}
    )
    client = make("hamsa", mode)
    with pytest.raises(errors.JobTimeoutError) as info:
        call(client, "wait_for_job", "job-123", timeout=0.3, poll_interval=0.1)
    message = str(info.value)
    assert HAMSA_KEY not in message
    assert "last status QUEUED [REDACTED]" in message
    assert len(message) < 1000
