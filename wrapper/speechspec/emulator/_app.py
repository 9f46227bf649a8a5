"""The emulator: one ASGI app serving Hamsa at ``/`` and Livepeer at ``/livepeer``."""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import json
import secrets
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import _audio, _schema
from ._faults import FAULT_HEADER, Fault, FaultCounter

HAMSA = "hamsa_client"
LIVEPEER = "livepeer_client"


@dataclass
class _Job:
    id: str
    text: str
    voice_id: str
    created: float
    created_at: str
    webhook_url: str | None
    webhook_auth: dict[str, Any] | None


@dataclass
class EmulatorState:
    """Everything the emulator knows; exposed as ``app.state.emulator`` for tests."""

    hamsa_key: str
    livepeer_token: str | None
    job_delay: float
    livepeer_data_urls: bool
    use_espeak: bool
    webhook_loopback_only: bool
    faults: tuple[Fault, ...]
    jobs: dict[str, _Job] = field(default_factory=dict)
    media: OrderedDict[str, bytes] = field(default_factory=OrderedDict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    webhook_deliveries: list[dict[str, Any]] = field(default_factory=list)
    counter: FaultCounter = field(default_factory=FaultCounter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# -- Hamsa ---------------------------------------------------------------------------------


def _hamsa_error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"code": status, "message": message}, status_code=status)


def _hamsa_authorized(request: Request, state: EmulatorState) -> bool:
    given = request.headers.get("authorization", "")
    return secrets.compare_digest(given.encode(), f"Token {state.hamsa_key}".encode())


def _job_json(job: _Job, state: EmulatorState, base: str) -> dict[str, Any]:
    done = time.monotonic() - job.created >= state.job_delay
    data: dict[str, Any] = {
        "id": job.id,
        "title": job.text[:40],
        "type": "TTS",
        "model": "emulator-tts",
        "status": "COMPLETED" if done else "PENDING",
        "ttsVoiceId": job.voice_id,
        "totalCost": round(0.001 * len(job.text), 6),
        "apiKeyId": "emulator-api-key-id",
        "userId": "emulator-user",
        "createdAt": job.created_at,
        "updatedAt": _now_iso() if done else job.created_at,
    }
    if job.webhook_url:
        data["webhookUrl"] = job.webhook_url
    if done:
        url = f"{base}media/{job.id}.wav"
        data["mediaUrl"] = url
        data["jobResponse"] = {"text": job.text, "ttsMediaFile": url}
    return data


async def _read_json(request: Request) -> tuple[Any, str | None]:
    raw = await request.body()
    try:
        return json.loads(raw), None
    except (ValueError, UnicodeDecodeError) as exc:
        return None, f"body is not valid JSON: {exc}"


async def hamsa_create(request: Request) -> Response:
    state: EmulatorState = request.app.state.emulator
    if not _hamsa_authorized(request, state):
        return _hamsa_error(401, "invalid API key: send 'Authorization: Token <api key>'")
    body, problem = await _read_json(request)
    if problem:
        return _hamsa_error(400, problem)
    errors = _schema.errors(HAMSA, "TTSRequest", body)
    if errors:
        where = "/".join(str(p) for p in errors[0].path) or "body"
        return _hamsa_error(400, f"{where}: {errors[0].message}")
    job = _Job(
        id=str(uuid.uuid4()),
        text=body["text"],
        voice_id=body["voiceId"],
        created=time.monotonic(),
        created_at=_now_iso(),
        webhook_url=body.get("webhookUrl"),
        webhook_auth=body.get("webhookAuth"),
    )
    with state.lock:
        state.jobs[job.id] = job
    base = str(request.base_url)
    if job.webhook_url:
        task = asyncio.get_running_loop().create_task(_deliver_webhook(state, job, base))
        state.tasks.add(task)
        task.add_done_callback(state.tasks.discard)
    return JSONResponse(
        {"success": True, "message": "success", "data": _job_json(job, state, base)}
    )


