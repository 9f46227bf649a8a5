"""Vendor changes the overlay hides: nothing may be shadowed in silence.

The spec diff compares *effective* documents (vendor + overlay), which is what the generated
clients see. A vendor change that an overlay action overwrites, removes or re-adds never shows
there: the user would not learn of it, and the overlay's correction may now be wrong. So the
*verbatim* documents are compared too (:func:`vendor_changes`), the head overlay is replayed on
the new vendor document one action at a time, and every change that stops being visible is
reported with the action that hid it (:func:`hidden_changes`).

A maintainer acknowledges a hidden change either by editing the overlay (so it no longer hides
it) or by recording it in ``specs/<vendor>/acknowledged.yaml`` with a reason::

    acknowledged:
      - pointer: /components/schemas/TextToSpeechParams/properties/text/default
        now: '"Hello"'          # the vendor's new value as JSON; "(removed)" for a removal
        reason: the gateway still rejects an empty text; our minLength 1 stands

``make check-version`` fails while a hidden change since the last release is unacknowledged.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from _common import SPECS, ToolError, safe_load
from _locate import escape
from overlay import apply_overlay

_ABSENT = object()
REMOVED = "(removed)"


@dataclass(frozen=True, eq=False)
class Change:
    """One vendor change between two verbatim documents, at a JSON pointer."""

    pointer: tuple[str, ...]
    old: Any
    new: Any  # _ABSENT: removed by the vendor

    @property
    def path(self) -> str:
        return "/" + "/".join(escape(step) for step in self.pointer)

    @property
    def now(self) -> str:
        """The vendor's new value as acknowledged.yaml records it."""
        return REMOVED if self.new is _ABSENT else json.dumps(self.new, sort_keys=True)

    def describe(self) -> str:
        if self.old is _ABSENT:
            return f"{self.path} added by the vendor"
        if self.new is _ABSENT:
            return f"{self.path} removed by the vendor"
        return f"{self.path} changed by the vendor: {_brief(self.old)} -> {_brief(self.new)}"


@dataclass(frozen=True)
class Hidden:
    change: Change
    action: int  # 1-based index in the overlay
    target: str
    acknowledged: str | None  # the recorded reason, if any

    def message(self, vendor: str) -> str:
        ack = f" (acknowledged: {self.acknowledged})" if self.acknowledged else ""
        return (
            f"{self.change.describe()}; hidden from the effective document by "
            f"specs/{vendor}/overlay.yaml action #{self.action} (target {self.target}){ack}"
        )


def _brief(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def vendor_changes(old: Any, new: Any, at: tuple[str, ...] = ()) -> list[Change]:
    """Leaf-level differences; a mapping is walked, anything else (lists too) is one value."""
    if isinstance(old, dict) and isinstance(new, dict):
        found: list[Change] = []
        for key in [*old, *(k for k in new if k not in old)]:
            found += vendor_changes(old.get(key, _ABSENT), new.get(key, _ABSENT), (*at, str(key)))
        return found
    return [] if old == new else [Change(at, old, new)]


def _get(doc: Any, pointer: tuple[str, ...]) -> Any:
    node = doc
    for step in pointer:
        if isinstance(node, dict) and step in node:
            node = node[step]
        elif isinstance(node, list) and step.isdigit() and int(step) < len(node):
            node = node[int(step)]
        else:
            return _ABSENT
    return node


def _shows(expected: Any, actual: Any, dropped: list[Any]) -> bool:
    """``actual`` still says what the vendor's ``expected`` says (an overlay may add to it)."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and _shows(v, actual[k], []) for k, v in expected.items()
        )
    if isinstance(expected, list) and isinstance(actual, list):
        # Items may be appended (a `required` entry); a value the vendor dropped may not return.
        return all(item in actual for item in expected) and not any(i in actual for i in dropped)
    return bool(expected == actual)


def _visible(doc: Any, change: Change) -> bool:
    if change.new is _ABSENT:
        return (
            _get(doc, change.pointer[:-1]) is not _ABSENT and _get(doc, change.pointer) is _ABSENT
        )
    old, new = change.old, change.new
    dropped = (
        [i for i in old if i not in new] if isinstance(old, list) and isinstance(new, list) else []
    )
    return _shows(change.new, _get(doc, change.pointer), dropped)


def hidden_changes(
    old_vendor: dict[str, Any],
    new_vendor: dict[str, Any],
    overlay: dict[str, Any],
    origin: str,
    acknowledged: dict[tuple[str, str], str] | None = None,
) -> list[Hidden]:
    """The vendor changes from ``old_vendor`` to ``new_vendor`` that ``overlay`` (applied to the
    new document) hides, each with the action that hid it."""
    changes = vendor_changes(old_vendor, new_vendor)
    if not changes:
        return []
    hidden_by: dict[int, tuple[int, str]] = {}  # index in changes -> (action, target)
    state = copy.deepcopy(new_vendor)
    for i, action in enumerate(overlay.get("actions") or [], 1):
        one = {**overlay, "actions": [action]}
        try:
            state = apply_overlay(state, one, f"{origin}: action #{i}")
        except ToolError:
            continue  # a stale action is reported by the effective document's own build
        for n, change in enumerate(changes):
            if n in hidden_by:
                if _visible(state, change):
                    del hidden_by[n]  # shown again (an action re-adds the vendor's value)
            elif not _visible(state, change):
                hidden_by[n] = (i, action["target"])
    acks = acknowledged or {}
    return [
        Hidden(changes[n], i, target, acks.get((changes[n].path, changes[n].now)))
        for n, (i, target) in sorted(hidden_by.items())
    ]


def load_acknowledged(vendor: str, specs_dir: Path = SPECS) -> dict[tuple[str, str], str]:
    """specs/<vendor>/acknowledged.yaml as {(pointer, now): reason}."""
    path = specs_dir / vendor / "acknowledged.yaml"
    if not path.is_file():
        return {}
    data = safe_load(path.read_text(encoding="utf-8")) or {}
    entries = data.get("acknowledged") or [] if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ToolError(f"{path.relative_to(specs_dir.parent)}: expected 'acknowledged: [...]'")
    out: dict[tuple[str, str], str] = {}
    for n, entry in enumerate(entries, 1):
        fields = entry if isinstance(entry, dict) else {}
        pointer, now, reason = fields.get("pointer"), fields.get("now"), fields.get("reason")
        if not (isinstance(pointer, str) and isinstance(now, str) and str(reason or "").strip()):
            raise ToolError(
                f"specs/{vendor}/acknowledged.yaml entry #{n}: needs 'pointer', 'now' (the "
                f"vendor's new value as JSON, or {REMOVED!r}) and a 'reason'"
            )
        out[(pointer, now)] = " ".join(str(reason).split())
    return out


def acknowledgement(hidden: Hidden) -> str:
    """The acknowledged.yaml entry a maintainer can paste (after writing the reason)."""
    return yaml.safe_dump(
        [{"pointer": hidden.change.path, "now": hidden.change.now, "reason": "<why>"}],
        allow_unicode=True,
        sort_keys=False,
        width=100,
    )


__all__ = [
    "REMOVED",
    "Change",
    "Hidden",
    "acknowledgement",
    "hidden_changes",
    "load_acknowledged",
    "vendor_changes",
]
