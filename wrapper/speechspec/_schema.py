"""Check ``extra_body`` against the *effective* request schema (the vendor's document with our
overlay applied), which each generated package ships as ``openapi.json``.

A small validator for the JSON Schema that OpenAPI 3.0 and 3.1 request bodies use, rather than
a dependency: the core installs only httpx and attrs. Two rules are stricter
than JSON Schema, because extra_body exists to send a field the wrapper lacks and a typo must
not be sent silently: a key the schema does not declare is refused (unless the object's schema
says ``additionalProperties``), and a key the call's own body already carries (what the typed
arguments set; a spec default the caller did not give is never sent, so never in the way) is refused.
Messages name the key, never its value.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Mapping
from importlib import resources
from typing import Any

from ._args import unencodable
from ._uri import is_uri
from .errors import InvalidRequestError


@functools.cache
def effective_document(package: str) -> dict[str, Any]:
    """The package's openapi.json, loaded once, on first use of extra_body."""
    text = resources.files(package).joinpath("openapi.json").read_text(encoding="utf-8")
    spec: dict[str, Any] = json.loads(text)
    return spec


def request_schema(package: str, method: str, path: str) -> dict[str, Any] | None:
    """The JSON request body schema of the operation at ``method path`` (the document's path
    template, as the generated Operation names it), or None when it takes no JSON body."""
    spec = effective_document(package)
    operation = (spec.get("paths", {}).get(path) or {}).get(method.lower()) or {}
    body = _resolve(spec, operation.get("requestBody") or {})
    schema = (body.get("content") or {}).get("application/json", {}).get("schema")
    return _resolve(spec, schema) if isinstance(schema, dict) else None


def check_extra_body(
    package: str,
    method: str,
    path: str,
    typed: Mapping[str, Any] | None,
    extra: Mapping[str, object],
) -> None:
    """Raise InvalidRequestError(param="extra_body") naming the first bad key."""
    if not extra:
        return
    schema = request_schema(package, method, path)
    if schema is None or typed is None:
        raise InvalidRequestError(
            f"extra_body: {method} {path} takes no JSON body", param="extra_body"
        )
    for key in extra:
        if key in typed:
            raise InvalidRequestError(
                f"extra_body[{key!r}] is already set by the method's arguments; pass it there",
                param="extra_body",
            )
    problem = _Validator(effective_document(package)).object_problem(schema, extra, "", closed=True)
    if problem:
        raise InvalidRequestError(f"extra_body{problem}", param="extra_body")


def check_default_body(package: str, extra: Mapping[str, object]) -> None:
    """with_options(extra_body=): checked now against every operation that takes a JSON body
    (each vendor has one); collisions with typed fields are checked per call."""
    spec = effective_document(package)
    checked = False
    for path, item in spec.get("paths", {}).items():
        for method in item:
            if method.lower() in ("post", "put", "patch") and request_schema(package, method, path):
                check_extra_body(package, method.upper(), path, {}, extra)
                checked = True
    if not checked:  # pragma: no cover (both vendors have a body-taking operation)
        raise InvalidRequestError("extra_body: no operation takes a JSON body", param="extra_body")


def value_problem(schema: Mapping[str, Any], value: object, where: str) -> str | None:
    """Why ``value`` breaks a field's ``schema`` ($refs inlined) or cannot be JSON, or None."""
    problem = _Validator({}).problem(schema, value, where)
    return problem or (None if isinstance(value, str) else _json_problem(value, where))


def _resolve(spec: Mapping[str, Any], node: Any) -> Any:
    seen = 0
    while isinstance(node, Mapping) and "$ref" in node and seen < 32:
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/"):
            return {}
        target: Any = spec
        for part in ref[2:].split("/"):
            target = target.get(part.replace("~1", "/").replace("~0", "~"), {})
        node, seen = target, seen + 1
    return node


