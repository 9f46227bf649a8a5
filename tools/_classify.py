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

import re
from typing import Any

from _locate import escape as _escape
from _locate import locate
from _locate import tokens as _tokens

GROUPS = ("breaking", "added", "changed", "docs_only")
_DOC_KEYS = frozenset({"description", "title", "summary", "example", "examples", "externalDocs"})


def _item(operation: str, schema: str, field: str, message: str, where: str) -> dict[str, str]:
    return {
        "operation": operation,
        "schema": schema,
        "field": field,
        "message": message,
        "where": where,
    }


def _strip(attrs: dict[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (attrs or {}).items() if k not in _DOC_KEYS}


def _python_name(wire: str) -> str:
    """The attribute name openapi-python-client gives a wire key (voiceId -> voice_id)."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", re.sub(r"[^A-Za-z0-9]+", "_", wire))
    return words.strip("_").lower()


def _name(doc: dict[str, Any], pointer: str) -> tuple[str, str]:
    """(schema, field) a change at ``pointer`` is in. A property is named by its wire key in
    the schema that holds it, even when its own value is a ``$ref`` to another schema (an
    ``audio: $ref MediaURL`` property is AudioResponse.audio, not MediaURL)."""
    parts = _tokens(pointer)
    if len(parts) >= 2 and parts[-2] == "properties":
        parent = "".join(f"/{_escape(t)}" for t in parts[:-2])
        schema, field = locate(doc, parent)
        return schema, f"{field}.{parts[-1]}" if field else parts[-1]
    return locate(doc, pointer)


def _doc_free(node: Any, *, names: bool = False) -> Any:
    """``node`` without documentation keywords at any depth (keys of a ``properties`` map are
    wire names, kept even when a field is called ``description``)."""
    if isinstance(node, list):
        return [_doc_free(v) for v in node]
    if not isinstance(node, dict):
        return node
    return {
        k: _doc_free(v, names=k == "properties" and not names)
        for k, v in node.items()
        if names or k not in _DOC_KEYS
    }


def _doc_only_members(before: dict[str, Any], after: dict[str, Any]) -> list[str] | None:
    """When ``before`` and ``after`` differ only in documentation, the titles of the
    alternatives (oneOf/anyOf members) or of the schema that changed; None otherwise."""
    if _doc_free(before) != _doc_free(after):
        return None
    if isinstance(before.get("schema"), dict) and isinstance(after.get("schema"), dict):
        before, after = before["schema"], after["schema"]  # a body: {"schema": ...}
    names: list[str] = []
    for combiner in ("oneOf", "anyOf", "allOf"):
        old, new = before.get(combiner), after.get(combiner)
        if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
            names += [
                str(b.get("title") or f"{combiner}[{i}]")
                for i, (a, b) in enumerate(zip(old, new, strict=True))
                if a != b and isinstance(b, dict)
            ]
    title = after.get("title")
    return names or ([str(title)] if title else [])


def _attribute_changes(
    op: str, where: str, base: str, attrs: list[dict[str, Any]], ctx: _Context
) -> None:
    request = where == "request"
    removed = {a["key"]: a for a in attrs if a.get("change") == "removed"}
    added = {a["key"]: a for a in attrs if a.get("change") == "added"}
    # A removed and an added property side by side with the same schema: a wire-key rename.
    renamed: set[str] = set()
    for old_key, old in removed.items():
        for new_key, new in added.items():
            same_parent = old_key.rsplit("/", 1)[0] == new_key.rsplit("/", 1)[0]
            if new_key in renamed or not same_parent:
                continue
            if _strip(old.get("before")) == _strip(new.get("after")):
                renamed |= {old_key, new_key}
                schema, old_field = _name(ctx.base_doc, base + old_key)
                _, new_field = _name(ctx.head_doc, base + new_key)
                old_py, new_py = (
                    _python_name(old_key.rsplit("/", 1)[-1]),
                    _python_name(new_key.rsplit("/", 1)[-1]),
                )
                py = (
                    f"the Python attribute stays `{new_py}`, but the JSON key changes"
                    if old_py == new_py
                    else f"Python attribute `{old_py}` -> `{new_py}`"
                )
                ctx.add(
                    "breaking",
                    _item(
                        op,
                        schema,
                        old_field,
                        f"wire key renamed `{old_field}` -> `{new_field}` ({where}); {py}",
                        where,
                    ),
                    base + old_key,
                    base + new_key,
                )
                break
    for attr in attrs:
        key, change = attr["key"], attr.get("change")
        if key in renamed:
            continue
        before, after = attr.get("before") or {}, attr.get("after") or {}
        doc = ctx.base_doc if change == "removed" else ctx.head_doc
        schema, field = _name(doc, base + key)
        label = f"`{field}`" if field else "the body schema"
        pointer = base + key
        if change == "added":
            if request and after.get("required"):
                msg = f"new required request field {label}: existing calls lack it"
                ctx.add("breaking", _item(op, schema, field, msg, where), pointer)
            elif key.rstrip("/").rsplit("/", 1)[-1] in ("examples", "example"):
                msg = f"{where}: examples added"
                ctx.add("docs_only", _item(op, schema, field, msg, where), pointer, doc_only=True)
            elif not field:  # a new media type's schema, not a field inside one
                ctx.add("added", _item(op, schema, field, f"{where}: body schema added", where))
            else:
                kind = "optional request" if request else "response"
                ctx.add("added", _item(op, schema, field, f"new {kind} field {label}", where))
            continue
        if change == "removed":
            msg = f"{where} field {label} removed" if field else f"{where}: {label} removed"
            ctx.add("breaking", _item(op, schema, field, msg, where), pointer)
            continue
        changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
        members = _doc_only_members(before, after) if not changed <= _DOC_KEYS else None
        if members is not None:  # e.g. an error schema's description, inside a oneOf
            if not members and not field and isinstance(after.get("schema"), dict):
                members = [locate(ctx.head_doc, pointer + "/schema")[0]]  # the body's $ref
            named = members or [schema]
            msg = f"documentation of {', '.join(named)} changed"
            item = _item(op, named[0] if len(named) == 1 else schema, field, msg, where)
            ctx.add("docs_only", item, pointer, doc_only=True)
            continue
        if changed <= _DOC_KEYS:
            msg = f"documentation of {label} changed ({', '.join(sorted(changed))})"
            ctx.add("docs_only", _item(op, schema, field, msg, where), pointer, doc_only=True)
            continue
        details = ", ".join(
            f"{k}: {_brief(before.get(k))} -> {_brief(after.get(k))}" for k in sorted(changed)
        )
        if changed - _DOC_KEYS == {"enum"}:
            old_values: list[Any] = before.get("enum") or []
            new_values: list[Any] = after.get("enum") or []
            gained = [v for v in new_values if v not in old_values]
            lost = [v for v in old_values if v not in new_values]
            if not lost or not request:
                # Response enums are open (unknown values parse), so new values are additive.
                group = "added" if gained else "changed"
                msg = f"{label} enum: " + ", ".join(
                    [f"new value {v!r}" for v in gained] + [f"value {v!r} dropped" for v in lost]
                )
                ctx.add(group, _item(op, schema, field, msg, where), pointer, override=True)
                continue
        if request and not before.get("required") and after.get("required"):
            msg = f"request field {label} is now required: existing calls may lack it"
            ctx.add("breaking", _item(op, schema, field, msg, where), pointer)
            continue
        if changed - _DOC_KEYS == {"required"}:
            now = "required" if after.get("required") else "optional"
            detail = " (always in the answer)" if now == "required" and not request else ""
            msg = f"{where.split()[0]} field {label} is now {now}{detail}"
            ctx.add("changed", _item(op, schema, field, msg, where), pointer)
            continue
        ctx.add("changed", _item(op, schema, field, f"{label} changed ({details})", where), pointer)


def _brief(value: Any, limit: int = 60) -> str:
    """A schema named by its title or its alternatives: a changelog line, not a dump."""
    if isinstance(value, dict):
        for combiner in ("oneOf", "anyOf", "allOf"):
            if isinstance(value.get(combiner), list):
                parts = ", ".join(_brief(v, 30) for v in value[combiner])
                return f"{combiner}[{parts}]"
        if isinstance(value.get("title"), str):
            return str(value["title"])
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _Context:
    def __init__(self, base_doc: dict[str, Any], head_doc: dict[str, Any], results: list[Any]):
        self.base_doc, self.head_doc = base_doc, head_doc
        self.groups: dict[str, list[dict[str, str]]] = {g: [] for g in GROUPS}
        self.results = [r for r in results if r.get("severity", 2) >= 2]
        self.claimed: set[int] = set()

    def add(
        self,
        group: str,
        item: dict[str, str],
        *pointers: str,
        override: bool = False,
        doc_only: bool = False,
    ) -> None:
        """Record ``item``; optic's failed checks at its pointers make it breaking (unless one
        of our rules ``override``s them), and their messages are appended."""
        hits = []
        for n, result in enumerate(self.results):
            where = result.get("location", {}).get("jsonPath", "")
            if any(where == p or where.startswith(p + "/") for p in pointers):
                self.claimed.add(n)
                hits.append(result)
        if hits and not override and not doc_only:
            group = "breaking"
            msgs = sorted({h["error"] for h in hits})
            more = f"; +{len(msgs) - 1} more" if len(msgs) > 1 else ""
            item = {**item, "message": f"{item['message']} [optic: {msgs[0]}{more}]"}
        same = ("operation", "schema", "field", "message")
        for seen in self.groups[group]:  # one schema shared by several responses: one item
            if all(seen[k] == item[k] for k in same):
                if item["where"] not in seen["where"].split(", "):
                    seen["where"] += ", " + item["where"]
                return
        self.groups[group].append(item)


def _simple_attributes(
    op: str, where: str, pointer: str, attrs: list[dict[str, Any]], ctx: _Context, request: bool
) -> None:
    """Keyword-level changes of an operation, parameter, request body or response."""
    for attr in attrs:
        key = attr.get("key", "").lstrip("/")
        if not key:
            continue  # the whole object added/removed: the caller reports it
        if where == "operation" and key.split("/")[0] == "security":
            continue  # compared per operation, top level included, by _document_level
        before, after = attr.get("before"), attr.get("after")
        subject = f"{where} {key}"
        if key in _DOC_KEYS:
            ctx.add("docs_only", _item(op, "", "", f"{subject} changed (documentation)", where))
        elif key == "operationId":
            msg = f"operationId {before!r} -> {after!r}: the generated function is renamed"
            ctx.add("breaking", _item(op, "", "", msg, where), f"{pointer}/{key}")
        elif key == "required" and request and after is True:
            msg = f"{where} is now required: existing calls may lack it"
            ctx.add("breaking", _item(op, "", "", msg, where), pointer)
        else:
            msg = f"{subject} changed: {before!r} -> {after!r}"
            ctx.add("changed", _item(op, "", "", msg, where), f"{pointer}/{key}")


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
