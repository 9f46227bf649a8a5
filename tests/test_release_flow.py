"""The spec-change flow end to end, in a throwaway git repository: re-vendor, read the diff,
the CI version check fails on an unbumped breaking change, release-notes fixes it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=repo, capture_output=True, text=True, check=False
    )


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=repo, check=True, capture_output=True,
    )  # fmt: skip


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "project"
    shutil.copytree(ROOT / "specs", repo / "specs")
    shutil.copytree(
        ROOT / "tools", repo / "tools", ignore=shutil.ignore_patterns("node_modules", "__pycache__")
    )
    (repo / "tools" / "node_modules").symlink_to(ROOT / "tools" / "node_modules")
    for name in ("pyproject.toml", "CHANGELOG.md"):
        shutil.copy(ROOT / name, repo / name)
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "release")
    return repo


def _vendor_adds_speed(repo: Path, *, rename_url: bool = True) -> None:
    # An invented name: a plausible one (speed) may be in the vendor's real document tomorrow.
    page = repo / "specs" / "livepeer" / "docs-page.md"
    text = page.read_text(encoding="utf-8")
    text = text.replace("      type: object\n      title: TextToSpeechParams",
                        "        fixture_pace:\n          type: number\n      type: object\n"
                        "      title: TextToSpeechParams", 1)  # fmt: skip
    if rename_url:
        text = text.replace("    MediaURL:\n      properties:\n        url:",
                            "    MediaURL:\n      properties:\n        href:", 1)  # fmt: skip
        text = text.replace(
            "        - url\n      title: MediaURL", "        - href\n      title: MediaURL"
        )
    page.write_text(text, encoding="utf-8")


def _version(repo: Path) -> str:
    line = next(
        x for x in (repo / "pyproject.toml").read_text().splitlines() if x.startswith("version")
    )
    return line.split('"')[1]


def _next(version: str, level: str) -> str:
    """The version release-notes should write (while 0.x, breaking bumps the minor)."""
    major, minor, patch = (int(x) for x in version.split("."))
    if level == "breaking" or (level == "added" and major == 0):
        return f"{major}.{minor + 1}.0" if major == 0 else f"{major + 1}.0.0"
    return f"{major}.{minor}.{patch + 1}"


def test_breaking_change_needs_a_bump_and_release_notes_make_it(repo: Path) -> None:
    current = _version(repo)
    bumped = _next(current, "breaking")
    ok = _run(repo, "tools/release.py", "check")
    assert ok.returncode == 0, ok.stderr
    assert "no spec or generator change" in ok.stdout

    _vendor_adds_speed(repo)  # and renames MediaURL.url to href
    vendored = _run(repo, "tools/vendor_spec.py", "livepeer")  # default: the page in the repo
    assert vendored.returncode == 0, vendored.stderr
    assert "livepeer: 1 breaking, 1 added" in vendored.stdout
    assert "MediaURL.url: wire key renamed `url` -> `href`" in vendored.stdout
    assert (
        "TextToSpeechParams.fixture_pace: new optional request field `fixture_pace`"
        in vendored.stdout
    )

    as_json = _run(repo, "tools/spec_diff.py", "--base", "HEAD", "--json", "diff.json")
    assert as_json.returncode == 0, as_json.stderr
    report = json.loads((repo / "diff.json").read_text())
    assert report["hamsa"] == {"breaking": [], "added": [], "changed": [], "docs_only": [],
                               "hidden": []}  # fmt: skip
    (renamed,) = report["livepeer"]["breaking"]
    (added,) = report["livepeer"]["added"]
    assert {k: renamed[k] for k in ("operation", "schema", "field")} == {
        "operation": "POST /text-to-speech",
        "schema": "MediaURL",
        "field": "url",
    }
    assert (added["schema"], added["field"]) == ("TextToSpeechParams", "fixture_pace")
    assert "renamed" in renamed["message"] and "fixture_pace" in added["message"]

    failed = _run(repo, "tools/release.py", "check")
    assert failed.returncode == 1
    assert f"breaking change since the last release ({current}" in failed.stderr
    assert f"it must be at least {bumped}" in failed.stderr
    assert "make release-notes" in failed.stderr

    notes = _run(repo, "tools/release.py", "notes")
    assert notes.returncode == 0, notes.stderr
    assert _version(repo) == bumped
    changelog = (repo / "CHANGELOG.md").read_text()
    assert changelog.index(f"## [{bumped}]") < changelog.index(f"## [{current}]")
    assert "- **Breaking:** livepeer: POST /text-to-speech `MediaURL.url`" in changelog
    assert "- livepeer: POST /text-to-speech `TextToSpeechParams.fixture_pace`" in changelog

    assert _run(repo, "tools/release.py", "check").returncode == 0
    _git(repo, "commit", "-qam", f"release {bumped}")
    released = _run(repo, "tools/release.py", "check")
    assert released.returncode == 0 and "no spec or generator change" in released.stdout


def test_a_generator_change_is_at_least_a_patch(repo: Path) -> None:
    with (repo / "tools" / "generate.py").open("a") as fh:
        fh.write("# a generator change\n")
    diff = _run(repo, "tools/spec_diff.py", "--base", "HEAD")
    assert diff.returncode == 0, diff.stderr
    assert diff.stdout.count("generator or templates changed: tools/generate.py") == 2
    assert "no changes" not in diff.stdout
    patch = _next(_version(repo), "patch")
    check = _run(repo, "tools/release.py", "check")
    assert check.returncode == 0 and f"release-notes will make it {patch}" in check.stdout
    assert _run(repo, "tools/release.py", "notes").returncode == 0
    assert _version(repo) == patch


# Runs in a fresh interpreter on the regenerated packages (PYTHONPATH first), with the real
# wrapper: extra_body is checked against the package's effective openapi.json.
_SEND_SPEED = """
import json, sys, httpx
from speechspec import InvalidRequestError, Livepeer

