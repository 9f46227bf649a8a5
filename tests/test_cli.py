"""The CLI end to end against the emulator on loopback (real processes, real HTTP, real WAV)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import speechspec
from speechspec.emulator import EmulatorServer, Fault

CLI = [sys.executable, "-m", "speechspec"]


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(job_delay=0.2, use_espeak=False) as srv:
        yield srv


def env_for(server: EmulatorServer) -> dict[str, str]:
    return {
        **os.environ,
        "HAMSA_BASE_URL": server.hamsa_base_url,
        "LIVEPEER_BASE_URL": server.livepeer_base_url,
        "HAMSA_API_KEY": server.hamsa_key,
        "LIVEPEER_API_TOKEN": server.livepeer_token or "",
    }


def cli(
    server: EmulatorServer, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        env=env_for(server),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def seconds(path: Path) -> float:
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        return w.getnframes() / w.getframerate()


def test_speak_hamsa_creates_polls_and_downloads(server: EmulatorServer, tmp_path: Path) -> None:
    server.clear_requests()
    out = tmp_path / "h.wav"
    result = cli(server, "speak", "hamsa", "أهلاً و سهلاً بكم", "--voice-id", "Amjad", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out)
    assert seconds(out) > 0.5
    paths = [(r["method"], r["path"].split("/")[1]) for r in server.requests()]
    assert paths[0] == ("POST", "v1")
    assert ("GET", "media") in paths
    assert result.stderr == ""  # not a TTY: no progress output


def test_speak_livepeer_reads_stdin_and_longer_text_gives_longer_audio(
    server: EmulatorServer, tmp_path: Path
) -> None:
    short, long = tmp_path / "s.wav", tmp_path / "l.wav"
    assert cli(server, "speak", "livepeer", "-", "-o", str(short), stdin="Hi").returncode == 0
    text = "This is a much longer sentence, spoken slowly and clearly for the test."
    result = cli(
        server, "speak", "livepeer", text, "--description", "A calm voice", "-o", str(long)
    )
    assert result.returncode == 0, result.stderr
    assert seconds(long) > seconds(short)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["speak", "hamsa", "   ", "--voice-id", "v"], "TEXT must not be empty"),
        (["speak", "livepeer", "", "-o"], "expected one argument"),
        (["speak", "livepeer", "hi", "-o", "/nonexistent-dir/x.wav"], "does not exist"),
        (["speak", "hamsa", "hi", "--voice-id", "v", "--webhook-url", "ftp://x"], "--webhook-url "),
        (["batch", "hamsa", "missing.txt", "--out-dir", "o"], "no such file"),
        (["speak", "nope", "hi"], "invalid choice"),
    ],
)
def test_bad_input_exits_2_with_a_message_and_no_traceback(
    server: EmulatorServer, tmp_path: Path, args: list[str], message: str
) -> None:
    if args[0] == "speak" and "-o" not in args and args[1] != "nope":
        args = [*args, "-o", str(tmp_path / "x.wav")]
    server.clear_requests()
    result = cli(server, *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert server.requests() == []


def test_api_errors_exit_1_with_the_typed_error(server: EmulatorServer, tmp_path: Path) -> None:
    env = {**env_for(server), "LIVEPEER_API_TOKEN": "wrong-token"}
    result = subprocess.run(
        [*CLI, "speak", "livepeer", "hi", "-o", str(tmp_path / "x.wav")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "AuthenticationError: 401" in result.stderr
    assert "wrong-token" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_version_and_help() -> None:
    version = subprocess.run([*CLI, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("speechspec ")
    for args in (
        ["--help"],
        ["speak", "hamsa", "--help"],
        ["batch", "--help"],
        ["emulator", "--help"],
    ):
        assert (
            subprocess.run([*CLI, *args], capture_output=True, text=True, check=False).returncode
            == 0
        )


def write_lines(path: Path, count: int) -> list[str]:
    texts = [f"Line number {i} of the batch." for i in range(1, count + 1)]
    path.write_text("\n".join(texts[:2]) + "\n\n" + "\n".join(texts[2:]) + "\n", encoding="utf-8")
    return texts


@pytest.mark.parametrize("vendor", ["hamsa", "livepeer"])
def test_batch_then_resume_repeats_no_request(
    server: EmulatorServer, tmp_path: Path, vendor: str
) -> None:
    lines = tmp_path / "lines.txt"
    write_lines(lines, 6)
    out = tmp_path / "out"
    extra = ["--voice-id", "Amjad"] if vendor == "hamsa" else []
    first = cli(
        server, "batch", vendor, str(lines), "--out-dir", str(out), "--concurrency", "3", *extra
    )
    assert first.returncode == 0, first.stderr
    assert "done 6, skipped 0, failed 0" in first.stdout
    files = sorted(out.glob("*.wav"))  # beside them: the journal, .speechspec-batch/
    assert len(files) == 6
    assert files[2].name.startswith("00004-")  # numbered as in the file: line 3 is blank
    assert all(seconds(f) > 0 for f in files)
    server.clear_requests()
    again = cli(server, "batch", vendor, str(lines), "--out-dir", str(out), *extra)
    assert again.returncode == 0
    assert "done 0, skipped 6, failed 0" in again.stdout
    assert server.requests() == []


def test_batch_failures_are_listed_and_exit_1(tmp_path: Path) -> None:
    lines = tmp_path / "lines.txt"
    write_lines(lines, 4)
    with EmulatorServer(
        use_espeak=False, faults=[Fault(status=500, every=2, path="/livepeer")]
    ) as srv:
        result = cli(
            srv,
            "batch",
            "livepeer",
            str(lines),
            "--out-dir",
            str(tmp_path / "o"),
            "--concurrency",
            "1",
        )
    assert result.returncode == 1
    assert "done 2, skipped 0, failed 2" in result.stdout
    assert result.stderr.count("InternalServerError: 500") == 2
    assert len(list((tmp_path / "o").glob("*.wav"))) == 2


def test_interrupted_batch_leaves_no_partial_file_and_the_rerun_finishes_the_rest(
    tmp_path: Path,
) -> None:
    lines = tmp_path / "lines.txt"
    write_lines(lines, 12)
    out = tmp_path / "out"
    slow_media = Fault(latency=0.4, path="/livepeer/stream")  # the gateway serves its audio
    with EmulatorServer(use_espeak=False, faults=[slow_media]) as srv:
        proc = subprocess.Popen(
            [*CLI, "batch", "livepeer", str(lines), "--out-dir", str(out), "--concurrency", "2"],
            env=env_for(srv),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(list(out.glob("*.wav"))) < 3:
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
        assert proc.returncode == 130, stderr
        assert "interrupted" in stderr
        finished = sorted(out.glob("*.wav"))
        assert 3 <= len(finished) < 12
        visible = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
        assert visible == [p.name for p in finished]  # no .part
        for path in finished:
            seconds(path)  # every file present is a complete WAV

        srv.clear_requests()
        rerun = cli(srv, "batch", "livepeer", str(lines), "--out-dir", str(out))
        assert rerun.returncode == 0, rerun.stderr
        assert f"done {12 - len(finished)}, skipped {len(finished)}, failed 0" in rerun.stdout
        posts = [r for r in srv.requests() if r["method"] == "POST"]
        # Lines whose answer the interrupted run had journaled are downloaded, not re-sent.
        match = re.search(r"\((\d+) done from jobs journaled", rerun.stdout)
        resumed = int(match.group(1)) if match else 0
        assert len(posts) + resumed == 12 - len(finished)


@pytest.mark.parametrize(("mode", "scheme"), [("gateway", "http:"), ("runner", "data:")])
def test_emulator_command_serves_either_livepeer_mode(mode: str, scheme: str) -> None:
    proc = subprocess.Popen(
        [*CLI, "emulator", "--port", "0", "--livepeer-mode", mode, "--livepeer-token", "tok"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        printed = dict(proc.stdout.readline().strip().partition("=")[::2] for _ in range(4))
        with speechspec.Livepeer("tok", base_url=printed["LIVEPEER_BASE_URL"]) as lp:
            audio = lp.text_to_speech("Hello")
            assert lp.audio_url(audio).startswith(scheme)
            bad = httpx.post(
                f"{printed['LIVEPEER_BASE_URL']}/text-to-speech",
                content=b"{",
                headers={"Authorization": "Bearer tok"},
            )
        assert bad.status_code == (400 if mode == "gateway" else 422)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
