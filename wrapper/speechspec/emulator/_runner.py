"""The livepeer/ai-runner's ``POST /text-to-speech`` (runner/src/runner/routes/text_to_speech.py),
behind FastAPI's request validation (fastapi/routing.py):

- a body FastAPI cannot read: 422 ``json_invalid`` with the position and json's message, or 400
  ``{"detail": "There was an error parsing the body"}`` (undecodable bytes, absurd nesting);
- a body that is not the model: 422 ``{"detail": [{"type", "loc", "msg", "input"}]}`` as
  pydantic 2 words it; model_id and text default to "" (a missing model_id is the pipeline's);
- strings are taken as Python has them: lone surrogates (``"\\ud800"``) reach the pipeline;
- then, in this order: an empty text is 400 ``{"detail": {"msg": "Text input must be
  provided."}}`` (routes/utils.py http_error), a wrong token 401 "Invalid bearer token." with
  ``WWW-Authenticate: Bearer`` (FastAPI's HTTPBearer: the scheme in any case, the token after
  the first space), a model_id that is neither "" nor the pipeline's 400 "pipeline configured
  with <model> but called with <model_id>", then the pipeline (a ``Fault(pipeline=...)``);
- audio is a ``data:audio/wav;base64,`` URL (routes/utils.py audio_to_data_url) of a 44.1 kHz WAV.
Neither this nor the gateway sends ``X-Request-Id`` or ``Retry-After`` (no code of either
sets them); the emulator sends what they send."""

from __future__ import annotations

import base64
import json
from email.message import Message
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from . import _audio
from ._gateway import INFERENCE_ERROR
from ._recorder import PIPELINE_SCOPE_KEY
from ._schema import unmodelled_field_errors
from ._state import EmulatorState

FIELDS = ("model_id", "text", "description")

# handle_pipeline_exception's answers (routes/utils.py ERROR_CONFIG, text_to_speech.py
# PIPELINE_ERROR_CONFIG); an InferenceError's message is f"{e}." (utils/errors.py).
PIPELINE_ERRORS = {
    "inference": (400, INFERENCE_ERROR),
    "oom": (500, "Out of memory error. Try reducing text input length."),
    "error": (500, "Text-to-speech pipeline error."),
}


def fastapi_json(status: int, content: Any, headers: dict[str, str] | None = None) -> Response:
    """Starlette's JSONResponse rendering (json.dumps with ensure_ascii=False, allow_nan=False,
    then UTF-8). Where that raises, for a lone surrogate or a NaN echoed in a 422's ``input`` or
    in the model 400's message, the real runner's ServerErrorMiddleware answers a plain 500
    "Internal Server Error", and so does this (checked by tools/vendor_check.py)."""
    try:
        body = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        data = body.encode("utf-8")
    except (UnicodeEncodeError, ValueError):
        return Response(b"Internal Server Error", status_code=500, media_type="text/plain")
    return Response(data, status_code=status, headers=headers, media_type="application/json")


def http_error(status: int, msg: str, headers: dict[str, str] | None = None) -> Response:
    return fastapi_json(status, {"detail": {"msg": msg}}, headers)


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return True
    message = Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


def _validation(*items: dict[str, Any]) -> Response:
    return fastapi_json(422, {"detail": list(items)})


