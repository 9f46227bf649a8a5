"""Peak memory of the largest input of each kind, measured with tracemalloc (what Python
allocates, this process only): a 64 MiB ``data:`` URL download, a 1 MiB text, a 200,000-line
batch. Each bound is far below one more copy of the input, so a check or a decoder that copies
the whole argument fails here (`make bench` measures the same as process RSS)."""

from __future__ import annotations

import base64
import hashlib
import socket
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import speechspec
from speechspec.cli import main as cli_main

MiB = 1 << 20


@pytest.fixture
def traced() -> Callable[[Callable[[], Any]], float]:
    """Peak MiB that tracemalloc sees allocated while ``fn`` runs (tracing only then: it
    slows every allocation, and the setup of these tests makes many)."""

    def measure(fn: Callable[[], Any]) -> float:
        tracemalloc.start()
        try:
            fn()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        return peak / MiB

    return measure


def data_url(size: int) -> str:
    """A base64 ``data:`` URL of ``size`` bytes, built from blocks (no full-size bytes copy)."""
    block = bytes(range(256)) * 3 * 1024  # a multiple of 3: no padding inside
    encoded = base64.b64encode(block).decode()
    full, rest = divmod(size, len(block))
    tail = base64.b64encode(block[:rest]).decode()
    return "".join(["data:audio/wav;base64,", *([encoded] * full), tail])


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_64_mib_data_url_is_decoded_without_a_copy_of_the_url(
    tmp_path: Path, traced: Callable[[Callable[[], Any]], float], mode: str
) -> None:
    url = data_url(64 * MiB)  # an 85 MiB string: one copy of it would show at once
    target = tmp_path / "a.wav"
    if mode == "sync":
        with speechspec.Livepeer("t") as client:
            peak = traced(lambda: client.download(url, target, max_bytes=1 << 40))
    else:
        import asyncio

        async def go() -> None:
            async with speechspec.AsyncLivepeer("t") as client:
                await client.download(url, target, max_bytes=1 << 40)

        peak = traced(lambda: asyncio.run(go()))
    assert target.stat().st_size == 64 * MiB
    with target.open("rb") as fh:
        assert fh.read(768) == bytes(range(256)) * 3
    # The bench's target is 16 MiB of RSS; Python's own share of it is the decoder's slices.
    assert peak <= 8, f"decoding a 64 MiB data: URL grew Python's heap by {peak:.1f} MiB"


def _answer(request: httpx.Request) -> httpx.Response:
    request.read()
    if request.url.path.startswith("/v1/jobs"):
        data = {"id": "j", "type": "TTS", "status": "PENDING", "createdAt": "2026-11-22T10:00:00Z"}
        return httpx.Response(200, json={"success": True, "message": "ok", "data": data})
    return httpx.Response(200, json={"audio": {"url": "https://cdn.example.com/a.wav"}})


@pytest.mark.parametrize(
    ("vendor", "char"), [("livepeer", "a"), ("livepeer", "م"), ("hamsa", "م"), ("hamsa", "a")]
)
def test_a_1_mib_text_is_checked_and_sent_with_no_more_than_the_body(
    traced: Callable[[Callable[[], Any]], float], vendor: str, char: str
) -> None:
    """The body itself (the JSON text, then its bytes) is the only copy a 1 MiB text may cost:
    every check on the way (surrogates, blank text) runs on the caller's string in place."""
    text = char * MiB
    body_bytes = len(text.encode())  # what the request must carry, at least
    http = httpx.Client(transport=httpx.MockTransport(_answer))
    client: Any
    if vendor == "hamsa":
        client = speechspec.Hamsa("k", http_client=http)
        kwargs = {"voice_id": "Amjad"}
    else:
        client = speechspec.Livepeer("t", http_client=http)
        kwargs = {}
    client.text_to_speech("warm up", **kwargs)
    peak = traced(lambda: client.text_to_speech(text, **kwargs))
    limit = 3 * body_bytes / MiB
    assert peak <= limit, f"a {body_bytes / MiB:.0f} MiB body cost {peak:.1f} MiB (<= {limit})"
    # A check that copies the text is invisible above when the body's copies dominate; held on
    # its own, validation of the same text must cost (almost) nothing.
    bad = text + "\ud800"

    def refused() -> None:
        with pytest.raises(speechspec.InvalidRequestError, match="lone surrogate"):
            client.text_to_speech(bad, **kwargs)

    refused()
    peak = traced(refused)
    assert peak <= 0.25, f"refusing a 1 MiB text cost {peak:.2f} MiB: a check copied it"


def test_a_1_mib_extra_body_string_is_checked_in_place(
    traced: Callable[[Callable[[], Any]], float],
) -> None:
    """extra_body goes through the spec's schema: its string checks must not copy either."""
    client = speechspec.Livepeer(
        "t", http_client=httpx.Client(transport=httpx.MockTransport(_answer))
    )
    bad = "م" * MiB + "\ud800"

    def refused() -> None:
        with pytest.raises(speechspec.InvalidRequestError, match="lone surrogate"):
            client.text_to_speech("Hello", extra_body={"description": bad})

    refused()
    peak = traced(refused)
    assert peak <= 0.25, f"refusing a 1 MiB extra_body string cost {peak:.2f} MiB"


def test_a_200k_line_batch_holds_no_line_per_line_state(
    tmp_path: Path,
    traced: Callable[[Callable[[], Any]], float],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The real CLI, in this process, over 200,000 lines and the journal a run killed at the
    very end leaves (600,000 records), against a port where nothing listens, --fail-fast: every
    line is checked before the first POST, the journal replayed, the POST fails, and every other
    line is still read, keyed and looked for on disk to be counted. Nothing may be kept per line.
    (No output files: creating 200,000 of them costs minutes on a busy disk.)"""
    count = 200_000
    lines, out = tmp_path / "lines.txt", tmp_path / "out"
    (out / ".speechspec-batch").mkdir(parents=True)
    with (
        lines.open("w", encoding="utf-8") as src,
        (out / ".speechspec-batch" / "1-of-1.journal").open("w") as journal,
    ):
        for number in range(1, count + 1):
            text = f"Line {number} of the corpus, a sentence of ordinary length to synthesize."
            src.write(text + "\n")
            key = f"{number:05d}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"
            journal.write(f"I\t{key}\nC\t{key}\tjob-{number}\nD\t{key}\n")
    with socket.socket() as sock:  # nothing listens there
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    monkeypatch.setenv("LIVEPEER_BASE_URL", closed)
    monkeypatch.setenv("LIVEPEER_API_TOKEN", "unused")
    codes: list[int] = []
    argv = ["batch", "livepeer", str(lines), "--out-dir", str(out), "--fail-fast"]
    peak = traced(lambda: codes.append(cli_main(argv)))
    assert codes == [1]
    assert "done 0, skipped 0, failed 1, not attempted 199999" in capsys.readouterr().out
    # 200,000 keys held would be ~30 MiB (a str and a dict slot each); the bench's RSS target
    # for a first run is 64 MiB over a 100-line one.
    assert peak <= 8, f"a 200,000-line batch grew Python's heap by {peak:.1f} MiB"
