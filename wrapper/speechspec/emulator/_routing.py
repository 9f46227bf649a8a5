"""What each Livepeer server answers off its one route: unknown paths, a trailing slash and
other methods.

- ai-runner (FastAPI): ``/text-to-speech`` and ``/text-to-speech/`` are both POST routes
  (runner/src/runner/routes/text_to_speech.py registers both); any other path is 404
  ``{"detail":"Not Found"}`` and another method 405 ``{"detail":"Method Not Allowed"}`` with
  ``Allow: POST`` (FastAPI's http_exception_handler over Starlette's router).
- go-livepeer gateway (net/http ServeMux): only ``/text-to-speech`` is registered
  (server/ai_mediaserver.go, startAIMediaServer), for every method; anything else is
  http.NotFound, ``404 page not found\\n`` as text/plain. Another method passes the mux and
  meets the OpenAPI request validator (github.com/oapi-codegen/nethttp-middleware v1.0.1,
  oapi_validate.go: FindRoute fails, so it calls Options.ErrorHandler and returns). The
  gateway's ErrorHandler only logs (server/ai_mediaserver.go), so nothing is written and
  net/http answers 200 with an empty body."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import _gateway, _runner
from ._state import EmulatorState

# ServeMux's pattern "/text-to-speech" names no method: every method reaches the handler.
ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"]


async def _runner_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers) if exc.headers else None
    return _runner.fastapi_json(exc.status_code, {"detail": exc.detail}, headers)


async def _gateway_http_exception(request: Request, exc: Exception) -> Response:
    return _gateway.go_not_found()


async def _gateway_tts(request: Request) -> Response:
    if request.method == "POST":
        return await _gateway.text_to_speech(request)
    state: EmulatorState = request.app.state.emulator
    if not _gateway.authorized(request, state):
        return _gateway.error(401, "Invalid bearer token")
    return Response(b"", status_code=200, media_type=None)


def livepeer_app(state: EmulatorState) -> Starlette:
    """The app mounted at ``/livepeer``, answering as ``state.livepeer_mode`` says."""
    if state.livepeer_mode == "runner":
        routes = [
            Route("/text-to-speech", _runner.text_to_speech, methods=["POST"]),
            Route("/text-to-speech/", _runner.text_to_speech, methods=["POST"]),
        ]
        handler = _runner_http_exception
    else:
        routes = [
            Route("/text-to-speech", _gateway_tts, methods=ANY_METHOD),
            Route("/stream/{request_id}/{name}", _gateway.stream, methods=["GET"]),
        ]
        handler = _gateway_http_exception
    app = Starlette(routes=routes, exception_handlers={HTTPException: handler})
    # Neither server redirects "/text-to-speech/" to "/text-to-speech".
    app.router.redirect_slashes = False
    app.state.emulator = state
    return app
