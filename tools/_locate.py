"""JSON pointers into OpenAPI documents: which named schema and field a change is in."""

from __future__ import annotations

from typing import Any


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def tokens(pointer: str) -> list[str]:
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]


def _deref(doc: dict[str, Any], node: Any) -> tuple[Any, str | None]:
    """Follow ``$ref`` (or a lone ``allOf: [$ref]``) to a component schema; return its name."""
    name = None
    for _ in range(32):  # a cycle of $refs ends here instead of looping
        if not isinstance(node, dict):
            break
        ref = node.get("$ref")
        all_of = node.get("allOf")
        if ref is None and isinstance(all_of, list) and len(all_of) == 1:
            ref = all_of[0].get("$ref") if isinstance(all_of[0], dict) else None
        if not isinstance(ref, str) or not ref.startswith("#/components/schemas/"):
            break
        name = ref.rsplit("/", 1)[-1]
        node = doc.get("components", {}).get("schemas", {}).get(name)
    return node, name


def locate(doc: dict[str, Any], pointer: str) -> tuple[str, str]:
    """(schema, field) for a JSON pointer into the *dereferenced* view optic reports: walk the
    real document, following $refs, so the schema is the named component that holds the field."""
    node: Any = doc
    schema, field = "", list[str]()
    parts = tokens(pointer)
    i = 0
    while i < len(parts):
        node, name = _deref(doc, node)
        if name:
            schema, field = name, []
        token = parts[i]
        if token == "properties" and i + 1 < len(parts) and isinstance(node, dict):  # noqa: S105
            field.append(parts[i + 1])
            node = node.get("properties", {}).get(parts[i + 1])
            i += 2
            continue
        if isinstance(node, dict):
            node = node.get(token)
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            node = None
        i += 1
    _, name = _deref(doc, node)
    return (schema or "(inline)", ".".join(field)) if not name else (name, "")
