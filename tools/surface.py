"""Generate the typed surface of the clients from the effective documents.

    python tools/surface.py            # write wrapper/speechspec/_generated/<vendor>.py
    python tools/surface.py --check    # fail, with the diff, when they differ from the specs

For every operation named in specs/<vendor>/surface.yaml, one public method on the sync class
and its async twin, both rendered from one template (tools/templates/surface.py.jinja): one
typed keyword argument per request field (parameters and JSON body properties of the
effective document), the per-call options, and a docstring from the spec's summary,
descriptions, limits and server defaults. The module also holds each operation's field table,
which the runtime checks arguments against and `speechspec speak` turns into flags. A field
added to a vendor document becomes an argument and a flag with no handwritten edit.
"""

from __future__ import annotations

import argparse
import difflib
import json
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import yaml
from _common import ROOT, SPECS, VENDORS, ToolError, write_atomic
from _templates import _resolve as resolve_ref
from generate import effective_document
from openapi_python_client.strings import snake_case

OUT = ROOT / "wrapper" / "speechspec" / "_generated"
TEMPLATE = Path(__file__).resolve().parent / "templates" / "surface.py.jinja"
_SKIPPED_PARAMS = {("header", "authorization")}  # auth is the client's job, not a field
_PY_TYPES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}
_WIDTH = 88


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


def _operations(vendor: str) -> list[OperationSpec]:
    config = yaml.safe_load((SPECS / vendor / "surface.yaml").read_text(encoding="utf-8"))
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
                positional=positional,
                keyword=keyword,
            )
        )
    return out


def _docstring(op: OperationSpec, is_async: bool) -> str:
    wrap = textwrap.TextWrapper(width=_WIDTH, break_long_words=False, break_on_hyphens=False)
    lines = [op.summary or op.operation_id]
    if op.description and op.description != op.summary:
        lines += ["", *wrap.wrap(op.description)]
    lines += ["", f"``{op.http_method} {op.path}`` (operationId ``{op.operation_id}``)."]
    lines += ["", "Args:"]
    hang = textwrap.TextWrapper(
        width=_WIDTH, initial_indent="    ", subsequent_indent="        ", break_long_words=False
    )
    for f in op.fields:
        lines += hang.wrap(f"{f.name}: {f.doc}")
    extras = "extra_headers, extra_query" + (", extra_body" if op.takes_body else "")
    lines += hang.wrap(
        f"timeout, max_retries, {extras}: per-call options "
        "(docs/typed-surface.md); ``timeout=None`` means no timeout."
    )
    if is_async:
        lines += ["", "Async twin of the sync method of the same name: awaitable."]
    text = "\n".join(line.rstrip() for line in lines).replace("\\", "\\\\").replace('"""', '\\"""')
    return text


def render(vendor: str) -> str:
    operations = _operations(vendor)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE.parent),
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # noqa: S701 (Python source, not HTML)
    )
    env.filters["pyrepr"] = repr
    env.globals["docstring"] = _docstring
    source = env.get_template(TEMPLATE.name).render(
        vendor=vendor,
        Vendor={"hamsa": "Hamsa", "livepeer": "Livepeer"}.get(vendor, vendor.title()),
        package=f"{vendor}_client",
        operations=operations,
        speak=[
            op.const
            for op, settings in zip(
                operations,
                (
                    yaml.safe_load((SPECS / vendor / "surface.yaml").read_text())["operations"]
                ).values(),
                strict=True,
            )
            if settings.get("speak")
        ],
        uses_config=sorted(
            {f.client_default for op in operations for f in op.fields if f.client_default}
        ),
        returns=sorted({op.returns for op in operations}),
    )
    return format_source(source)


def format_source(source: str) -> str:
    """``source`` as ruff fixes (imports) and formats it, as the generator's post-hooks do."""
    ruff = Path(sys.executable).parent / "ruff"
    with tempfile.TemporaryDirectory(prefix="speechspec-surface-") as tmp:
        path = Path(tmp) / "surface.py"
        path.write_text(source, encoding="utf-8")
        for cmd in (
            [str(ruff), "check", "--isolated", "--no-cache", "--fix-only", "--extend-select=I"],
            [str(ruff), "format", "--isolated", "--no-cache", "--line-length=100"],
        ):
            proc = subprocess.run([*cmd, str(path)], capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                raise ToolError(f"surface: {' '.join(cmd[:2])} failed:\n{proc.stderr}")
        return path.read_text(encoding="utf-8")


def expected() -> dict[Path, str]:
    files = {OUT / "__init__.py": '"""Generated by tools/surface.py: do not edit."""\n'}
    for vendor in VENDORS:
        files[OUT / f"{vendor}.py"] = render(vendor)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="fail (with the diff) on drift")
    args = parser.parse_args(argv)
    try:
        files = expected()
    except ToolError as exc:
        print(f"surface: error: {exc}", file=sys.stderr)
        return 1
    return write_or_check(
        files, check=args.check, tool="surface", what="the typed surface (specs/)"
    )


def write_or_check(files: dict[Path, str], *, check: bool, tool: str, what: str) -> int:
    """Write the generated ``files``, or with ``check`` fail (printing the diff) when the
    committed ones differ from them."""
    if not check:
        for path, text in files.items():
            write_atomic(path, text)
            print(f"{tool}: wrote {path.relative_to(ROOT)}")
        return 0
    diff: list[str] = []
    for path, text in files.items():
        have = path.read_text(encoding="utf-8") if path.exists() else ""
        rel = str(path.relative_to(ROOT))
        diff += difflib.unified_diff(
            have.splitlines(keepends=True),
            text.splitlines(keepends=True),
            rel,
            f"regenerated/{rel}",
        )
    if diff:
        sys.stdout.write("".join(diff))
        print(
            f"check-generated: {what} differ from what the sources produce. Run `make generate` "
            "and commit the result; never edit generated files by hand.",
            file=sys.stderr,
        )
        return 1
    print(f"check-generated: {what} match their sources")
    return 0


if __name__ == "__main__":
    sys.exit(main())