class _Validator:
    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.spec = spec

    def problem(self, schema: Any, value: object, where: str) -> str | None:
        """Why ``value`` breaks ``schema`` (a message starting with ``where``), or None."""
        schema = _resolve(self.spec, schema)
        if schema is False:
            return f"{where}: is not allowed"
        if not isinstance(schema, Mapping):
            return None
        if value is None and schema.get("nullable") is True:
            return None
        for part in schema.get("allOf", ()):
            found = self.problem(part, value, where)
            if found:
                return found
        for keyword in ("anyOf", "oneOf"):
            options = schema.get(keyword)
            if options:
                matches = sum(self.problem(o, value, where) is None for o in options)
                if matches == 0 or (keyword == "oneOf" and matches > 1):
                    return f"{where}: does not match {'exactly one' if keyword == 'oneOf' else 'any'} of the allowed shapes"
        return self._type_problem(schema, value, where) or self._value_problem(schema, value, where)

    def _type_problem(self, schema: Mapping[str, Any], value: object, where: str) -> str | None:
        declared = schema.get("type")
        if declared is None:
            return None
        names = [declared] if isinstance(declared, str) else list(declared)
        kind = _json_type(value)
        integral = kind == "number" and isinstance(value, float) and value.is_integer()
        for name in names:
            if (
                name == kind
                or (name, kind) == ("number", "integer")
                or (name == "integer" and integral)
            ):
                return None
        return f"{where}: must be {' or '.join(names)}, got {kind}"

    def _value_problem(self, schema: Mapping[str, Any], value: object, where: str) -> str | None:
        if "enum" in schema and value not in schema["enum"]:
            return f"{where}: must be one of {schema['enum']!r}"
        if "const" in schema and value != schema["const"]:
            return f"{where}: must be {schema['const']!r}"
        if isinstance(value, str):
            return self._string_problem(schema, value, where)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return _number_problem(schema, value, where)
        if isinstance(value, list | tuple):
            return self._array_problem(schema, value, where)
        if isinstance(value, Mapping):
            return self.object_problem(schema, value, where, closed=False)
        return None

    def _string_problem(self, schema: Mapping[str, Any], value: str, where: str) -> str | None:
        if "minLength" in schema and len(value) < schema["minLength"]:
            return f"{where}: must be at least {schema['minLength']} characters"
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            return f"{where}: must be at most {schema['maxLength']} characters"
        if "pattern" in schema and not re.search(schema["pattern"], value):
            return f"{where}: does not match the pattern {schema['pattern']!r}"
        if schema.get("format") == "uri" and not is_uri(value):
            return f"{where}: must be an absolute URI"
        return None

    def _array_problem(self, schema: Mapping[str, Any], value: Any, where: str) -> str | None:
        if "minItems" in schema and len(value) < schema["minItems"]:
            return f"{where}: must have at least {schema['minItems']} items"
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            return f"{where}: must have at most {schema['maxItems']} items"
        items = schema.get("items")
        for index, item in enumerate(value):
            found = self.problem(items, item, f"{where}[{index}]") if items else None
            found = found or _json_problem(item, f"{where}[{index}]")
            if found:
                return found
        return None

    def object_problem(
        self, schema: Mapping[str, Any], value: Mapping[Any, Any], where: str, *, closed: bool
    ) -> str | None:
        properties = self._properties(schema)
        additional = schema.get("additionalProperties")
        for key, item in value.items():
            at = f"{where}[{key!r}]"
            if not isinstance(key, str):
                return f"{where}: keys must be strings"
            if key in properties:
                found = self.problem(properties[key], item, at)
            elif isinstance(additional, Mapping):
                found = self.problem(additional, item, at)
            elif additional is True or (not closed and not properties and additional is None):
                found = None
            else:
                found = f"{at}: is not a field of this request in the spec"
            found = found or _json_problem(item, at)
            if found:
                return found
        if not closed:
            for name in schema.get("required", ()):
                if name not in value:
                    return f"{where}: {name!r} is required"
        return None

    def _properties(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        properties = dict(schema.get("properties") or {})
        for part in schema.get("allOf", ()):
            properties.update(self._properties(_resolve(self.spec, part)))
        return properties


def _number_problem(schema: Mapping[str, Any], value: float, where: str) -> str | None:
    if isinstance(value, float) and not math.isfinite(value):
        return f"{where}: must be a finite number"
    low, high = schema.get("minimum"), schema.get("maximum")
    ex_low, ex_high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    # OpenAPI 3.0: booleans qualifying minimum/maximum; 3.1: numbers of their own.
    if ex_low is True:
        ex_low, low = low, None
    if ex_high is True:
        ex_high, high = high, None
    if isinstance(low, int | float) and value < low:
        return f"{where}: must be >= {low}"
    if isinstance(high, int | float) and value > high:
        return f"{where}: must be <= {high}"
    if isinstance(ex_low, int | float) and not isinstance(ex_low, bool) and value <= ex_low:
        return f"{where}: must be > {ex_low}"
    if isinstance(ex_high, int | float) and not isinstance(ex_high, bool) and value >= ex_high:
        return f"{where}: must be < {ex_high}"
    step = schema.get("multipleOf")
    if (
        isinstance(step, int | float)
        and step > 0
        and not math.isclose(value / step, round(value / step))
    ):
        return f"{where}: must be a multiple of {step}"
    return None


def _json_problem(value: object, where: str) -> str | None:
    """What json.dumps would refuse (or silently turn into invalid JSON)."""
    if isinstance(value, str):
        if unencodable(value) is not None:  # in place: a large extra_body string is not copied
            return f"{where}: contains a lone surrogate that cannot be encoded as UTF-8"
        return None
    if value is None or isinstance(value, bool | int):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{where}: must be a finite number"
    if isinstance(value, list | tuple | Mapping):
        return None  # their items are checked as they are visited
    return f"{where}: {type(value).__name__} is not JSON-serializable"


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    for name, kinds in _KINDS:
        if isinstance(value, kinds):
            return name
    return type(value).__name__


# JSON types by Python type, bool before int (a bool is an int).
_KINDS: tuple[tuple[str, type | tuple[type, ...]], ...] = (
    ("boolean", bool),
    ("integer", int),
    ("number", float),
    ("string", str),
    ("array", (list, tuple)),
    ("object", Mapping),
)
