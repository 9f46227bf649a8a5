"""Overlays patch the vendor's nodes, they never copy them: a frozen copy of a vendor schema
hides every later vendor change to it (issue 20, rule 1).

Also: a JSON-pointer ``$ref`` into a vendor's inline node is named the way the generator names
the inline object, so sharing it changes no Python name and tracks the vendor's node."""

from __future__ import annotations

import copy
from typing import Any

import jsonpath_rfc9535 as jsonpath
import pytest
import yaml
from _common import SPECS, VENDORS, ToolError
from generate import effective_document
from overlay import apply_overlay, name_referenced_inline_schemas


def _objects(node: Any) -> list[dict[str, Any]]:
    """Every schema with ``properties`` anywhere under ``node``."""
    found, stack = [], [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("properties"), dict):
                found.append(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def copies(document: dict[str, Any], overlay: dict[str, Any]) -> list[str]:
    """Actions that re-add a node with the properties of one an earlier action removed, or that
    add an object re-typing a vendor object's properties (two or more of them) outright."""
    problems: list[str] = []
    removed: list[tuple[int, frozenset[str]]] = []
    vendor = {frozenset(o["properties"]) for o in _objects(document) if len(o["properties"]) > 1}
    state = copy.deepcopy(document)
    for i, action in enumerate(overlay["actions"], 1):
        if action.get("remove") is True:
            for node in jsonpath.find(action["target"], state):
                removed += [(i, frozenset(o["properties"])) for o in _objects(node.value)]
        else:
            for obj in _objects(action["update"]):
                keys = frozenset(obj["properties"])
                for n, gone in removed:
                    if keys == gone:
                        problems.append(
                            f"action #{i} re-adds what action #{n} removed: {sorted(keys)}"
                        )
                if keys in vendor:
                    problems.append(f"action #{i} re-types a vendor schema: {sorted(keys)}")
        state = apply_overlay(document, {**overlay, "actions": overlay["actions"][:i]}, "o")
    return problems


@pytest.mark.parametrize("vendor", VENDORS)
def test_no_overlay_action_copies_a_vendor_schema(vendor: str) -> None:
    document = yaml.safe_load((SPECS / vendor / "openapi.yaml").read_text(encoding="utf-8"))
    overlay = yaml.safe_load((SPECS / vendor / "overlay.yaml").read_text(encoding="utf-8"))
    assert copies(document, overlay) == [], (
        f"specs/{vendor}/overlay.yaml copies a vendor schema, which hides the vendor's next change "
        "to it: patch the vendor's node instead (`update` it, or `$ref` it by JSON pointer, "
        "e.g. '#/components/schemas/TTSResponse/properties/data')"
    )


_DOC: dict[str, Any] = {
    "openapi": "3.0.1",
    "info": {"title": "t", "version": "1"},
    "paths": {},
    "components": {
        "schemas": {
            "Answer": {
                "type": "object",
                "properties": {
                    "job": {
                        "type": "object",
                        "properties": {"id": {"type": "string"}, "state": {"type": "string"}},
                    }
                },
            }
        }
    },
}


def test_the_copy_check_catches_a_remove_and_re_add() -> None:
    job = _DOC["components"]["schemas"]["Answer"]["properties"]["job"]
    overlay = {
        "overlay": "1.0.0",
        "actions": [
            {"target": "$.components.schemas.Answer.properties.job", "remove": True,
             "description": "drop"},
            {"target": "$.components.schemas", "description": "copy",
             "update": {"AnswerJob": copy.deepcopy(job)}},
        ],
    }  # fmt: skip
    problems = copies(_DOC, overlay)
    assert problems and "action #2 re-adds what action #1 removed" in problems[0]


def test_a_pointer_ref_names_the_vendor_node_as_the_generator_would() -> None:
    doc = copy.deepcopy(_DOC)
    doc["components"]["schemas"]["Status"] = {
        "type": "object",
        "properties": {
            "job": {"$ref": "#/components/schemas/Answer/properties/job"},
            "state": {"$ref": "#/components/schemas/Answer/properties/job/properties/state"},
        },
    }
    vendor_job = doc["components"]["schemas"]["Answer"]["properties"]["job"]
    named = name_referenced_inline_schemas(doc, "o")["components"]["schemas"]
    assert named["AnswerJob"] is vendor_job  # moved, not copied
    assert named["Answer"]["properties"]["job"] == {"$ref": "#/components/schemas/AnswerJob"}
    # A pointer into the node just named is rewritten, then named in turn.
    assert named["Status"]["properties"] == {
        "job": {"$ref": "#/components/schemas/AnswerJob"},
        "state": {"$ref": "#/components/schemas/AnswerJobState"},
    }
    assert named["AnswerJob"]["properties"]["state"] == named["Status"]["properties"]["state"]
    assert named["AnswerJobState"] == {"type": "string"}


def test_a_pointer_ref_to_something_unnamable_is_refused() -> None:
    doc = copy.deepcopy(_DOC)
    doc["components"]["schemas"]["X"] = {"$ref": "#/components/schemas/Answer/type"}
    with pytest.raises(ToolError, match="only object properties and array items"):
        name_referenced_inline_schemas(doc, "o")


def test_a_vendor_change_inside_the_shared_hamsa_job_reaches_both_answers() -> None:
    document = yaml.safe_load((SPECS / "hamsa" / "openapi.yaml").read_text(encoding="utf-8"))
    overlay = yaml.safe_load((SPECS / "hamsa" / "overlay.yaml").read_text(encoding="utf-8"))
    data = document["components"]["schemas"]["TTSResponse"]["properties"]["data"]
    data["properties"]["status"]["enum"].append("PROCESSING")
    data["properties"]["jobResponse"]["properties"]["audioFile"] = data["properties"][
        "jobResponse"
    ]["properties"].pop("ttsMediaFile")
    effective = name_referenced_inline_schemas(apply_overlay(document, overlay, "o"), "o")
    schemas = effective["components"]["schemas"]
    job = schemas["TTSResponseData"]
    assert "PROCESSING" in job["properties"]["status"]["enum"]
    assert set(job["properties"]["jobResponse"]["properties"]) == {"text", "audioFile"}
    assert set(job["required"]) == {"id", "status"}  # the overlay's tightening still applies
    ref = {"$ref": "#/components/schemas/TTSResponseData"}
    assert effective_document("hamsa")["components"]["schemas"]["TTSResponse"]["properties"] == {
        **schemas["TTSResponse"]["properties"],
        "data": ref,
    }
    assert schemas["TTSResponse"]["properties"]["data"] == ref
    assert schemas["JobDetailsResponse"]["properties"]["data"] == ref
