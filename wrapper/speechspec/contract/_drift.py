"""Drift: what an endpoint answered that the effective document does not say, each with the
Overlay 1.0 actions that would make the document say it.

Actions patch the vendor's nodes, never re-type them: a new status or field is added where
the document lists its siblings, another error shape is appended to a ``oneOf``/``anyOf``, a
named schema is referenced rather than copied, and an optional auth is one more (empty)
security requirement appended to the operation's list.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from ._document import Document, Operation, jsonpath

# Headers any HTTP server or proxy sends, which no API document lists.
_STANDARD = (
    "date server content-type content-length content-encoding transfer-encoding connection "
    "keep-alive vary cache-control pragma expires etag last-modified age via alt-svc "
    "accept-ranges strict-transport-security x-content-type-options x-frame-options "
    "x-xss-protection referrer-policy content-security-policy www-authenticate allow nel "
    "report-to"
)
_STANDARD_HEADERS = frozenset(_STANDARD.split())


@dataclass
class Drift:
    """One difference between the endpoint and the effective document."""

    kind: str  # undocumented-status, undocumented-field, error-shape, schema-mismatch, ...
    operation: str
    summary: str
    evidence: str
    actions: list[dict[str, Any]] = field(default_factory=list)
    seen: int = 1

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.operation, self.summary)

    def as_dict(self) -> dict[str, Any]:
        row = asdict(self)
        row["actions"] = row.pop("actions")  # reports list the actions last, as before 0.3.2
        return row


def _drift(
    kind: str,
    op: Operation,
    summary: str,
    evidence: str,
    text: str,
    *actions: tuple[str, str, Any],
    shown: str | None = None,
) -> Drift:
    """A drift whose actions (target pointer, verb, value) all cite the run's evidence."""
    cite = f"speechspec contract ({kind}): {text}. Evidence: {evidence}."
    return Drift(
        kind,
        op.name,
        summary,
        shown or evidence,
        actions=[{"target": jsonpath(t), "description": cite, verb: v} for t, verb, v in actions],
    )


def _schema_for(doc: Document, value: Any) -> dict[str, Any]:
    named = doc.component_matching(value)
    return {"$ref": "#" + named} if named else doc.infer(value)


def header_drift(
    doc: Document, op: Operation, key: str, headers: dict[str, str], evidence: str
) -> list[Drift]:
    documented = doc.documented_headers(op, key)
    out = []
    for name in sorted(headers):
        lower = name.lower()
        if lower in documented or lower in _STANDARD_HEADERS or lower.startswith("access-control-"):
            continue
        display = "-".join(part.capitalize() for part in lower.split("-"))
        text = f"{op.name} answered {key} with header {display}, which the document does not list"
        header = {
            "description": f"Sent by the endpoint (seen by speechspec contract: {evidence}).",
            "schema": {"type": "string"},
        }
        target = doc.response_pointer(op, key)
        out.append(
            _drift(
                "undocumented-header",
                op,
                f"header {display} on {key}",
                evidence,
                text,
                (target, "update", {"headers": {display: header}}),
            )
        )
    return out


def status_drift(doc: Document, op: Operation, status: int, body: Any, evidence: str) -> Drift:
    text = f"{op.name} answered {status}, a status its responses do not list"
    response: dict[str, Any] = {"description": f"Seen from the endpoint: {evidence}."}
    if isinstance(body, (dict, list)):
        response["content"] = {"application/json": {"schema": _schema_for(doc, body)}}
    return _drift(
        "undocumented-status",
        op,
        f"status {status}",
        evidence,
        text,
        (f"{op.pointer}/responses", "update", {str(status): response}),
    )


def field_drift(
    doc: Document, op: Operation, key: str, where: str, holder: str, value: Any, evidence: str
) -> Drift:
    name = where.rsplit(".", 1)[-1]
    # Items of one array share one schema: detail[0].input and detail[1].input are one drift.
    where = re.sub(r"\[\d+\]", "[]", where)
    text = f"{op.name} answered {key} with field {where}, which the schema does not name"
    if "properties" in doc.at(holder):
        action = (f"{holder}/properties", "update", {name: doc.infer(value)})
    else:
        action = (holder, "update", {"properties": {name: doc.infer(value)}})
    return _drift("undocumented-field", op, f"field {where} in {key}", evidence, text, action)


