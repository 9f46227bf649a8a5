"""Apply an OpenAPI Overlay 1.0 document to an OpenAPI document.

Only the overlay-applying step is written here; JSONPath evaluation is RFC 9535 via
jsonpath-rfc9535. Each action's target must match at least one node: a vendor change that
makes a correction stale must fail the build, not silently drop the correction.

A correction the vendor has since made itself is *redundant*, not stale: an update that
changes nothing any more (arrays are appended to without duplicates, so a ``required`` entry
the vendor now lists is not added twice), or a removal whose target is already gone while its
parent is still there. Redundant actions apply cleanly and are reported, naming the action,
so the maintainer can drop them.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import jsonpath_rfc9535 as jsonpath
from _common import ToolError

_SUPPORTED = ("1.0.0",)


def _merge(target: Any, update: Any) -> Any:
    """Overlay 1.0 update semantics: objects merge recursively, arrays are appended to,
    anything else is replaced."""
    if isinstance(target, dict) and isinstance(update, dict):
        for key, value in update.items():
            target[key] = _merge(target[key], value) if key in target else copy.deepcopy(value)
        return target
    if isinstance(target, list):
        # Append, but never duplicate: an item the vendor now has itself is already there.
        for item in update if isinstance(update, list) else [update]:
            if item not in target:
                target.append(copy.deepcopy(item))
        return target
    return copy.deepcopy(update)


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


def apply_overlay(
    document: dict[str, Any],
    overlay: dict[str, Any],
    origin: str,
    redundant: list[str] | None = None,
) -> dict[str, Any]:
    """Return a new document with every action of ``overlay`` applied in order.

    ``redundant``, when given, receives one message per action that changed nothing because
    the vendor document already says what the action would make it say.
    """
    doc = copy.deepcopy(document)
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
            before = copy.deepcopy(doc) if redundant is not None else None
            for node in nodes:
                if not node.location:
                    doc = _merge(doc, action["update"])
                    continue
                parent, key = _parent_and_key(doc, node.location)
                parent[key] = _merge(parent[key], action["update"])
            if redundant is not None and doc == before:
                redundant.append(
                    f"{name} is redundant: the vendor document already says this; "
                    f"drop the action. ({why})"
                )
    return doc
