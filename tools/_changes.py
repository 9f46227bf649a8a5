"""The vocabulary of a classified spec change: the four groups, one changelog item, where a
change sits (schema, field), what is documentation only, and the context that collects items
and folds in optic's verdicts. Used by _classify.py and _classify_fields.py."""

from __future__ import annotations

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
