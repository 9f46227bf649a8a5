"""Every CLI error message tells the user the next step: flags named as typed, which key and
which URL on a 401/404, UTF-8 in those words, what a Ctrl-C left undone, and the id of a job
that was billed before the interruption (real processes against the emulator on loopback)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from speechspec.emulator import EmulatorServer

CLI = [sys.executable, "-m", "speechspec"]


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(job_delay=0.2, use_espeak=False) as srv:
        yield srv


def env_for(server: EmulatorServer, **change: str) -> dict[str, str]:
    env = {
        **os.environ,
        "HAMSA_BASE_URL": server.hamsa_base_url,
        "LIVEPEER_BASE_URL": server.livepeer_base_url,
        "HAMSA_API_KEY": server.hamsa_key,
        "LIVEPEER_API_TOKEN": server.livepeer_token or "",
        "PYTHONIOENCODING": "utf-8",
    }
    env.update(change)
    return env


def run(
    env: dict[str, str], *args: str, stdin: bytes | None = None
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [*CLI, *args], env=env, input=stdin, capture_output=True, timeout=60, check=False
    )
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode()
    )


def test_401_names_the_flag_the_env_var_and_the_url(server: EmulatorServer, tmp_path: Path) -> None:
    out = str(tmp_path / "a.wav")
    hamsa = run(
        env_for(server, HAMSA_API_KEY="wrong"),
        "speak",
        "hamsa",
        "hi",
        "--voice-id",
        "Amjad",
        "-o",
        out,
    )
    assert hamsa.returncode == 1
    assert "AuthenticationError" in hamsa.stderr
    assert "--api-key" in hamsa.stderr and "$HAMSA_API_KEY" in hamsa.stderr
    assert f"{server.hamsa_base_url}/v1/jobs/text-to-speech" in hamsa.stderr
    assert "wrong" not in hamsa.stderr  # the refused key is never echoed

    livepeer = run(
        env_for(server, LIVEPEER_API_TOKEN="bad-token"), "speak", "livepeer", "hi", "-o", out
    )
    assert livepeer.returncode == 1
    assert "--api-token" in livepeer.stderr and "$LIVEPEER_API_TOKEN" in livepeer.stderr
    assert f"{server.livepeer_base_url}/text-to-speech" in livepeer.stderr
    assert "bad-token" not in livepeer.stderr


def test_404_from_speak_shows_the_url_and_where_the_base_url_came_from(
    server: EmulatorServer, tmp_path: Path
) -> None:
    wrong = f"{server.base_url}/nope"
    result = run(
        env_for(server),
        "speak",
        "livepeer",
        "hi",
        "-o",
        str(tmp_path / "a.wav"),
        "--base-url",
        wrong,
    )
    assert result.returncode == 1
    assert "NotFoundError" in result.stderr
    assert f"404 from {wrong}/text-to-speech" in result.stderr
    assert f"It is --base-url {wrong}" in result.stderr
    assert "$LIVEPEER_BASE_URL" in result.stderr

    from_env = run(
        env_for(server, HAMSA_BASE_URL=wrong),
        "speak",
        "hamsa",
        "hi",
        "--voice-id",
        "Amjad",
        "-o",
        str(tmp_path / "b.wav"),
    )
    assert from_env.returncode == 1
    assert f"It is $HAMSA_BASE_URL={wrong}" in from_env.stderr


@pytest.mark.parametrize(
    ("args", "env_change", "expected", "not_expected"),
    [
        (
            ("--base-url", "ftp://x"),
            {},
            "--base-url 'ftp://x' must be an absolute http(s) URL",
            "base_url",
        ),
        ((), {"LIVEPEER_BASE_URL": "ftp://x"}, "$LIVEPEER_BASE_URL 'ftp://x' must be", "base_url"),
        (("--model-id", ""), {}, "--model-id must not be empty", "model_id"),
    ],
)
def test_usage_errors_name_flags_as_typed(
    server: EmulatorServer,
    tmp_path: Path,
    args: tuple[str, ...],
    env_change: dict[str, str],
    expected: str,
    not_expected: str,
) -> None:
    server.clear_requests()
    result = run(
        env_for(server, **env_change),
        "speak",
        "livepeer",
        "hi",
        "-o",
        str(tmp_path / "a.wav"),
        *args,
    )
    assert result.returncode == 2
    assert expected in result.stderr
    assert not_expected not in result.stderr
    assert server.requests() == []


def test_job_timeout_zero_names_the_flag(server: EmulatorServer, tmp_path: Path) -> None:
    server.clear_requests()
    result = run(
        env_for(server),
        "speak",
        "hamsa",
        "hi",
        "--voice-id",
        "Amjad",
        "-o",
        str(tmp_path / "a.wav"),
        "--job-timeout",
        "0",
    )
    assert result.returncode == 2
    assert "--job-timeout must be a number of seconds above 0" in result.stderr
    assert "job_timeout" not in result.stderr
    assert server.requests() == []  # refused before the billed POST


@pytest.mark.parametrize("source", ["stdin", "argv"])
def test_text_that_is_not_utf8_is_said_so(
    server: EmulatorServer, tmp_path: Path, source: str
) -> None:
    server.clear_requests()
    out = str(tmp_path / "a.wav")
    if source == "stdin":
        result = run(env_for(server), "speak", "livepeer", "-", "-o", out, stdin=b"caf\xe9 au lait")
        assert "standard input is not valid UTF-8" in result.stderr
    else:
        # Undecodable argv bytes reach Python as lone surrogates.
        result = run(env_for(server), "speak", "livepeer", os.fsdecode(b"caf\xe9"), "-o", out)
        assert "the TEXT argument is not valid UTF-8" in result.stderr
    assert result.returncode == 2
    assert "surrogate" not in result.stderr
    assert "U+DC" not in result.stderr
    assert server.requests() == []


def test_emulator_on_a_busy_port_says_what_to_do() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run(dict(os.environ), "emulator", "--port", str(port))
    assert result.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "--port 0" in result.stderr
    assert "Errno" not in result.stderr


def _wait_for(predicate: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_ctrl_c_after_the_job_was_billed_prints_its_id_and_job_fetches_it(tmp_path: Path) -> None:
    # The job stays PENDING until the test says otherwise (however slow the machine is), so
    # the Ctrl-C always lands while it is being waited for; then it completes at once.
    with EmulatorServer(job_delay=600.0, use_espeak=False) as srv:
        env = env_for(srv)
        out = tmp_path / "a.wav"
        proc = subprocess.Popen(
            [*CLI, "speak", "hamsa", "hello", "--voice-id", "Amjad", "-o", str(out)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # Interrupt while the job is being waited for: after its POST was answered.
        _wait_for(lambda: any(r["method"] == "GET" for r in srv.requests()))
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
        assert proc.returncode == 130, stderr
        match = re.search(
            r"job (\S+) was created \(billed\); get its audio with: speechspec job \1 -o ", stderr
        )
        assert match, stderr
        job_id = match.group(1)
        assert not out.exists()
        srv.state.job_delay = 0.0  # the vendor finishes the job: `job -o` fetches its audio

        status = run(env, "job", job_id)
        assert status.returncode == 0, status.stderr
        assert status.stdout.startswith(f"job {job_id}: ")
        assert srv.requests()[-1]["method"] == "GET"

        fetched = run(env, "job", job_id, "-o", str(out))
        assert fetched.returncode == 0, fetched.stderr
        assert f"job {job_id}: COMPLETED" in fetched.stdout
        assert str(out) in fetched.stdout
        with wave.open(str(out)) as w:
            assert w.getnframes() > 0
        assert sum(r["method"] == "POST" for r in srv.requests()) == 1  # paid once


def test_job_status_wait_and_unknown_id() -> None:
    # A job that stays PENDING for the whole test, however slow the machine is.
    with EmulatorServer(job_delay=120.0, use_espeak=False) as srv:
        env = env_for(srv)
        created = httpx.post(
            f"{srv.hamsa_base_url}/v1/jobs/text-to-speech",
            headers={"Authorization": f"Token {srv.hamsa_key}"},
            json={"text": "hi", "voiceId": "Amjad"},
        ).json()["data"]["id"]
        pending = run(env, "job", created)
        assert pending.returncode == 0, pending.stderr
        assert f"job {created}: PENDING" in pending.stdout
        assert f"speechspec job {created} --wait" in pending.stdout
        waited = run(env, "job", created, "--wait", "--job-timeout", "1")
        assert waited.returncode == 1
        assert "JobTimeoutError" in waited.stderr
        assert sum(r["method"] == "POST" for r in srv.requests()) == 1  # only the test's own

        unknown = run(env, "job", "no-such-job")
        assert unknown.returncode == 1
        assert "no job no-such-job there; check JOB_ID" in unknown.stderr
        assert "$HAMSA_BASE_URL" in unknown.stderr


def test_job_that_failed_exits_1_with_its_reason() -> None:
    with EmulatorServer(job_delay=0.2, use_espeak=False) as srv:
        env = env_for(srv)
        created = httpx.post(
            f"{srv.hamsa_base_url}/v1/jobs/text-to-speech",
            headers={"Authorization": f"Token {srv.hamsa_key}"},
            json={"text": "hi [emulator:fail]", "voiceId": "Amjad"},
        ).json()["data"]["id"]
        waited = run(env, "job", created, "--wait")
        assert waited.returncode == 1
        assert "JobFailedError" in waited.stderr
        shown = run(env, "job", created)
        assert shown.returncode == 1
        assert f"job {created}: FAILED" in shown.stdout


TOTAL = 200  # far more than a loaded machine finishes before the Ctrl-C


def test_ctrl_c_in_a_hamsa_batch_counts_what_was_not_attempted(tmp_path: Path) -> None:
    lines = tmp_path / "lines.txt"
    lines.write_text("".join(f"line {n}\n" for n in range(TOTAL)), encoding="utf-8")
    out = tmp_path / "out"
    with EmulatorServer(job_delay=0.5, use_espeak=False) as srv:
        proc = subprocess.Popen(
            [
                *CLI,
                "batch",
                "hamsa",
                str(lines),
                "--voice-id",
                "Amjad",
                "--out-dir",
                str(out),
                "--concurrency",
                "2",
            ],
            env=env_for(srv),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        _wait_for(lambda: len(list(out.glob("*.wav"))) >= 2)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr
    match = re.search(
        r"done (\d+), skipped 0, failed (\d+)(?:, uncertain (\d+))?(?:, interrupted (\d+))?, "
        r"not attempted (\d+)",
        stdout,
    )
    assert match, stdout + stderr
    done, failed, uncertain, interrupted, not_attempted = (int(g or 0) for g in match.groups())
    # Each allowed race outcome accounts for every line exactly once; at most the two lines
    # in flight (--concurrency 2) can be anything but done or not attempted.
    # A line's file is renamed into place just before it is counted done: two files on disk
    # may mean one line done and one interrupted in its last step.
    assert done >= 1
    assert failed + uncertain + interrupted <= 2, stdout + stderr
    assert done + failed + uncertain + interrupted + not_attempted == TOTAL
    assert not_attempted >= TOTAL - done - 2 > 0
    assert "rerun the same command" in stderr


def test_a_lone_surrogate_from_python_code_is_a_usage_error(
    server: EmulatorServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # main(argv) is public: a str built in Python may hold any lone surrogate, not only the
    # U+DC80..U+DCFF that stand for undecodable argv bytes (hypothesis found "\ud800").
    from speechspec.cli import main

    server.clear_requests()
    code = main(
        [
            "speak",
            "livepeer",
            f"--base-url={server.livepeer_base_url}",
            "-o",
            str(tmp_path / "a.wav"),
            "--",
            "x\ud800y",
        ]
    )
    assert code == 2
    assert "the TEXT argument is not valid Unicode (a lone surrogate at character 1)" in (
        capsys.readouterr().err
    )
    assert server.requests() == []
