"""Hamsa, as its docs pages describe it: ``POST /v1/jobs/text-to-speech`` creates a job,
``GET /v1/jobs?jobId=`` answers ``{message, previewUrl, data}`` (docs.tryhamsa.com
api-reference/endpoint/get-job-by-id), errors are ``{code, message}`` (the spec's ErrorSchema).

A job ends FAILED, deterministically, when its text contains FAIL_MARKER or when a Fault with
``fail_job=True`` matched its create request; its webhook then carries the FAILED job."""

from __future__ import annotations

import asyncio
import secrets
import time
import uuid
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .._urls import is_loopback
from . import _audio, _requests, _schema
from ._recorder import FAIL_JOB_SCOPE_KEY
from ._state import EmulatorState, Job, now_iso

PACKAGE = "hamsa_client"
FAIL_MARKER = "[emulator:fail]"
FAILURE_REASON = "TTS generation failed (emulated failure)"
_AUTH_MESSAGE = "invalid API key: send 'Authorization: Token <api key>'"


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"code": status, "message": message}, status_code=status)


def _authorized(request: Request, state: EmulatorState) -> bool:
    given = request.headers.get("authorization", "")
    return secrets.compare_digest(given.encode(), f"Token {state.hamsa_key}".encode())


def _status(job: Job, state: EmulatorState) -> str:
    if time.monotonic() - job.created < state.job_delay:
        return "PENDING"
    return "FAILED" if job.failure else "COMPLETED"


def job_json(job: Job, state: EmulatorState, base: str) -> dict[str, Any]:
    """The job object of the create answer (generate-tts) and of webhooks."""
    status = _status(job, state)
    data: dict[str, Any] = {
        "id": job.id,
        "title": job.text[:40],
        "type": "TTS",
        "model": "emulator-tts",
        "status": status,
        "ttsVoiceId": job.voice_id,
        "totalCost": round(0.001 * len(job.text), 6),
        "apiKeyId": "emulator-api-key-id",
        "userId": "emulator-user",
        "createdAt": job.created_at,
        "updatedAt": job.created_at if status == "PENDING" else now_iso(),
    }
    if job.webhook_url:
        data["webhookUrl"] = job.webhook_url
    if status == "COMPLETED":
        url = f"{base}media/{job.id}.wav"
        data["mediaUrl"] = url
        data["jobResponse"] = {"text": job.text, "ttsMediaFile": url}
    elif status == "FAILED":
        data["jobResponse"] = {"text": job.text, "error": job.failure}
    return data


def _details(job: Job, state: EmulatorState, base: str) -> dict[str, Any]:
    """The job-status answer: the job (as generate-tts documents it for a TTS job) with the
    further fields get-job-by-id documents for ``data``."""
    data = job_json(job, state, base)
    data.update(processingType="ASYNC", billingId="emulator-billing-id", systemModelKey="TTS")
    answer: dict[str, Any] = {"message": "success", "data": data}
    if data["status"] == "FAILED":
        answer["message"] = job.failure
    if "mediaUrl" in data:
        answer["previewUrl"] = data["mediaUrl"]
    return answer


def _read_request(body: Any) -> str | None:
    """Why the create body is refused, or None."""
    where = _requests.lone_surrogate_path(body)
    if where is not None:
        return f"{where}: is not valid Unicode (a lone surrogate)"
    errors = _schema.errors(PACKAGE, "TTSRequest", body)
    if errors:
        return _requests.schema_message(errors[0])
    url = body.get("webhookUrl")
    if url is not None:
        # Hamsa can only POST to an http(s) URL with a host; "urn:x" is a URI but no webhook.
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL:
            parsed = httpx.URL()
        if parsed.scheme not in ("http", "https") or not parsed.host:
            return "webhookUrl: must be an http(s) URL with a host"
    return None


async def create(request: Request) -> Response:
    state: EmulatorState = request.app.state.emulator
    if not _authorized(request, state):
        return error(401, _AUTH_MESSAGE)
    try:
        body = _requests.parse_json(await request.body())
    except _requests.BodyError as exc:
        return error(400, str(exc))
    problem = _read_request(body)
    if problem:
        return error(400, problem)
    text: str = body["text"]
    fail = FAIL_MARKER in text or bool(request.scope.get(FAIL_JOB_SCOPE_KEY))
    job = Job(
        id=str(uuid.uuid4()),
        text=text,
        voice_id=body["voiceId"],
        created=time.monotonic(),
        created_at=now_iso(),
        webhook_url=body.get("webhookUrl"),
        webhook_auth=body.get("webhookAuth"),
        failure=FAILURE_REASON if fail else None,
    )
    with state.lock:
        state.jobs[job.id] = job
    base = str(request.base_url)
    if job.webhook_url:
        task = asyncio.get_running_loop().create_task(_deliver_webhook(state, job, base))
        state.tasks.add(task)
        task.add_done_callback(state.tasks.discard)
    return JSONResponse({"success": True, "message": "success", "data": job_json(job, state, base)})


async def job_status(request: Request) -> Response:
    state: EmulatorState = request.app.state.emulator
    if not _authorized(request, state):
        return error(401, _AUTH_MESSAGE)
    job_id = request.query_params.get("jobId")
    if not job_id:
        return error(400, "jobId is required")
    job = state.jobs.get(job_id)
    if job is None:
        return error(404, "Job not found")
    return JSONResponse(_details(job, state, str(request.base_url)))


async def _deliver_webhook(state: EmulatorState, job: Job, base: str) -> None:
    await asyncio.sleep(state.job_delay)
    assert job.webhook_url is not None
    record: dict[str, Any] = {"job_id": job.id, "url": job.webhook_url}
    if state.webhook_loopback_only and not is_loopback(httpx.URL(job.webhook_url).host):
        record["skipped"] = "not loopback"
        state.webhook_deliveries.append(record)
        return
    headers = {}
    auth = job.webhook_auth or {}
    if auth.get("authKey") is not None or auth.get("authSecret") is not None:
        headers["Authorization"] = f"{auth.get('authKey') or ''} {auth.get('authSecret') or ''}"
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(
                job.webhook_url, json=job_json(job, state, base), headers=headers
            )
        record["status"] = response.status_code
    except (httpx.HTTPError, UnicodeError) as exc:
        record["error"] = f"{type(exc).__name__}: {exc}"
    state.webhook_deliveries.append(record)


async def media(request: Request) -> Response:
    state: EmulatorState = request.app.state.emulator
    key = request.path_params["name"].removesuffix(".wav")
    data = state.media.get(key)
    if data is None:
        job = state.jobs.get(key)
        if job is None or _status(job, state) != "COMPLETED":
            return error(404, "Media not found")
        data = await _audio.render(
            job.text,
            voice="ar",  # Hamsa speaks Arabic (espeak-ng reads Latin words in English)
            rate=_audio.HAMSA_RATE,
            use_espeak=state.use_espeak,
        )
        state.keep_media(key, data)
    return Response(data, media_type="audio/wav")
