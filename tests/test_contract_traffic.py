"""Recorded traffic: SPEECHSPEC_RECORD / record= on real client sessions against the emulator,
then `speechspec contract --traffic FILE`, which checks those answers and sends nothing."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import contract_drift as drift
import httpx
import pytest
from speechspec import AsyncLivepeer, AuthenticationError, ConfigurationError, Hamsa, Livepeer
from speechspec._record import exchange_line
from speechspec.cli import main
from speechspec.emulator import EmulatorServer


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _contract(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["contract", *args])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_a_recorded_session_is_checked_without_a_new_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    record = tmp_path / "traffic.jsonl"
    with EmulatorServer(job_delay=0, use_espeak=False) as server:
        token = server.livepeer_token or ""
        with Livepeer(token, base_url=server.livepeer_base_url, record=record) as lp:
            lp.synthesize("hello", tmp_path / "hello.wav")
        with Hamsa(server.hamsa_key, base_url=server.hamsa_base_url, record=record) as hamsa:
            job = hamsa.text_to_speech(
                "مرحبا",
                voice_id="v1",
                webhook_url="http://127.0.0.1:9/hook",
                webhook_auth=("Token", "webhook-secret-value"),
            )
            hamsa.wait_for_job(job.id)
        # The environment variable, read when the client is built; async calls side by side.
        monkeypatch.setenv("SPEECHSPEC_RECORD", str(record))

        async def several() -> None:
            async with AsyncLivepeer(token, base_url=server.livepeer_base_url) as alp:
                await asyncio.gather(*(alp.text_to_speech(f"line {i}") for i in range(5)))

        asyncio.run(several())
        monkeypatch.delenv("SPEECHSPEC_RECORD")
        received = len(server.requests())
        lines = _lines(record)
        code_lp, out_lp = _contract(capsys, "livepeer", "--traffic", str(record))
        code_h, out_h = _contract(capsys, "hamsa", "--traffic", str(record))
        assert len(server.requests()) == received  # the checks sent nothing
    assert code_lp == 0, out_lp
    assert code_h == 0, out_h
    assert "line 1: POST /text-to-speech -> 200" in out_lp
    assert "GET /v1/jobs -> 200" in out_h
    # One line per attempt: the Livepeer POST and its audio download, the Hamsa job and its
    # polls, and five async calls, each line whole.
    assert sum(1 for x in lines if x["url"].endswith("/livepeer/text-to-speech")) == 6
    assert any(x["url"].startswith(server.livepeer_base_url + "/stream/") for x in lines)
    assert any(
        x["method"] == "POST" and x["url"].endswith("/v1/jobs/text-to-speech") for x in lines
    )
    text = record.read_text()
    for secret in (token, server.hamsa_key, "webhook-secret-value"):
        assert secret not in text
    assert all(x["request_headers"].get("authorization") == "[REDACTED]" for x in lines[:1])
    assert all("request_body" not in x and "body" in x for x in lines)


def test_recorded_drift_is_reported_from_traffic(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = tmp_path / "traffic.jsonl"

    def both(app: Any) -> Any:
        return drift.request_id_header(drift.extra_field(app))

    with EmulatorServer(job_delay=0, use_espeak=False, wrap=both) as server:
        with Livepeer(
            server.livepeer_token, base_url=server.livepeer_base_url, record=record
        ) as lp:
            lp.text_to_speech("hello")
        overlay = tmp_path / "suggested.yaml"
        code, out = _contract(
            capsys, "livepeer", "--traffic", str(record), "--write-overlay", str(overlay)
        )
    assert code == 1, out
    assert "undocumented-field" in out and "request_id" in out
    assert "undocumented-header" in out and "X-Request-Id" in out
    assert "traffic.jsonl line 1" in overlay.read_text()  # the evidence cited


def test_a_recorded_refusal_is_checked_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = tmp_path / "traffic.jsonl"
    with (
        EmulatorServer(job_delay=0, use_espeak=False, livepeer_mode="runner") as server,
        Livepeer("a-wrong-token", base_url=server.livepeer_base_url, record=record) as lp,
        pytest.raises(AuthenticationError, match="401"),
    ):
        lp.text_to_speech("hello")
    (line,) = _lines(record)
    assert line["status"] == 401 and line["body"] == {"detail": {"msg": "Invalid bearer token."}}
    assert "a-wrong-token" not in record.read_text()
    code, out = _contract(capsys, "livepeer", "--traffic", str(record))
    assert code == 0, out
    assert "-> 401" in out


def test_a_traffic_file_with_nothing_of_the_vendor_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = tmp_path / "traffic.jsonl"
    with (
        EmulatorServer(job_delay=0, use_espeak=False) as server,
        Livepeer(server.livepeer_token, base_url=server.livepeer_base_url, record=record) as lp,
    ):
        lp.text_to_speech("hello")
    code, out = _contract(capsys, "hamsa", "--traffic", str(record))
    assert code == 2, out
    assert "holds no recorded answer of a hamsa operation" in out


def test_query_credentials_and_long_strings_are_not_recorded() -> None:
    request = httpx.Request(
        "GET",
        "https://user:pw-secret@media.example/a.wav?X-Amz-Signature=sig-secret&jobId=j1",
        headers={"X-Api-Key": "header-secret"},
    )
    response = httpx.Response(
        200,
        json={"audio": {"url": "data:audio/wav;base64," + "A" * 100_000}, "echo": "key-secret"},
        headers={"Set-Cookie": "session=cookie-secret"},
        request=request,
    )
    line = exchange_line("https://media.example", request, response, None, ["key-secret"], 0.0)
    text = json.dumps(line)
    for secret in ("pw-secret", "sig-secret", "header-secret", "cookie-secret", "key-secret"):
        assert secret not in text
    assert "jobId=j1" in line["url"]
    assert line["body"]["audio"]["url"].endswith("[100022 chars]")
    assert len(text) < 2000


def test_a_record_file_that_cannot_be_written_is_refused_when_the_client_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "no-such-dir" / "traffic.jsonl"
    with pytest.raises(ConfigurationError, match="record: cannot append to"):
        Livepeer("t" * 8, base_url="http://127.0.0.1:1", record=missing)
    monkeypatch.setenv("SPEECHSPEC_RECORD", str(missing))
    with pytest.raises(ConfigurationError, match="SPEECHSPEC_RECORD: cannot append to"):
        Livepeer("t" * 8, base_url="http://127.0.0.1:1")
    with pytest.raises(ConfigurationError, match="record must be a file path"):
        Livepeer("t" * 8, base_url="http://127.0.0.1:1", record=42)  # type: ignore[arg-type]


def test_a_compression_bomb_answer_stops_at_the_cap_without_expanding() -> None:
    """The contract reader decodes in bounded steps: a 256 MiB `gzip, gzip` answer yields at
    most the cap (8 MiB), and memory never holds the expansion."""
    import gzip
    import tracemalloc

    import httpx
    from speechspec.contract._run import MAX_BODY, _read_capped

    zeros = gzip.compress(b"\0" * (256 * 1024 * 1024), compresslevel=9)
    bomb = gzip.compress(zeros)
    response = httpx.Response(
        200, headers={"content-encoding": "gzip, gzip"}, stream=httpx.ByteStream(bomb)
    )
    tracemalloc.start()
    try:
        body = _read_capped(response)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(body) <= MAX_BODY
    assert len(body) >= MAX_BODY - 64 * 1024  # it read up to the cap, not nothing
    assert peak < 3 * MAX_BODY, peak
