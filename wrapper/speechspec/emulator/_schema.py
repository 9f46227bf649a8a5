"""Request validation against the effective documents the generated clients ship."""

from __future__ import annotations

import copy
import functools
import ipaddress
import json
import re
from importlib import resources
from typing import Any

import jsonschema


@functools.cache
def effective_document(package: str) -> dict[str, Any]:
    """The effective OpenAPI document shipped in ``hamsa_client`` or ``livepeer_client``."""
    text = resources.files(package).joinpath("openapi.json").read_text(encoding="utf-8")
    doc: dict[str, Any] = json.loads(text)
    return doc


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


# RFC 3986 section 3 (with the ABNF of appendix A): what ``format: uri`` means. Spaces,
# <>"{}|\^`, bad %-escapes and unencoded non-ASCII are all outside it.
_UNRESERVED = r"A-Za-z0-9\-._~"
_SUB_DELIMS = r"!$&'()*+,;="
_PCT = r"%[0-9A-Fa-f]{2}"
_PCHAR = rf"(?:[{_UNRESERVED}{_SUB_DELIMS}:@]|{_PCT})"
_URI = re.compile(
    rf"""
    [A-Za-z][A-Za-z0-9+.\-]*:                                   # scheme
    (?:
      //(?:(?:[{_UNRESERVED}{_SUB_DELIMS}:]|{_PCT})*@)?            # userinfo
        (?P<host>\[[^\]/?#@]*\]|(?:[{_UNRESERVED}{_SUB_DELIMS}]|{_PCT})*)
        (?::[0-9]*)?                                               # port
        (?:/{_PCHAR}*)*                                            # path-abempty
      | /(?:{_PCHAR}+(?:/{_PCHAR}*)*)?                             # path-absolute
      | {_PCHAR}+(?:/{_PCHAR}*)*                                   # path-rootless
      |                                                            # path-empty
    )
    (?:\?(?:{_PCHAR}|[/?])*)?                                      # query
    (?:\#(?:{_PCHAR}|[/?])*)?                                      # fragment
    """,
    re.VERBOSE,
)
_IPVFUTURE = re.compile(rf"v[0-9A-Fa-f]+\.[{_UNRESERVED}{_SUB_DELIMS}:]+")


def is_uri(value: str) -> bool:
    """An RFC 3986 URI (absolute: it has a scheme)."""
    match = _URI.fullmatch(value)
    if match is None:
        return False
    host = match.group("host")
    if host and host.startswith("["):
        literal = host[1:-1]
        if _IPVFUTURE.fullmatch(literal):
            return True
        try:
            ipaddress.IPv6Address(literal)
        except ValueError:
            return False
    return True


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
