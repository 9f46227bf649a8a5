"""Overlays patch the vendor's nodes, they never copy them: a frozen copy of a vendor schema
hides every later vendor change to it (issue 20, rule 1).

Also: a JSON-pointer ``$ref`` into a vendor's inline node is named the way the generator names
the inline object, so sharing it changes no Python name and tracks the vendor's node."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonpath_rfc9535 as jsonpath
import pytest
import yaml
from _common import SPECS, VENDORS, ToolError
from _shadow import hidden_changes
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
    data["properties"]["status"]["enum"].append("FIXTURE_QUEUED")
    data["properties"]["jobResponse"]["properties"]["audioFile"] = data["properties"][
        "jobResponse"
    ]["properties"].pop("ttsMediaFile")
    effective = name_referenced_inline_schemas(apply_overlay(document, overlay, "o"), "o")
    schemas = effective["components"]["schemas"]
    job = schemas["TTSResponseData"]
    assert "FIXTURE_QUEUED" in job["properties"]["status"]["enum"]
    assert set(job["properties"]["jobResponse"]["properties"]) == {"text", "audioFile"}
    assert set(job["required"]) == {"id", "status"}  # the overlay's tightening still applies
    ref = {"$ref": "#/components/schemas/TTSResponseData"}
    assert effective_document("hamsa")["components"]["schemas"]["TTSResponse"]["properties"] == {
        **schemas["TTSResponse"]["properties"],
        "data": ref,
    }
    assert schemas["TTSResponse"]["properties"]["data"] == ref
    assert schemas["JobDetailsResponse"]["properties"]["data"] == ref


# --- nothing shadowed in silence (tools/_shadow.py) ----------------------------------------


def _vendor(vendor: str) -> tuple[dict[str, Any], dict[str, Any]]:
    document = yaml.safe_load((SPECS / vendor / "openapi.yaml").read_text(encoding="utf-8"))
    overlay = yaml.safe_load((SPECS / vendor / "overlay.yaml").read_text(encoding="utf-8"))
    return document, overlay


def _hamsa_job(doc: dict[str, Any]) -> dict[str, Any]:
    job: dict[str, Any] = doc["components"]["schemas"]["TTSResponse"]["properties"]["data"]
    return job


def test_a_copying_overlay_is_reported_as_hiding_the_vendor_change() -> None:
    old, _ = _vendor("hamsa")
    new = copy.deepcopy(old)
    _hamsa_job(new)["properties"]["status"]["enum"].append("FIXTURE_QUEUED")
    copying = {
        "overlay": "1.0.0",
        "actions": [
            {"target": "$.components.schemas.TTSResponse.properties.data", "remove": True,
             "description": "step 1: drop the vendor's job"},
            {"target": "$.components.schemas.TTSResponse.properties", "description": "step 2",
             "update": {"data": {"$ref": "#/components/schemas/TTSResponseData"}}},
            {"target": "$.components.schemas", "description": "a frozen copy",
             "update": {"TTSResponseData": _hamsa_job(old)}},
        ],
    }  # fmt: skip
    (hidden,) = hidden_changes(old, new, copying, "o")
    assert hidden.action == 1
    message = hidden.message("hamsa")
    before = _hamsa_job(old)["properties"]["status"]["enum"]
    assert (hidden.change.old, hidden.change.new) == (before, [*before, "FIXTURE_QUEUED"])
    assert message.startswith(
        "/components/schemas/TTSResponse/properties/data/properties/status/enum changed by the "
        f"vendor: {json.dumps(before)[:20]}"
    )
    assert "specs/hamsa/overlay.yaml action #1 (target $.components.schemas.TTSResponse" in message


def test_the_hamsa_overlay_hides_no_change_to_the_job() -> None:
    old, overlay = _vendor("hamsa")
    new = copy.deepcopy(old)
    job = _hamsa_job(new)["properties"]
    job["status"]["enum"].append("FIXTURE_QUEUED")
    job["jobResponse"]["properties"]["audioFile"] = job["jobResponse"]["properties"].pop(
        "ttsMediaFile"
    )
    job["title"]["description"] = "The job's title."
    assert hidden_changes(old, new, overlay, "o") == []


def test_an_overwritten_or_removed_vendor_value_is_hidden_naming_the_action() -> None:
    old, overlay = _vendor("livepeer")
    new = copy.deepcopy(old)
    text = new["components"]["schemas"]["TextToSpeechParams"]["properties"]["text"]
    text.update(default="Hello", minLength=3)
    found = {h.change.path: h for h in hidden_changes(old, new, overlay, "o")}
    base = "/components/schemas/TextToSpeechParams/properties/text"
    assert set(found) == {f"{base}/default", f"{base}/minLength"}
    assert found[f"{base}/default"].action == 4  # removes the text/model_id defaults
    assert found[f"{base}/minLength"].action == 2  # sets minLength 1 over the vendor's 3
    assert found[f"{base}/default"].change.now == '"Hello"'
    # Acknowledged with a reason: still listed, with the reason.
    acks = {(f"{base}/default", '"Hello"'): "an absent text is still refused"}
    reasons = {h.change.path: h.acknowledged for h in hidden_changes(old, new, overlay, "o", acks)}
    assert reasons == {
        f"{base}/default": "an absent text is still refused",
        f"{base}/minLength": None,
    }


def test_a_vendor_change_the_overlay_leaves_alone_is_not_hidden() -> None:
    old, overlay = _vendor("livepeer")
    new = copy.deepcopy(old)
    params = new["components"]["schemas"]["TextToSpeechParams"]
    params["properties"]["fixture_pace"] = {"type": "number", "default": 1.0}
    params["required"] = ["description"]  # the overlay appends "text": the vendor's entry stays
    assert hidden_changes(old, new, overlay, "o") == []
