"""The batch journal under fire: the real CLI, killed (SIGKILL) or interrupted (SIGINT) at
random moments against the emulator, then resumed. Whatever moment the signal hits, no line
may be billed twice, and every line must end finished or reported as uncertain.

Billing is counted where it happens: a middleware around the emulator records each job POST
whose body reached the app (so the job was created), by its text, and holds every POST's
answer back a little, so kills also land between "job created" and "answer received"."""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
import wave
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from speechspec.emulator import EmulatorServer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CLI = [sys.executable, "-m", "speechspec"]
ANSWER_DELAY = 0.15
LINES = 12


class BilledPosts:
    """Counts POST bodies that reached the emulator's handlers, and delays every POST's
    answer by ANSWER_DELAY (the job exists by then: the window a journal must cover)."""

    def __init__(self) -> None:
        self.count: Counter[str] = Counter()

    def wrap(self, app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http" or scope["method"] != "POST":
                await app(scope, receive, send)
                return
            body = bytearray()

            async def receive_body() -> Message:
                message = await receive()
                if message["type"] == "http.request":
                    body.extend(message.get("body", b""))
                    if not message.get("more_body"):
                        self.count[json.loads(bytes(body))["text"]] += 1
                return message

            async def delayed(message: Message) -> None:
                if message["type"] == "http.response.start":
                    await asyncio.sleep(ANSWER_DELAY)
                await send(message)

            await app(scope, receive_body, delayed)

        return middleware


@pytest.fixture
def billed() -> Iterator[tuple[BilledPosts, EmulatorServer]]:
    posts = BilledPosts()
    with EmulatorServer(job_delay=0.05, use_espeak=False, wrap=posts.wrap) as server:
        yield posts, server


def env_for(server: EmulatorServer) -> dict[str, str]:
    return {
        **os.environ,
        "HAMSA_BASE_URL": server.hamsa_base_url,
        "LIVEPEER_BASE_URL": server.livepeer_base_url,
        "HAMSA_API_KEY": server.hamsa_key,
        "LIVEPEER_API_TOKEN": server.livepeer_token or "",
    }


def batch(vendor: str, lines: Path, out: Path, *extra: str) -> list[str]:
    voice = ["--voice-id", "Amjad"] if vendor == "hamsa" else []
    options = ["--out-dir", str(out), "--concurrency", "4", *voice, *extra]
    return [*CLI, "batch", vendor, str(lines), *options]


def interrupt(cmd: list[str], env: dict[str, str], sig: int, after: float) -> int:
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(after)
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=60)
    if sig in (signal.SIGINT, signal.SIGTERM):
        # Finished before the signal (0), interrupted (130), or hit during interpreter start.
        assert proc.returncode in (0, 130, -sig), stderr.decode()
        assert b"Traceback" not in stderr or proc.returncode == -sig
    return proc.returncode


def uncertain_lines(stderr: str) -> set[int]:
    return {int(n) for n in re.findall(r"^  line (\d+): uncertain: ", stderr, re.MULTILINE)}


def check_outputs(out: Path, texts: dict[int, str], *, killed: bool = False) -> set[int]:
    """Numbers of the finished lines; every file present is a complete WAV, none partial.
    A temporary file (``.NAME.TOKENn.part``) is left only by a process killed outright:
    one interrupted (SIGINT, SIGTERM) removes its own."""
    finished = set()
    for path in out.iterdir():
        if path.name == ".speechspec-batch":
            continue
        if killed and path.name.startswith(".") and path.suffix == ".part":
            continue
        assert path.suffix == ".wav" and not path.name.startswith("."), path.name
        with wave.open(str(path)) as w:
            assert w.getnframes() > 0
        finished.add(int(path.name.split("-")[0]))
    assert finished <= set(texts)
    return finished


@pytest.mark.parametrize(
    ("vendor", "sig"),
    [
        ("hamsa", signal.SIGKILL),
        ("hamsa", signal.SIGINT),
        ("hamsa", signal.SIGTERM),
        ("livepeer", signal.SIGKILL),
    ],
)
def test_kill_at_any_moment_then_resume_bills_no_line_twice(
    billed: tuple[BilledPosts, EmulatorServer], tmp_path: Path, vendor: str, sig: int
) -> None:
    posts, server = billed
    env = env_for(server)
    lines = tmp_path / "lines.txt"
    texts = {n: f"Sentence number {n} for the journal test." for n in range(1, LINES + 1)}
    lines.write_text("\n".join(texts.values()) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    # Any moment: during start-up, intents, POSTs in flight, polls, downloads, the end.
    chooser = random.Random()
    delays = [chooser.uniform(0.2, 2.5) for _ in range(2)]
    for after in delays:
        interrupt(batch(vendor, lines, out), env, sig, after)
        assert max(posts.count.values(), default=0) <= 1, (delays, posts.count)

    final = subprocess.run(
        batch(vendor, lines, out), env=env, capture_output=True, text=True, timeout=120
    )
    info: Any = (delays, final.stdout, final.stderr)
    assert all(n <= 1 for n in posts.count.values()), info
    uncertain = uncertain_lines(final.stderr)
    print(f"kills at {delays}: uncertain lines {sorted(uncertain)}, {final.stdout.strip()}")
    finished = check_outputs(out, texts, killed=sig == signal.SIGKILL)
    assert finished | uncertain == set(texts), info  # every line finished or reported
    assert not finished & uncertain, info
    assert all(posts.count[texts[n]] == 1 for n in finished), info
    assert final.returncode == (1 if uncertain else 0), info
    assert f"uncertain {len(uncertain)}" in final.stdout if uncertain else True

    # Opting in sends the uncertain lines once more, and nothing else.
    before = Counter(posts.count)
    again = subprocess.run(
        batch(vendor, lines, out, "--retry-uncertain"),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0, (delays, again.stdout, again.stderr)
    assert check_outputs(out, texts, killed=sig == signal.SIGKILL) == set(texts)
    sent = posts.count - before
    for journal in (out / ".speechspec-batch").iterdir():  # hashes and ids, never text or keys
        content = journal.read_text(encoding="utf-8")
        assert "Sentence" not in content and server.hamsa_key not in content
    assert sent == Counter(texts[n] for n in uncertain), (delays, sent, uncertain)
