"""Replayed vendor spec changes: each is classified as a user needs it, and the generated
client (the real generator, into a temporary directory) does what the classification says.

The diff engine is the real one (optic via tools/spec_diff.py); `make test` installs it."""

from __future__ import annotations

import copy
import importlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from _generator import GeneratorRun, run_generator
from _templates import TEMPLATES, mark_response_schemas
from generate import dump_json, normalise_document
from spec_coverage import uncovered
from spec_diff import diff_documents

ROOT = Path(__file__).resolve().parent.parent
BASE: dict[str, Any] = yaml.safe_load(
    (Path(__file__).parent / "spec_changes" / "base.yaml").read_text()
)
Doc = dict[str, Any]


def _changed(edit: Callable[[Doc], None]) -> Doc:
    doc = copy.deepcopy(BASE)
    edit(doc)
    return doc


def _schemas(doc: Doc) -> dict[str, Any]:
    schemas: dict[str, Any] = doc["components"]["schemas"]
    return schemas


def add_request_field(doc: Doc) -> None:
    _schemas(doc)["SpeechRequest"]["properties"]["speed"] = {"type": "number"}


def add_field_with_default(doc: Doc) -> None:
    # As FastAPI writes every optional field (ai-runner's documents): with the server's default.
    _schemas(doc)["SpeechRequest"]["properties"]["pace"] = {
        "type": "number",
        "description": "Speaking rate.",
        "default": 1.0,
    }
    doc["paths"]["/voices"]["get"]["parameters"] = [
        {"name": "lang", "in": "query", "schema": {"type": "string", "default": "en"}}
    ]


def add_response_field(doc: Doc) -> None:
    _schemas(doc)["SpeechJob"]["properties"]["durationSeconds"] = {"type": "number"}


def rename_response_field(doc: Doc) -> None:
    job = _schemas(doc)["SpeechJob"]
    job["properties"]["audioUrl"] = job["properties"].pop("url")
    job["required"] = ["audioUrl", "status"]


def require_request_field(doc: Doc) -> None:
    _schemas(doc)["SpeechRequest"]["required"] = ["text", "voice"]


def new_enum_value(doc: Doc) -> None:
    _schemas(doc)["SpeechJob"]["properties"]["status"]["enum"].append("FAILED")


def remove_operation(doc: Doc) -> None:
    del doc["paths"]["/voices"]


def cosmetic(doc: Doc) -> None:
    doc["info"]["version"] = "1.0.1"
    doc["x-generator"] = "vendor-docs 2.0"
    post = doc["paths"]["/tts"]["post"]
    post["x-codeSamples"] = [{"lang": "curl", "source": "curl ..."}]
    schema = post["requestBody"]["content"]["application/json"]
    schema["schema"] = {"allOf": [schema["schema"]]}


def _diff(edit: Callable[[Doc], None]) -> dict[str, list[dict[str, str]]]:
    return diff_documents(BASE, _changed(edit))


def _only(groups: dict[str, list[dict[str, str]]], group: str) -> dict[str, str]:
    assert [g for g, items in groups.items() if items] == [group], groups
    (item,) = groups[group]
    return item


def test_added_optional_request_field_is_added_and_named_by_the_coverage_check() -> None:
    item = _only(_diff(add_request_field), "added")
    assert (item["operation"], item["schema"], item["field"]) == (
        "POST /tts",
        "SpeechRequest",
        "speed",
    )
    exposed = {"text", "voice"}  # a wrapper written for the base document
    assert uncovered(_changed(add_request_field), "fixture", exposed, {}) == [
        "fixture: createSpeech: request field 'speed' (Python name 'speed')"
    ]
    assert uncovered(BASE, "fixture", exposed, {}) == []


def test_a_new_field_with_a_spec_default_is_sent_only_when_the_caller_sets_it(
    generated: Path,
) -> None:
    groups = _diff(add_field_with_default)
    assert [g for g, items in groups.items() if items] == ["added"], groups
    assert {(i["schema"], i["field"]) for i in groups["added"]} == {
        ("SpeechRequest", "pace"),
        ("", "lang"),
    }
    models = _import(generated / "default", "fixture_client.models")
    # The server's default is the server's: a body without the field lets the server apply it.
    assert models.SpeechRequest(text="hi").to_dict() == {"text": "hi"}
    assert models.SpeechRequest(text="hi", pace=1.0).to_dict() == {"text": "hi", "pace": 1.0}
    assert models.SpeechRequest(text="hi", pace=1.25).to_dict()["pace"] == 1.25
    assert "Server default 1.0" in (models.SpeechRequest.__doc__ or "")
    # A query parameter's default is the server's too.
    voices = _import(generated / "default", "fixture_client.api.default.list_voices")
    assert "lang" not in (voices.build_request().get("params") or {})
    assert voices.build_request(lang="ar")["params"]["lang"] == "ar"
    # A response field's default is not invented when the answer lacks it either.
    answer = models.SpeechRequest.from_dict({"text": "hi"})
    assert answer.to_dict() == {"text": "hi"}


