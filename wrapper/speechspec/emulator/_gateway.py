"""A go-livepeer gateway's ``POST /text-to-speech``, as server/ai_mediaserver.go
(aiMediaServerHandle), server/ai_process.go (processTextToSpeech, submitTextToSpeech,
parseBadRequestError) and server/handlers.go (respondJsonError, handleAPIError) answer it:

- errors are ``{"error": {"message": ...}}`` and never 422; a body Go's decoder refuses is a 400
  with the decoder's message (see _gojson); no ``text`` is 400 ``text field is required``;
- an empty text reaches the runner, whose 400 "Text input must be provided." comes back through
  the orchestrator as "text-to-speech container returned 400: ..." and parseBadRequestError
  keeps what follows "returned 400": ``": Text input must be provided."`` (leading colon);
- a missing ``model_id`` means the default model (ai_process.go defaultTextToSpeechModelID);
- 500 is always "Internal Server Error", 503 "Service Unavailable Error" (no orchestrator; a
  Fault here);
- audio is re-saved by the gateway and answered as a host-less path ``/stream/<requestId>/<id>.wav``
  (the memory object store, core/ai_test.go), which the gateway serves itself."""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from . import _audio, _gojson
from ._recorder import PIPELINE_SCOPE_KEY
from ._schema import unmodelled_field_errors
from ._state import EmulatorState

RUNNER_EMPTY_TEXT = ": Text input must be provided."
# The runner's InferenceError message (runner/src/runner/utils/errors.py), as _runner answers it.
INFERENCE_ERROR = "Error during model execution: emulated fault."


def go_not_found() -> Response:
    """net/http's http.NotFound (http.Error writes these headers)."""
    return Response(
        b"404 page not found\n",
        status_code=404,
        headers={"Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff"},
    )


def go_json(status: int, value: Any) -> Response:
    """Go's json.Encoder output: compact, HTML-escaped, newline-terminated."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(raw, escaped)
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Response((text + "\n").encode(), status_code=status, media_type="application/json")


def error(status: int, message: str) -> Response:
    return go_json(status, _gojson.error_body(status, message))


def authorized(request: Request, state: EmulatorState) -> bool:
    if state.livepeer_token is None:
        return True
    given = request.headers.get("authorization", "")
    return secrets.compare_digest(given.encode(), f"Bearer {state.livepeer_token}".encode())


async def text_to_speech(request: Request) -> Response:
    state: EmulatorState = request.app.state.emulator
    # go-livepeer has no bearer auth of its own: a hosted gateway checks the token in front.
    if not authorized(request, state):
        return error(401, "Invalid bearer token")
    try:
        params = _gojson.decode_params(await request.body())
    except _gojson.GoJSONError as exc:
        return error(400, str(exc))
    if params["model_id"] == "":
        # processAIRequest selects an orchestrator for model "": none has it, so after its
        # tries the answer is ServiceUnavailableError "no orchestrators available" (a missing
        # model_id is the default model instead).
        return error(503, "no orchestrators available")
    text = params["text"]
    if text is None:
        return error(400, "text field is required")
    if text == "":
        return error(400, RUNNER_EMPTY_TEXT)
    # Fields added to the effective document since the emulator was written: the gateway
    # decodes only its struct's fields and forwards; the runner validates them (FastAPI). As
    # for an empty text, the gateway answers 400 with the runner's message (an assumption for
    # new fields: i23's fidelity work may refine it). Nothing else reaches this point.
    try:
        body: Any = json.loads(await request.body())
    except (ValueError, RecursionError):  # Go decoded what Python will not: nothing to check
        body = None
    problems = unmodelled_field_errors(
        "livepeer_client", "TextToSpeechParams", body, _gojson.FIELDS
    )
    if problems:
        where = "/".join(str(p) for p in problems[0].path)
        return error(400, f": {where}: {problems[0].message}")
    fault = request.scope.get(PIPELINE_SCOPE_KEY)
    if fault == "inference":
        # ai/worker/worker.go: "text-to-speech container returned 400: <msg>", cut by
        # parseBadRequestError after "returned 400".
        return error(400, ": " + INFERENCE_ERROR)
    if fault is not None:
        # A runner's 500 is no BadRequestError: processAIRequest removes that orchestrator's
        # session and, with no other one, answers "no orchestrators available" (503).
        return error(503, "no orchestrators available")
    wav = await _audio.render(
        text, voice="en", rate=_audio.LIVEPEER_RATE, use_espeak=state.use_espeak
    )
    if state.livepeer_data_urls:
        url = "data:audio/wav;base64," + base64.b64encode(wav).decode()
    else:
        # core.RandomManifestID(): 4 random bytes, hex; the file is named the same way.
        path = f"stream/{secrets.token_hex(4)}/{secrets.token_hex(4)}.wav"
        state.keep_media(path, wav)
        url = "/" + path
    return go_json(200, {"audio": {"url": url}})


async def stream(request: Request) -> Response:
    """``GET /stream/<requestId>/<name>``: the audio a gateway answered as a path."""
    state: EmulatorState = request.app.state.emulator
    key = f"stream/{request.path_params['request_id']}/{request.path_params['name']}"
    data = state.media.get(key)
    if data is None:
        return go_not_found()
    return Response(data, media_type="audio/wav")
