"""The Hamsa emulator as Hamsa's docs describe it: the job-status shape (get-job-by-id), ``{code,
message}`` errors, unknown jobs, and deterministic FAILED jobs with their failure webhooks."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import speechspec
from rawserver import RawServer
from speechspec import errors
from speechspec.emulator import EmulatorServer, Fault
from speechspec.emulator._hamsa import FAIL_MARKER, FAILURE_REASON
from speechspec.webhooks import verify_hamsa_webhook
from test_emulator import _headers_and_body

# Fields of "data" that docs.tryhamsa.com/api-reference/endpoint/get-job-by-id documents.
DOCUMENTED = {
    "id", "title", "model", "type", "processingType", "totalCost", "usageTime", "status",
    "apiKeyId", "billingId", "systemModelKey", "createdAt", "updatedAt", "webhookUrl", "fromLng",
    "toLng", "mediaUrl", "jobResponse", "fromScript", "toScript", "relevantJobId",
    "agentDetails", "voiceAgentId",
}  # fmt: skip


def _status(emu: EmulatorServer, job_id: str) -> httpx.Response:
    return httpx.get(
        f"{emu.base_url}/v1/jobs",
        params={"jobId": job_id},
        headers={"Authorization": f"Token {emu.hamsa_key}"},
    )


def _create(emu: EmulatorServer, text: str, **extra: Any) -> str:
    r = httpx.post(
        f"{emu.base_url}/v1/jobs/text-to-speech",
        json={"text": text, "voiceId": "Amjad", **extra},
        headers={"Authorization": f"Token {emu.hamsa_key}"},
    )
    assert r.status_code == 200, r.text
    job_id: str = r.json()["data"]["id"]
    return job_id


def test_job_status_has_the_documented_shape() -> None:
    with EmulatorServer(use_espeak=False, job_delay=0.3) as emu:
        job_id = _create(emu, "مرحبا")
        pending = _status(emu, job_id).json()
        assert set(pending) == {"message", "data"}  # no preview before there is audio
        assert pending["data"]["status"] == "PENDING"
        time.sleep(0.4)
        done = _status(emu, job_id).json()
    assert set(done) == {"message", "previewUrl", "data"}
    data = done["data"]
    # The TTS job's own fields (generate-tts) and those get-job-by-id documents.
    assert set(data) <= DOCUMENTED | {"userId", "ttsVoiceId"}, set(data) - DOCUMENTED
    assert {"processingType", "billingId", "systemModelKey"} <= set(data)
    assert data["ttsVoiceId"] == "Amjad"
    assert isinstance(data["type"], str)  # a free string on this route
    assert data["status"] == "COMPLETED" and data["id"] == job_id
    assert done["previewUrl"] == data["mediaUrl"] == data["jobResponse"]["ttsMediaFile"]


def test_unknown_job_and_missing_id_are_code_message_errors() -> None:
    with EmulatorServer(use_espeak=False) as emu:
        r = _status(emu, "no-such-job")
        assert (r.status_code, r.json()) == (404, {"code": 404, "message": "Job not found"})
        r = httpx.get(
            f"{emu.base_url}/v1/jobs", headers={"Authorization": f"Token {emu.hamsa_key}"}
        )
        assert (r.status_code, r.json()) == (400, {"code": 400, "message": "jobId is required"})
        r = httpx.get(f"{emu.base_url}/v1/jobs", params={"jobId": "x"})
        assert r.status_code == 401 and set(r.json()) == {"code", "message"}
        hamsa = speechspec.Hamsa(emu.hamsa_key, base_url=emu.hamsa_base_url)
        with pytest.raises(errors.NotFoundError) as info:
            hamsa.wait_for_job("no-such-job")
        assert info.value.body == {"code": 404, "message": "Job not found"}


def test_a_magic_text_makes_the_job_fail_through_wait_for_job(tmp_path: Path) -> None:
    with EmulatorServer(use_espeak=False, job_delay=0.05) as emu:
        hamsa = speechspec.Hamsa(emu.hamsa_key, base_url=emu.hamsa_base_url)
        job = hamsa.text_to_speech(f"مرحبا {FAIL_MARKER}", voice_id="Amjad")
        assert job.status is not None and job.status.value == "PENDING"
        with pytest.raises(errors.JobFailedError) as info:
            hamsa.wait_for_job(job.id, poll_interval=0.05)
        assert info.value.job.status.value == "FAILED"
        answer = _status(emu, job.id).json()
        assert answer["message"] == FAILURE_REASON and "previewUrl" not in answer
        assert "mediaUrl" not in answer["data"]
        assert answer["data"]["jobResponse"]["error"] == FAILURE_REASON
        # synthesize stops there: no download, no file.
        target = tmp_path / "never.wav"
        with pytest.raises(errors.JobFailedError):
            hamsa.synthesize(f"{FAIL_MARKER} again", target, voice_id="Amjad")
        assert not target.exists()
        assert httpx.get(f"{emu.base_url}/media/{job.id}.wav").status_code == 404


@pytest.mark.parametrize("how", ["config", "header"])
def test_a_fault_makes_jobs_fail(how: str) -> None:
    create = "/v1/jobs/text-to-speech"
    faults = [Fault(fail_job=True, every=2, path=create)] if how == "config" else []
    headers = {"X-Emulator-Fault": f"fail-job=1; every=2; path={create}"} if how == "header" else {}
    with (
        EmulatorServer(use_espeak=False, job_delay=0.0, faults=faults) as emu,
        httpx.Client(headers=headers) as http,
    ):
        hamsa = speechspec.Hamsa(emu.hamsa_key, base_url=emu.hamsa_base_url, http_client=http)
        outcomes = []
        for n in range(4):
            job = hamsa.text_to_speech(f"line {n}", voice_id="Amjad")
            try:
                hamsa.wait_for_job(job.id, poll_interval=0.01)
                outcomes.append("COMPLETED")
            except errors.JobFailedError:
                outcomes.append("FAILED")
    assert outcomes == ["COMPLETED", "FAILED", "COMPLETED", "FAILED"]


def test_a_failed_job_posts_its_failure_webhook() -> None:
    with (
        RawServer(lambda c: c.respond("200 OK", b"{}")) as receiver,
        EmulatorServer(job_delay=0.05, use_espeak=False) as emu,
    ):
        hamsa = speechspec.Hamsa(emu.hamsa_key, base_url=emu.hamsa_base_url)
        job = hamsa.text_to_speech(
            f"{FAIL_MARKER} مرحبا",
            voice_id="Amjad",
            webhook_url=f"{receiver.url}/hook",
            webhook_auth=("Token", "wh-secret"),
        )
        deadline = time.monotonic() + 10
        while not receiver.requests and time.monotonic() < deadline:
            time.sleep(0.02)
        (raw,) = receiver.requests
    headers, body = _headers_and_body(raw)
    delivered = verify_hamsa_webhook(headers, body, auth_key="Token", auth_secret="wh-secret")
    assert delivered.id == job.id
    assert delivered.status is not None and delivered.status.value == "FAILED"
    assert delivered.to_dict().get("mediaUrl") is None
    assert delivered.to_dict()["jobResponse"]["error"] == FAILURE_REASON
