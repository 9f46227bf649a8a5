"""make specs (one vendor, in-repo default, date kept), overlay redundancy, make spec-diff."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from _common import load_document
from generate import apply_overlay_all
from overlay import apply_overlay
from vendor_spec import vendor

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"


def test_revendoring_unchanged_content_keeps_the_retrieved_date(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    page = SPECS / "hamsa" / "docs-page.md"
    vendor("hamsa", str(page), "https://docs.example/page.md", specs)
    source = specs / "hamsa" / "source.yaml"
    source.write_text(source.read_text().replace("retrieved: '", "retrieved: '1999-01-01' #"))
    vendor("hamsa", str(specs / "hamsa" / "docs-page.md"), None, specs)  # the in-repo default
    record = yaml.safe_load(source.read_text())
    assert record["retrieved"] == "1999-01-01"
    assert record["source_url"] == "https://docs.example/page.md"  # kept, not the local path
    changed = tmp_path / "new.md"
    changed.write_text(page.read_text().replace("version: 1.0.0", "version: 1.0.1", 1))
    vendor("hamsa", str(changed), None, specs)
    assert yaml.safe_load(source.read_text())["retrieved"] != "1999-01-01"


def test_make_specs_cli_revendors_one_vendor_from_the_repo_page(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    (specs / "livepeer").mkdir(parents=True)
    (specs / "livepeer" / "docs-page.md").write_text(
        (SPECS / "livepeer" / "docs-page.md").read_text()
    )
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "vendor_spec.py"),
            "livepeer",
            "--specs-dir",
            str(specs),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in specs.iterdir()) == ["livepeer"]
    assert (specs / "livepeer" / "openapi.yaml").read_text() == (
        SPECS / "livepeer" / "openapi.yaml"
    ).read_text()


def test_corrections_the_vendor_made_itself_are_reported_redundant_not_duplicated() -> None:
    doc = load_document((SPECS / "livepeer" / "openapi.yaml").read_text(), "livepeer")
    overlay = yaml.safe_load((SPECS / "livepeer" / "overlay.yaml").read_text())
    fixed = copy.deepcopy(doc)  # the vendor now says what our overlay says
    params = fixed["components"]["schemas"]["TextToSpeechParams"]
    params["required"] = ["text"]
    for name in ("text", "model_id"):
        del params["properties"][name]["default"]
        params["properties"][name]["minLength"] = 1
    redundant: list[str] = []
    # The page form: the action for the raw document only (x-speechspec-form) is not redundant.
    effective = apply_overlay_all(fixed, overlay, "specs/livepeer/overlay.yaml", redundant)
    assert effective == apply_overlay(doc, overlay, "specs/livepeer/overlay.yaml")
    assert effective["components"]["schemas"]["TextToSpeechParams"]["required"] == ["text"]
    assert [note.split(" (target")[0] for note in redundant] == [
        f"specs/livepeer/overlay.yaml: action #{i}" for i in (1, 2, 3, 4)
    ]
    assert all("is redundant" in note and "drop the action" in note for note in redundant)
    assert (
        "action #4 (target \"$.components.schemas.TextToSpeechParams.properties['text','model_id'].default\")"
        in redundant[3]
    )


def _tree_is_clean() -> bool:
    proc = subprocess.run(
        ["git", "status", "--porcelain", "specs", "tools", "pyproject.toml"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    return proc.returncode == 0 and not proc.stdout.strip()


def test_spec_diff_on_an_unchanged_tree_says_no_changes(tmp_path: Path) -> None:
    if not _tree_is_clean():
        pytest.skip("specs/, tools/ or pyproject.toml have uncommitted changes")
    out = tmp_path / "diff.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "spec_diff.py"), "--base", "HEAD", "--json", str(out)],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.rstrip().endswith("no changes")
    empty = {"breaking": [], "added": [], "changed": [], "docs_only": [], "hidden": []}
    assert json.loads(out.read_text()) == {"hamsa": empty, "livepeer": empty}


def test_version_bumps_and_the_changelog_section() -> None:
    from release import bumped, changelog_section

    assert bumped((0, 1, 0), "breaking") == (0, 2, 0)  # minor while 0.x
    assert bumped((1, 4, 2), "breaking") == (2, 0, 0)
    assert bumped((0, 1, 3), "added") == (0, 2, 0)
    assert bumped((0, 1, 3), "changed") == (0, 1, 4)
    item = {"operation": "POST /text-to-speech", "schema": "MediaURL", "field": "url", "where": "r"}
    report = {
        "livepeer": {
            "breaking": [{**item, "message": "wire key renamed `url` -> `href`"}],
            "added": [{**item, "field": "speed", "message": "new optional request field `speed`"}],
            "changed": [],
            "docs_only": [],
        }
    }
    section = changelog_section(report, "0.2.0", "2026-11-23")
    assert section.splitlines()[0] == "## [0.2.0] - 2026-11-23"
    assert "### Added\n\n- livepeer: POST /text-to-speech `MediaURL.speed`: new optional" in section
    assert "### Removed\n\n- **Breaking:** livepeer: POST /text-to-speech `MediaURL.url`" in section


def test_normalise_drops_extensions_and_spells_a_lone_ref_one_way_only() -> None:
    from generate import normalise_document

    ref = {"$ref": "#/components/schemas/A"}
    doc = {
        "x-top": 1,
        "info": {"title": "t", "version": "1", "x-logo": "l"},
        "components": {
            "schemas": {
                "A": {
                    "type": "object",
                    "x-internal": True,
                    "properties": {
                        "x-wire-name": {
                            "type": "string",
                            "enum": ["x-keep"],
                            "example": {"x-k": 1},
                        },
                        "plain": {"allOf": [ref]},
                        "described": {"$ref": ref["$ref"], "description": "d", "x-speakeasy": 1},
                        "wrapped": {"allOf": [ref], "description": "d"},
                    },
                }
            }
        },
    }
    out = normalise_document(doc)
    props = out["components"]["schemas"]["A"]["properties"]
    assert "x-top" not in out and "x-logo" not in out["info"]
    assert "x-internal" not in out["components"]["schemas"]["A"]
    assert props["x-wire-name"] == {"type": "string", "enum": ["x-keep"], "example": {"x-k": 1}}
    assert props["plain"] == ref
    assert props["described"] == props["wrapped"] == {"allOf": [ref], "description": "d"}
    assert doc["x-top"] == 1  # the input is not modified


# --- wording: names in messages are the schema and wire keys that changed ------------------

HISTORY = ROOT / "tests" / "spec_changes" / "livepeer_history"


def _livepeer() -> dict[str, Any]:
    from generate import effective_document

    return effective_document("livepeer")


def test_a_top_level_response_wire_key_rename_names_its_schema_and_keys() -> None:
    from spec_diff import diff_documents

    base = _livepeer()
    head = copy.deepcopy(base)
    schema = head["components"]["schemas"]["AudioResponse"]
    schema["properties"]["output"] = schema["properties"].pop("audio")  # a $ref property
    schema["required"] = ["output"]
    (item,) = diff_documents(base, head)["breaking"]
    assert (item["schema"], item["field"]) == ("AudioResponse", "audio")
    assert item["message"].startswith("wire key renamed `audio` -> `output` (response 200)")


def test_a_form_to_json_body_switch_is_one_change() -> None:
    from spec_diff import diff_documents

    json_body = yaml.safe_load((ROOT / "tests" / "spec_changes" / "base.yaml").read_text())
    form = copy.deepcopy(json_body)
    content = form["paths"]["/tts"]["post"]["requestBody"]["content"]
    content["application/x-www-form-urlencoded"] = content.pop("application/json")
    groups = diff_documents(form, json_body)
    assert not groups["added"] and not groups["changed"]
    (item,) = groups["breaking"]
    assert item["message"].startswith(
        "request body content type `application/x-www-form-urlencoded` -> `application/json`: "
        "the wire format changes, its schema is unchanged"
    )
    assert "the body schema" not in item["message"]


@pytest.mark.parametrize(
    ("schema", "where"),
    [("HTTPError", "response 400, response 401, response 500"), ("HTTPValidationError", "")],
)
def test_an_error_schema_description_edit_is_docs_only_and_named(schema: str, where: str) -> None:
    from spec_diff import diff_documents

    base = _livepeer()
    head = copy.deepcopy(base)
    head["components"]["schemas"][schema]["description"] = "Reworded by the vendor."
    groups = diff_documents(base, head)
    assert not groups["breaking"] and not groups["changed"] and not groups["added"]
    (item,) = groups["docs_only"]
    assert item["schema"] == schema and "(inline)" not in item["message"]
    assert item["message"] == f"documentation of {schema} changed"
    assert item["where"] == (where or "response 422")


def test_dropping_top_level_security_while_operations_keep_theirs_is_no_change() -> None:
    from spec_diff import diff_documents

    base = _livepeer()
    head = copy.deepcopy(base)
    del head["security"]  # ai-runner's raw file has none; the operation says HTTPBearer
    assert not any(diff_documents(base, head).values())
    head["paths"]["/text-to-speech"]["post"]["security"] = []
    # Dropping the requirement breaks no client (a sent token is ignored): Changed, not Breaking.
    (item,) = diff_documents(base, head)["changed"]
    assert item["operation"] == "POST /text-to-speech"
    assert "no longer requires authentication" in item["message"]


# --- stale overlay: every action at once, what vanished, nothing written --------------------


def test_a_document_without_the_operation_lists_every_stale_action_and_writes_nothing(
    tmp_path: Path,
) -> None:
    from _common import ToolError

    specs = tmp_path / "specs"
    shutil.copytree(SPECS, specs)
    before = {p.name: p.read_bytes() for p in (specs / "livepeer").iterdir()}
    pre_tts = HISTORY / "00-49f1780.yaml"  # ai-runner just before text-to-speech appeared
    with pytest.raises(ToolError) as caught:
        vendor("livepeer", str(pre_tts), "https://example.invalid/raw", specs)
    message = str(caught.value)
    overlay = yaml.safe_load((SPECS / "livepeer" / "overlay.yaml").read_text())
    stale = [
        i + 1
        for i, a in enumerate(overlay["actions"])
        if "TextToSpeechParams" in a["target"] or "/text-to-speech" in a["target"]
    ]
    assert len(stale) >= 8
    assert f"{len(stale)} of {len(overlay['actions'])} actions" in message
    for n in stale:
        assert f"action #{n} " in message
    assert "gone from the vendor document: schema TextToSpeechParams" in message
    assert "path /text-to-speech" in message
    assert "Next step: edit specs/livepeer/overlay.yaml" in message
    assert "Nothing was written" in message
    assert {p.name: p.read_bytes() for p in (specs / "livepeer").iterdir()} == before


def test_a_wrapped_operation_missing_from_the_document_is_named(tmp_path: Path) -> None:
    from _common import ToolError
    from _wrapped import wrapped_part

    doc = load_document((HISTORY / "00-49f1780.yaml").read_text(), "raw")
    with pytest.raises(ToolError, match=r"wraps genTextToSpeech, which the document does not"):
        wrapped_part("livepeer", doc)


# --- one source of truth for what was vendored ---------------------------------------------


def test_after_a_raw_document_every_command_agrees_with_source_yaml(tmp_path: Path) -> None:
    from generate import effective_document
    from vendor_spec import default_source, source_record

    specs = tmp_path / "specs"
    shutil.copytree(SPECS, specs)
    raw = HISTORY / "28-50a742c.yaml"
    url = (
        "https://raw.githubusercontent.com/livepeer/ai-runner/"
        "50a742cee7c5789ef4a10f8117f30de3758366a9/runner/gateway.openapi.yaml"
    )
    vendor("livepeer", str(raw), url, specs)
    record = source_record("livepeer", specs)
    assert record["kind"] == "document" and record["source_url"] == url
    assert record["upstream"]["commit"] == "50a742cee7c5789ef4a10f8117f30de3758366a9"
    assert not (specs / "livepeer" / "docs-page.md").exists()  # no stale page left behind
    # The offline `make specs VENDOR=livepeer` re-vendors what was vendored, not the old page.
    assert default_source("livepeer", specs) == str(specs / "livepeer" / "openapi.yaml")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "vendor_spec.py"), "livepeer", "--specs-dir",
         str(specs)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert (specs / "livepeer" / "openapi.yaml").read_text() == raw.read_text()
    assert source_record("livepeer", specs) == record  # same origin, date and commit
    # Only the wrapped operation is generated from the ten.
    assert list(effective_document("livepeer", specs)["paths"]) == ["/text-to-speech"]
    # Back to the docs page: the page is kept again and the upstream commit dropped.
    page_url = "https://docs.livepeer.org/ai/api-reference/text-to-speech.md"
    vendor("livepeer", str(SPECS / "livepeer" / "docs-page.md"), page_url, specs)
    back = source_record("livepeer", specs)
    assert back["kind"] == "page" and "upstream" not in back
    assert (specs / "livepeer" / "docs-page.md").is_file()
