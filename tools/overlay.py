"""Apply an OpenAPI Overlay 1.0 document to an OpenAPI document.

Only the overlay-applying step is written here; JSONPath evaluation is RFC 9535 via
jsonpath-rfc9535. Each action's target must match at least one node: a vendor change that
makes a correction stale must fail the build, not silently drop the correction.

A correction the vendor has since made itself is *redundant*, not stale: an update that
changes nothing any more (arrays are appended to without duplicates, so a ``required`` entry
the vendor now lists is not added twice), or a removal whose target is already gone while its
parent is still there. Redundant actions apply cleanly and are reported, naming the action,
so the maintainer can drop them.

An overlay *patches* the vendor's nodes; it never copies one. To share a vendor's inline
schema (Hamsa's job object, inline under the create answer's ``data``) with another answer, an
action refers to it with a JSON-pointer ``$ref`` into the vendor's own node
(``#/components/schemas/TTSResponse/properties/data``). openapi-python-client 0.29.1 resolves
only ``#/components/schemas/<Name>`` references (it drops a schema with any deeper pointer:
"Could not find reference in parsed models or enums"), so after the actions,
:func:`name_referenced_inline_schemas` (which tools/generate.py runs on the overlaid document) moves each inline node referenced that way into
``components/schemas`` under the name the generator already gives the inline object
(``TTSResponse`` + ``data`` -> ``TTSResponseData``) and points every reference at it. The node
moved is the vendor's, whatever it says today: a vendor change inside it reaches the effective
document, the diff and the generated model like any other; sharing it renames no Python class.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import jsonpath_rfc9535 as jsonpath
from _common import ToolError

_SUPPORTED = ("1.0.0",)


def _copy(node: Any) -> Any:
    """A deep copy of a parsed JSON/YAML tree: copy.deepcopy's memo and dispatch make it
    several times slower, and the spec tools copy ai-runner's document per overlay action."""
    if isinstance(node, dict):
        return {key: _copy(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_copy(value) for value in node]
    if node is None or isinstance(node, str | int | float):
        return node
    return copy.deepcopy(node)  # a date or anything else YAML may build


def _merge(target: Any, update: Any) -> Any:
    """Overlay 1.0 update semantics: objects merge recursively, arrays are appended to,
    anything else is replaced."""
    if isinstance(target, dict) and isinstance(update, dict):
        for key, value in update.items():
            target[key] = _merge(target[key], value) if key in target else _copy(value)
        return target
    if isinstance(target, list):
        # Append, but never duplicate: an item the vendor now has itself is already there.
        for item in update if isinstance(update, list) else [update]:
            if item not in target:
                target.append(_copy(item))
        return target
    return _copy(update)


def _parent_and_key(doc: Any, location: tuple[str | int, ...]) -> tuple[Any, str | int]:
    node = doc
    for step in location[:-1]:
        node = node[step]
    return node, location[-1]


def _check_overlay(overlay: dict[str, Any], origin: str) -> list[dict[str, Any]]:
    version = overlay.get("overlay")
    if version not in _SUPPORTED:
        raise ToolError(f"{origin}: 'overlay' must be one of {_SUPPORTED}, got {version!r}")
    actions = overlay.get("actions")
    if not isinstance(actions, list) or not actions:
        raise ToolError(f"{origin}: 'actions' must be a non-empty list")
    for i, action in enumerate(actions):
        name = f"{origin}: action #{i + 1}"
        if not isinstance(action, dict) or not isinstance(action.get("target"), str):
            raise ToolError(f"{name}: every action needs a string 'target'")
        if not str(action.get("description", "")).strip():
            raise ToolError(f"{name} ({action['target']}): every action needs a 'description'")
        has_update, remove = "update" in action, action.get("remove", False) is True
        if has_update == remove:
            raise ToolError(
                f"{name} ({action['target']}): give exactly one of 'update' or 'remove: true'"
            )
    return actions


# The last segment of a JSONPath: `.name`, `['a','b']`, `[0]`, `[*]`, `.*`.
_LAST_SEGMENT = re.compile(r"(\.[A-Za-z_][\w-]*|\.\*|\[[^\[\]]*\])$")


def _parent_matches(target: str, doc: Any) -> bool:
    parent = _LAST_SEGMENT.sub("", target)
    if parent == target or not parent:
        return False
    try:
        return bool(jsonpath.find(parent, doc))
    except jsonpath.JSONPathError:
        return False


_SCHEMAS = "#/components/schemas/"


def _pascal(word: str) -> str:
    """openapi-python-client's class-name spelling of one property name (pascal_case)."""
    parts = re.split(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])", word)
    return "".join(p[:1].upper() + p[1:] for p in parts if p)


