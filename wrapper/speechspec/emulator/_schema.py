"""Request validation against the effective documents the generated clients ship."""

from __future__ import annotations

import copy
import functools
from typing import Any

import jsonschema

from .._schema import effective_document
from .._uri import is_uri


def _to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 ``nullable: true`` to JSON Schema's ``type: [T, "null"]``; drop ``example``."""
    if isinstance(node, dict):
        out = {k: _to_json_schema(v) for k, v in node.items() if k not in ("example", "nullable")}
        if node.get("nullable") is True and isinstance(node.get("type"), str):
            out["type"] = [node["type"], "null"]
        return out
    if isinstance(node, list):
        return [_to_json_schema(v) for v in node]
    return node


_formats = jsonschema.FormatChecker(formats=("date-time",))


@_formats.checks("uri")
def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or is_uri(value)


@functools.cache
def validator(package: str, schema_name: str) -> jsonschema.Draft202012Validator:
    doc = effective_document(package)
    root = {
        "$ref": f"#/components/schemas/{schema_name}",
        "components": _to_json_schema(copy.deepcopy(doc["components"])),
    }
    return jsonschema.Draft202012Validator(root, format_checker=_formats)


def errors(package: str, schema_name: str, body: Any) -> list[jsonschema.ValidationError]:
    return sorted(validator(package, schema_name).iter_errors(body), key=lambda e: list(e.path))


def unmodelled_field_errors(
    package: str, schema_name: str, body: Any, modelled: tuple[str, ...]
) -> list[jsonschema.ValidationError]:
    """Errors in the body's fields that the emulator does not model by hand (ones the vendor
    added since), checked against the effective document: a new field's limits hold in the
    emulator with no edit of it (issue 20)."""
    if not isinstance(body, dict):
        return []
    return [
        e
        for e in errors(package, schema_name, body)
        if e.path and e.path[0] not in modelled and e.validator != "additionalProperties"
    ]