def validate(raw: bytes, content_type: str | None) -> dict[str, str] | Response:
    """The TextToSpeechParams FastAPI would build, or its error answer."""
    body: Any = None
    if raw:
        if _is_json(content_type):
            try:
                body = json.loads(raw)
            except json.JSONDecodeError as exc:
                return _validation(
                    {
                        "type": "json_invalid",
                        "loc": ["body", exc.pos],
                        "msg": "JSON decode error",
                        "input": {},
                        "ctx": {"error": exc.msg},
                    }
                )
            except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
                return fastapi_json(400, {"detail": "There was an error parsing the body"})
        else:
            body = raw.decode("utf-8", errors="replace")
    if body is None:
        return _validation(
            {"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}
        )
    if not isinstance(body, dict):
        return _validation(
            {
                "type": "model_attributes_type",
                "loc": ["body"],
                "msg": "Input should be a valid dictionary or object to extract fields from",
                "input": body,
            }
        )
    errors = []
    for name in FIELDS:
        value = body.get(name, "")
        if not isinstance(value, str):
            errors.append(
                {
                    "type": "string_type",
                    "loc": ["body", name],
                    "msg": "Input should be a valid string",
                    "input": value,
                }
            )
    errors += [_pydantic_item(e) for e in unmodelled_field_errors(
        "livepeer_client", "TextToSpeechParams", body, FIELDS
    )]  # fmt: skip
    if errors:
        return _validation(*errors)
    return {name: body.get(name, "") for name in FIELDS}


# pydantic v2's error types and messages for the JSON Schema keywords FastAPI models declare.
_PYDANTIC = {
    "minimum": ("greater_than_equal", "ge", "Input should be greater than or equal to {}"),
    "maximum": ("less_than_equal", "le", "Input should be less than or equal to {}"),
    "exclusiveMinimum": ("greater_than", "gt", "Input should be greater than {}"),
    "exclusiveMaximum": ("less_than", "lt", "Input should be less than {}"),
    "minLength": ("string_too_short", "min_length", "String should have at least {} characters"),
    "maxLength": ("string_too_long", "max_length", "String should have at most {} characters"),
}
_TYPES = {"number": ("float_type", "Input should be a valid number"),
          "integer": ("int_type", "Input should be a valid integer"),
          "boolean": ("bool_type", "Input should be a valid boolean"),
          "string": ("string_type", "Input should be a valid string")}  # fmt: skip


def _pydantic_item(error: Any) -> dict[str, Any]:
    """The 422 item a FastAPI runner writes for a field its model constrains (the effective
    document's schema of a field the emulator does not model by hand)."""
    loc = ["body", *error.path]
    if error.validator in _PYDANTIC:
        kind, ctx, msg = _PYDANTIC[error.validator]
        limit = error.validator_value
        return {"type": kind, "loc": loc, "msg": msg.format(limit), "input": error.instance,
                "ctx": {ctx: limit}}  # fmt: skip
    if error.validator == "type" and isinstance(error.validator_value, str):
        kind, msg = _TYPES.get(error.validator_value, ("value_error", error.message))
        return {"type": kind, "loc": loc, "msg": msg, "input": error.instance}
    return {"type": "value_error", "loc": loc, "msg": error.message, "input": error.instance}


def bearer_token(request: Request) -> str | None:
    """fastapi/security/http.py HTTPBearer(auto_error=False): the credentials after the first
    space when the scheme is "bearer" in any case, else None."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if not (scheme and credentials) or scheme.lower() != "bearer":
        return None
    return credentials


async def text_to_speech(request: Request) -> Response:
    state: EmulatorState = request.app.state.emulator
    params = validate(await request.body(), request.headers.get("content-type"))
    if isinstance(params, Response):
        return params
    if not params["text"]:
        return http_error(400, "Text input must be provided.")
    if state.livepeer_token is not None and bearer_token(request) != state.livepeer_token:
        return http_error(401, "Invalid bearer token.", {"WWW-Authenticate": "Bearer"})
    model = state.livepeer_model
    if params["model_id"] not in ("", model):
        return http_error(
            400, f"pipeline configured with {model} but called with {params['model_id']}"
        )
    fault = request.scope.get(PIPELINE_SCOPE_KEY)
    if fault is not None:
        status, msg = PIPELINE_ERRORS[fault]
        return http_error(status, msg)
    wav = await _audio.render(
        params["text"], voice="en", rate=_audio.LIVEPEER_RATE, use_espeak=state.use_espeak
    )
    return fastapi_json(
        200, {"audio": {"url": "data:audio/wav;base64," + base64.b64encode(wav).decode()}}
    )
