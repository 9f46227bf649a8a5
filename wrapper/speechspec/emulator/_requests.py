"""Request bodies as the emulated servers read them: JSON, refused in the vendor's error shape
when it cannot be read or is not valid Unicode (never a crash, never an echo of the value)."""

from __future__ import annotations

import json
from typing import Any

import jsonschema

from .._answers import LONE_SURROGATE


class BodyError(Exception):
    """A body the server refuses; ``str()`` is the message, which never echoes the value."""


def parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        # RecursionError: nesting deeper than the json module handles; still "not JSON we read".
        raise BodyError(f"body is not valid JSON: {type(exc).__name__}") from None


def lone_surrogate_path(value: Any, path: str = "") -> str | None:
    """Where ``value`` holds a lone surrogate (``"\\ud800"`` is valid JSON, invalid Unicode)."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, str):
            if LONE_SURROGATE.search(node):
                return where or "body"
        elif isinstance(node, dict):
            for key, item in node.items():
                if LONE_SURROGATE.search(key):
                    return where or "body"
                stack.append((item, f"{where}/{key}" if where else key))
        elif isinstance(node, list):
            stack.extend((item, f"{where}/{i}" if where else str(i)) for i, item in enumerate(node))
    return None


def schema_message(error: jsonschema.ValidationError) -> str:
    """A message naming the field and the rule, never the value (it may be a secret)."""
    where = "/".join(str(p) for p in error.absolute_path) or "body"
    rule = error.validator
    if rule == "required":
        missing = str(error.message).split("'")[1] if "'" in str(error.message) else "a field"
        prefix = "" if where == "body" else f"{where}/"
        return f"{prefix}{missing} is required"
    if rule == "type":
        wanted = error.validator_value
        names = wanted if isinstance(wanted, list) else [wanted]
        return f"{where}: must be of type {' or '.join(str(n) for n in names)}"
    if rule == "minLength":
        return f"{where}: must not be empty"
    if rule == "format":
        return f"{where}: must be a URI (RFC 3986)"
    if rule == "enum":
        return f"{where}: is not one of the allowed values"
    return f"{where}: is invalid ({rule})"
