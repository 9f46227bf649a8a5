"""Turn a 2xx response into the generated model, or a ResponseValidationError."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from ._errors_map import decode_body
from .errors import ResponseValidationError

T = TypeVar("T")


# What a generated from_dict raises on a body of the wrong shape: a missing key (KeyError),
# an unknown enum value or bad date (ValueError), a non-object where one is due
# (TypeError, AttributeError). JSONDecodeError is a ValueError.
# RecursionError: a backstop behind the depth limit that check_depth puts first.
_PARSE_ERRORS = (
    KeyError,
    ValueError,
    TypeError,
    AttributeError,
    IndexError,
    OverflowError,
    RecursionError,
)


def parse_success(
    response: httpx.Response,
    expected: type[T],
    parse_200: Callable[[httpx.Response], object],
) -> T:
    """Parse a 2xx with the generated operation's parser (for 200, the documented status) or
    the model's own from_dict (any other 2xx), then check every field's type."""
    # Imported here: attrs (for the type checks) is not needed until the first answer.
    from ._answers import check_depth
    from ._validate import ModelTypeError, check_model

    try:
        check_depth(response.content)
        if response.status_code == 200:
            parsed = parse_200(response)
        else:
            parsed = _from_dict(expected, json.loads(response.content))
    except _PARSE_ERRORS as exc:
        raise invalid(response, _reason(exc)) from exc
    if not isinstance(parsed, expected):
        raise invalid(response, f"parsed as {type(parsed).__name__}, not {expected.__name__}")
    try:
        check_model(parsed)
        # Only a body with an array or an empty string can hide one where an object is due:
        # dict([]) and dict("") are {} (see _check_shape).
        if b"[" in response.content or b'""' in response.content:
            _check_shape(json.loads(response.content), parsed.to_dict(), "$")  # type: ignore[attr-defined]
    except ModelTypeError as exc:
        raise invalid(response, str(exc)) from exc
    return parsed


def parse_model(expected: type[T], data: Any) -> T:
    """Build and type-check a model from already-decoded JSON (raises ModelTypeError or a
    parse error)."""
    from ._validate import check_model

    if not isinstance(data, dict):
        raise TypeError(f"expected a JSON object, got {type(data).__name__}")
    model = _from_dict(expected, data)
    check_model(model)
    _check_shape(data, model.to_dict(), "$")  # type: ignore[attr-defined]
    return model


def _check_shape(raw: Any, rebuilt: Any, path: str) -> None:
    """Raise where the body has a non-object where the model holds an object: a generated
    from_dict calls dict() on nested objects, which turns [] or [[k, v]] into a dict."""
    from ._validate import ModelTypeError

    if isinstance(rebuilt, dict):
        if not isinstance(raw, dict):
            raise ModelTypeError(path, "object", raw)
        for key, value in rebuilt.items():
            if key in raw:
                _check_shape(raw[key], value, f"{path}.{key}")
    elif isinstance(rebuilt, list) and isinstance(raw, list):
        for i, (r, b) in enumerate(zip(raw, rebuilt, strict=False)):
            _check_shape(r, b, f"{path}[{i}]")


def _from_dict(expected: type[T], data: Any) -> T:
    if not isinstance(data, dict):
        raise TypeError(f"expected a JSON object, got {type(data).__name__}")
    result: T = expected.from_dict(data)  # type: ignore[attr-defined]
    return result


def _reason(exc: BaseException) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"body is not JSON ({exc.msg} at position {exc.pos})"
    if isinstance(exc, KeyError):
        return f"required field {exc.args[0]!r} is missing"
    return f"{type(exc).__name__}: {exc}"


def invalid(
    response: httpx.Response, reason: str, *, verdict: str = "does not match the spec"
) -> ResponseValidationError:
    ctype = response.headers.get("content-type", "no content type")
    return ResponseValidationError(
        f"{response.status_code} answer {verdict}: {reason} ({ctype})",
        status_code=response.status_code,
        body=decode_body(response),
        response=response,
    )
