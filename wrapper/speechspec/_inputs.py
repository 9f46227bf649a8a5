"""Argument checks made before any request is sent."""

from __future__ import annotations

import httpx

from .errors import InvalidRequestError


def string(value: object, param: str) -> str:
    if not isinstance(value, str):
        raise InvalidRequestError(
            f"{param} must be a string, got {type(value).__name__}", param=param
        )
    return value


def require_text(value: object, param: str) -> str:
    text = string(value, param)
    if not text.strip():
        raise InvalidRequestError(f"{param} must not be empty or whitespace only", param=param)
    return text


def http_url(value: object, param: str) -> str:
    url = require_text(value, param)
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise InvalidRequestError(f"{param} is not a valid URL: {exc}", param=param) from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise InvalidRequestError(
            f"{param} must be an absolute http(s) URL, got {url!r}", param=param
        )
    return url


def positive_number(value: object, param: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise InvalidRequestError(f"{param} must be a positive number, got {value!r}", param=param)
    return float(value)


def max_bytes(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidRequestError(
            f"max_bytes must be a positive integer, got {value!r}", param="max_bytes"
        )
    return value
