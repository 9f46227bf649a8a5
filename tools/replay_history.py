"""Replay the real ai-runner history the way a maintainer would, start to end, with make.

    python tools/replay_history.py [--form document|page|both] [--steps N] [--keep DIR]

In a scratch clone of this repository (HEAD; the .venv and tools/node_modules are shared),
for every step of tests/spec_changes/livepeer_history/ (oldest first): `make specs
VENDOR=livepeer SOURCE=<the file> SOURCE_URL=<where it is from>` -> `make spec-diff BASE=HEAD` ->
`make generate` -> `make release-notes BASE=HEAD` -> commit. Nothing is edited by hand (the
overlay decisions these steps need are in specs/livepeer/overlay.yaml already). Each step's
spec-diff output is held to tests/spec_changes/livepeer_history/expected.yaml, and a step
labelled "none" must leave the generated Python unchanged. `make replay-history` runs this.
Exit status 0 when every step matched, 1 otherwise (each mismatch is printed).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ROOT
from _history import HISTORY, docs_page, expected, raw_url, steps

DOCS_URL = "https://docs.livepeer.org/ai/api-reference/text-to-speech.md"
_TITLES = {"Breaking": "breaking", "Added": "added", "Changed": "changed", "Docs-only": "docs_only"}
# The installs are shared with this checkout: make must not redo them in the clone.
_SHARED = ("-o", ".venv/.installed-stamp", "-o", "tools/node_modules/.installed-stamp")


def _run(cwd: Path, *cmd: str) -> str:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stdout}{proc.stderr}")
    return proc.stdout


def _make(cwd: Path, *args: str) -> str:
    return _run(cwd, "make", "--no-print-directory", *_SHARED, *args)


def parse_report(text: str) -> tuple[str, dict[str, str]]:
    """(worst label of livepeer's wrapped operations, {operation: not-wrapped label})."""
    label, others, in_livepeer = "none", dict[str, str](), False
    for line in text.splitlines():
        if re.match(r"^\w+: ", line):
            in_livepeer = line.startswith("livepeer:")
            continue
        if not in_livepeer:
            continue
        title = line.strip()
        if title in _TITLES and label == "none":
            label = _TITLES[title]
        m = re.match(r"^\s+not wrapped: (\S+) (added|removed|changed)(?:, ([\w-]+))?", line)
        if m:
            op, what, kind = m.groups()
            others[op] = {
                "added": "added-operation",
                "removed": "removed-operation",
            }.get(what) or {"additive": "added", "docs-only": "docs_only"}.get(
                kind or "", kind or "changed"
            )
    return label, others


def replay(form: str, count: int | None, keep: Path | None) -> list[str]:
    work = keep or Path(tempfile.mkdtemp(prefix=f"speechspec-replay-{form}-"))
    clone = work / "repo"
    _run(work, "git", "clone", "--quiet", str(ROOT), str(clone))
    for shared in (".venv", "tools/node_modules"):
        os.symlink(ROOT / shared, clone / shared)
    git_id = ("-c", "user.name=replay", "-c", "user.email=replay@invalid")
    wrong: list[str] = []
    want_all = expected()
    for step in steps()[:count]:
        raw = HISTORY / f"{step}.yaml"
        if form == "page":
            source = work / f"{step}.md"
            source.write_text(docs_page(raw.read_text(encoding="utf-8")), encoding="utf-8")
            url = DOCS_URL
        else:
            source, url = raw, raw_url(step)
        _make(clone, "specs", "VENDOR=livepeer", f"SOURCE={source}", f"SOURCE_URL={url}")
        report = _make(clone, "spec-diff", "BASE=HEAD")
        label, others = parse_report(report)
        want = want_all[step]
        want_others = want["not_wrapped"] if form == "document" else {}
        if (label, others) != (want["wrapped"], want_others):
            wrong.append(
                f"{step} ({form}): got {label} {others}, expected {want['wrapped']} "
                f"{want_others}\n{report}"
            )
        _make(clone, "generate")
        python = [
            p
            for p in _run(clone, "git", "status", "--porcelain", "generated").splitlines()
            if not p.endswith("openapi.json")
        ]
        if want["wrapped"] == "none" and python:
            wrong.append(
                f"{step} ({form}): labelled none, yet the generated Python changed: {python}"
            )
        _make(clone, "release-notes", "BASE=HEAD")
        _run(clone, "git", "add", "-A", "specs", "generated", "CHANGELOG.md", "pyproject.toml")
        _run(clone, "git", *git_id, "commit", "--quiet", "--allow-empty", "-m", f"replay {step}")
        print(f"replay-history: {form} {step}: {label} {others or ''}", flush=True)
    return wrong


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--form", choices=("document", "page", "both"), default="both")
    parser.add_argument("--steps", type=int, help="only the first N steps")
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it")
    args = parser.parse_args(argv)
    forms = ("document", "page") if args.form == "both" else (args.form,)
    wrong: list[str] = []
    for form in forms:
        keep = args.keep / form if args.keep else None
        if keep:
            keep.mkdir(parents=True, exist_ok=True)
        wrong += replay(form, args.steps, keep)
    for line in wrong:
        print(f"replay-history: MISMATCH {line}", file=sys.stderr)
    print(f"replay-history: {'FAILED' if wrong else 'ok'} ({len(wrong)} mismatches)")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
