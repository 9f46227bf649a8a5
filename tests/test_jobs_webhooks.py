"""Hamsa jobs (polling, synthesize), Livepeer synthesize, and webhook verification."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from helpers import HAMSA_URL, LIVEPEER_URL, audio_answer, call, create_answer, job, make
from speechspec import errors
from speechspec.webhooks import verify_hamsa_webhook

MODES = ["sync", "async"]
JOBS = f"{HAMSA_URL}/v1/jobs"
AUDIO = b"RIFF" + bytes(1000)


@pytest.fixture
def mock() -> Any:
    with respx.mock(assert_all_called=False) as m:
        yield m


def job_answer(status: str, **extra: Any) -> httpx.Response:
    return httpx.Response(200, json={"message": "ok", "data": job(status, **extra)})


@pytest.mark.parametrize("mode", MODES)
def test_wait_for_job_polls_a_young_job_at_poll_interval(
    mock: Any, sleeps: list[float], mode: str
) -> None:
    # (Intervals grow with the job's age: tests/test_job_wait.py, on a virtual clock.)
    route = mock.get(JOBS).mock(
        side_effect=[
            job_answer("PENDING"),
            job_answer("PENDING"),
            job_answer("PENDING"),
            job_answer("COMPLETED", mediaUrl="https://m.example.com/a.wav"),
        ]
    )
    done = call(
        make("hamsa", mode), "wait_for_job", "job-123", poll_interval=1.0, max_poll_interval=2.0
    )
    assert done.status.value == "COMPLETED"
    assert route.call_count == 4
    # Each interval runs from the previous poll's sending: the sleep is 1 s less its answer's time.
    assert sleeps == pytest.approx([1.0, 1.0, 1.0], abs=0.05)
    assert all(s <= 1.0 for s in sleeps)


@pytest.mark.parametrize("mode", MODES)
def test_wait_for_job_raises_job_failed(mock: Any, sleeps: list[float], mode: str) -> None:
    mock.get(JOBS).mock(side_effect=[job_answer("PENDING"), job_answer("FAILED")])
    with pytest.raises(errors.JobFailedError, match="job-123") as info:
        call(make("hamsa", mode), "wait_for_job", "job-123")
    assert info.value.job.status.value == "FAILED"


@pytest.mark.parametrize("mode", MODES)
def test_wait_for_job_times_out(mock: Any, mode: str) -> None:
    route = mock.get(JOBS).mock(side_effect=lambda r: job_answer("PENDING"))
    client = make("hamsa", mode)
    # Warm up first (lazy imports, the first request): the wait below then measures polling
    # only, even on a loaded machine.
    call(client, "get_job", "job-123")
    with pytest.raises(errors.JobTimeoutError, match=r"did not finish within 0\.3s") as info:
        call(client, "wait_for_job", "job-123", timeout=0.3, poll_interval=0.01)
    assert info.value.job_id == "job-123"
    assert info.value.job.status.value == "PENDING"
    assert route.call_count >= 3  # the warm-up, then at least two polls


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("where", ["mediaUrl", "jobResponse"])
def test_hamsa_synthesize_creates_waits_downloads(
    mock: Any, sleeps: list[float], tmp_path: Path, mode: str, where: str
) -> None:
    media = "https://m.example.com/job-123.wav"
    done = (
        {"mediaUrl": media}
        if where == "mediaUrl"
        else {"jobResponse": {"text": "t", "ttsMediaFile": media}}
    )
    create = mock.post(f"{HAMSA_URL}/v1/jobs/text-to-speech").respond(200, json=create_answer())
    mock.get(JOBS).mock(side_effect=[job_answer("PENDING"), job_answer("COMPLETED", **done)])
    mock.get(media).respond(200, content=AUDIO)
    path = call(make("hamsa", mode), "synthesize", "مرحبا", tmp_path / "out.wav", voice_id="Amjad")
    assert path.read_bytes() == AUDIO
    assert create.call_count == 1


def test_hamsa_synthesize_checks_the_path_before_creating_a_billed_job(
    mock: Any, tmp_path: Path
) -> None:
    create = mock.post(f"{HAMSA_URL}/v1/jobs/text-to-speech").respond(200, json=create_answer())
    with pytest.raises(errors.InvalidRequestError, match="does not exist"):
        make("hamsa", "sync").synthesize("t", tmp_path / "nope" / "a.wav", voice_id="v")
    assert create.call_count == 0


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("job_id", [None, ""])
def test_synthesize_with_a_created_job_without_an_id_blames_the_answer(
    mock: Any, tmp_path: Path, mode: str, job_id: Any
) -> None:
    """Without a usable job id (absent: the overlay makes it required; empty: nothing does),
    synthesize says the answer cannot be followed, not that its own job_id is bad."""
    answer = create_answer()
    if job_id is None:
        del answer["data"]["id"]
    else:
        answer["data"]["id"] = job_id
    create = mock.post(f"{HAMSA_URL}/v1/jobs/text-to-speech").respond(200, json=answer)
    polls = mock.get(JOBS).respond(500)
    said = "data.id: required field is missing" if job_id is None else "no job id.*billed"
    with pytest.raises(errors.ResponseValidationError, match=said) as caught:
        call(make("hamsa", mode), "synthesize", "t", tmp_path / "a.wav", voice_id="v")
    assert not isinstance(caught.value, ValueError)
    assert (create.call_count, polls.call_count) == (1, 0)


def test_completed_job_without_media_is_a_validation_error(
    mock: Any, sleeps: list[float], tmp_path: Path
) -> None:
    mock.post(f"{HAMSA_URL}/v1/jobs/text-to-speech").respond(200, json=create_answer())
    mock.get(JOBS).mock(side_effect=[job_answer("COMPLETED")])
    with pytest.raises(errors.ResponseValidationError, match="neither mediaUrl"):
        make("hamsa", "sync").synthesize("t", tmp_path / "a.wav", voice_id="v")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "url", ["https://cdn.example.com/a.wav", "/stream/a.wav", "data:audio/wav;base64,UklGRgAA"]
)
def test_livepeer_synthesize(mock: Any, tmp_path: Path, mode: str, url: str) -> None:
    mock.post(f"{LIVEPEER_URL}/text-to-speech").respond(200, json=audio_answer(url))
    mock.get("https://cdn.example.com/a.wav").respond(200, content=AUDIO)
    mock.get(f"{LIVEPEER_URL}/stream/a.wav").respond(200, content=AUDIO)
    path = call(make("livepeer", mode), "synthesize", "Hello", tmp_path / "hello.wav")
    assert path.read_bytes() == (b"RIFF\x00\x00" if url.startswith("data:") else AUDIO)


# --- webhooks -----------------------------------------------------------------------------

KEY, SECRET = "Token", "wh-s3cret-value"
GOOD = {"Authorization": f"{KEY} {SECRET}"}


@pytest.mark.parametrize(
    "body",
    [
        json.dumps(job("COMPLETED", mediaUrl="https://m.example.com/a.wav")),
        json.dumps(
            create_answer(status="COMPLETED", mediaUrl="https://m.example.com/a.wav")
        ).encode(),
        job("COMPLETED", mediaUrl="https://m.example.com/a.wav"),
    ],
)
def test_webhook_accepts_the_job_or_its_envelope(body: Any) -> None:
    parsed = verify_hamsa_webhook(GOOD, body, auth_key=KEY, auth_secret=SECRET)
    assert parsed.id == "job-123"
    assert parsed.media_url == "https://m.example.com/a.wav"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": ""},
        {"Authorization": f"Bearer {SECRET}"},
        {"Authorization": f"{KEY} wrong"},
        {"Authorization": f"Wrong {SECRET}"},
        {"Authorization": f" {KEY} {SECRET}"},
        {"Authorization": f"{KEY} {SECRET} "},
        {"Authorization": f"{KEY}  {SECRET}"},
        {"Authorization": f"{KEY} {SECRET}x"},
        {"Authorization": f"x{KEY} {SECRET}"},
        {"Authorization": f"{KEY.lower()} {SECRET}"},
        [("authorization", f"{KEY} {SECRET}"), ("Authorization", f"{KEY} {SECRET}")],
    ],
)
def test_webhook_rejects_wrong_or_missing_authorization(headers: Any) -> None:
    with pytest.raises(errors.WebhookVerificationError) as info:
        verify_hamsa_webhook(headers, json.dumps(job()), auth_key=KEY, auth_secret=SECRET)
    assert SECRET not in str(info.value)


def test_webhook_header_name_is_case_insensitive() -> None:
    verify_hamsa_webhook(
        [("authorization", f"{KEY} {SECRET}")], json.dumps(job()), auth_key=KEY, auth_secret=SECRET
    )


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'"str"',
        b"{}",
        b'{"id": 5}',
        b'{"id": "j", "status": 3}',
        b'{"id": "j"}',
        b'{"id": "", "status": "PENDING"}',
        b"\xff\xfe",
        b"x" * (1024 * 1024 + 1),
    ],
)
def test_webhook_rejects_malformed_bodies(body: bytes) -> None:
    with pytest.raises(errors.ResponseValidationError):
        verify_hamsa_webhook(GOOD, body, auth_key=KEY, auth_secret=SECRET)


def test_webhook_keeps_a_status_the_spec_does_not_list_yet() -> None:
    # Response enums are open: a new job status is not a reason to drop the webhook.
    job = verify_hamsa_webhook(
        GOOD, b'{"id": "j", "status": "FIXTURE_QUEUED"}', auth_key=KEY, auth_secret=SECRET
    )
    assert job.status == "FIXTURE_QUEUED" and type(job.status) is str
