"""The requests a contract run sends, built from the effective document.

Free probes are requests a conforming server refuses before doing any work: no or a wrong
credential (with a body that cannot be read either), malformed JSON, wrong types, missing
required fields, an unknown path or method. Billed probes are well-formed requests to an
operation that does work (a Hamsa job, a Livepeer synthesis): sent only within --max-billed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any, Literal
from urllib.parse import quote

from ._document import Document, Operation, escape

Expect = Literal["auth-refused", "refused", "not-found", "accepted"]
Auth = Literal["valid", "missing", "wrong"]

PROBE_TEXT = "speechspec contract check"
WRONG_KEY = "speechspec-contract-wrong-key"
# Cut in the middle of an object: no JSON parser reads it, whatever the server's language.
MALFORMED = b'{"speechspec-contract-probe": '
UNKNOWN_PATH = "/speechspec-contract-no-such-path"


@dataclass
class Probe:
    check: str
    method: str
    path: str  # relative to the base URL, with its query
    expect: Expect
    operation: Operation | None = None
    auth: Auth = "valid"
    body: bytes | None = None
    billed: bool = False
    headers: dict[str, str] = field(default_factory=dict)


def _string_example(schema: dict[str, Any]) -> str:
    example = schema.get("example")
    return example if isinstance(example, str) and example else PROBE_TEXT


def _properties(doc: Document, op: Operation) -> tuple[dict[str, Any], dict[str, Any]]:
    """The request body's schema, its $ref followed, and its properties, each resolved."""
    found = doc.request_schema_pointer(op)
    pointer = doc.deref(found) if found else ""
    schema = doc.at(pointer) if pointer else {}
    names = schema.get("properties") or {}
    return schema, {n: doc.resolved(f"{pointer}/properties/{escape(n)}") for n in names}


def valid_body(doc: Document, op: Operation, params: dict[str, Any]) -> dict[str, Any]:
    """The smallest body the schema accepts: required fields (an example or a short text),
    then the caller's --param values."""
    schema, properties = _properties(doc, op)
    body: dict[str, Any] = {}
    for name in schema.get("required") or []:
        prop = properties.get(name, {})
        kind = prop.get("type", "string")
        if kind == "string":
            body[name] = _string_example(prop)
        elif kind in ("integer", "number"):
            body[name] = prop.get("example", prop.get("minimum", 1))
        elif kind == "boolean":
            body[name] = False
    body.update(params)
    return body


def wrong_types_body(doc: Document, op: Operation) -> dict[str, Any]:
    """Every property given a value of another JSON type (an object for a string, so that
    even a coercing server cannot turn it into usable text)."""
    body: dict[str, Any] = {}
    for name, prop in _properties(doc, op)[1].items():
        kind = prop.get("type") if isinstance(prop, dict) else None
        body[name] = {"speechspec": "wrong type"} if kind in ("string", None) else "wrong type"
    return body


def _query(doc: Document, op: Operation, values: dict[str, str]) -> str:
    names = _required_query(doc, op)
    parts = [f"{quote(n)}={quote(values.get(n, 'speechspec-contract-probe'))}" for n in names]
    return ("?" + "&".join(parts)) if parts else ""


def _required_query(doc: Document, op: Operation) -> list[str]:
    names = []
    for i, _ in enumerate(doc.at(op.pointer).get("parameters") or []):
        param = doc.resolved(f"{op.pointer}/parameters/{i}")
        if isinstance(param, dict) and param.get("in") == "query" and param.get("required"):
            names.append(str(param["name"]))
    return names


def op_probe(
    op: Operation,
    check: str,
    path: str,
    body: bytes | None = None,
    expect: Expect = "refused",
    auth: Auth = "valid",
) -> Probe:
    return Probe(f"{check}: {op.name}", op.method, path, expect, op, auth=auth, body=body)


def free_probes(doc: Document) -> list[Probe]:
    probes: list[Probe] = []
    for op in doc.operations:
        has_body = doc.request_schema_pointer(op) is not None
        target = op.path + _query(doc, op, {})
        if doc.auth_required(op):
            body = MALFORMED if has_body else None
            probes.append(op_probe(op, "auth missing", target, body, "auth-refused", "missing"))
            probes.append(op_probe(op, "auth wrong", target, body, "auth-refused", "wrong"))
        if has_body:
            wrong = json.dumps(wrong_types_body(doc, op)).encode()
            probes.append(op_probe(op, "malformed JSON", op.path, MALFORMED))
            probes.append(op_probe(op, "wrong types", op.path, wrong))
            probes.append(op_probe(op, "missing required fields", op.path, b"{}"))
        if _required_query(doc, op):
            probes.append(op_probe(op, "missing required query", op.path))
            probes.append(op_probe(op, "unknown id", target))
    probes.append(Probe(f"unknown path: GET {UNKNOWN_PATH}", "GET", UNKNOWN_PATH, "not-found"))
    if doc.operations:
        path = doc.operations[0].path
        used = {op.method for op in doc.operations if op.path == path}
        method = next(m for m in ("DELETE", "PUT", "PATCH", "GET", "POST") if m not in used)
        probes.append(Probe(f"unknown method: {method} {path}", method, path, "not-found"))
    return probes


def billed_operations(doc: Document) -> list[Operation]:
    """Operations that do work: the ones taking a request body (both vendors' POSTs)."""
    return [op for op in doc.operations if doc.request_schema_pointer(op) is not None]


def billed_probe(doc: Document, op: Operation, params: dict[str, Any]) -> Probe:
    body = json.dumps(valid_body(doc, op, params), ensure_ascii=False).encode()
    return Probe(f"billed: {op.name}", op.method, op.path, "accepted", op, body=body, billed=True)


def confirm_probe(doc: Document, probe: Probe, params: dict[str, Any]) -> Probe:
    """The well-formed form of an auth probe the server answered by reading the body first:
    billed if (and only if) the server ignores the credential."""
    assert probe.operation is not None
    body = json.dumps(valid_body(doc, probe.operation, params), ensure_ascii=False).encode()
    return replace(probe, check=f"{probe.check} (well-formed body)", body=body, billed=True)


def follow_up_probes(doc: Document, answer: Any) -> list[Probe]:
    """Free reads of what a billed answer created (GET /v1/jobs?jobId=<the new job>)."""
    ids = [answer.get("id")] if isinstance(answer, dict) else []
    if isinstance(answer, dict) and isinstance(answer.get("data"), dict):
        ids.append(answer["data"].get("id"))
    found = next((i for i in ids if isinstance(i, str) and i), None)
    if found is None:
        return []
    out = []
    for op in doc.operations:
        names = _required_query(doc, op)
        if op.method == "GET" and len(names) == 1 and names[0].lower().endswith("id"):
            path = op.path + _query(doc, op, {names[0]: found})
            out.append(Probe(f"read what was created: {op.name}", "GET", path, "accepted", op))
    return out
