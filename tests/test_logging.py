"""SPEECHSPEC_LOG=info|debug: one stderr line per HTTP attempt, with method, URL without query,
status, attempt and elapsed time, and never a key, a token or a signed query."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers import HAMSA_KEY, LIVEPEER_TOKEN
from speechspec import ConfigurationError, Hamsa

SCRIPT = textwrap.dedent(
    f"""
    import httpx, respx
    from speechspec import Hamsa, Livepeer, APIStatusError

    with respx.mock(assert_all_called=False) as m:
        m.post("https://api.tryhamsa.com/v1/jobs/text-to-speech").mock(side_effect=[
            httpx.Response(503, headers={{"Retry-After": "0"}}),
            httpx.Response(200, json={{"success": True, "message": "ok",
                                      "data": {{"id": "j1", "status": "PENDING"}}}}),
        ])
        m.get("https://api.tryhamsa.com/v1/jobs").respond(
            401, json={{"message": "bad key {HAMSA_KEY}"}})
        m.post("https://dream-gateway.livepeer.cloud/text-to-speech").respond(
            200, json={{"audio": {{"url": "https://cdn.example.com/a.wav?sig=SIGNED-QUERY"}}}})
        m.get("https://cdn.example.com/a.wav").mock(side_effect=httpx.ConnectError("refused"))
        hamsa = Hamsa({HAMSA_KEY!r})
        hamsa.text_to_speech("hi", voice_id="A", extra_headers={{"X-Api-Key": "HEADER-SECRET"}})
        try:
            hamsa.get_job("j1")
        except APIStatusError:
            pass
        lp = Livepeer({LIVEPEER_TOKEN!r}, max_retries=0)
        audio = lp.text_to_speech("hi", extra_query={{"token": "QUERY-SECRET"}})
        try:
            lp.download(audio.audio.url, "a.wav")
        except Exception:
            pass
    print("done")
    """
)
LINE = re.compile(
    r"HTTP (?P<method>GET|POST) (?P<url>https://\S+) status=(?P<status>\d{3}|none \(\w+\)) "
    r"attempt=(?P<attempt>\d+) elapsed=\d+ms"
)


def run_with_log(level: str, tmp_path: object) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HAMSA_", "LIVEPEER_"))}
    env["SPEECHSPEC_LOG"] = level
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        cwd=str(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "done"
    return result.stderr


@pytest.mark.parametrize("level", ["info", "debug", "DEBUG"])
def test_each_request_is_one_line_with_its_fields_and_no_secret(
    level: str, tmp_path: object
) -> None:
    stderr = run_with_log(level, tmp_path)
    lines = [line for line in stderr.splitlines() if "HTTP " in line]
    fields = [LINE.search(line) for line in lines]
    assert all(fields), lines
    seen = [(m["method"], m["url"], m["status"], m["attempt"]) for m in fields if m is not None]
    assert seen == [
        ("POST", "https://api.tryhamsa.com/v1/jobs/text-to-speech", "503", "1"),
        ("POST", "https://api.tryhamsa.com/v1/jobs/text-to-speech", "200", "2"),
        ("GET", "https://api.tryhamsa.com/v1/jobs", "401", "1"),
        ("POST", "https://dream-gateway.livepeer.cloud/text-to-speech", "200", "1"),
        ("GET", "https://cdn.example.com/a.wav", "none (ConnectError)", "1"),
    ]
    assert "retrying_in=" in lines[0]
    assert "?" not in " ".join(m["url"] for m in fields if m is not None)
    for secret in (HAMSA_KEY, LIVEPEER_TOKEN, "HEADER-SECRET", "QUERY-SECRET", "SIGNED-QUERY"):
        assert secret not in stderr
    if level.lower() == "debug":
        assert "request_headers=" in lines[0]
        assert "authorization: [REDACTED]" in lines[0]
        assert "x-api-key: [REDACTED]" in lines[0]
    else:
        assert "request_headers" not in stderr


def test_without_the_variable_nothing_is_printed(tmp_path: object) -> None:
    assert run_with_log("", tmp_path) == ""


def test_a_bad_value_is_refused_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPEECHSPEC_LOG", "verbose")
    with pytest.raises(ConfigurationError, match="SPEECHSPEC_LOG"):
        Hamsa(HAMSA_KEY)


def test_download_lines_count_attempts_across_redirects(
    caplog: pytest.LogCaptureFixture, tmp_path: Path, sleeps: list[float]
) -> None:
    import httpx
    import respx

    first, cdn = "https://media.example.com/a.wav", "https://cdn.example.com/a.wav"
    with respx.mock() as mock:
        mock.get(first).mock(
            side_effect=[
                httpx.Response(503),
                httpx.Response(302, headers={"Location": cdn + "?sig=S"}),
            ]
        )
        mock.get(cdn).respond(200, content=b"RIFF")
        caplog.set_level(logging.INFO, logger="speechspec")
        Hamsa(HAMSA_KEY).download(first, tmp_path / "a.wav")
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("HTTP ")]
    assert [re.sub(r" elapsed=\d+ms", "", line) for line in lines] == [
        f"HTTP GET {first} status=503 attempt=1",
        f"HTTP GET {first} status=302 attempt=2",
        f"HTTP GET {cdn} status=200 attempt=2",
    ]
