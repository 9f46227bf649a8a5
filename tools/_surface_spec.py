"""What the typed surface is made of: each operation that specs/<vendor>/surface.yaml names,
read from the effective document into its fields (wire name, Python name, annotation, default,
limits, help and docstring text). tools/surface.py renders these; nothing here writes a file."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import ROOT, SPECS, ToolError, safe_load
from _templates import _resolve as resolve_ref
from generate import effective_document
from openapi_python_client.strings import snake_case

_SKIPPED_PARAMS = {("header", "authorization")}  # auth is the client's job, not a field
_PY_TYPES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}


@dataclass
class FieldSpec:
    wire: str
    name: str
    location: str
    required: bool
    schema: dict[str, Any]
    annotation: str
    default: str | None  # the Python default in the signature; None: required
    help: str
    doc: str
    client_default: str | None = None


@dataclass
class OperationSpec:
    const: str
    operation_id: str
    method: str
    path: str
    http_method: str
    summary: str
    description: str
    returns: str
    takes_body: bool
    processed_note: str
    speak: bool = False
    # The 2xx answer: the generated model the spec's 200 response names, the generated module
    # whose parse_response reads it, and the property the method returns (surface.yaml
    # ``unwrap``; "" returns the whole answer).
    answer: str = ""
    parser: str = ""
    unwrap: str = ""
    answer_doc: str = ""  # the 200 response's description
    positional: list[FieldSpec] = field(default_factory=list)
    keyword: list[FieldSpec] = field(default_factory=list)

    @property
    def fields(self) -> list[FieldSpec]:
        return [*self.positional, *self.keyword]


def _inline(document: dict[str, Any], node: Any, depth: int = 0) -> Any:
    """``node`` with every local $ref replaced by its target (the runtime has no document)."""
    if depth > 16:
        raise ToolError("surface: $ref nesting deeper than 16 (a recursive schema?)")
    if isinstance(node, list):
        return [_inline(document, item, depth) for item in node]
    if not isinstance(node, dict):
        return node
    if isinstance(node.get("$ref"), str):
        return _inline(document, resolve_ref(document, node["$ref"]), depth + 1)
    out = {k: _inline(document, v, depth) for k, v in node.items() if not k.startswith("x-")}
    all_of = out.get("allOf")
    if isinstance(all_of, list) and len(all_of) == 1 and isinstance(all_of[0], dict):
        merged = {**all_of[0], **{k: v for k, v in out.items() if k != "allOf"}}
        return merged
    return out


_DOC_KEYS = frozenset({"description", "title", "example", "examples"})


def _runtime_schema(node: Any) -> Any:
    """The schema the runtime checks values against: its prose and examples left out."""
    if isinstance(node, list):
        return [_runtime_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    return {
        k: (v if k in ("enum", "default", "const") else _runtime_schema(v))
        for k, v in node.items()
        if k not in _DOC_KEYS or not isinstance(v, str | list)
    }


def _annotation(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):  # OpenAPI 3.1: ["string", "null"]
        kinds = [k for k in kind if k != "null"]
        kind = kinds[0] if len(kinds) == 1 else None
    if kind in _PY_TYPES:
        return _PY_TYPES[kind]
    if kind == "array":
        return f"Sequence[{_annotation(schema.get('items') or {})}]"
    if kind == "object" or "properties" in schema:
        return "Mapping[str, object]"
    return "object"


def _limits(schema: dict[str, Any]) -> list[str]:
    out: list[str] = []
    words = {
        "minLength": "at least {} character(s)",
        "maxLength": "at most {} character(s)",
        "minimum": "at least {}",
        "maximum": "at most {}",
        "exclusiveMinimum": "above {}",
        "exclusiveMaximum": "below {}",
        "minItems": "at least {} item(s)",
        "maxItems": "at most {} item(s)",
        "pattern": "matching {}",
    }
    for key, text in words.items():
        value = schema.get(key)
        if value is not None and not isinstance(value, bool):
            out.append(text.format(value))
    if "enum" in schema:
        out.append("one of " + ", ".join(json.dumps(v, ensure_ascii=False) for v in schema["enum"]))
    if isinstance(schema.get("format"), str):
        out.append(f"format {schema['format']}")
    return out


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if not text or text.endswith((".", "!", "?")) else text + "."


def _field_doc(f: FieldSpec, schema: dict[str, Any]) -> str:
    parts = [_sentence(str(schema.get("description") or schema.get("title") or ""))]
    limits = _limits(schema)
    if limits:
        parts.append(_sentence(limits[0][0].upper() + "; ".join(limits)[1:]))
    if f.required:
        parts.append("Required.")
    elif f.client_default is not None:
        parts.append(f"Sent as the client's default ({f.client_default}) when not given.")
    else:
        parts.append("Not sent when not given.")
    if "default" in schema:
        default = json.dumps(schema["default"], ensure_ascii=False)
        parts.append(f"The server's default: {default}.")
    return " ".join(p for p in parts if p)


def _help(schema: dict[str, Any]) -> str:
    text = " ".join(str(schema.get("description") or schema.get("title") or "").split())
    first = text.split(". ")[0].rstrip(".")
    if "default" in schema:
        first += f" (server default: {json.dumps(schema['default'], ensure_ascii=False)})"
    return first


def _fields(
    document: dict[str, Any],
    operation: dict[str, Any],
    config: dict[str, Any],
    types: dict[str, Any],
) -> list[FieldSpec]:
    raw: list[tuple[str, str, bool, dict[str, Any]]] = []
    for param in operation.get("parameters") or []:
        param = _inline(document, param)
        where, name = param.get("in"), str(param.get("name"))
        if where == "cookie" or (where, name.lower()) in _SKIPPED_PARAMS or where == "header":
            continue  # headers go through extra_headers; cookies are never used
        schema = {**(param.get("schema") or {})}
        if param.get("description") and "description" not in schema:
            schema["description"] = param["description"]
        raw.append((name, str(where), bool(param.get("required")), schema))
    body = _inline(document, operation.get("requestBody") or {})
    body_schema = ((body.get("content") or {}).get("application/json") or {}).get("schema")
    if isinstance(body_schema, dict):
        required_names = set(body_schema.get("required") or [])
        for name, prop in (body_schema.get("properties") or {}).items():
            raw.append((name, "body", name in required_names, prop))
    client_defaults: dict[str, str] = config.get("client_defaults") or {}
    out: list[FieldSpec] = []
    for wire, where, required, prop in raw:
        name = snake_case(wire)
        override = (types.get(wire) or {}).get("type")
        annotation = str(override) if override else _annotation(prop)
        client_default = client_defaults.get(name)
        if required:
            default = None
        elif client_default is not None:
            default = client_default
        else:
            annotation = f"{annotation} | NotGiven | None"
            default = "NOT_GIVEN"
        spec = FieldSpec(
            wire=wire,
            name=name,
            location=where,
            required=required,
            schema=_runtime_schema(prop),
            annotation=annotation,
            default=default,
            help=_help(prop),
            doc="",
            client_default=client_default,
        )
        spec.doc = _field_doc(spec, prop)
        out.append(spec)
    names = [f.name for f in out]
    for name in names:
        if names.count(name) > 1:
            raise ToolError(f"surface: two request fields share the Python name {name!r}")
    return out


def _config(vendor: str) -> dict[str, Any]:
    config: dict[str, Any] = safe_load(
        (SPECS / vendor / "surface.yaml").read_text(encoding="utf-8")
    )
    return config


def key_argument(vendor: str) -> str:
    """The constructor's and copy()'s name for the vendor's key (surface.yaml ``key_argument``)."""
    return str(_config(vendor).get("key_argument") or "api_key")


