"""The classifier on the real history of ai-runner's runner/gateway.openapi.yaml (every commit
since text-to-speech appeared), fed as the raw upstream file and as the docs-page block.

The labels are in tests/spec_changes/livepeer_history/expected.yaml, written from `git diff`
before the tools ran. This is the fast replay (`make test`): the same functions `make specs` and
`make spec-diff` run, in-process. `make replay-history` runs the full maintainer path
(`make specs` -> `make spec-diff` -> `make generate` -> `make release-notes`) in a scratch clone.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from _history import HISTORY, docs_page, expected, raw_url, steps, worst
from _wrapped import not_wrapped_changes, wrapped_part
from generate import effective_document, normalise_document
from spec_diff import diff_documents
from vendor_spec import source_record, vendor

ROOT = Path(__file__).resolve().parent.parent
DOCS_URL = "https://docs.livepeer.org/ai/api-reference/text-to-speech.md"


def _replay(tmp_path: Path, form: str) -> dict[str, dict[str, Any]]:
    """Vendor every step in order into a copy of specs/; what the tools said at each."""
    specs = tmp_path / "specs"
    shutil.copytree(ROOT / "specs", specs)
    seen: dict[str, dict[str, Any]] = {}
    before = effective_document("livepeer", specs, wrapped_only=False)
    for step in steps():
        raw = HISTORY / f"{step}.yaml"
        if form == "page":
            source = tmp_path / f"{step}.md"
            source.write_text(docs_page(raw.read_text(encoding="utf-8")), encoding="utf-8")
            vendor("livepeer", str(source), DOCS_URL, specs)
        else:
            vendor("livepeer", str(raw), raw_url(step), specs)
        after = effective_document("livepeer", specs, wrapped_only=False)
        wrapped = diff_documents(
            wrapped_part("livepeer", before, specs), wrapped_part("livepeer", after, specs)
        )
        others = not_wrapped_changes("livepeer", before, after, diff_documents)
        seen[step] = {
            "wrapped": worst(wrapped),
            "wrapped_items": wrapped,
            "not_wrapped": {item["operation"]: item["where"] for item in others},
            "lines": [item["message"] for item in others],
            "generator_input": normalise_document(wrapped_part("livepeer", after, specs)),
            "record": source_record("livepeer", specs),
        }
        before = after
    return seen


def test_every_step_has_a_label_written_before_the_run() -> None:
    assert list(expected()) == steps()
    assert len(steps()) == 28  # 8c95968 (text-to-speech appears) .. 50a742c (v0.14.1)


# One test per form, so that under pytest-xdist each form is replayed once, by one worker.
@pytest.mark.parametrize("form", ["document", "page"])
def test_the_real_history_replays_as_labelled(form: str, tmp_path: Path) -> None:
    seen = _replay(tmp_path, form)
    _labels_hold(form, seen)
    _unwrapped_operations_are_one_line_each(form, seen)
    _cosmetic_steps_change_no_generator_input(form, seen)
    _source_yaml_records_the_last_step(form, seen)


def _labels_hold(form: str, seen: dict[str, dict[str, Any]]) -> None:
    wrong = []
    for step, want in expected().items():
        got = seen[step]
        want_others = want["not_wrapped"] if form == "document" else {}
        if got["wrapped"] != want["wrapped"]:
            wrong.append(f"{step} ({form}): wrapped {got['wrapped']}, expected {want['wrapped']}")
            wrong.append(f"    {got['wrapped_items']}")
        if got["not_wrapped"] != want_others:
            wrong.append(f"{step} ({form}): not wrapped {got['not_wrapped']}, want {want_others}")
    assert not wrong, "\n".join(wrong)


def _unwrapped_operations_are_one_line_each(form: str, seen: dict[str, dict[str, Any]]) -> None:
    if form == "page":
        assert all(not got["lines"] for got in seen.values())
        return
    assert seen["10-b81f898"]["lines"] == ["not wrapped: genLLM changed, breaking"]
    assert seen["06-f3c00fe"]["lines"] == ["not wrapped: genLiveVideoToVideo changed, docs-only"]
    assert len(seen["01-8c95968"]["lines"]) == 9
    assert "not wrapped: genLLM added (a new operation)" in seen["01-8c95968"]["lines"]


def _cosmetic_steps_change_no_generator_input(form: str, seen: dict[str, dict[str, Any]]) -> None:
    """The wrapped operation never changed upstream: what the generator sees is the same at
    every step ($ref spelling, info.version, x- extensions and the other operations aside)."""
    first = seen[steps()[0]]["generator_input"]
    for step in steps():
        got = dict(seen[step]["generator_input"], info=first["info"])
        assert got == first, f"{step} ({form}) changes the generator's input"
        assert set(got["paths"]) == {"/text-to-speech"}  # only the wrapped operation


def _source_yaml_records_the_last_step(form: str, seen: dict[str, dict[str, Any]]) -> None:
    last = seen[steps()[-1]]["record"]
    assert last["kind"] == form
    if form == "document":
        assert last["source_url"] == raw_url("28-50a742c")
        assert last["upstream"] == {
            "repo": "livepeer/ai-runner",
            "path": "runner/gateway.openapi.yaml",
            "commit": "50a742cee7c5789ef4a10f8117f30de3758366a9",
        }
    else:
        assert last["source_url"] == DOCS_URL and "upstream" not in last
