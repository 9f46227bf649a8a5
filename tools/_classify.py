"""Turn optic's changelog and check results into our four groups, with our own rules on top.

optic (tools/optic_diff.js) says *what* changed per operation and which changes its
"breaking-changes" standard rejects. This module names each change (operation, schema, field)
and applies the rules of *this* client, which know what the generated Python does:

- a wire-key rename (a property removed and an identical one added beside it) is breaking,
  even when the Python attribute name stays (``voiceId`` -> ``voice_id``): the JSON changes;
- a new response enum value is additive: the generated response enums are open;
- a request field becoming required (or a new required one) is breaking;
- a changed operationId renames the generated function: breaking;
- description/title/example-only changes are docs-only (they reach only docstrings).
"""

from __future__ import annotations

from typing import Any

from _changes import GROUPS, _brief, _Context, _doc_free, _item, _strip
from _classify_fields import _attribute_changes, _simple_attributes
from _locate import escape as _escape
from _locate import locate
from _locate import tokens as _tokens

__all__ = ["GROUPS", "classify"]


def _param_pointer(doc: dict[str, Any], op_ptr: str, name: str, location: str) -> str:
    node: Any = doc
    for token in _tokens(op_ptr):
        node = node.get(token, {}) if isinstance(node, dict) else {}
    for i, param in enumerate(node.get("parameters", []) if isinstance(node, dict) else []):
        if isinstance(param, dict) and (param.get("name"), param.get("in")) == (name, location):
            return f"{op_ptr}/parameters/{i}"
    return f"{op_ptr}/parameters"


def _content_type_switch(
    op: str, where: str, ptr: str, content_types: list[dict[str, Any]], ctx: _Context
) -> list[dict[str, Any]]:
    """A body whose only media type was replaced (form-urlencoded -> JSON) is one change, not
    "the body schema removed" plus "new field the body schema"; the others are returned."""
    removed = [ct for ct in content_types if ct.get("change") == "removed"]
    added = [ct for ct in content_types if ct.get("change") == "added"]
    if len(removed) != 1 or len(added) != 1:
        return content_types
    old, new = removed[0], added[0]

    def schema_of(ct: dict[str, Any], side: str) -> Any:
        return next((a.get(side, {}).get("schema") for a in ct.get("attributes", [])), None)

    same = _doc_free(schema_of(old, "before")) == _doc_free(schema_of(new, "after"))
    tail = "its schema is unchanged" if same else "and its schema changed"
    msg = (
        f"{where} body content type `{old['name']}` -> `{new['name']}`: the wire format "
        f"changes, {tail}"
    )
    pointers = [f"{ptr}/content/{_escape(ct['name'])}" for ct in (old, new)]
    ctx.add("breaking", _item(op, "", "", msg, where), *pointers)
    return [ct for ct in content_types if ct is not old and ct is not new]


def _operation(op: dict[str, Any], ctx: _Context) -> None:
    name = op["name"]
    method, _, path = name.partition(" ")
    op_ptr = f"/paths/{_escape(path)}/{method.lower()}"
    if op.get("change") in ("added", "removed"):
        added = op["change"] == "added"
        msg = "new operation" if added else "operation removed: its generated function is gone"
        ctx.add("added" if added else "breaking", _item(name, "", "", msg, "operation"), op_ptr)
        return
    _simple_attributes(name, "operation", op_ptr, op.get("attributes", []), ctx, request=False)
    for param in op.get("parameters", []):
        # optic names them "query parameter 'jobId'"
        label, change = param.get("name", "?"), param.get("change")
        location, _, rest = label.partition(" parameter ")
        pname = rest.strip("'") or label
        doc = ctx.base_doc if change == "removed" else ctx.head_doc
        pointer = _param_pointer(doc, op_ptr, pname, location)
        where = f"{location} parameter `{pname}`"
        if change in ("added", "removed"):
            new: Any = next((a["after"] for a in param.get("attributes", []) if a.get("after")), {})
            required = isinstance(new, dict) and new.get("required") is True
            group = "added" if change == "added" and not required else "breaking"
            msg = f"{'new required ' if required else ''}{where} {change}"
            ctx.add(group, _item(name, "", pname, msg, "parameter"), pointer)
            continue
        _simple_attributes(name, where, pointer, param.get("attributes", []), ctx, request=True)
    body = op.get("requestBody") or {}
    body_ptr = f"{op_ptr}/requestBody"
    _simple_attributes(name, "request body", body_ptr, body.get("attributes", []), ctx, True)
    for ct in _content_type_switch(name, "request", body_ptr, body.get("contentTypes", []), ctx):
        base = f"{body_ptr}/content/{_escape(ct['name'])}"
        _attribute_changes(name, "request", base, ct.get("attributes", []), ctx)
    for resp in op.get("responses", []):
        code = resp["name"].split()[0]
        where = f"response {code}"
        base_resp = f"{op_ptr}/responses/{code}"
        if resp.get("change") in ("added", "removed"):
            group = "added" if resp["change"] == "added" else "breaking"
            ctx.add(group, _item(name, "", "", f"{where} {resp['change']}", where), base_resp)
            continue
        _simple_attributes(name, where, base_resp, resp.get("attributes", []), ctx, False)
        for ct in _content_type_switch(name, where, base_resp, resp.get("contentTypes", []), ctx):
            base = f"{base_resp}/content/{_escape(ct['name'])}"
            _attribute_changes(name, where, base, ct.get("attributes", []), ctx)