def test_added_response_field_is_added_and_on_the_generated_model(generated: Path) -> None:
    item = _only(_diff(add_response_field), "added")
    assert (item["schema"], item["field"]) == ("SpeechJob", "durationSeconds")
    models = _import(generated / "added", "fixture_client.models")
    job = models.SpeechJob.from_dict({"url": "u", "status": "DONE", "durationSeconds": 1.5})
    assert job.duration_seconds == 1.5


def test_renamed_response_field_is_breaking_and_named() -> None:
    item = _only(_diff(rename_response_field), "breaking")
    assert (item["operation"], item["schema"], item["field"]) == ("POST /tts", "SpeechJob", "url")
    assert "renamed `url` -> `audioUrl`" in item["message"]
    assert "Python attribute `url` -> `audio_url`" in item["message"]


def test_wire_key_rename_is_breaking_even_when_the_python_name_stays() -> None:
    def snake(doc: Doc) -> None:
        job = _schemas(doc)["SpeechRequest"]
        job["properties"]["Voice"] = job["properties"].pop("voice")

    item = _only(_diff(snake), "breaking")
    assert "the Python attribute stays `voice`, but the JSON key changes" in item["message"]


def test_request_field_made_required_is_breaking() -> None:
    item = _only(_diff(require_request_field), "breaking")
    assert (item["schema"], item["field"]) == ("SpeechRequest", "voice")
    assert "now required" in item["message"]


def test_new_response_enum_value_is_added_and_parses(generated: Path) -> None:
    # optic calls a new response enum value breaking; our response enums are open.
    item = _only(_diff(new_enum_value), "added")
    assert (item["schema"], item["field"]) == ("SpeechJob", "status")
    assert "new value 'FAILED'" in item["message"]
    # The client generated *before* the change parses the new value too: response enums are open.
    for client in ("base", "enum"):
        models = _import(generated / client, "fixture_client.models")
        job = models.SpeechJob.from_dict({"url": "u", "status": "FAILED"})
        assert job.status == "FAILED", client


def test_response_field_made_required_is_a_change_not_a_break() -> None:
    def require(doc: Doc) -> None:
        _schemas(doc)["VoiceList"]["required"] = ["voices"]

    item = _only(_diff(require), "changed")
    assert (item["schema"], item["field"]) == ("VoiceList", "voices")
    assert item["message"] == "response field `voices` is now required (always in the answer)"


def test_removed_operation_is_breaking() -> None:
    item = _only(_diff(remove_operation), "breaking")
    assert item["operation"] == "GET /voices" and "operation removed" in item["message"]


def test_unchanged_document_reports_nothing() -> None:
    assert not any(diff_documents(BASE, copy.deepcopy(BASE)).values())


def test_cosmetic_change_leaves_the_generated_python_unchanged(generated: Path) -> None:
    assert not any(_diff(cosmetic).values())  # no API change, so no release either
    base_files = _python_files(generated / "base")
    assert base_files and base_files == _python_files(generated / "cosmetic")


# --- one generation per document, shared by the module ----------------------------------


def _generate(doc: Doc, out: Path) -> GeneratorRun:
    # Each generation's inputs in its own directory.
    spec = out / "spec.json"
    # As tools/generate.py does: normalised, response schemas marked, our templates.
    marked = mark_response_schemas(normalise_document(doc))
    spec.write_text(dump_json(marked), encoding="utf-8")
    config = out / "config.yaml"
    config.write_text(
        (ROOT / "specs" / "livepeer" / "config.yaml").read_text().replace("livepeer", "fixture"),
        encoding="utf-8",
    )
    return GeneratorRun(
        [
            "generate",
            "--path",
            str(spec),
            "--config",
            str(config),
            "--meta",
            "none",
            "--output-path",
            str(out / "fixture_client"),
            "--overwrite",
            "--fail-on-warning",
            "--custom-template-path",
            str(TEMPLATES),
        ],
        out,
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("spec-changes")
    runs = []
    for name, edit in (("base", None), ("added", add_response_field), ("enum", new_enum_value),
                       ("cosmetic", cosmetic), ("default", add_field_with_default)):  # fmt: skip
        (root / name).mkdir()
        runs.append(_generate(_changed(edit) if edit else BASE, root / name))
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    # The five generations in one generator process, as tools/generate.py runs its two: the
    # generator's import (~0.4 s of CPU, as much as a generation) paid once, not five times.
    for result in run_generator(runs, env):
        assert result.returncode == 0, result.output
    return root


def _python_files(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*.py"))
        if "__pycache__" not in p.parts
    }


def _import(root: Path, module: str) -> Any:
    for name in [
        m for m in sys.modules if m == "fixture_client" or m.startswith("fixture_client.")
    ]:
        del sys.modules[name]
    sys.path.insert(0, str(root))
    try:
        return importlib.import_module(module)
    finally:
        sys.path.remove(str(root))