def _inline_name(pointer: str, origin: str) -> str:
    """``#/components/schemas/S/properties/a/properties/b`` -> ``SAB``; ``/items`` -> ``Item``."""
    schema, *steps = pointer.removeprefix(_SCHEMAS).split("/")
    name, i = schema, 0
    while i < len(steps):
        if steps[i] == "properties" and i + 1 < len(steps):
            name += _pascal(steps[i + 1].replace("~1", "/").replace("~0", "~"))
            i += 2
        elif steps[i] == "items":
            name += "Item"
            i += 1
        else:
            raise ToolError(
                f"{origin}: $ref {pointer!r} points into the vendor's schema at '{steps[i]}'; only "
                f"object properties and array items can be named (share a schema or a property)"
            )
    return name


def _refs(node: Any) -> list[dict[str, Any]]:
    """Every mapping holding a string ``$ref``, anywhere under ``node``."""
    found: list[dict[str, Any]] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("$ref"), str):
                found.append(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def name_referenced_inline_schemas(doc: dict[str, Any], origin: str) -> dict[str, Any]:
    """Move every inline schema that a ``$ref`` points into (a JSON pointer deeper than
    ``#/components/schemas/<Name>``) to ``components/schemas`` under the generator's own name
    for it, leaving a ``$ref`` where it was; ``doc`` is changed in place and returned."""
    while True:
        deep = sorted(
            {r["$ref"] for r in _refs(doc) if r["$ref"].startswith(_SCHEMAS)}
            - {_SCHEMAS + name for name in doc.get("components", {}).get("schemas", {})},
            key=len,
        )
        if not deep:
            return doc
        pointer = deep[0]  # the outermost first: references into it are rewritten below
        name = _inline_name(pointer, origin)
        schemas = doc["components"]["schemas"]
        if name in schemas:
            raise ToolError(
                f"{origin}: cannot name the inline schema {pointer!r} {name!r}: a schema of that "
                f"name exists"
            )
        steps = [s.replace("~1", "/").replace("~0", "~") for s in pointer[2:].split("/")]
        try:
            parent, key = _parent_and_key(doc, tuple(steps))
            node = parent[key]
        except (KeyError, IndexError, TypeError):
            raise ToolError(f"{origin}: $ref {pointer!r} points at nothing") from None
        if isinstance(node, dict) and set(node) == {"$ref"}:
            target = node["$ref"]  # already a reference: refer to what it refers to
        else:
            schemas[name] = node
            parent[key] = {"$ref": _SCHEMAS + name}
            target = _SCHEMAS + name
        for ref in _refs(doc):
            if ref["$ref"] == pointer or ref["$ref"].startswith(pointer + "/"):
                ref["$ref"] = target + ref["$ref"][len(pointer) :]


def apply_overlay(
    document: dict[str, Any],
    overlay: dict[str, Any],
    origin: str,
    redundant: list[str] | None = None,
) -> dict[str, Any]:
    """Return a new document with every action of ``overlay`` applied in order (the effective
    document then has its pointer references named: :func:`name_referenced_inline_schemas`).

    ``redundant``, when given, receives one message per action that changed nothing because
    the vendor document already says what the action would make it say.
    """
    doc: dict[str, Any] = _copy(document)
    for i, action in enumerate(_check_overlay(overlay, origin)):
        target = action["target"]
        name = f"{origin}: action #{i + 1} (target {target!r})"
        why = " ".join(action["description"].split())[:120]
        try:
            nodes = jsonpath.find(target, doc)
        except jsonpath.JSONPathError as exc:
            raise ToolError(f"{name}: invalid JSONPath: {exc}") from exc
        if not nodes and action.get("remove") is True and _parent_matches(target, doc):
            if redundant is not None:
                redundant.append(
                    f"{name} is redundant: what it removes is already absent upstream; "
                    f"drop the action. ({why})"
                )
            continue
        if not nodes:
            raise ToolError(
                f"{name} matches nothing in the document: the vendor document changed and "
                f"this correction is stale; update or remove it. ({why})"
            )
        if action.get("remove") is True:
            # Delete deepest-first and, within a list, highest index first, so earlier
            # deletions do not shift the locations of later ones.
            for node in sorted(nodes, key=lambda n: n.location, reverse=True):
                if not node.location:
                    raise ToolError(f"{name}: cannot remove the document root")
                parent, key = _parent_and_key(doc, node.location)
                del parent[key]
        else:
            changed = False
            for node in nodes:
                # Only the targeted node can change: compare it, not a copy of the document.
                if not node.location:
                    before = _copy(doc) if redundant is not None else None
                    doc = _merge(doc, action["update"])
                    changed = changed or doc != before
                    continue
                parent, key = _parent_and_key(doc, node.location)
                before = _copy(parent[key]) if redundant is not None else None
                parent[key] = _merge(parent[key], action["update"])
                changed = changed or parent[key] != before
            if redundant is not None and not changed:
                redundant.append(
                    f"{name} is redundant: the vendor document already says this; "
                    f"drop the action. ({why})"
                )
    return doc
