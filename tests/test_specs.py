"""The foundation layer: vendored specs, overlays, effective documents, regeneration."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonpath_rfc9535 as jsonpath
import pytest
import yaml
from _common import ToolError, load_document, validate
from generate import diff_trees, effective_document
from overlay import apply_overlay
from vendor_spec import extract_openapi_block, source_record, vendor

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
SHARED_DOCS = ROOT.parent / "shared" / "vendor-docs"
HISTORY = ROOT / "tests" / "spec_changes" / "livepeer_history"
DOCS_PAGES = {"hamsa": "hamsa-text-to-speech.md", "livepeer": "livepeer-text-to-speech.md"}
VENDORS = sorted(DOCS_PAGES)


def _vendored_text(vendor_name: str) -> str:
    return (SPECS / vendor_name / "openapi.yaml").read_text(encoding="utf-8")


def _overlay(vendor_name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((SPECS / vendor_name / "overlay.yaml").read_text())
    return data


def _document(vendor_name: str) -> dict[str, Any]:
    return load_document(_vendored_text(vendor_name), vendor_name)


@pytest.mark.parametrize("vendor_name", VENDORS)
def test_vendored_document_validates(vendor_name: str) -> None:
    try:
        validate(_document(vendor_name), vendor_name)
    except ToolError as exc:
        pytest.fail(
            f"{exc}\nspecs/{vendor_name}/openapi.yaml is the vendor's text verbatim: never fix it "
            f"there. Re-vendor it (`make specs VENDOR={vendor_name}`); if the vendor's own "
            f"document is invalid, correct it in specs/{vendor_name}/overlay.yaml."
        )


@pytest.mark.parametrize("vendor_name", VENDORS)
def test_effective_document_validates_and_is_what_the_package_carries(vendor_name: str) -> None:
    effective = effective_document(vendor_name)
    validate(effective, vendor_name)
    shipped = json.loads(
        (ROOT / "generated" / f"{vendor_name}_client" / "openapi.json").read_text()
    )
    assert shipped == effective, (
        f"generated/{vendor_name}_client/openapi.json is not the effective document of "
        f"specs/{vendor_name}/: run `make generate` and commit generated/."
    )


@pytest.mark.parametrize("vendor_name", VENDORS)
def test_vendored_text_is_what_source_yaml_says(vendor_name: str) -> None:
    """source.yaml is the one record of what was vendored: its kind, its origin, its hash."""
    source = source_record(vendor_name)
    text = _vendored_text(vendor_name)
    again = f"`make specs VENDOR={vendor_name}` (it re-vendors what source.yaml names)"
    assert source.get("sha256") == hashlib.sha256(text.encode()).hexdigest(), (
        f"specs/{vendor_name}/openapi.yaml is not the file specs/{vendor_name}/source.yaml "
        f"records. Never edit openapi.yaml: run {again}, or `make specs VENDOR={vendor_name} "
        "SOURCE=<the vendor's new page or document>`; corrections go in "
        f"specs/{vendor_name}/overlay.yaml."
    )
    assert str(source["source_url"]).startswith("https://"), (
        f"specs/{vendor_name}/source.yaml: source_url is {source['source_url']!r}; pass the "
        "public address with --source-url when vendoring a local copy."
    )
    assert source["retrieved"]
    page = SPECS / vendor_name / "docs-page.md"
    if source["kind"] == "document":
        assert not page.exists(), (
            f"source.yaml says openapi.yaml is the upstream document, yet {page} is there: "
            f"delete it, or re-vendor the page with {again}."
        )
        return
    pages = [page]
    if (SHARED_DOCS / DOCS_PAGES[vendor_name]).exists():
        pages.append(SHARED_DOCS / DOCS_PAGES[vendor_name])
    for page in pages:
        block = extract_openapi_block(page.read_text(encoding="utf-8"), str(page))
        assert text.rstrip("\n") == block.rstrip("\n"), (
            f"specs/{vendor_name}/openapi.yaml is not the OpenAPI block of {page} verbatim. "
            "Never edit openapi.yaml: put the vendor's new page in "
            f"specs/{vendor_name}/docs-page.md (or pass it as SOURCE) and run {again}; "
            f"corrections go in specs/{vendor_name}/overlay.yaml."
        )


def _contains(actual: Any, expected: Any) -> bool:
    if isinstance(actual, list) and not isinstance(expected, list):
        return any(_contains(a, expected) for a in actual)  # an update appended to an array
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and _contains(actual[k], v) for k, v in expected.items()
        )
    if isinstance(expected, list):
        return isinstance(actual, list) and all(
            any(_contains(a, e) for a in actual) for e in expected
        )
    return bool(actual == expected)


@pytest.mark.parametrize("vendor_name", VENDORS)
def test_each_overlay_action_applies(vendor_name: str) -> None:
    overlay = _overlay(vendor_name)
    document = _document(vendor_name)
    for i, action in enumerate(overlay["actions"]):
        assert action["description"].strip(), (
            f"specs/{vendor_name}/overlay.yaml action #{i + 1}: add a description citing where "
            "the vendor (or its source code) says what the action corrects"
        )
        before = (
            apply_overlay(document, {**overlay, "actions": overlay["actions"][:i]}, "o")
            if i
            else document
        )
        after = apply_overlay(document, {**overlay, "actions": overlay["actions"][: i + 1]}, "o")
        form = action.get("x-speechspec-form")
        if form is not None and form != source_record(vendor_name)["kind"]:
            continue  # a correction of the other form of the vendor's document
        assert after != before, (
            f"specs/{vendor_name}/overlay.yaml action #{i + 1} changed nothing: the vendor now "
            "says it too, so drop the action (or mark it x-speechspec-form: page|document when "
            "it corrects only one form of the vendor's document)"
        )
        fix = f"fix specs/{vendor_name}/overlay.yaml action #{i + 1} ({action['target']})"
        if action.get("remove"):
            assert not jsonpath.find(action["target"], after), (
                f"{fix}: its target still matches after the removal"
            )
        else:
            nodes = jsonpath.find(action["target"], after)
            assert nodes and all(_contains(n.value, action["update"]) for n in nodes), (
                f"{fix}: a later action undoes it, or its update does not land on the target"
            )


def test_overlay_corrections_required_by_the_issue_are_in_effect() -> None:
    lost = "a correction of specs/{}/overlay.yaml was lost: restore its action (git log -p {})"
    hamsa = effective_document("hamsa")
    hint = lost.format("hamsa", "specs/hamsa/overlay.yaml")
    assert set(hamsa["components"]["schemas"]["TTSRequest"]["required"]) == {"text", "voiceId"}, (
        hint
    )
    get_job = hamsa["paths"]["/v1/jobs"]["get"]
    (param,) = get_job["parameters"]
    assert (param["name"], param["in"], param["required"]) == ("jobId", "query", True), hint
    livepeer = effective_document("livepeer")
    hint = lost.format("livepeer", "specs/livepeer/overlay.yaml")
    # model_id is optional: a gateway defaults it (go-livepeer server/ai_process.go).
    assert livepeer["components"]["schemas"]["TextToSpeechParams"]["required"] == ["text"], hint
    responses = livepeer["paths"]["/text-to-speech"]["post"]["responses"]
    gateway = {"$ref": "#/components/schemas/GatewayError"}
    assert responses["503"]["content"]["application/json"]["schema"] == gateway, hint
    for status in ("400", "401", "500"):
        assert gateway in responses[status]["content"]["application/json"]["schema"]["oneOf"], hint
    assert "422" in responses, hint  # the runner's; a gateway never answers it


def test_a_stale_target_fails_naming_the_action() -> None:
    overlay = _overlay("hamsa")
    overlay["actions"].append(
        {"target": "$.components.schemas.RemovedByVendor", "description": "x", "update": {"a": 1}}
    )
    n = len(overlay["actions"])
    with pytest.raises(
        ToolError,
        match=rf"action #{n} \(target '\$\.components\.schemas\.RemovedByVendor'\) matches nothing",
    ):
        apply_overlay(_document("hamsa"), overlay, "overlay.yaml")


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ({"target": "$.info", "update": {"x": 1}}, "needs a 'description'"),
        ({"target": "$.info", "description": "d"}, "exactly one of"),
        ({"target": "$.info", "description": "d", "update": {}, "remove": True}, "exactly one of"),
        ({"target": "$[?", "description": "d", "update": {}}, "invalid JSONPath"),
    ],
)
def test_malformed_actions_are_rejected(action: dict[str, Any], message: str) -> None:
    with pytest.raises(ToolError, match=message):
        apply_overlay({"info": {}}, {"overlay": "1.0.0", "actions": [action]}, "o")


def test_overlay_update_semantics_merge_objects_append_arrays_and_do_not_alias() -> None:
    doc = {"a": {"keep": 1, "list": [1], "nested": {"x": 1}}}
    update = {"list": [2], "nested": {"y": 2}, "new": {"z": 3}}
    out = apply_overlay(
        doc,
        {"overlay": "1.0.0", "actions": [{"target": "$.a", "description": "d", "update": update}]},
        "o",
    )
    assert out == {"a": {"keep": 1, "list": [1, 2], "nested": {"x": 1, "y": 2}, "new": {"z": 3}}}
    assert doc == {"a": {"keep": 1, "list": [1], "nested": {"x": 1}}}  # input untouched
    out["a"]["new"]["z"] = 99
    assert update["new"]["z"] == 3


def test_remove_action_removes_every_match() -> None:
    doc = {"items": [{"k": 1}, {"k": 2}, {"k": 1}]}
    out = apply_overlay(
        doc,
        {
            "overlay": "1.0.0",
            "actions": [{"target": "$.items[?@.k == 1]", "description": "d", "remove": True}],
        },
        "o",
    )
    assert out == {"items": [{"k": 2}]}


# --- vendor_spec -----------------------------------------------------------------------


def test_vendor_spec_refuses_a_page_without_an_openapi_block(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Docs\n\n```yaml\nfoo: bar\n```\n")
    with pytest.raises(ToolError, match="neither an OpenAPI document") as caught:
        vendor("hamsa", str(page), None, tmp_path / "specs")
    assert "'openapi' key" in str(caught.value) and "fenced OpenAPI block" in str(caught.value)
    assert not (tmp_path / "specs").exists()


def test_a_raw_document_with_a_leading_comment_is_recognised_by_parsing(tmp_path: Path) -> None:
    """ai-runner's files start with `# !!Auto-generated by 'gen_openapi.py'. DO NOT EDIT!!`."""
    raw = HISTORY / "28-50a742c.yaml"
    assert raw.read_text().startswith("# !!Auto-generated")
    specs = tmp_path / "specs"
    vendor("livepeer", str(raw), None, specs)
    assert (specs / "livepeer" / "openapi.yaml").read_text() == raw.read_text()  # verbatim
    assert source_record("livepeer", specs)["kind"] == "document"
    # JSON after a blank line and YAML with other comments first are documents too.
    doc = load_document(raw.read_text(), "raw")
    for text in ("\n\n" + json.dumps(doc), "# a\n\n# b\n" + yaml.safe_dump(doc)):
        path = tmp_path / "doc.txt"
        path.write_text(text)
        vendor("livepeer", str(path), None, tmp_path / "other")
        assert source_record("livepeer", tmp_path / "other")["kind"] == "document"


