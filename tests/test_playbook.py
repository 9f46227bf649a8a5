"""The playbook (CONTRIBUTING.md) on the two changes of issue 20, in a throwaway copy of the
project: Livepeer adds `speed` (with a FastAPI-style default and limits), Hamsa adds
`PROCESSING` to the job status. `make specs` reports both correctly; after `make generate`
(which renders the typed surface too) `speed` is a keyword argument and a `speak` flag, and no
test fails: no hand edit is left."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(
    repo: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=repo, capture_output=True, text=True, check=False, env=env
    )


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "project"
    skip = shutil.ignore_patterns("node_modules", "__pycache__", ".pytest_cache")
    for folder in ("specs", "tools", "wrapper", "generated", "tests"):
        shutil.copytree(ROOT / folder, repo / folder, ignore=skip)
    (repo / "tools" / "node_modules").symlink_to(ROOT / "tools" / "node_modules")
    for name in ("pyproject.toml", "CHANGELOG.md"):
        shutil.copy(ROOT / name, repo / name)
    return repo


# What the regenerated copy runs: the tests whose expectations come from the spec, which a
# vendor change could leave needing a hand edit. Whole files that iterate the spec's fields,
# operations, statuses or overlay; from test_wire and test_options, the tests that assert the
# exact body sent (a new field with a spec default must not be sent), the spec's input
# constraints, its documented and undocumented statuses (a newly documented one moves between
# the two), its response schemas (a new enum value), extra_body against the effective document,
# and the options routed by synthesize (every keyword argument of the surface) and wait_for_job
# (the job statuses). Left out: those two files' tests of the runtime's own pipeline (client
# configuration, timeouts, retries and backoff, headers, query, authorization, secrets,
# with_options copies, downloads), which send fixed requests whatever the spec says and run in
# the suite itself; running them here again cost ~6 s of CPU and could not fail differently.
SPEC_TESTS = (
    "tests/test_spec_coverage.py",
    "tests/test_overlay_rules.py",
    "tests/test_emulator_effective.py",
    "tests/test_jobs_webhooks.py",
    "tests/test_hamsa_changes.py",
    *(
        f"tests/test_wire.py::{name}"
        for name in (
            "test_hamsa_create_request_is_exact",
            "test_hamsa_get_job_request_is_exact",
            "test_livepeer_request_is_exact_with_and_without_token",
            "test_bad_input_fails_before_any_request",
            "test_documented_statuses_map_to_typed_errors",
            "test_undocumented_statuses_and_bodies_map_to_typed_errors",
            "test_2xx_bodies_that_break_the_spec_raise_response_validation_error",
            "test_other_2xx_with_a_valid_body_is_accepted",
        )
    ),
    *(
        f"tests/test_options.py::{name}"
        for name in (
            "test_extra_body_is_merged_after_the_typed_fields",
            "test_livepeer_extra_body_reaches_an_effective_spec_field",
            "test_bad_extra_body_is_refused_naming_the_key",
            "test_with_options_base_url_and_extra_body",
            "test_with_options_extra_body_is_not_sent_on_get",
            "test_wait_for_job_options_apply_to_every_poll",
            "test_hamsa_synthesize_routes_each_option",
            "test_synthesize_checks_every_option_before_the_billed_create",
            "test_livepeer_synthesize_routes_each_option",
        )
    ),
)


def test_speed_and_processing_are_reported_and_only_coverage_tests_fail(repo: Path) -> None:
    _edit(repo / "specs" / "livepeer" / "docs-page.md",
          "      type: object\n      title: TextToSpeechParams",
          "        speed:\n          type: number\n          title: Speed\n"
          "          description: Speaking rate.\n          default: 1.0\n"
          "          minimum: 0.25\n          maximum: 4.0\n"
          "      type: object\n      title: TextToSpeechParams")  # fmt: skip
    _edit(repo / "specs" / "hamsa" / "docs-page.md",
          "                - PENDING\n                - COMPLETED\n",
          "                - PENDING\n                - PROCESSING\n                - COMPLETED\n")  # fmt: skip

    vendored = _run(repo, "tools/vendor_spec.py", "--all")
    assert vendored.returncode == 0, vendored.stderr
    out = vendored.stdout
    assert "hamsa: 0 breaking, 2 added, 0 changed, 0 docs-only" in out
    assert "GET /v1/jobs  TTSResponseData.status: `status` enum: new value 'PROCESSING'" in out
    assert "livepeer: 0 breaking, 1 added, 0 changed, 0 docs-only" in out
    assert "TextToSpeechParams.speed: new optional request field `speed`" in out
    assert "Hidden by the overlay" not in out

    generated = _run(repo, "tools/generate.py")
    assert generated.returncode == 0, generated.stderr

    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(repo / "wrapper"), str(repo / "generated")]),
    }
    # Without the hypothesis and schemathesis plugins (~0.5 s of CPU to load), which none of
    # SPEC_TESTS uses.
    tests = _run(
        repo, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
        "-p", "no:hypothesispytest", "-p", "no:schemathesis", *SPEC_TESTS, env=env,
    )  # fmt: skip
    failed = sorted(
        line.split(" - ")[0] for line in tests.stdout.splitlines() if line.startswith("FAILED")
    )
    assert failed == [], tests.stdout[-3000:]
    assert "passed" in tests.stdout
    surface = (repo / "wrapper" / "speechspec" / "_generated" / "livepeer.py").read_text("utf-8")
    assert "speed: float | NotGiven | None = NOT_GIVEN" in surface
    # The spec default is documented, never sent ("server default: 1.0" in the flag's help).
    assert "server default: 1.0" in surface
