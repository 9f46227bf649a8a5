"""Field-level changes of one operation: properties and parameters added, removed, renamed,
re-typed or made required, and keyword-level changes (optic's ``attributes``), each classified
by the rules that know what the generated Python does (see _classify.py)."""

from __future__ import annotations

from typing import Any

from _changes import _DOC_KEYS, _brief, _Context, _doc_only_members, _item, _name, _strip
from _locate import locate


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
                # Here, not at the top: importing the generator's package takes ~0.4 s of every
                # spec_diff/release/vendor_spec run, and only a rename needs its naming rule.
                from openapi_python_client.strings import snake_case

                renamed |= {old_key, new_key}
                schema, old_field = _name(ctx.base_doc, base + old_key)
                _, new_field = _name(ctx.head_doc, base + new_key)
                old_py, new_py = (
                    snake_case(old_key.rsplit("/", 1)[-1]),
                    snake_case(new_key.rsplit("/", 1)[-1]),
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