def test_vendor_spec_refuses_an_invalid_document_and_leaves_the_old_spec(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    good = SPECS / "livepeer" / "docs-page.md"
    vendor("livepeer", str(good), "https://example.invalid/page", specs)
    before = (specs / "livepeer" / "openapi.yaml").read_bytes()
    broken = tmp_path / "broken.md"
    broken.write_text(good.read_text().replace("  title: Livepeer AI Runner\n", "", 1))
    with pytest.raises(ToolError, match="invalid OpenAPI document"):
        vendor("livepeer", str(broken), None, specs)
    assert (specs / "livepeer" / "openapi.yaml").read_bytes() == before
    assert sorted(p.name for p in (specs / "livepeer").iterdir()) == [
        "docs-page.md",
        "openapi.yaml",
        "source.yaml",
    ]


def test_vendor_spec_accepts_a_raw_json_document(tmp_path: Path) -> None:
    raw = tmp_path / "openapi.json"
    raw.write_text(json.dumps(_document("hamsa")))
    path = vendor("hamsa", str(raw), None, tmp_path / "specs")
    assert load_document(path.read_text(), "x") == _document("hamsa")


def test_vendor_spec_cli_reports_errors_without_a_traceback(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "vendor_spec.py"),
            "hamsa",
            str(tmp_path / "nope.md"),
            "--specs-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert "vendor_spec: error:" in proc.stderr and "no such file" in proc.stderr
    assert "Traceback" not in proc.stderr


# --- regeneration ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("project")
    # Not tools/node_modules (200 MB, the spec-diff engine): generate.py never runs Node.
    skip = shutil.ignore_patterns("__pycache__", "node_modules")
    for name in ("specs", "tools", "generated"):
        shutil.copytree(ROOT / name, root / name, ignore=skip)
    return root


def _run_generate(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(root / "tools" / "generate.py"), *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=root,
    )


def test_regeneration_after_a_spec_change_end_to_end(project_copy: Path) -> None:
    overlay_path = project_copy / "specs" / "hamsa" / "overlay.yaml"
    overlay = yaml.safe_load(overlay_path.read_text())
    overlay["actions"].append(
        {
            "target": "$.components.schemas.TTSRequest.properties",
            "description": "test: a vendor adds an optional speaking rate",
            "update": {"speakingRate": {"type": "number"}},
        }
    )
    overlay_path.write_text(yaml.safe_dump(overlay, allow_unicode=True))

    check = _run_generate(project_copy, "--check")
    assert check.returncode == 1
    assert "+    speaking_rate: float | Unset = UNSET" in check.stdout

    gen = _run_generate(project_copy)
    assert gen.returncode == 0, gen.stderr
    probe = (
        "from hamsa_client.models import TTSRequest\n"
        "r = TTSRequest(text='t', voice_id='v', speaking_rate=1.25)\n"
        "import json; print(json.dumps(r.to_dict()))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(project_copy / "generated")},
        cwd=project_copy,
    )
    assert json.loads(out.stdout) == {"text": "t", "voiceId": "v", "speakingRate": 1.25}
    assert _run_generate(project_copy, "--check").returncode == 0


def test_check_generated_reports_a_hand_edit(tmp_path: Path) -> None:
    expected = tmp_path / "a"
    actual = tmp_path / "b"
    shutil.copytree(ROOT / "generated" / "livepeer_client", expected / "livepeer_client")
    shutil.copytree(ROOT / "generated" / "livepeer_client", actual / "livepeer_client")
    assert diff_trees(expected, actual) == ""
    edited = actual / "livepeer_client" / "types.py"
    edited.write_text(edited.read_text() + "# hand edit\n")
    (actual / "livepeer_client" / "extra.py").write_text("x = 1\n")
    diff = diff_trees(expected, actual)
    assert "-# hand edit" in diff and "generated/livepeer_client/extra.py" in diff


def test_generated_clients_import_from_the_installed_distribution() -> None:
    code = "import hamsa_client, livepeer_client, speechspec; print('ok')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"


# An action may loosen what the vendor says (a field it marks required made optional) only when
# it says so and cites its evidence: a source file (server/ai_process.go) or a public page.
_LOOSENING = re.compile(r"\bloosen", re.I)
_EVIDENCE = re.compile(
    r"\b[\w.-]+/[\w./-]+\.(?:go|py|ts|js|rs|java|ya?ml|json)\b|https?://|\bdocs\.[\w-]+\.\w+/"
)
REQUEST_SCHEMAS = (("hamsa", "TTSRequest"), ("livepeer", "TextToSpeechParams"))


def unexplained_loosenings(
    vendored: dict[str, Any], effective: dict[str, Any], overlay: dict[str, Any], schema: str
) -> list[str]:
    """Each way the effective request schema is looser than the vendored one that no overlay
    action on that schema declares (``loosen``) with its evidence, as a message saying what
    to do next."""
    old = vendored["components"]["schemas"][schema]
    new = effective["components"]["schemas"][schema]
    found = [f"`{name}` is no longer required" for name in sorted(
        set(old.get("required", [])) - set(new.get("required", []))
    )]  # fmt: skip
    found += [f"property `{name}` removed" for name in old["properties"].keys() - new["properties"]]
    for name, prop in old["properties"].items():
        kept = {k: v for k, v in prop.items() if k != "default"}
        now = new["properties"].get(name, {})
        found += [f"`{name}`: {k} changed" for k in kept if now.get(k, object()) != kept[k]]
    explained = any(
        schema in action["target"]
        and _LOOSENING.search(action["description"])
        and _EVIDENCE.search(action["description"])
        for action in overlay["actions"]
    )
    if explained:
        return []
    return [
        f"{schema}: {what}: the overlay may only tighten the vendor's schema. If the servers "
        "really accept more than the vendor document says, say so in the action's description "
        "(the word 'loosening') and cite the evidence (a source file such as "
        "server/ai_process.go, or a documentation URL); otherwise remove the action."
        for what in found
    ]


@pytest.mark.parametrize(("vendor_name", "schema"), REQUEST_SCHEMAS)
def test_effective_request_schemas_are_a_tightening_or_a_cited_loosening(
    vendor_name: str, schema: str
) -> None:
    # A structural check here; the conformance suite checks it on generated data as well.
    problems = unexplained_loosenings(
        _document(vendor_name), effective_document(vendor_name), _overlay(vendor_name), schema
    )
    assert not problems, "\n".join(problems)


def _vendored_raw(tmp_path: Path, step: str) -> Path:
    """A specs/ copy with the real ai-runner gateway document of ``step`` vendored as is."""
    specs = tmp_path / "specs"
    shutil.copytree(SPECS, specs)
    vendor("livepeer", str(HISTORY / f"{step}.yaml"), "https://example.invalid/raw", specs)
    return specs


def test_the_raw_document_needs_and_has_a_cited_loosening_of_model_id(tmp_path: Path) -> None:
    specs = _vendored_raw(tmp_path, "28-50a742c")
    vendored = load_document((specs / "livepeer" / "openapi.yaml").read_text(), "raw")
    assert "model_id" in vendored["components"]["schemas"]["TextToSpeechParams"]["required"]
    effective = effective_document("livepeer", specs_dir=specs)
    assert effective["components"]["schemas"]["TextToSpeechParams"]["required"] == ["text"]
    overlay = _overlay("livepeer")
    schema = "TextToSpeechParams"
    assert unexplained_loosenings(vendored, effective, overlay, schema) == []
    # The same action without its evidence is refused, with the next step in the message.
    for action in overlay["actions"]:
        if action.get("x-speechspec-form") == "document":
            action["description"] = "Loosening: model_id is optional."
    (problem,) = unexplained_loosenings(vendored, effective, overlay, schema)
    assert "`model_id` is no longer required" in problem and "cite the evidence" in problem
