"""Which request fields of an effective document the wrapper's methods or CLI flags miss."""

from __future__ import annotations

import argparse
import inspect
import re
from collections.abc import Iterable, Mapping
from typing import Any

_SKIPPED_PARAMS = {("header", "authorization")}  # auth is the client's job, not a field


def python_name(wire: str) -> str:
    """The Python name for a wire name, as the generator makes it (voiceId -> voice_id)."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", re.sub(r"[^A-Za-z0-9]+", "_", wire))
    return words.strip("_").lower()


def _resolve(doc: Mapping[str, Any], node: Any) -> Any:
    for _ in range(16):
        if not isinstance(node, Mapping):
            return node
        ref = node.get("$ref")
        all_of = node.get("allOf")
        if ref is None and isinstance(all_of, list) and len(all_of) == 1:
            ref = all_of[0].get("$ref")
        if not isinstance(ref, str):
            return node
        node = doc["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return node


def request_fields(doc: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(operationId, wire name) of every parameter and top-level JSON body property."""
    out: list[tuple[str, str]] = []
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if method not in {"get", "put", "post", "patch", "delete"}:
                continue
            op_id = op.get("operationId") or f"{method.upper()} {path}"
            for param in [*item.get("parameters", []), *op.get("parameters", [])]:
                param = _resolve(doc, param)
                if (param.get("in"), str(param.get("name", "")).lower()) not in _SKIPPED_PARAMS:
                    out.append((op_id, param["name"]))
            content = (op.get("requestBody") or {}).get("content", {})
            schema = _resolve(doc, content.get("application/json", {}).get("schema"))
            for name in (schema or {}).get("properties", {}):
                out.append((op_id, name))
    return out


def method_names(cls: type) -> set[str]:
    """Every parameter name of ``cls``'s public methods."""
    names: set[str] = set()
    for attr, member in inspect.getmembers(cls, inspect.isfunction):
        if not attr.startswith("_"):
            names |= set(inspect.signature(member).parameters) - {"self"}
    return names


def parser_dests(parser: argparse.ArgumentParser, *command: str) -> set[str]:
    """The dests of the (sub)command ``command`` of ``parser`` (flags and positionals)."""
    for word in command:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[word]
    return {a.dest for a in parser._actions if a.dest != "help"}


def uncovered(
    doc: Mapping[str, Any],
    vendor: str,
    exposed: Iterable[str],
    not_exposed: Mapping[tuple[str, str, str], str],
) -> list[str]:
    """Request fields neither in ``exposed`` (Python names) nor listed as not exposed."""
    have = set(exposed)
    return [
        f"{vendor}: {op_id}: request field {wire!r} (Python name {python_name(wire)!r})"
        for op_id, wire in request_fields(doc)
        if python_name(wire) not in have and (vendor, op_id, wire) not in not_exposed
    ]