_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def _operation_security(doc: dict[str, Any]) -> dict[str, Any]:
    """Each operation's effective security requirement: its own ``security`` overrides the
    document's (OpenAPI 3, Operation Object); None: no requirement declared anywhere."""
    top = doc.get("security")
    found: dict[str, Any] = {}
    for path, item in (doc.get("paths") or {}).items():
        for method, op in (item or {}).items():
            if method in _METHODS and isinstance(op, dict):
                found[f"{method.upper()} {path}"] = op.get("security", top)
    return found


def _required_schemes(security: Any) -> set[str]:
    return {name for req in security or [] if isinstance(req, dict) for name in req}


def _document_level(ctx: _Context) -> None:
    """What optic's per-operation changelog leaves out: authentication and servers.

    Security is compared per operation, as a server applies it (an operation's own
    ``security`` overrides the top level), and a scheme only where an operation uses it."""
    old, new = ctx.base_doc, ctx.head_doc
    old_ops, new_ops = _operation_security(old), _operation_security(new)
    used: set[str] = set()
    for op in sorted(set(old_ops) & set(new_ops)):
        before, after = old_ops[op], new_ops[op]
        used |= _required_schemes(before) | _required_schemes(after)
        if (before or []) == (after or []):
            continue
        if not _required_schemes(after):
            msg = f"security: the operation no longer requires authentication ({after!r})"
            ctx.add("changed", _item(op, "", "security", msg, "operation"))
        else:
            msg = f"security changed: {before!r} -> {after!r}: the client's auth may break"
            ctx.add("breaking", _item(op, "", "security", msg, "operation"))
    for op in set(new_ops) - set(old_ops):
        used |= _required_schemes(new_ops[op])
    old_schemes = old.get("components", {}).get("securitySchemes") or {}
    new_schemes = new.get("components", {}).get("securitySchemes") or {}
    for name in sorted(used):
        before, after = old_schemes.get(name), new_schemes.get(name)
        if before == after:
            continue
        if _strip(before) == _strip(after):
            msg = f"documentation of security scheme `{name}` changed"
            ctx.add("docs_only", _item("*", "", "securitySchemes", msg, "document"))
        else:
            msg = (
                f"security scheme `{name}` changed ({_brief(_strip(before))} -> "
                f"{_brief(_strip(after))}): the client's auth may break"
            )
            ctx.add("breaking", _item("*", "", "securitySchemes", msg, "document"))
    if old.get("servers") != new.get("servers"):
        msg = "servers changed (the clients' default base URL is set in the wrapper)"
        ctx.add("changed", _item("*", "", "servers", msg, "document"))


def classify(
    optic: dict[str, Any], base_doc: dict[str, Any], head_doc: dict[str, Any]
) -> dict[str, list[dict[str, str]]]:
    """Group optic's output into breaking / added / changed / docs_only items."""
    ctx = _Context(base_doc, head_doc, optic.get("results", []))
    _document_level(ctx)
    for op in optic.get("changelog", {}).get("operations", []):
        _operation(op, ctx)
    for n, result in enumerate(ctx.results):
        if n not in ctx.claimed:  # a failed optic check no changelog entry explains
            pointer = result.get("location", {}).get("jsonPath", "")
            schema, field = locate(head_doc, pointer)
            ctx.groups["breaking"].append(_item("", schema, field, result["error"], pointer))
    return ctx.groups
