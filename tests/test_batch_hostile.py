"""``speechspec batch`` against hostile input (issue 17): every bad argument, file or journal
ends in exit 2 (input) or 1 (API) with a one-line message naming the flag or file, never a
traceback, and a refusal sends nothing (the emulator's request log stays empty). In-process
``cli.main`` against a real emulator on loopback; a hypothesis property test at the end."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from speechspec._batch_input import MAX_LINE_BYTES, line_key
from speechspec._journal import DIRNAME
from speechspec.cli import main
from speechspec.emulator import EmulatorServer

UNDECODABLE = os.fsdecode(b"\xff")  # what Python makes of an undecodable argv byte
ROOT = os.geteuid() == 0 if hasattr(os, "geteuid") else False


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(job_delay=0.0, use_espeak=False) as server:
        yield server


@pytest.fixture
def env(emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("HAMSA_API_KEY", emulator.hamsa_key)
    monkeypatch.setenv("HAMSA_BASE_URL", emulator.hamsa_base_url)
    monkeypatch.setenv("LIVEPEER_API_TOKEN", emulator.livepeer_token or "")
    monkeypatch.setenv("LIVEPEER_BASE_URL", emulator.livepeer_base_url)
    monkeypatch.chdir(tmp_path)
    Path("lines.txt").write_text("Hello one.\nHello two.\n", encoding="utf-8")
    emulator.clear_requests()
    return tmp_path


def run(capsys: Any, vendor: str, *extra: str, lines: str = "lines.txt") -> tuple[int, str]:
    voice = ["--voice-id=Amjad"] if vendor == "hamsa" else []
    code = main(["batch", vendor, lines, "--out-dir=out", *voice, *extra])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


def refused(code: int, err: str, emulator: EmulatorServer, *names: str) -> None:
    """Exit 2, one line naming the flag or file (after argparse's usage, for its own
    refusals), nothing sent."""
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 or lines[0].startswith("usage:"), err
    assert "error: " in lines[-1], err
    assert all(name in lines[-1] for name in names), (names, err)
    assert emulator.requests() == [], err


def posts(emulator: EmulatorServer) -> int:
    return sum(r["method"] == "POST" for r in emulator.requests())


# -- options ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vendor", "extra", "names"),
    [
        ("hamsa", ["--concurrency=0"], ["--concurrency"]),
        ("hamsa", ["--concurrency=-1"], ["--concurrency"]),
        ("hamsa", ["--concurrency=100000000000"], ["--concurrency"]),
        ("hamsa", ["--concurrency=2.5"], ["--concurrency"]),
        ("hamsa", ["--concurrency=x"], ["--concurrency"]),
        ("hamsa", ["--job-timeout=0"], ["--job-timeout"]),
        ("hamsa", ["--job-timeout=-1"], ["--job-timeout"]),
        ("hamsa", ["--job-timeout=nan"], ["--job-timeout"]),
        ("hamsa", ["--job-timeout=inf"], ["--job-timeout"]),
        ("hamsa", ["--job-timeout=1e300"], ["--job-timeout"]),
        ("hamsa", ["--job-timeout=soon"], ["--job-timeout"]),
        ("hamsa", ["--shard=0/4"], ["--shard"]),
        ("hamsa", ["--shard=5/4"], ["--shard"]),
        ("hamsa", ["--shard=1/0"], ["--shard"]),
        ("hamsa", ["--shard=a/b"], ["--shard"]),
        ("hamsa", ["--shard=1/2/3"], ["--shard"]),
        ("hamsa", ["--shard=-1/2"], ["--shard"]),
        ("hamsa", ["--shard=1\udcff/2"], ["--shard"]),
        ("hamsa", ["--shard="], ["--shard"]),
        ("hamsa", ["--voice-id=Am\ud800jad"], ["--voice-id"]),
        ("hamsa", ["--voice-id=Am" + UNDECODABLE + "jad"], ["--voice-id"]),  # undecodable argv byte
        ("hamsa", ["--voice-id=   "], ["--voice-id"]),
        ("hamsa", ["--voice-id="], ["--voice-id"]),
        ("livepeer", ["--model-id=m\ud800"], ["--model-id"]),
        ("livepeer", ["--model-id="], ["--model-id"]),
        ("livepeer", ["--description=calm \udcff"], ["--description"]),
        ("hamsa", ["--base-url=http://127.0.0.1\ud800/"], ["base"]),
        ("hamsa", ["--base-url=not a url"], ["--base-url"]),
        ("livepeer", ["--base-url=ftp://x/"], ["--base-url"]),
        ("hamsa", ["--api-key=k\ud800"], ["--api-key"]),
        ("hamsa", ["--api-key=k" + UNDECODABLE], ["--api-key"]),
        ("livepeer", ["--api-token=t \x00"], ["--api-token"]),
    ],
)
def test_bad_options_are_refused_before_any_request(
    env: Path,
    emulator: EmulatorServer,
    capsys: Any,
    vendor: str,
    extra: list[str],
    names: list[str],
) -> None:
    code, err = run(capsys, vendor, *extra)
    refused(code, err, emulator, *names)
    assert "\ud800" not in err and "k\udcff" not in err
    assert not Path("out").exists() or not any(Path("out").glob("*.wav"))


def test_a_refused_key_is_never_echoed(env: Path, emulator: EmulatorServer, capsys: Any) -> None:
    code, err = run(capsys, "hamsa", "--api-key=s3cret value")
    refused(code, err, emulator, "--api-key")
    assert "s3cret" not in err


def test_hamsa_needs_a_voice(env: Path, emulator: EmulatorServer, capsys: Any) -> None:
    code = main(["batch", "hamsa", "lines.txt", "--out-dir=out"])
    refused(code, capsys.readouterr().err, emulator, "--voice-id")


# -- the lines file -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "names"),
    [
        (b"ok\n\xff\xfe bad\n", ["lines.txt", "line 2", "UTF-8"]),
        (b"ok\n\xed\xa0\x80 surrogate\n", ["lines.txt", "line 2", "UTF-8"]),  # CESU/WTF-8
        (b"", ["lines.txt", "no text"]),
        (b"\n  \n\t\r\n\x0b\n", ["lines.txt", "no text"]),
        (b"ok\n" + b"x" * (MAX_LINE_BYTES + 1) + b"\n", ["lines.txt", "line 2", "longer"]),
        (b"x" * (MAX_LINE_BYTES + 5), ["lines.txt", "line 1", "longer"]),  # no newline at all
    ],
)
def test_bad_lines_files_are_refused(
    env: Path, emulator: EmulatorServer, capsys: Any, content: bytes, names: list[str]
) -> None:
    Path("lines.txt").write_bytes(content)
    code, err = run(capsys, "hamsa")
    refused(code, err, emulator, *names)


def test_lines_that_are_not_readable_files(
    env: Path, emulator: EmulatorServer, capsys: Any
) -> None:
    Path("adir").mkdir()
    for lines, words in [
        ("adir", ["adir", "directory"]),
        ("missing.txt", ["missing.txt", "no such file"]),
        ("", ["LINES"]),
        ("bad\udcff.txt", ["no such file"]),
        ("bad\ud800.txt", ["LINES", "encoded"]),
        ("nul\x00.txt", ["LINES", "NUL"]),
    ]:
        code, err = run(capsys, "hamsa", lines=lines)
        refused(code, err, emulator, *words)
    if not ROOT:
        Path("lines.txt").chmod(0)
        code, err = run(capsys, "hamsa")
        refused(code, err, emulator, "lines.txt", "cannot be read")


def test_fifo_lines_file_is_refused(env: Path, emulator: EmulatorServer, capsys: Any) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    os.mkfifo("pipe")
    code, err = run(capsys, "hamsa", lines="pipe")
    refused(code, err, emulator, "pipe", "regular file")


def test_blank_and_whitespace_lines_are_skipped_and_same_texts_get_their_own_files(
    env: Path, emulator: EmulatorServer, capsys: Any
) -> None:
    Path("lines.txt").write_text("Same.\n   \n\t\nSame.\n\u3000\nSame.\r\n", encoding="utf-8")
    code, err = run(capsys, "livepeer")
    assert code == 0, err
    names = sorted(p.name for p in Path("out").glob("*.wav"))
    assert names == sorted(line_key(n, "Same.") + ".wav" for n in (1, 4, 6))
    assert posts(emulator) == 3


# -- the output directory -----------------------------------------------------------------


def test_out_dir_that_cannot_be_used(env: Path, emulator: EmulatorServer, capsys: Any) -> None:
    Path("afile").write_text("x")
    for out, words in [
        ("afile", ["--out-dir", "not a directory"]),
        ("afile/sub", ["--out-dir", "not a directory"]),
        ("o\ud800", ["--out-dir", "encoded"]),
        ("o\x00", ["--out-dir", "NUL"]),
        ("", ["--out-dir"]),
    ]:
        code = main(["batch", "hamsa", "lines.txt", f"--out-dir={out}", "--voice-id=Amjad"])
        err = capsys.readouterr().err
        refused(code, err, emulator, *words)
    if not ROOT:
        Path("ro").mkdir()
        Path("ro").chmod(stat.S_IRUSR | stat.S_IXUSR)
        for out in ("ro", "ro/new/deeper"):
            code = main(["batch", "hamsa", "lines.txt", f"--out-dir={out}", "--voice-id=Amjad"])
            refused(code, capsys.readouterr().err, emulator, "--out-dir", "not writable")
        Path("ro").chmod(0o755)


def test_a_journal_that_cannot_be_opened(env: Path, emulator: EmulatorServer, capsys: Any) -> None:
    (Path("out") / DIRNAME / "1-of-1.journal").mkdir(parents=True)
    code, err = run(capsys, "hamsa")
    refused(code, err, emulator, "--out-dir", "journal")
    Path("out2").mkdir()
    (Path("out2") / DIRNAME).write_text("a file where the journal directory goes")
    code = main(["batch", "hamsa", "lines.txt", "--out-dir=out2", "--voice-id=Amjad"])
    refused(code, capsys.readouterr().err, emulator, "--out-dir", "journal")
    if not ROOT:
        for name in ("1-of-1.journal", "2-of-3.journal"):  # its own, or another layout's
            journal = Path("out3") / DIRNAME / name
            journal.parent.mkdir(parents=True, exist_ok=True)
            journal.write_text("")
            journal.chmod(0)
            code = main(["batch", "hamsa", "lines.txt", "--out-dir=out3", "--voice-id=Amjad"])
            refused(code, capsys.readouterr().err, emulator, "--out-dir", name)
            journal.chmod(0o644)
            journal.unlink()


# -- journals from earlier runs -----------------------------------------------------------


def _journal(records: bytes) -> Path:
    path = Path("out") / DIRNAME / "1-of-1.journal"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(records)
    return path


@pytest.mark.parametrize(
    "garbage",
    [
        b"\x00\xff\xfe\n\n\t\t\t\n",
        b"C\t\xb2\xb2\xb2\xb2\xb2-000000000000\tjob\n",  # superscript digits after decoding
        "C\t00001²-000000000000\tjob\n".encode(),
        "C\t\u0660\u0660\u0660\u0660\u0661-000000000000\tjob\n".encode(),  # Arabic-Indic
        b"I\t00001-\n",  # torn
        b"C\t00001-abc",  # torn, no newline
        b"D\n X\nZZ\tq\n" * 50,
        b"I" * 5000,
    ],
)
def test_damaged_journal_records_do_not_crash(
    env: Path, emulator: EmulatorServer, capsys: Any, garbage: bytes
) -> None:
    _journal(garbage)
    code, err = run(capsys, "hamsa")
    assert code == 0, err
    assert posts(emulator) == 2
    code, err = run(capsys, "hamsa")
    assert code == 0, err
    assert posts(emulator) == 2  # the rerun skips, never re-bills


def test_a_truncated_journal_never_rebills_a_journaled_job(
    env: Path, emulator: EmulatorServer, capsys: Any
) -> None:
    key1 = line_key(1, "Hello one.")
    key2 = line_key(2, "Hello two.")
    # Line 1: an intent then a torn created record; line 2: an intent alone (killed mid-POST).
    _journal(f"I\t{key1}\nI\t{key2}\nC\t{key1}\tjob-".encode())
    code, err = run(capsys, "hamsa")
    assert code == 1, err
    assert posts(emulator) == 0  # both may have been billed: reported, not sent
    assert "line 1: uncertain" in err and "line 2: uncertain" in err
    code, err = run(capsys, "hamsa", "--retry-uncertain")
    assert code == 0, err
    assert posts(emulator) == 2


def test_a_journaled_job_is_polled_not_created_again_even_with_junk_around(
    env: Path, emulator: EmulatorServer, capsys: Any
) -> None:
    import httpx

    created = httpx.post(
        f"{emulator.hamsa_base_url}/v1/jobs/text-to-speech",
        headers={"Authorization": f"Token {emulator.hamsa_key}"},
        json={"text": "Hello one.", "voiceId": "Amjad"},
    ).json()["data"]["id"]
    emulator.clear_requests()
    key1 = line_key(1, "Hello one.")
    _journal(f"\xff\x00junk\nI\t{key1}\nC\t{key1}\t{created}\nC\t00002-zz\tq\n".encode("latin-1"))
    code, err = run(capsys, "hamsa")
    assert code == 0, err
    assert posts(emulator) == 1  # line 2 only; line 1's journaled job was polled
    assert Path("out", line_key(1, "Hello one.") + ".wav").read_bytes()[:4] == b"RIFF"


def test_a_journal_from_another_input_file(
    env: Path, emulator: EmulatorServer, capsys: Any
) -> None:
    Path("other.txt").write_text("Other one.\nOther two.\n", encoding="utf-8")
    code, err = run(capsys, "hamsa", lines="other.txt")
    assert code == 0, err
    key = line_key(1, "Other one.")
    journal = Path("out") / DIRNAME / "1-of-1.journal"
    with journal.open("a") as fh:  # an unfinished job of the other file
        fh.write(f"I\t{key}\nC\t{key}\tno-such-job\n")
    emulator.clear_requests()
    code, err = run(capsys, "hamsa")  # lines.txt: its own lines, the other file's job ignored
    assert code == 0, err
    assert posts(emulator) == 2
    # The other file's job was never polled (the emulator would answer 404 for it).
    assert all(r["status"] == 200 for r in emulator.requests()), emulator.requests()


# -- the property -------------------------------------------------------------------------

HOSTILE = st.one_of(
    st.text(max_size=12),
    st.text(st.characters(codec=None, exclude_categories=()), max_size=8),
    st.sampled_from(["", " ", "\ud800", "a\udcffb", "\x00", "-h", "--", "%", "é"]),
)


def values(*good: str) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(good), HOSTILE)


@settings(
    max_examples=int(os.environ.get("SPEECHSPEC_PROPERTY_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
@given(
    vendor=st.sampled_from(["hamsa", "livepeer"]),
    content=st.one_of(
        st.sampled_from([b"Hi.\n", b"Hi.\n\nHo.\n", b"", b"\xff\n", b" \n"]),
        st.binary(max_size=24),
        st.text(max_size=16).map(lambda s: s.encode("utf-8", "surrogatepass")),
    ),
    lines=values("lines.txt", "sub", "missing.txt"),
    out=values("out", "lines.txt", "sub/new"),
    ident=values("Amjad"),
    description=st.one_of(st.none(), HOSTILE),
    concurrency=values("1", "3", "0", "-1", "99999999999", "x", "1.5"),
    job_timeout=values("30", "0", "nan", "inf", "-1", "x"),
    shard=st.one_of(st.none(), values("1/1", "1/2", "2/2", "0/1", "3/2", "x")),
    journal=st.one_of(st.none(), st.binary(max_size=40)),
)
def test_batch_main(
    emulator: EmulatorServer,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
    vendor: str,
    content: bytes,
    lines: str,
    out: str,
    ident: str,
    description: str | None,
    concurrency: str,
    job_timeout: str,
    shard: str | None,
    journal: bytes | None,
) -> None:
    work = tmp_path_factory.mktemp("batch")
    monkeypatch.chdir(work)
    monkeypatch.setenv("HAMSA_API_KEY", emulator.hamsa_key)
    monkeypatch.setenv("LIVEPEER_API_TOKEN", emulator.livepeer_token or "")
    (work / "sub").mkdir()
    (work / "lines.txt").write_bytes(content)
    if journal is not None:
        (work / "out" / DIRNAME).mkdir(parents=True)
        (work / "out" / DIRNAME / "1-of-1.journal").write_bytes(journal)
    base = emulator.hamsa_base_url if vendor == "hamsa" else emulator.livepeer_base_url
    argv = ["batch", vendor, f"--out-dir={out}", f"--base-url={base}"]
    argv += [f"--concurrency={concurrency}", f"--job-timeout={job_timeout}"]
    if vendor == "hamsa":
        argv += [f"--voice-id={ident}"]
    else:
        argv += [f"--model-id={ident}"]
        if description is not None:
            argv += [f"--description={description}"]
    if shard is not None:
        argv += [f"--shard={shard}"]
    argv += ["--", lines]
    emulator.clear_requests()
    code = main(argv)
    err = capsys.readouterr().err
    assert code in (0, 1, 2), (argv, err)
    assert "Traceback" not in err
    if code == 2:
        assert emulator.requests() == [], (argv, err)
    if code == 0:
        for wav in (work / out).glob("*.wav"):
            assert wav.read_bytes()[:4] == b"RIFF"
    assert not list(work.rglob("*.part")), "partial file left"


def test_a_file_the_commit_cannot_create_fails_its_line_and_stops_fail_fast(
    env: Path, emulator: EmulatorServer, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small downloads wait in memory and their files are created by the group commit: a
    full disk there fails the line as a DownloadError (its job stays journaled: the rerun
    downloads it again, no second POST), and --fail-fast stops the run on it."""
    from speechspec import _commit_group

    def full(target: Path) -> Any:
        raise OSError(28, "No space left on device")

    Path("lines.txt").write_text("".join(f"Hello {n}.\n" for n in range(6)), encoding="utf-8")
    with monkeypatch.context() as patch:
        patch.setattr(_commit_group, "create_temp_fd", full)  # what the commit pass calls
        code, err = run(capsys, "livepeer", "--concurrency=1", "--fail-fast")
    assert code == 1
    assert "cannot write" in err and "No space left on device" in err
    assert "--fail-fast" in err
    assert not list(Path("out").glob("*.wav")) and not list(Path("out").glob(".*.part"))
    first = posts(emulator)
    assert first < 6  # stopped before the last line
    code, err = run(capsys, "livepeer")
    assert code == 0, err
    assert len(list(Path("out").glob("*.wav"))) == 6
    assert posts(emulator) == 6  # each line POSTed once over both runs