def _answer(
    vendor: str, document: dict[str, Any], operation_id: str, operation: dict[str, Any], unwrap: str
) -> tuple[str, str, str, str]:
    """(model, parsing module, Python attribute to return, description) of the operation's 200
    answer, each checked against the effective document and the generated package."""
    package = f"{vendor}_client"
    ok = (operation.get("responses") or {}).get("200") or {}
    content = ok.get("content") or {}
    schema = (content.get("application/json") or {}).get("schema") or {}
    ref = str(schema.get("$ref") or "")
    if not ref.startswith("#/components/schemas/"):
        raise ToolError(f"surface: {operation_id}'s 200 answer is not a named schema ({ref!r})")
    model = ref.rsplit("/", 1)[1]
    tags = operation.get("tags") or ["default"]
    parser = f"{package}.api.{snake_case(str(tags[0]))}.{snake_case(operation_id)}"
    if not (ROOT / "generated" / Path(*parser.split("."))).with_suffix(".py").is_file():
        raise ToolError(f"surface: {operation_id} has no generated module {parser}")
    if unwrap:
        properties = (resolve_ref(document, ref) or {}).get("properties") or {}
        if unwrap not in properties:
            raise ToolError(f"surface: {model} has no property {unwrap!r} (surface.yaml unwrap)")
    return (
        model,
        parser,
        snake_case(unwrap) if unwrap else "",
        _sentence(ok.get("description") or ""),
    )


def operations(vendor: str) -> list[OperationSpec]:
    config = _config(vendor)
    document = effective_document(vendor)
    found: dict[str, tuple[str, str, dict[str, Any], list[Any]]] = {}
    for path, item in (document.get("paths") or {}).items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "operationId" in operation:
                shared = item.get("parameters") or []
                found[operation["operationId"]] = (path, method, operation, shared)
    out: list[OperationSpec] = []
    for operation_id, settings in (config.get("operations") or {}).items():
        if operation_id not in found:
            raise ToolError(
                f"surface: specs/{vendor}/surface.yaml names {operation_id!r}, which the "
                "effective document does not have: the vendor removed or renamed it"
            )
        path, method, operation, shared = found[operation_id]
        operation = {**operation, "parameters": [*shared, *(operation.get("parameters") or [])]}
        fields = _fields(document, operation, settings, config.get("fields") or {})
        positional_wire = list(settings.get("positional") or [])
        positional = [f for w in positional_wire for f in fields if f.wire == w]
        keyword = [f for f in fields if f.wire not in positional_wire]
        # Required keywords first (no default), then the optional ones, each in spec order.
        keyword = [f for f in keyword if f.default is None] + [
            f for f in keyword if f.default is not None
        ]
        answer, parser, unwrap, answer_doc = _answer(
            vendor, document, operation_id, operation, str(settings.get("unwrap") or "")
        )
        out.append(
            OperationSpec(
                const=snake_case(operation_id).upper(),
                operation_id=operation_id,
                method=str(settings["method"]),
                path=path,
                http_method=method.upper(),
                summary=_sentence(str(operation.get("summary") or "")),
                description=_sentence(str(operation.get("description") or "")),
                returns=str(settings["returns"]),
                takes_body=operation.get("requestBody") is not None,
                processed_note=str(settings.get("processed_note") or ""),
                speak=bool(settings.get("speak")),
                answer=answer,
                parser=parser,
                unwrap=unwrap,
                answer_doc=answer_doc,
                positional=positional,
                keyword=keyword,
            )
        )
    return out
