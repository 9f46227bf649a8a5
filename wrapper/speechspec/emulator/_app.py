"""The emulator: one ASGI app serving Hamsa at ``/`` and Livepeer at ``/livepeer``."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp

from . import _hamsa, _routing
from ._faults import Fault
from ._recorder import Recorder
from ._state import DEFAULT_LIVEPEER_MODEL, LIVEPEER_MODES, EmulatorState, LivepeerMode

__all__ = ["EmulatorState", "create_app"]


async def _list_requests(request: Request) -> Response:
    state: EmulatorState = request.app.state.emulator
    if request.method == "DELETE":
        state.requests.clear()
        return Response(status_code=204)
    return JSONResponse(list(state.requests))


def create_app(
    *,
    hamsa_key: str = "emulator-hamsa-key",
    livepeer_token: str | None = "emulator-livepeer-token",  # noqa: S107 (a test key)
    job_delay: float = 0.5,
    livepeer_mode: LivepeerMode = "gateway",
    livepeer_model: str = DEFAULT_LIVEPEER_MODEL,
    livepeer_data_urls: bool = False,
    use_espeak: bool = True,
    webhook_loopback_only: bool = True,
    faults: tuple[Fault, ...] | list[Fault] = (),
) -> ASGIApp:
    """An ASGI app emulating both vendors as their public source and docs describe them.

    Hamsa is served at ``/`` (``POST /v1/jobs/text-to-speech``, ``GET /v1/jobs?jobId=``, audio
    at ``/media/<id>.wav``); jobs complete ``job_delay`` seconds after creation, or fail when
    their text contains ``"[emulator:fail]"`` or a ``Fault(fail_job=True)`` matched.
    Livepeer is served at ``/livepeer`` as a go-livepeer ``"gateway"`` (errors
    ``{"error": {"message"}}``, audio at a path ``/stream/...`` it serves) or an ai-runner
    (``livepeer_mode="runner"``: ``{"detail": ...}`` errors, FastAPI's 422, ``data:`` URLs,
    and a 400 to any model_id but "" and ``livepeer_model``, the one model a runner serves).
    ``livepeer_data_urls=True`` makes a gateway answer ``data:`` URLs too;
    ``livepeer_token=None`` accepts anonymous Livepeer calls, like the community gateway.
    ``GET /__emulator__/requests`` lists the requests received (``DELETE`` clears it).
    Faults apply to every request that matches, plus any given per request in an
    ``X-Emulator-Fault`` header (see Fault.parse).
    """
    if livepeer_mode not in LIVEPEER_MODES:
        raise ValueError(f"livepeer_mode must be one of {', '.join(LIVEPEER_MODES)}")
    state = EmulatorState(
        hamsa_key=hamsa_key,
        livepeer_token=livepeer_token,
        job_delay=job_delay,
        livepeer_mode=livepeer_mode,
        livepeer_model=livepeer_model,
        livepeer_data_urls=livepeer_data_urls,
        use_espeak=use_espeak,
        webhook_loopback_only=webhook_loopback_only,
        faults=tuple(faults),
    )
    livepeer = _routing.livepeer_app(state)
    app = Starlette(
        routes=[
            Route("/v1/jobs/text-to-speech", _hamsa.create, methods=["POST"]),
            Route("/v1/jobs", _hamsa.job_status, methods=["GET"]),
            Route("/media/{name}", _hamsa.media, methods=["GET"]),
            Route("/__emulator__/requests", _list_requests, methods=["GET", "DELETE"]),
            Mount("/livepeer", app=livepeer),
        ]
    )
    app.state.emulator = state
    return Recorder(app, state)
