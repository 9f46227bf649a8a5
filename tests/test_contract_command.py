"""`speechspec contract` against real servers on loopback: the emulator (clean, in gateway and
runner modes, and for Hamsa) and emulators made to drift (tests/contract_drift.py). Each drift
is found and named, and its suggested overlay actions, applied, make the next run clean."""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import contract_drift as drift
import pytest
import yaml
from speechspec.cli import main
from speechspec.emulator import EmulatorServer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from overlay import apply_overlay  # noqa: E402

EFFECTIVE = ROOT / "generated" / "livepeer_client" / "openapi.json"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["contract", *args])
    out = capsys.readouterr()
    return code, out.out + out.err


def _tts_posts(server: EmulatorServer, status: int | None = None) -> list[dict[str, Any]]:
    return [
        r
        for r in server.requests()
        if r["method"] == "POST"
        and r["path"].endswith("text-to-speech")
        and (status is None or r["status"] == status)
    ]


@pytest.mark.parametrize("mode", ["gateway", "runner"])
def test_the_emulator_conforms_with_no_billed_request(
    mode: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with EmulatorServer(job_delay=0, use_espeak=False, livepeer_mode=mode) as server:
        token = server.livepeer_token or ""
        report, junit = tmp_path / "report.json", tmp_path / "junit.xml"
        code, out = _run(
            capsys,
            "livepeer",
            "--base-url",
            server.livepeer_base_url,
            "--api-token",
            token,
            "--json",
            str(report),
            "--junit",
            str(junit),
        )
        assert code == 0, out
        assert _tts_posts(server, 200) == []  # nothing billed
        assert _tts_posts(server)  # but the free probes did reach it
    data = json.loads(report.read_text())
    assert data["drift"] == [] and data["billed"]["count"] == 0 and data["exit_code"] == 0
    results = {c["check"]: c["result"] for c in data["checks"]}
    assert results["malformed JSON: POST /text-to-speech"] == "pass"
    assert results["unknown path: GET /speechspec-contract-no-such-path"] == "pass"
    assert results["billed: POST /text-to-speech"] == "skip"
    # A gateway checks the token first; a runner reads the body first (the free probe cannot
    # tell a checked token from an ignored one, and says so instead of guessing).
    expected_auth = "pass" if mode == "gateway" else "skip"
    assert results["auth missing: POST /text-to-speech"] == expected_auth
    suite = ET.parse(junit).getroot()
    assert suite.get("failures") == "0" and int(suite.get("tests", "0")) == len(data["checks"])
    assert token not in out and token not in report.read_text()


def test_billed_requests_only_within_max_billed_counted_and_listed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with EmulatorServer(job_delay=0, use_espeak=False) as server:
        code, out = _run(
            capsys,
            "livepeer",
            "--base-url",
            server.livepeer_base_url,
            "--api-token",
            server.livepeer_token or "",
            "--max-billed",
            "1",
        )
        assert code == 0, out
        assert len(_tts_posts(server, 200)) == 1
    assert "requests that may be billed: 1 sent, 1 answered 2xx" in out
    assert "billed: POST http://127.0.0.1" in out


def test_a_billed_request_is_never_retried(capsys: pytest.CaptureFixture[str]) -> None:
    def fail_after_work(app: Any) -> Any:
        # The synthesis happens, then the answer is lost behind a 502.
        def change(status: int, body: Any, headers: Any) -> tuple[int, Any]:
            return (502 if status == 200 else status), body

        return drift._rewrite(app, change)

    with EmulatorServer(job_delay=0, use_espeak=False, wrap=fail_after_work) as server:
        code, out = _run(
            capsys,
            "livepeer",
            "--base-url",
            server.livepeer_base_url,
            "--api-token",
            server.livepeer_token or "",
            "--max-billed",
            "5",
        )
        assert code == 1, out
        assert len(_tts_posts(server, 200)) == 1  # one billed request, whatever the answer
    assert "billed: POST /text-to-speech" in out and "FAIL" in out
    assert "undocumented-status" in out  # 502 is not among the documented answers


def test_hamsa_against_the_emulator_with_one_billed_job(capsys: pytest.CaptureFixture[str]) -> None:
    with EmulatorServer(job_delay=0, use_espeak=False) as server:
        code, out = _run(
            capsys,
            "hamsa",
            "--base-url",
            server.hamsa_base_url,
            "--api-key",
            server.hamsa_key,
            "--max-billed",
            "1",
            "--param",
            "voiceId=emulator-voice",
        )
        assert code == 0, out
        jobs = [r for r in server.requests() if r["method"] == "POST" and r["status"] == 200]
        assert len(jobs) == 1
    assert "read what was created: GET /v1/jobs" in out  # the new job read back, free
    assert server.hamsa_key not in out


def test_dry_run_sends_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    with EmulatorServer(job_delay=0, use_espeak=False) as server:
        code, out = _run(
            capsys,
            "hamsa",
            "--base-url",
            server.hamsa_base_url,
            "--api-key",
            server.hamsa_key,
            "--max-billed",
            "1",
            "--dry-run",
        )
        assert code == 0, out
        assert server.requests() == []
    assert "malformed JSON: POST /v1/jobs/text-to-speech" in out
    assert "[billed]" in out and server.hamsa_key not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["livepeer", "--base-url", "ftp://example.invalid"], "--base-url must be an http(s) URL"),
        (["livepeer", "--base-url", "http://127.0.0.1:1", "--max-billed", "-1"], "--max-billed"),
        (["hamsa", "--base-url", "http://127.0.0.1:1"], "HAMSA_API_KEY"),
        (["livepeer"], "--base-url"),
        (["livepeer", "--traffic", "/nonexistent/traffic.jsonl"], "--traffic"),
        (["livepeer", "--base-url", "http://127.0.0.1:1", "--param", "novalue"], "NAME=VALUE"),
    ],
)
def test_usage_errors_exit_2_before_any_request(
    args: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for var in ("HAMSA_API_KEY", "LIVEPEER_BASE_URL", "HAMSA_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    code, out = _run(capsys, *args)
    assert code == 2, out
    assert message in out and "Traceback" not in out


def test_an_unreachable_endpoint_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with EmulatorServer() as server:
        url = server.livepeer_base_url  # a port that was just free, now closed
    code, out = _run(capsys, "livepeer", "--base-url", url)
    assert code == 2, out
    assert "ERROR" in out


# -- drift ------------------------------------------------------------------------------------

CASES: dict[str, tuple[Any, list[str], str, str]] = {
    # case: (wrap, extra args, drift kind, what the report must name)
    "extra field": (drift.extra_field, ["--max-billed", "1"], "undocumented-field", "request_id"),
    "header": (drift.request_id_header, [], "undocumented-header", "X-Request-Id"),
    "new status": (drift.new_status, [], "undocumented-status", "status 403"),
    "error shape": (drift.other_error_shape, [], "error-shape", "error-shape on 400"),
    "html page": (drift.html_error_page, [], "media-type", "text/html body on 400"),
    "auth ignored": (None, ["--max-billed", "3"], "auth-ignored", "auth ignored"),
}


@pytest.fixture(scope="module")
def drifting() -> Iterator[dict[str, EmulatorServer]]:
    servers = {}
    for case, (wrap, _args, _kind, _named) in CASES.items():
        token = "drift-token"
        wrapper = wrap if wrap is not None else drift.auth_ignored(token)
        servers[case] = EmulatorServer(
            job_delay=0, use_espeak=False, livepeer_token=token, wrap=wrapper
        ).start()
    try:
        yield servers
    finally:
        for server in servers.values():
            server.stop()


def _drift_run(
    capsys: pytest.CaptureFixture[str],
    server: EmulatorServer,
    case: str,
    out_dir: Path,
    *extra: str,
) -> tuple[int, str, dict[str, Any]]:
    report = out_dir / f"{case.replace(' ', '-')}.json"
    code, out = _run(
        capsys,
        "livepeer",
        "--base-url",
        server.livepeer_base_url,
        "--api-token",
        "drift-token",
        *CASES[case][1],
        "--json",
        str(report),
        *extra,
    )
    return code, out, json.loads(report.read_text())


@pytest.mark.parametrize("case", list(CASES))
def test_each_drift_is_found_named_and_its_action_makes_the_next_run_clean(
    case: str,
    drifting: dict[str, EmulatorServer],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    server, (_wrap, _args, kind, named) = drifting[case], CASES[case]
    overlay_file = tmp_path / "suggested.yaml"
    code, out, report = _drift_run(
        capsys, server, case, tmp_path, "--write-overlay", str(overlay_file)
    )
    assert code == 1, out
    assert {d["kind"] for d in report["drift"]} == {kind}, out
    assert named in out
    suggested = yaml.safe_load(overlay_file.read_text())
    assert suggested["overlay"] == "1.0.0"
    for action in suggested["actions"]:
        assert "Evidence:" in action["description"] and kind in action["description"]

    # Applied to the effective document, the actions make the same endpoint conform.
    document = apply_overlay(json.loads(EFFECTIVE.read_text()), suggested, "suggested.yaml")
    patched = tmp_path / "openapi.json"
    patched.write_text(json.dumps(document))
    code, out, report = _drift_run(capsys, server, case, tmp_path, "--document", str(patched))
    assert code == 0, out
    assert report["drift"] == []


def test_suggested_actions_pasted_into_the_overlay_and_regenerated_leave_no_drift(
    drifting: dict[str, EmulatorServer], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The maintainer's loop in a temporary copy of the repository: contract run ->
    --write-overlay -> append to specs/livepeer/overlay.yaml -> `make generate` -> clean run."""
    import shutil
    import subprocess

    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "specs", repo / "specs")
    shutil.copytree(ROOT / "tools", repo / "tools", ignore=shutil.ignore_patterns("node_modules"))
    actions: list[dict[str, Any]] = []
    for case, server in drifting.items():
        overlay_file = tmp_path / f"{case}.yaml"
        code, out, _ = _drift_run(
            capsys, server, case, tmp_path, "--write-overlay", str(overlay_file)
        )
        assert code == 1, out
        actions += yaml.safe_load(overlay_file.read_text())["actions"]
    overlay_path = repo / "specs" / "livepeer" / "overlay.yaml"
    overlay = yaml.safe_load(overlay_path.read_text())
    overlay["actions"] += actions
    overlay_path.write_text(yaml.safe_dump(overlay, sort_keys=False, allow_unicode=True))
    generated = subprocess.run(
        [sys.executable, str(repo / "tools" / "generate.py")],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    document = repo / "generated" / "livepeer_client" / "openapi.json"
    assert (repo / "generated" / "livepeer_client" / "models").is_dir()
    for case, server in drifting.items():
        code, out, report = _drift_run(capsys, server, case, tmp_path, "--document", str(document))
        assert code == 0, f"{case}: {out}"
        assert report["drift"] == []


def test_make_contract_is_a_thin_call_of_the_command() -> None:
    import subprocess

    done = subprocess.run(
        ["make", "-n", "contract", "VENDOR=livepeer", "BASE_URL=http://127.0.0.1:9/livepeer"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (
        "-m speechspec contract livepeer --base-url http://127.0.0.1:9/livepeer "
        "--max-billed 0 --junit contract-report.xml"
    ) in " ".join(done.stdout.split())
    missing = subprocess.run(
        ["make", "-n", "contract"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert missing.returncode != 0 and "VENDOR=hamsa or VENDOR=livepeer" in missing.stderr


@pytest.mark.parametrize("mode", ["gateway", "runner"])
def test_fuzz_sends_negative_examples_without_a_credential(
    mode: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with EmulatorServer(job_delay=0, use_espeak=False, livepeer_mode=mode) as server:
        code, out = _run(
            capsys,
            "livepeer",
            "--base-url",
            server.livepeer_base_url,
            "--api-token",
            server.livepeer_token or "",
            "--fuzz",
            "5",
        )
        assert code == 0, out
        assert _tts_posts(server, 200) == []
    assert out.count("fuzz ") == 5 and "fuzz 5: POST /text-to-speech" in out


def test_a_server_failing_on_garbage_fails_the_run(capsys: pytest.CaptureFixture[str]) -> None:
    def crash_on_invalid(app: Any) -> Any:
        def change(status: int, body: Any, headers: Any) -> tuple[int, Any]:
            if status == 422:
                return 500, {"detail": {"msg": "Internal Server Error"}}
            return status, body

        return drift._rewrite(app, change)

    with EmulatorServer(
        job_delay=0, use_espeak=False, livepeer_mode="runner", wrap=crash_on_invalid
    ) as server:
        code, out = _run(
            capsys,
            "livepeer",
            "--base-url",
            server.livepeer_base_url,
            "--api-token",
            server.livepeer_token or "",
            "--fuzz",
            "3",
        )
    assert code == 1, out
    assert "expected a 4xx: 500" in out


@pytest.mark.parametrize("content", ["{}", "[1, 2]", "not json"])
def test_a_document_that_is_not_an_openapi_document_exits_2(
    content: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = tmp_path / "openapi.json"
    document.write_text(content)
    code, out = _run(
        capsys, "livepeer", "--base-url", "http://127.0.0.1:9", "--document", str(document)
    )
    assert code == 2, out
    assert "--document: cannot read" in out and "Traceback" not in out
