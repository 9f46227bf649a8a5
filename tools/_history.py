"""The real ai-runner history (tests/spec_changes/livepeer_history/) as a maintainer feeds it:
each step as the raw upstream file and as the docs-page block docs.livepeer.org embeds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from _common import safe_load

HISTORY = Path(__file__).resolve().parent.parent / "tests" / "spec_changes" / "livepeer_history"
TTS_PATH, TTS_METHOD = "/text-to-speech", "post"
_LABELS = ("breaking", "added", "changed", "docs_only")


def index() -> dict[str, Any]:
    data: dict[str, Any] = safe_load((HISTORY / "index.yaml").read_text(encoding="utf-8"))
    return data


def expected() -> dict[str, dict[str, Any]]:
    data = safe_load((HISTORY / "expected.yaml").read_text(encoding="utf-8"))
    steps: dict[str, dict[str, Any]] = data["steps"]
    return steps


def steps() -> list[str]:
    """Step names (``01-8c95968``), oldest first."""
    return [Path(step["file"]).stem for step in index()["steps"]]


def raw_url(step: str) -> str:
    info = index()
    commit = next(s["commit"] for s in info["steps"] if Path(s["file"]).stem == step)
    return f"https://raw.githubusercontent.com/{info['repo']}/{commit}/{info['path']}"


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = []
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                found.append(value.rsplit("/", 1)[-1])
            else:
                found += _refs(value)
        return found
    if isinstance(node, list):
        return [name for value in node for name in _refs(value)]
    return []


def docs_page(raw: str) -> str:
    """The page docs.livepeer.org renders for the operation (Mintlify, as
    specs/livepeer/docs-page.md): a fenced block holding the document cut to that operation,
    the schemas it reaches (in the order it reaches them) and the top-level `security: []`."""
    doc = safe_load(raw)
    op = doc["paths"][TTS_PATH][TTS_METHOD]
    schemas = doc["components"]["schemas"]
    order: list[str] = []
    todo = _refs(op)
    while todo:
        name = todo.pop(0)
        if name not in order:
            order.append(name)
            todo += _refs(schemas[name])
    block: dict[str, Any] = {
        "openapi": doc["openapi"],
        "info": doc["info"],
        "servers": doc["servers"],
        "security": doc.get("security", []),
        "paths": {TTS_PATH: {TTS_METHOD: op}},
        "components": {
            "schemas": {name: schemas[name] for name in order},
            "securitySchemes": doc["components"]["securitySchemes"],
        },
    }
    text = yaml.safe_dump(block, sort_keys=False, allow_unicode=True, width=80)
    return (
        "# Text To Speech\n\n> Generate a text-to-speech audio file based on the provided text "
        "input and speaker description.\n\n## OpenAPI\n\n````yaml post /text-to-speech\n"
        f"{text}````\n"
    )


def worst(groups: dict[str, list[dict[str, str]]]) -> str:
    """The label of a classified diff: its worst group, or ``none``."""
    return next((g for g in _LABELS if groups.get(g)), "none")