sent = []
def answer(request):
    sent.append(json.loads(request.content))
    return httpx.Response(200, json={"audio": {"url": "https://cdn.example/a.wav"}})

lp = Livepeer("t", http_client=httpx.Client(transport=httpx.MockTransport(answer)))
for extra in ({"fixture_pace": 1.25}, {"fixture_pace": "fast"}):
    try:
        lp.text_to_speech("Hello", extra_body=extra)
    except InvalidRequestError as exc:
        sent.append({"refused": exc.param, "message": str(exc)})
print(json.dumps(sent))
"""


def _send_speed(generated: Path) -> list[dict[str, object]]:
    import os

    env = {**os.environ, "PYTHONPATH": str(generated)}
    proc = subprocess.run(
        [sys.executable, "-c", _SEND_SPEED], env=env, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    sent: list[dict[str, object]] = json.loads(proc.stdout)
    return sent


def test_a_new_request_field_is_sendable_via_extra_body_once_regenerated(repo: Path) -> None:
    before = _send_speed(ROOT / "generated")  # today's spec has no `fixture_pace`
    assert [s.get("refused") for s in before] == ["extra_body", "extra_body"]
    assert "fixture_pace" in str(before[0]["message"])

    _vendor_adds_speed(repo, rename_url=False)
    assert _run(repo, "tools/vendor_spec.py", "livepeer", "--no-diff").returncode == 0
    generated = _run(repo, "tools/generate.py")
    assert generated.returncode == 0, generated.stderr

    body, refused = _send_speed(repo / "generated")
    assert body == {
        "model_id": "parler-tts/parler-tts-large-v1",
        "text": "Hello",
        "fixture_pace": 1.25,
    }
    assert refused["refused"] == "extra_body" and "fixture_pace" in str(refused["message"])


def test_a_vendor_change_the_overlay_hides_fails_check_version_until_acknowledged(
    repo: Path,
) -> None:
    page = repo / "specs" / "livepeer" / "docs-page.md"
    text = page.read_text(encoding="utf-8")
    old = "          description: Text input for speech generation.\n          default: ''"
    assert old in text
    page.write_text(text.replace(old, old.replace("''", "Hello"), 1), encoding="utf-8")
    vendored = _run(repo, "tools/vendor_spec.py", "livepeer")
    assert vendored.returncode == 0, vendored.stderr
    pointer = "/components/schemas/TextToSpeechParams/properties/text/default"
    # The effective document shows nothing (the overlay drops that default) ...
    assert "livepeer: no changes in the effective document" in vendored.stdout
    # ... but the vendor's change is named, with the overlay action that hides it.
    assert f'{pointer} changed by the vendor: "" -> "Hello"' in vendored.stdout
    assert "specs/livepeer/overlay.yaml action #4" in vendored.stdout

    diff = _run(repo, "tools/spec_diff.py", "--base", "HEAD", "--json", "diff.json")
    assert diff.returncode == 0, diff.stderr
    assert "Hidden by the overlay (1)" in diff.stdout
    assert not diff.stdout.endswith("\nno changes\n")
    (hidden,) = json.loads((repo / "diff.json").read_text())["livepeer"]["hidden"]
    assert (hidden["field"], hidden["where"], hidden["acknowledged"]) == (
        pointer,
        "overlay action #4",
        "",
    )

    failed = _run(repo, "tools/release.py", "check")
    assert failed.returncode == 1
    assert "1 vendor change(s)" in failed.stderr and "acknowledged.yaml" in failed.stderr

    (repo / "specs" / "livepeer" / "acknowledged.yaml").write_text(
        "acknowledged:\n"
        f"  - pointer: {pointer}\n"
        "    now: '\"Hello\"'\n"
        "    reason: the gateway still needs a text from the caller; no default is sent\n",
        encoding="utf-8",
    )
    ok = _run(repo, "tools/release.py", "check")
    assert ok.returncode == 0, ok.stderr
