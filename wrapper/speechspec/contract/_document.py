"""The effective document a contract run holds an endpoint to: the ``openapi.json`` that the
installed ``<vendor>_client`` package was generated from (or another one, ``--document``),
its operations, and what it says about one answer (status, body fields, headers)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from .._schema import effective_document

PACKAGES = {"hamsa": "hamsa_client", "livepeer": "livepeer_client"}
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_URI = "urn:speechspec:effective"
# bool before int: True is an int to Python, a boolean to JSON.
_KINDS = ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"))


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def jsonpath(pointer: str) -> str:
    """The RFC 9535 JSONPath of a JSON pointer (what an Overlay action's ``target`` takes)."""
    out = "$"
    for token in pointer.split("/")[1:]:
        name = _unescape(token)
        out += f".{name}" if _PLAIN.match(name) else "['" + name.replace("'", "\\'") + "']"
    return out


def _nullable_to_31(node: Any) -> Any:
    """OpenAPI 3.0's ``nullable: true`` as JSON Schema says it (a ``null`` type), so one
    2020-12 validator checks both vendors' documents."""
    if isinstance(node, dict):
        out = {k: _nullable_to_31(v) for k, v in node.items()}
        if out.pop("nullable", False) is True:
            kind = out.get("type")
            if isinstance(kind, str):
                out["type"] = [kind, "null"]
            elif "$ref" in out or "allOf" in out or "oneOf" in out or "anyOf" in out:
                out = {"anyOf": [out, {"type": "null"}]}
        return out
    if isinstance(node, list):
        return [_nullable_to_31(v) for v in node]
    return node


@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    path: str  # the document's template, e.g. /v1/jobs
    pointer: str  # JSON pointer of the operation object

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"


class Document:
    """One effective document and the questions a contract check asks of it."""

    def __init__(self, document: dict[str, Any], origin: str) -> None:
        self.raw = document
        self.origin = origin
        self.version = str(document.get("openapi", "3.0"))
        self._checkable = _nullable_to_31(document)
        resource = Resource.from_contents(self._checkable, default_specification=DRAFT202012)
        self._registry: Registry[Any] = Registry().with_resource(_URI, resource)
        self.operations = [
            Operation(method.upper(), path, f"/paths/{escape(path)}/{method}")
            for path, item in (document.get("paths") or {}).items()
            for method in item
            if method in METHODS
        ]

    @classmethod
    def installed(cls, vendor: str) -> Document:
        package = PACKAGES[vendor]
        return cls(effective_document(package), f"{package}/openapi.json (the installed client's)")

    @classmethod
    def from_file(cls, path: Path) -> Document:
        return cls(json.loads(path.read_text(encoding="utf-8")), str(path))

    # -- navigating ---------------------------------------------------------------------

    def at(self, pointer: str) -> Any:
        node: Any = self.raw
        for token in pointer.split("/")[1:]:
            name = _unescape(token)
            node = node[int(name)] if isinstance(node, list) else node[name]
        return node

    def has(self, pointer: str) -> bool:
        """Whether ``pointer`` (a JSON pointer) names a node of the document."""
        try:
            self.at(pointer)
        except (KeyError, IndexError, ValueError, TypeError):
            return False
        return True

    def match(self, method: str, path: str) -> Operation | None:
        """The operation serving ``method path`` (a path relative to the base URL)."""
        for op in self.operations:
            if op.method != method.upper():
                continue
            pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(op.path)) + "/?$"
            if re.match(pattern, path):
                return op
        return None

    def security(self, op: Operation) -> list[dict[str, Any]]:
        node = self.at(op.pointer)
        return list(node.get("security", self.raw.get("security") or []))

    def auth_required(self, op: Operation) -> bool:
        requirements = self.security(op)
        return bool(requirements) and all(req for req in requirements)

    def response_key(self, op: Operation, status: int) -> str | None:
        """Which entry of the operation's ``responses`` documents ``status``."""
        responses = self.at(op.pointer).get("responses") or {}
        for key in (str(status), f"{str(status)[0]}XX", f"{str(status)[0]}xx", "default"):
            if key in responses:
                return key
        return None

    def response_pointer(self, op: Operation, key: str) -> str:
        return f"{op.pointer}/responses/{escape(key)}"

    def json_schema_pointer(self, op: Operation, key: str) -> str | None:
        return self._json_content(self.response_pointer(op, key))

    def _json_content(self, pointer: str) -> str | None:
        """The pointer of the JSON schema in the (request or response) object at ``pointer``."""
        content = (self.resolved(pointer) or {}).get("content") or {}
        for media in content:
            if media.split(";")[0].strip().endswith("json") and "schema" in content[media]:
                return f"{pointer}/content/{escape(media)}/schema"
        return None

    def deref(self, pointer: str) -> str:
        """The pointer of the node that ``pointer`` stands for, its $refs followed."""
        node = self.at(pointer)
        seen = 0
        while isinstance(node, dict) and "$ref" in node and seen < 20:
            pointer = str(node["$ref"]).removeprefix("#")
            node = self.at(pointer)
            seen += 1
        return pointer

    def resolved(self, pointer: str) -> Any:
        return self.at(self.deref(pointer))

    def request_schema_pointer(self, op: Operation) -> str | None:
        if not self.at(op.pointer).get("requestBody"):
            return None
        return self._json_content(f"{op.pointer}/requestBody")

    # -- checking -----------------------------------------------------------------------

    def errors(self, value: Any, pointer: str) -> list[str]:
        """Why ``value`` does not match the schema at ``pointer`` (empty: it matches)."""
        validator = jsonschema.Draft202012Validator(
            {"$ref": f"{_URI}#{pointer}"},
            registry=self._registry,
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
        )
        found = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
        return [_describe(e) for e in found[:5]]

    def matches(self, value: Any, pointer: str) -> bool:
        return not self.errors(value, pointer)

    def component_matching(self, value: Any) -> str | None:
        """The named schema that ``value`` matches with no field left over, if any."""
        for name in (self.raw.get("components") or {}).get("schemas") or {}:
            pointer = f"/components/schemas/{escape(name)}"
            if (
                isinstance(value, dict)
                and value
                and self.matches(value, pointer)
                and not self.undocumented_fields(value, pointer)
            ):
                return pointer
        return None

    def _conjuncts(self, pointer: str, value: Any, depth: int = 0) -> list[str]:
        """``pointer`` and every schema that applies with it: its $ref target, its allOf
        members, and the oneOf/anyOf branch that ``value`` matches."""
        node = self.at(pointer)
        out = [pointer]
        if depth > 20 or not isinstance(node, dict):
            return out
        if "$ref" in node:
            out += self._conjuncts(str(node["$ref"]).removeprefix("#"), value, depth + 1)
        for i, _ in enumerate(node.get("allOf") or []):
            out += self._conjuncts(f"{pointer}/allOf/{i}", value, depth + 1)
        for key in ("oneOf", "anyOf"):
            for i, _ in enumerate(node.get(key) or []):
                branch = f"{pointer}/{key}/{i}"
                if self.matches(value, branch):
                    out += self._conjuncts(branch, value, depth + 1)
                    break
        return out

    def undocumented_fields(
        self, value: Any, pointer: str, where: str = ""
    ) -> list[tuple[str, str, Any]]:
        """Fields of ``value`` that no schema at ``pointer`` names: (body path, pointer of the
        schema whose ``properties`` should name it, the value)."""
        found: list[tuple[str, str, Any]] = []
        nodes = self._conjuncts(pointer, value)
        if isinstance(value, dict):
            props: dict[str, str] = {}
            holder = None
            open_ = False
            for p in nodes:
                node = self.at(p)
                if not isinstance(node, dict):
                    continue
                for name in node.get("properties") or {}:
                    props.setdefault(name, f"{p}/properties/{escape(name)}")
                if "properties" in node and holder is None:
                    holder = p
                extra = node.get("additionalProperties")
                if extra is True or (isinstance(extra, dict) and extra):
                    open_ = True
            # An object schema that names no property (``type: object``, or no schema at all)
            # allows any member: nothing there is undocumented.
            open_ = open_ or holder is None
            for key, item in value.items():
                if key in props:
                    found += self.undocumented_fields(item, props[key], f"{where}.{key}")
                elif not open_:
                    found.append((f"{where}.{key}".lstrip("."), holder or nodes[-1], item))
        elif isinstance(value, list):
            for p in nodes:
                node = self.at(p)
                if isinstance(node, dict) and "items" in node:
                    for i, item in enumerate(value[:20]):
                        found += self.undocumented_fields(item, f"{p}/items", f"{where}[{i}]")
                    break
        return found

    def documented_headers(self, op: Operation, key: str) -> set[str]:
        response = self.resolved(self.response_pointer(op, key)) or {}
        return {name.lower() for name in response.get("headers") or {}}

    def infer(self, value: Any) -> dict[str, Any]:
        """A schema for one observed value (what a suggested action adds)."""
        if value is None:
            return {"nullable": True} if self.version.startswith("3.0") else {"type": "null"}
        for kind, name in _KINDS:
            if isinstance(value, kind):
                return {"type": name}
        if isinstance(value, list):
            return {"type": "array", "items": self.infer(value[0]) if value else {}}
        if isinstance(value, dict):
            # Every observed member required: an inferred shape added beside others in a
            # oneOf must not match their bodies too (an object with no required member would).
            schema: dict[str, Any] = {
                "type": "object",
                "properties": {k: self.infer(v) for k, v in value.items()},
            }
            if value:
                schema["required"] = list(value)
            return schema
        return {}


def _describe(error: jsonschema.ValidationError) -> str:
    where = "".join(f"[{p!r}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    message = error.message if len(error.message) < 160 else error.message[:157] + "..."
    return f"body{where}: {message}"
