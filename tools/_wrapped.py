"""Which operations of a vendor document this project wraps (``wrapped_operations`` in
specs/<vendor>/config.yaml), the document restricted to them, and one line per change to the others.

A vendor's real document can hold many operations we do not wrap (ai-runner's gateway document
has ten; we wrap text-to-speech). Generating them all would flood the typed surface and the
coverage tests; dropping them silently would hide their changes. So the generator sees only the
wrapped operations (and the schemas they reach), and every change to another operation is
reported in one line: ``not wrapped: genLLM changed, breaking``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import SPECS, ToolError, safe_load

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_ORDER = ("breaking", "added", "changed", "docs_only")


def wrapped_operations(vendor: str, specs_dir: Path = SPECS) -> dict[str, str] | None:
    """operationId -> reason, from ``wrapped_operations`` in the vendor's config.yaml
    (``specs_dir``'s, else the working tree's); None: no list, every operation is wrapped."""
    path = specs_dir / vendor / "config.yaml"
    if not path.is_file():
        path = SPECS / vendor / "config.yaml"
    config = safe_load(path.read_text(encoding="utf-8")) or {}
    entries = config.get("wrapped_operations")
    if entries is None:
        return None
    where = f"specs/{vendor}/config.yaml: wrapped_operations"
    if not isinstance(entries, list) or not entries:
        raise ToolError(f"{where} must be a non-empty list of {{operation, reason}}")
    out: dict[str, str] = {}
    for entry in entries:
        if not (isinstance(entry, dict) and isinstance(entry.get("operation"), str)):
            raise ToolError(f"{where}: every entry needs an 'operation' (an operationId)")
        if not str(entry.get("reason", "")).strip():
            raise ToolError(f"{where}: {entry['operation']} needs a 'reason' (why it is wrapped)")
        out[entry["operation"]] = str(entry["reason"])
    return out


def operations(doc: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """operationId (or ``METHOD /path`` when it has none) -> (path, method)."""
    out: dict[str, tuple[str, str]] = {}
    for path, item in (doc.get("paths") or {}).items():
        for method in _METHODS:
            op = item.get(method) if isinstance(item, dict) else None
            if isinstance(op, dict):
                out[str(op.get("operationId") or f"{method.upper()} {path}")] = (path, method)
    return out


def _refs(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                if value.startswith("#/components/schemas/"):
                    found.add(value.rsplit("/", 1)[-1])
            else:
                _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def restrict(doc: dict[str, Any], keep: set[str]) -> dict[str, Any]:
    """``doc`` with only the operations in ``keep`` and the component schemas they reach
    (other components, e.g. securitySchemes, are kept as they are)."""
    return copy.deepcopy(_restricted(doc, keep))


def _restricted(doc: dict[str, Any], keep: set[str]) -> dict[str, Any]:
    """``restrict`` without the copy: the kept nodes are ``doc``'s own (to read, not edit)."""
    out = dict(doc)
    if isinstance(out.get("components"), dict):
        out["components"] = dict(out["components"])
    paths: dict[str, Any] = {}
    for op_id, (path, method) in operations(doc).items():
        if op_id in keep:
            item = paths.setdefault(path, {})
            item[method] = out["paths"][path][method]
            if "parameters" in out["paths"][path]:  # path-level parameters belong to it
                item["parameters"] = out["paths"][path]["parameters"]
    out["paths"] = paths
    schemas = (out.get("components") or {}).get("schemas")
    if isinstance(schemas, dict):
        reached: set[str] = set()
        todo: set[str] = set()
        _refs(paths, todo)
        while todo:
            name = todo.pop()
            if name in reached or name not in schemas:
                continue
            reached.add(name)
            _refs(schemas[name], todo)
        out["components"]["schemas"] = {k: v for k, v in schemas.items() if k in reached}
    return out


