"""``speechspec batch``: early stop, --fail-fast, --shard, the journal's files, --help.
Real CLI processes against the emulator on loopback."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from speechspec._batch_input import Line, Shard, check_lines, iter_texts
from speechspec.emulator import EmulatorServer, Fault
from starlette.types import ASGIApp, Receive, Scope, Send

CLI = [sys.executable, "-m", "speechspec"]
SHARD_ARGS = ["--voice-id", "Amjad", "--concurrency", "3", "--shard"]


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(job_delay=0.05, use_espeak=False) as srv:
        yield srv


def env_for(server: EmulatorServer, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "HAMSA_BASE_URL": server.hamsa_base_url,
        "LIVEPEER_BASE_URL": server.livepeer_base_url,
        "HAMSA_API_KEY": server.hamsa_key,
        "LIVEPEER_API_TOKEN": server.livepeer_token or "",
        **extra,
    }


def write(path: Path, count: int) -> Path:
    path.write_text("".join(f"Batch line {n}.\n" for n in range(1, count + 1)), encoding="utf-8")
    return path


def batch(
    env: dict[str, str], vendor: str, lines: Path, out: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    voice = ["--voice-id", "Amjad"] if vendor == "hamsa" else []
    return subprocess.run(
        [*CLI, "batch", vendor, str(lines), "--out-dir", str(out), *voice, *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def posts(server: EmulatorServer) -> int:
    return sum(r["method"] == "POST" for r in server.requests())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.mark.parametrize(
    ("vendor", "env_change", "expected"),
    [
        ("hamsa", {"HAMSA_API_KEY": "wrong-key"}, "AuthenticationError: 401"),
        ("livepeer", {"LIVEPEER_API_TOKEN": "wrong-token"}, "AuthenticationError: 401"),
        ("hamsa", {"HAMSA_BASE_URL": "{base}/not-the-api"}, "NotFoundError: 404"),
        ("livepeer", {"LIVEPEER_BASE_URL": "http://127.0.0.1:{port}"}, "APIConnectionError"),
    ],
)
def test_batch_stops_early_when_every_answer_says_every_line_will_fail(
    server: EmulatorServer,
    tmp_path: Path,
    vendor: str,
    env_change: dict[str, str],
    expected: str,
) -> None:
    lines = write(tmp_path / "lines.txt", 40)
    change = {k: v.format(base=server.base_url, port=free_port()) for k, v in env_change.items()}
    server.clear_requests()
    result = batch(env_for(server, **change), vendor, lines, tmp_path / "o", "--concurrency", "8")
    assert result.returncode == 1
    assert "stopped after 3 answers in a row" in result.stderr
    assert expected in result.stderr
    assert "not attempted 37" in result.stdout
    assert posts(server) <= 3  # one POST at a time until an answer proves key and URL
    assert "wrong-" not in result.stdout + result.stderr


def test_a_working_start_opens_full_concurrency_and_ordinary_failures_do_not_stop(
    tmp_path: Path,
) -> None:
    lines = write(tmp_path / "lines.txt", 9)
    rejected = Fault(status=400, every=3, path="/livepeer/text-to-speech")
    with EmulatorServer(use_espeak=False, faults=[rejected]) as srv:
        result = batch(env_for(srv), "livepeer", lines, tmp_path / "o", "--concurrency", "4")
        assert result.returncode == 1
        assert "done 6, skipped 0, failed 3" in result.stdout
        assert "stopped" not in result.stderr
        # A 400 was not processed: the rerun sends those lines again, and only those.
        srv.clear_requests()
        rerun = batch(env_for(srv), "livepeer", lines, tmp_path / "o")
        assert posts(srv) == 3
        assert "skipped 6" in rerun.stdout


def test_fail_fast_sends_no_new_line_after_the_first_failure(tmp_path: Path) -> None:
    lines = write(tmp_path / "lines.txt", 10)
    with EmulatorServer(
        use_espeak=False, faults=[Fault(status=500, every=3, path="/livepeer/text-to-speech")]
    ) as srv:
        args = ("--concurrency", "1", "--fail-fast")
        result = batch(env_for(srv), "livepeer", lines, tmp_path / "o", *args)
        assert result.returncode == 1
        assert "done 2, skipped 0, failed 1, not attempted 7" in result.stdout
        assert "--fail-fast" in result.stderr
        assert "InternalServerError: 500" in result.stderr
        assert "may have been billed" in result.stderr
        assert posts(srv) == 3
    # The 500 may have billed line 3: a plain rerun reports it and sends the rest.
    with EmulatorServer(use_espeak=False) as srv:
        rerun = batch(env_for(srv), "livepeer", lines, tmp_path / "o")
        assert "done 7, skipped 2, failed 0, uncertain 1" in rerun.stdout
        assert "line 3: uncertain" in rerun.stderr
        assert posts(srv) == 7


def test_shards_split_a_corpus_over_processes_without_overlap(
    server: EmulatorServer, tmp_path: Path
) -> None:
    lines = write(tmp_path / "lines.txt", 23)
    out = tmp_path / "o"
    server.clear_requests()
    procs = [
        subprocess.Popen(
            [*CLI, "batch", "hamsa", str(lines), "--out-dir", str(out), *SHARD_ARGS, f"{k}/3"],
            env=env_for(server),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k in (1, 2, 3)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], results
    assert [r[0].split(",")[0] for r in results] == ["done 8", "done 8", "done 7"]
    assert len(list(out.glob("*.wav"))) == 23
    assert posts(server) == 23
    journals = sorted(p.name for p in (out / ".speechspec-batch").iterdir())
    assert journals == ["1-of-3.journal", "2-of-3.journal", "3-of-3.journal"]
    # The whole corpus afterwards, unsharded: nothing left to do, nothing sent.
    server.clear_requests()
    again = batch(env_for(server), "hamsa", lines, out)
    assert "done 0, skipped 23, failed 0" in again.stdout
    assert server.requests() == []


@pytest.mark.parametrize("value", ["0/2", "3/2", "1/0", "x", "1/2/3", "-1/2", "", "1 / 2x"])
def test_bad_shard_is_refused_naming_the_flag(
    server: EmulatorServer, tmp_path: Path, value: str
) -> None:
    server.clear_requests()
    result = batch(
        env_for(server), "hamsa", write(tmp_path / "l.txt", 3), tmp_path / "o", "--shard", value
    )
    assert result.returncode == 2
    assert "--shard" in result.stderr
    assert "Traceback" not in result.stderr
    assert server.requests() == []


def test_a_second_process_on_the_same_share_or_another_split_is_refused(
    tmp_path: Path,
) -> None:
    lines = write(tmp_path / "lines.txt", 6)
    out = tmp_path / "o"
    release = threading.Event()

    def hold_answers(app: ASGIApp) -> ASGIApp:
        async def held(scope: Scope, receive: Receive, send: Send) -> None:
            while scope["type"] == "http" and not release.is_set():
                await asyncio.sleep(0.02)
            await app(scope, receive, send)

        return held

    with EmulatorServer(use_espeak=False, wrap=hold_answers) as srv:
        first = subprocess.Popen(
            [*CLI, "batch", "livepeer", str(lines), "--out-dir", str(out), "--concurrency", "6"],
            env=env_for(srv),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 30
            while not (out / ".speechspec-batch" / "1-of-1.journal").exists():
                assert time.monotonic() < deadline
                time.sleep(0.05)
            same = batch(env_for(srv), "livepeer", lines, out)
            other = batch(env_for(srv), "livepeer", lines, out, "--shard", "1/2")
            assert first.poll() is None  # still running, held: both checks saw it run
        finally:
            release.set()
        stdout, _ = first.communicate(timeout=60)
        assert first.returncode == 0
        assert "done 6, skipped 0, failed 0" in stdout
        assert posts(srv) == 6  # the refused processes sent nothing
    assert same.returncode == 2 and "already running" in same.stderr
    assert other.returncode == 2 and "same N" in other.stderr


def test_invalid_utf8_anywhere_is_refused_before_any_request(
    server: EmulatorServer, tmp_path: Path
) -> None:
    lines = tmp_path / "lines.txt"
    lines.write_bytes(b"fine\n" * 5 + b"bad \xff byte\n")
    server.clear_requests()
    result = batch(env_for(server), "livepeer", lines, tmp_path / "o", "--shard", "1/2")
    assert result.returncode == 2
    assert "line 6 is not valid UTF-8" in result.stderr  # not this shard's line: still checked
    assert server.requests() == []


def test_batch_help_documents_every_option() -> None:
    import argparse

    from speechspec.cli import _parser

    sub = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    command = sub.choices["batch"]
    text = subprocess.run(
        [*CLI, "batch", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for action in command._actions:
        assert action.help, action.dest
        for option in action.option_strings:
            assert option in text
    for topic in ("--retry-uncertain", "--shard 1/4", "--api-key", "journal", "Exit codes"):
        assert topic in text


def test_lines_are_streamed_numbered_and_sharded_by_line_number(tmp_path: Path) -> None:
    path = tmp_path / "l.txt"
    path.write_bytes(b"a\r\n\n  b  \nc\nd\n")
    assert list(iter_texts(path, Shard())) == [(1, "a"), (3, "b"), (4, "c"), (5, "d")]
    assert [number for number, _ in iter_texts(path, Shard(2, 2))] == [4]
    assert check_lines(path, Shard(1, 2)) == 3
    assert Line(3, "b").filename == Line(3, "b").key + ".wav"
    assert Shard.parse(" 2/8 ") == Shard(2, 8)


def test_journal_ignores_a_torn_record_compacts_and_merges_shard_files(tmp_path: Path) -> None:
    from speechspec._journal import Entry, Journal

    jdir = tmp_path / ".speechspec-batch"
    jdir.mkdir()
    finished = "".join(
        f"I\t{n:05d}-aa\nC\t{n:05d}-aa\tjob-{n}\nD\t{n:05d}-aa\n" for n in range(9, 1000)
    )
    (jdir / "1-of-1.journal").write_text(
        finished
        + "I\t00001-aa\nC\t00001-aa\tjob-1\n"  # created, not done: resume polls job-1
        + "I\t00002-bb\n"  # intent only: uncertain
        + "I\t00003-cc\nX\t00003-cc\n"  # refused unprocessed: free to send
        + "I\t00004-dd\nU\t00004-dd\t500 from the server\n"
        + "I\t00005-ee\nC\t00005-ee\tjob-5"  # torn: the C never completed, the I stands
    )
    (jdir / "1-of-2.journal").write_text("I\t00003-cc\nC\t00003-cc\tjob-3b\nC\t00002-zz\tjob-x\n")
    journal = Journal(tmp_path, Shard())
    try:
        assert journal.entries == {
            "00001-aa": Entry("C", ref="job-1"),
            "00002-bb": Entry("I"),
            "00002-zz": Entry("C", ref="job-x"),
            "00003-cc": Entry("C", ref="job-3b"),  # another file's job outranks a free line
            "00004-dd": Entry("U", reason="500 from the server"),
            "00005-ee": Entry("I"),
        }
    finally:
        journal.close()
    compacted = (jdir / "1-of-1.journal").read_text().splitlines()
    assert len(compacted) == 6 and "D\t00009-aa" not in compacted  # rewritten: live entries
    second = Journal(tmp_path, Shard())
    second.close()
    assert set(second.entries) == set(journal.entries)


def test_after_a_torn_record_the_next_record_starts_on_its_own_line(tmp_path: Path) -> None:
    import asyncio as aio

    from speechspec._journal import Journal

    jdir = tmp_path / ".speechspec-batch"
    jdir.mkdir()
    (jdir / "1-of-1.journal").write_text("I\t00001-aa\nC\t00001-a")
    journal = Journal(tmp_path, Shard())
    aio.run(journal.record("C", "00002-bb", "job-2"))
    path = jdir / "1-of-1.journal"
    assert path.read_text() == "I\t00001-aa\nC\t00001-a\nC\t00002-bb\tjob-2\n"
    aio.run(journal.record("D", "00002-bb", durable=False))
    journal.close()  # compacted: only what a resume needs
    assert path.read_text() == "I\t00001-aa\n"


def test_a_pass_s_done_records_are_one_write_and_settle_their_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from speechspec import _journal
    from speechspec._journal import Journal

    journal = Journal(tmp_path, Shard())
    for key in ("00001-aa", "00002-bb", "00003-cc"):
        journal.write("C", key, f"job-{key[:5]}")
    writes: list[bytes] = []
    real = os.write

    def spy(fd: int, data: bytes) -> int:
        writes.append(bytes(data))
        return real(fd, data)

    monkeypatch.setattr(_journal.os, "write", spy)
    journal.write_many("D", ["00001-aa", "00003-cc"])
    journal.write_many("D", [])  # a pass whose files all failed: nothing written
    monkeypatch.undo()
    assert writes == [b"D\t00001-aa\nD\t00003-cc\n"]
    journal.close()  # compacted: only the line still open
    path = tmp_path / ".speechspec-batch" / "1-of-1.journal"
    assert path.read_text() == "C\t00002-bb\tjob-00002\n"


def test_audio_larger_than_a_batch_holds_in_memory_is_written_whole(
    server: EmulatorServer, tmp_path: Path
) -> None:
    """A line whose audio outgrows what the batch keeps in memory (MAX_BUFFERED, 1 MiB)
    spills to its file as it arrives: the file is the whole WAV, as long as a plain download
    of the same text's audio, its header first (0.3.2 to 0.3.6 lost the part held before the
    spill, header included)."""
    import wave

    from speechspec import Livepeer
    from speechspec._commit_group import MAX_BUFFERED

    text = "A long line of speech, to make audio longer than a mebibyte. " * 5
    lines = tmp_path / "lines.txt"
    lines.write_text(f"{text}\nShort line.\n", encoding="utf-8")
    result = batch(env_for(server), "livepeer", lines, tmp_path / "o")
    assert result.returncode == 0, result.stderr
    files = sorted((tmp_path / "o").glob("*.wav"), key=lambda p: p.stat().st_size)
    assert len(files) == 2
    small, large = files
    assert large.stat().st_size > MAX_BUFFERED > small.stat().st_size
    with Livepeer(
        server.livepeer_token, base_url=server.livepeer_base_url
    ) as client:  # the same audio, downloaded alone
        alone = client.synthesize(text, tmp_path / "alone.wav")
    data = large.read_bytes()
    assert len(data) == alone.stat().st_size  # the emulator's duration follows the text
    assert data[:4] == b"RIFF" and int.from_bytes(data[4:8], "little") == len(data) - 8
    for path in files:
        with wave.open(str(path)) as wav:
            assert (
                wav.getnframes() * wav.getsampwidth() * wav.getnchannels()
                == len(wav.readframes(wav.getnframes()))
                > 0
            )
