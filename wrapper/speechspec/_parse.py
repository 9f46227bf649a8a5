"""Turn a 2xx response into the generated model, or a ResponseValidationError."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import httpx

from ._errors_map import decode_body
from ._validate import ModelTypeError, check_model
from .errors import ResponseValidationError

T = TypeVar("T")


class _Model(Protocol):
    @classmethod
    def from_dict(cls, src_dict: Any) -> Any: ...


# What a generated from_dict raises on a body of the wrong shape: a missing key (KeyError),
# an unknown enum value or bad date (ValueError), a non-object where one is due
# (TypeError, AttributeError). JSONDecodeError is a ValueError.
_PARSE_ERRORS = (KeyError, ValueError, TypeError, AttributeError, IndexError, OverflowError)


def parse_success(
    response: httpx.Response,
    expected: type[T],
    parse_200: Callable[[httpx.Response], object],
) -> T:
    """Parse a 2xx with the generated operation's parser (for 200, the documented status) or
    the model's own from_dict (any other 2xx), then check every field's type."""
    try:
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
    except ModelTypeError as exc:
        raise invalid(response, str(exc)) from exc
    return parsed


def parse_model(expected: type[T], data: Any) -> T:
    """Build and type-check a model from already-decoded JSON (raises ModelTypeError or a
    parse error)."""
    if not isinstance(data, dict):
        raise TypeError(f"expected a JSON object, got {type(data).__name__}")
    model = _from_dict(expected, data)
    check_model(model)
    return model


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


def invalid(response: httpx.Response, reason: str) -> ResponseValidationError:
    ctype = response.headers.get("content-type", "no content type")
    return ResponseValidationError(
        f"{response.status_code} answer does not match the spec: {reason} ({ctype})",
        status_code=response.status_code,
        body=decode_body(response),
        response=response,
    )
