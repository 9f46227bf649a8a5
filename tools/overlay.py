"""Apply an OpenAPI Overlay 1.0 document to an OpenAPI document.

Only the overlay-applying step is written here; JSONPath evaluation is RFC 9535 via
jsonpath-rfc9535. Each action's target must match at least one node: a vendor change that
makes a correction stale must fail the build, not silently drop the correction.
"""

from __future__ import annotations

import copy
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
        target.extend(
            copy.deepcopy(update) if isinstance(update, list) else [copy.deepcopy(update)]
        )
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


def apply_overlay(document: dict[str, Any], overlay: dict[str, Any], origin: str) -> dict[str, Any]:
    """Return a new document with every action of ``overlay`` applied in order."""
    doc = copy.deepcopy(document)
    for i, action in enumerate(_check_overlay(overlay, origin)):
        target = action["target"]
        name = f"{origin}: action #{i + 1} (target {target!r})"
        try:
            nodes = jsonpath.find(target, doc)
        except jsonpath.JSONPathError as exc:
            raise ToolError(f"{name}: invalid JSONPath: {exc}") from exc
        if not nodes:
            why = action["description"].strip()[:120]
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
            for node in nodes:
                if not node.location:
                    doc = _merge(doc, action["update"])
                    continue
                parent, key = _parent_and_key(doc, node.location)
                parent[key] = _merge(parent[key], action["update"])
    return doc