async def hamsa_job(request: Request) -> Response:
    state: EmulatorState = request.app.state.emulator
    if not _hamsa_authorized(request, state):
        return _hamsa_error(401, "invalid API key: send 'Authorization: Token <api key>'")
    job_id = request.query_params.get("jobId")
    if not job_id:
        return _hamsa_error(400, "jobId is required")
    job = state.jobs.get(job_id)
    if job is None:
        return _hamsa_error(404, f"job {job_id} not found")
    data = _job_json(job, state, str(request.base_url))
    answer: dict[str, Any] = {"message": "success", "data": data}
    if "mediaUrl" in data:
        answer["previewUrl"] = data["mediaUrl"]
    return JSONResponse(answer)


async def _deliver_webhook(state: EmulatorState, job: _Job, base: str) -> None:
    await asyncio.sleep(state.job_delay)
    assert job.webhook_url is not None
    record: dict[str, Any] = {"job_id": job.id, "url": job.webhook_url}
    if state.webhook_loopback_only and not _is_loopback(httpx.URL(job.webhook_url).host):
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
                job.webhook_url, json=_job_json(job, state, base), headers=headers
            )
        record["status"] = response.status_code
    except httpx.HTTPError as exc:
        record["error"] = f"{type(exc).__name__}: {exc}"
    state.webhook_deliveries.append(record)


async def media(request: Request) -> Response:
    state: EmulatorState = request.app.state.emulator
    name = request.path_params["name"]
    key = name.removesuffix(".wav")
    data = state.media.get(key)
    if data is None:
        job = state.jobs.get(key)
        if job is None or time.monotonic() - job.created < state.job_delay:
            return Response("not found", status_code=404, media_type="text/plain")
        data = _audio.synthesize(
            job.text, voice=_audio.voice_for(job.text), use_espeak=state.use_espeak
        )
        _keep_media(state, key, data)
    return Response(data, media_type="audio/wav")


MAX_MEDIA = 1000


def _keep_media(state: EmulatorState, key: str, data: bytes) -> None:
    # A long-running emulator must not keep every answer's audio forever.
    with state.lock:
        state.media[key] = data
        while len(state.media) > MAX_MEDIA:
            state.media.popitem(last=False)


# -- Livepeer ------------------------------------------------------------------------------


def _livepeer_error(status: int, msg: str) -> JSONResponse:
    return JSONResponse({"detail": {"msg": msg}}, status_code=status)


def _fastapi_type(error: Any) -> str:
    return {"required": "missing", "type": "string_type"}.get(error.validator, "value_error")


async def livepeer_tts(request: Request) -> Response:
    state: EmulatorState = request.app.state.emulator
    if state.livepeer_token is not None:
        given = request.headers.get("authorization", "")
        if not secrets.compare_digest(given.encode(), f"Bearer {state.livepeer_token}".encode()):
            return _livepeer_error(401, "Invalid bearer token")
    body, problem = await _read_json(request)
    if problem:
        return JSONResponse(
            {"detail": [{"loc": ["body", 0], "msg": "JSON decode error", "type": "json_invalid"}]},
            status_code=422,
        )
    # The gateway checks for an empty text itself, before (and instead of) FastAPI's 422.
    if isinstance(body, dict) and body.get("text") == "":
        return _livepeer_error(400, "text must not be empty")
    errors = _schema.errors(LIVEPEER, "TextToSpeechParams", body)
    if errors:
        detail = []
        for err in errors:
            loc: list[str | int] = ["body", *err.path]
            if err.validator == "required":
                missing = str(err.message).split("'")[1]
                loc.append(missing)
                msg = "Field required"
            else:
                msg = err.message
            detail.append({"loc": loc, "msg": msg, "type": _fastapi_type(err)})
        return JSONResponse({"detail": detail}, status_code=422)
    wav = _audio.synthesize(
        body["text"], voice=_audio.voice_for(body["text"]), use_espeak=state.use_espeak
    )
    if state.livepeer_data_urls:
        url = "data:audio/wav;base64," + base64.b64encode(wav).decode()
    else:
        key = f"lp-{uuid.uuid4()}"
        _keep_media(state, key, wav)
        root = str(request.base_url).removesuffix("livepeer/")
        url = f"{root}media/{key}.wav"
    return JSONResponse({"audio": {"url": url}})