def wrapped_part(vendor: str, doc: dict[str, Any], specs_dir: Path = SPECS) -> dict[str, Any]:
    """What the generator sees: ``doc`` restricted to the wrapped operations."""
    wrapped = wrapped_operations(vendor, specs_dir)
    if wrapped is None:
        return doc
    missing = sorted(set(wrapped) - set(operations(doc)))
    if missing:
        raise ToolError(
            f"specs/{vendor}/config.yaml wraps {', '.join(missing)}, which the document does not "
            f"have (any more): the vendor removed or renamed it. Next step: find its new "
            f"operationId in specs/{vendor}/openapi.yaml and update wrapped_operations, or drop "
            "the entry (a breaking change: its generated function goes)."
        )
    return restrict(doc, set(wrapped))


def unwrapped_part(vendor: str, doc: dict[str, Any], specs_dir: Path = SPECS) -> dict[str, Any]:
    wrapped = wrapped_operations(vendor, specs_dir) or {}
    return restrict(doc, set(operations(doc)) - set(wrapped))


def summarise(
    base: dict[str, Any] | None,
    head: dict[str, Any] | None,
    groups: dict[str, list[dict[str, str]]],
) -> list[dict[str, str]]:
    """One item per operation from the classified changes of the unwrapped part: its worst
    label, ``not wrapped: genLLM changed, breaking``."""
    old, new = operations(base or {}), operations(head or {})
    by_name = {f"{m.upper()} {p}": op for op, (p, m) in {**old, **new}.items()}
    worst: dict[str, str] = {}
    for group in _ORDER:
        for item in groups.get(group, []):
            op = by_name.get(item["operation"], item["operation"])
            if op in ("", "*"):
                continue
            worst.setdefault(op, group)
    items = []
    for op in sorted(set(old) | set(new)):
        if op not in old:
            message, label = f"not wrapped: {op} added (a new operation)", "added-operation"
        elif op not in new:
            message, label = f"not wrapped: {op} removed", "removed-operation"
        elif op in worst:
            kind = {"breaking": ", breaking", "added": ", additive", "docs_only": ", docs-only"}
            message, label = f"not wrapped: {op} changed{kind.get(worst[op], '')}", worst[op]
        else:
            continue
        items.append(
            {"operation": op, "schema": "", "field": "", "message": message, "where": label}
        )
    return items


def not_wrapped_changes(
    vendor: str,
    base: dict[str, Any] | None,
    head: dict[str, Any] | None,
    diff: Callable[[Any, Any], dict[str, list[dict[str, str]]]],
) -> list[dict[str, str]]:
    """One item per operation we do not wrap that changed from ``base`` to ``head`` (full
    effective documents); ``diff`` is spec_diff.diff_documents."""
    old = unwrapped_part(vendor, base) if base else None
    new = unwrapped_part(vendor, head) if head else None
    if old == new:
        return []
    if old is not None and new is not None:
        # Only the operations whose own part differs go to the diff: the others have nothing
        # to report, and the engine's time grows with the document (ai-runner's nine unwrapped
        # operations: ~0.6 s of CPU per diff in optic; one or two of them change per release).
        changed = {
            op
            for op in set(operations(old)) | set(operations(new))
            if _own_part(old, op) != _own_part(new, op)
        }
        if not changed:  # what differs is not any operation's (info): nothing to name
            return []
        old = restrict(old, changed & set(operations(old)))
        new = restrict(new, changed & set(operations(new)))
    return summarise(old, new, diff(old, new))


def _own_part(doc: dict[str, Any], op: str) -> dict[str, Any] | None:
    """What a diff of ``op`` reads: ``doc`` restricted to it (its path item's method and
    parameters, the schemas it reaches, the other components, the top-level fields such as
    ``security``), without ``info``, which no operation's change comes from; None: no ``op``."""
    if op not in operations(doc):
        return None
    part = _restricted(doc, {op})
    part.pop("info", None)
    return part