def shape_drift(
    doc: Document,
    op: Operation,
    key: str,
    schema: str,
    body: Any,
    problems: list[str],
    evidence: str,
) -> Drift:
    kind = "error-shape" if not key.startswith("2") else "schema-mismatch"
    text = f"{op.name} answered {key} with a body its schema does not allow ({problems[0]})"
    new = _schema_for(doc, body)
    node = doc.at(schema)
    actions: list[tuple[str, str, Any]]
    if isinstance(node, dict) and ("oneOf" in node or "anyOf" in node):
        # Another shape beside the documented ones: appended, the vendor's list kept.
        which = "oneOf" if "oneOf" in node else "anyOf"
        actions = [(f"{schema}/{which}", "update", [new])]
    else:
        # The documented schema is kept by reference (never copied) beside the new shape.
        parent = schema.rsplit("/", 1)[0]
        actions = [
            (schema, "remove", True),
            (parent, "update", {"schema": {"anyOf": [node, new]}}),
        ]
    shown = f"{problems[0]}; {evidence}"
    return _drift(kind, op, f"{kind} on {key}", evidence, text, *actions, shown=shown)


def auth_drift(doc: Document, op: Operation, how: str, evidence: str) -> Drift:
    text = f"{op.name} answered a request {how} as if authorized, though the document requires auth"
    action: tuple[str, str, Any]
    if "security" in doc.at(op.pointer):
        action = (f"{op.pointer}/security", "update", [{}])
    else:
        action = (op.pointer, "update", {"security": [*doc.security(op), {}]})
    return _drift("auth-ignored", op, f"auth ignored ({how})", evidence, text, action)


def _media_matches(media: str, documented: str) -> bool:
    kind, _, sub = documented.split(";")[0].strip().lower().partition("/")
    got_kind, _, got_sub = media.partition("/")
    return kind in ("*", got_kind) and sub in ("*", got_sub)


def media_drift(
    doc: Document, op: Operation, key: str, media_type: str, body: Any, evidence: str
) -> Drift | None:
    """A body of a media type the response does not list (an HTML error page, text/plain)."""
    media = media_type.split(";")[0].strip().lower()
    content = (doc.resolved(doc.response_pointer(op, key)) or {}).get("content") or {}
    if body is None or not media or not content:
        return None
    if any(_media_matches(media, documented) for documented in content):
        return None
    text = f"{op.name} answered {key} with a {media} body, a media type the response does not list"
    return _drift(
        "media-type",
        op,
        f"{media} body on {key}",
        evidence,
        text,
        (
            f"{doc.response_pointer(op, key)}/content",
            "update",
            {media: {"schema": _schema_for(doc, body)}},
        ),
    )


def check_answer(
    doc: Document,
    op: Operation,
    status: int,
    headers: dict[str, str],
    body: Any,
    evidence: str,
) -> list[Drift]:
    """Every drift one answer shows against ``op``'s documented responses."""
    key = doc.response_key(op, status)
    if key is None:
        return [status_drift(doc, op, status, body, evidence)]
    found = header_drift(doc, op, key, headers, evidence)
    media = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    other = media_drift(doc, op, key, media, body, evidence)
    if other is not None:
        return [*found, other]
    schema = doc.json_schema_pointer(op, key)
    if schema is None or not isinstance(body, (dict, list)):
        return found
    problems = doc.errors(body, schema)
    if problems:
        found.append(shape_drift(doc, op, key, schema, body, problems, evidence))
        return found
    for where, holder, value in doc.undocumented_fields(body, schema):
        found.append(field_drift(doc, op, key, where, holder, value, evidence))
    return found


def merge(drifts: list[Drift]) -> list[Drift]:
    """One entry per distinct drift, counting how often it was seen. A field seen with values
    of different types is suggested with no type (any JSON value): pydantic's ``input`` echoes
    whatever was sent."""
    out: dict[tuple[str, str, str], Drift] = {}
    for drift in drifts:
        first = out.get(drift.key)
        if first is None:
            out[drift.key] = drift
            continue
        first.seen += 1
        if drift.kind == "undocumented-field" and first.actions != drift.actions:
            update = first.actions[0]["update"]
            holder = update.get("properties", update)
            for name in holder:
                holder[name] = {"description": "Seen with values of different JSON types."}
    return list(out.values())


__all__ = ["Drift", "auth_drift", "check_answer", "merge"]