# -- inspection, recording and faults --------------------------------------------------------


async def list_requests(request: Request) -> Response:
    state: EmulatorState = request.app.state.emulator
    if request.method == "DELETE":
        state.requests.clear()
        return Response(status_code=204)
    return JSONResponse(list(state.requests))


class _Recorder:
    """Records every request (method, path, status) and applies configured or header faults."""

    def __init__(self, app: ASGIApp, state: EmulatorState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith("/__emulator__"):
            await self.app(scope, receive, send)
            return
        entry: dict[str, Any] = {"method": scope["method"], "path": path, "status": None}
        self.state.requests.append(entry)
        fault = self._fault(scope)
        if fault is not None:
            if fault.latency:
                await asyncio.sleep(fault.latency)
            if fault.status is not None:
                entry["status"] = fault.status
                await self._fault_response(fault, path)(scope, receive, send)
                return

        async def record(message: Message) -> None:
            if message["type"] == "http.response.start":
                entry["status"] = message["status"]
            await send(message)

        await self.app(scope, receive, record)

    def _fault(self, scope: Scope) -> Fault | None:
        path = scope["path"]
        specs = list(self.state.faults)
        for name, value in scope.get("headers", []):
            if name.decode("latin-1").lower() == FAULT_HEADER:
                try:
                    specs.append(Fault.parse(value.decode("latin-1")))
                except ValueError:
                    continue
        for fault in specs:
            if self.state.counter.fires(fault, path):
                return fault
        return None

    @staticmethod
    def _fault_response(fault: Fault, path: str) -> Response:
        status = fault.status or 500
        headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
        if fault.html:
            page = f"<html><head><title>{status} Emulated Error</title></head><body>proxy</body></html>"
            return Response(page, status_code=status, headers=headers, media_type="text/html")
        if path.startswith("/livepeer"):
            return JSONResponse(
                {"detail": {"msg": "emulated fault"}}, status_code=status, headers=headers
            )
        return JSONResponse(
            {"code": status, "message": "emulated fault"}, status_code=status, headers=headers
        )


def create_app(
    *,
    hamsa_key: str = "emulator-hamsa-key",
    livepeer_token: str | None = "emulator-livepeer-token",  # noqa: S107 (a test key)
    job_delay: float = 0.5,
    livepeer_data_urls: bool = False,
    use_espeak: bool = True,
    webhook_loopback_only: bool = True,
    faults: tuple[Fault, ...] | list[Fault] = (),
) -> ASGIApp:
    """An ASGI app emulating both vendors as their effective specs describe them.

    Hamsa is served at ``/`` (``POST /v1/jobs/text-to-speech``, ``GET /v1/jobs?jobId=``),
    Livepeer at ``/livepeer`` (``POST /text-to-speech``), audio at ``/media/<id>.wav``, and
    ``GET /__emulator__/requests`` lists the requests received (``DELETE`` clears it).
    Jobs complete ``job_delay`` seconds after creation. ``livepeer_token=None`` accepts
    anonymous Livepeer calls, like the community gateway. Faults apply to every request that
    matches, plus any given per request in an ``X-Emulator-Fault`` header (see Fault.parse).
    """
    state = EmulatorState(
        hamsa_key=hamsa_key,
        livepeer_token=livepeer_token,
        job_delay=job_delay,
        livepeer_data_urls=livepeer_data_urls,
        use_espeak=use_espeak,
        webhook_loopback_only=webhook_loopback_only,
        faults=tuple(faults),
    )
    livepeer = Starlette(routes=[Route("/text-to-speech", livepeer_tts, methods=["POST"])])
    livepeer.state.emulator = state
    app = Starlette(
        routes=[
            Route("/v1/jobs/text-to-speech", hamsa_create, methods=["POST"]),
            Route("/v1/jobs", hamsa_job, methods=["GET"]),
            Route("/media/{name}", media, methods=["GET"]),
            Route("/__emulator__/requests", list_requests, methods=["GET", "DELETE"]),
            Mount("/livepeer", app=livepeer),
        ]
    )
    app.state.emulator = state
    recorder = _Recorder(app, state)
    return recorder
