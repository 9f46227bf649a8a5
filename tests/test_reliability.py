"""Download faults on real sockets, response fuzzing, webhook forgery, concurrency, secrets."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import speechspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rawserver import Conn, RawServer
from speechspec import errors
from speechspec.emulator import EmulatorServer
from speechspec.webhooks import verify_hamsa_webhook

FUZZ_EXAMPLES = int(os.environ.get("SPEECHSPEC_FUZZ_EXAMPLES", "250"))
AUDIO = b"RIFF" + os.urandom(200_000)

# --- download faults on a real socket -------------------------------------------------------


def _drop_mid_audio(conn: Conn) -> None:
    conn.send(
        f"HTTP/1.1 200 OK\r\nContent-Type: audio/wav\r\nContent-Length: {len(AUDIO)}\r\n\r\n".encode()
    )
    conn.send(AUDIO[:50_000])
    conn.reset()


def _short(conn: Conn) -> None:
    conn.respond(
        "200 OK", AUDIO[:1000], {"Content-Length": str(len(AUDIO)), "Content-Type": "audio/wav"}
    )


def _chunked_over_cap(conn: Conn) -> None:
    conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: audio/wav\r\nTransfer-Encoding: chunked\r\n\r\n")
    for i in range(0, len(AUDIO), 8192):
        piece = AUDIO[i : i + 8192]
        conn.send(b"%x\r\n%s\r\n" % (len(piece), piece))
    conn.send(b"0\r\n\r\n")


def _redirect(location: str):  # type: ignore[no-untyped-def]
    return lambda conn: conn.respond("302 Found", b"", {"Location": location})


@pytest.mark.parametrize(
    ("behaviour", "kwargs", "message"),
    [
        (_drop_mid_audio, {}, "download failed"),
        (_short, {}, "download failed"),
        (_chunked_over_cap, {"max_bytes": 100_000}, "max_bytes"),
        (
            lambda c: c.respond("200 OK", AUDIO, {"Content-Type": "audio/wav"}),
            {"max_bytes": 100_000},
            "max_bytes",
        ),
        (_redirect("ftp://127.0.0.1/a.wav"), {}, "scheme 'ftp'"),
        (_redirect("file:///etc/passwd"), {}, "scheme 'file'"),
        (_redirect("data:audio/wav;base64,UklGRg=="), {}, "data: URL|invalid URL"),
        (_redirect("http://203.0.113.9/a.wav"), {}, "plain http"),
    ],
)
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_download_faults_leave_nothing_behind(
    tmp_path: Path,
    sleeps: list[float],
    mode: str,
    behaviour: Any,
    kwargs: dict[str, Any],
    message: str,
) -> None:
    target = tmp_path / "take.wav"
    target.write_bytes(b"the previous take")
    with RawServer(behaviour) as server:
        url = f"{server.url}/media/a.wav"
        if mode == "sync":
            with (
                speechspec.Livepeer() as client,
                pytest.raises(errors.DownloadError, match=message),
            ):
                client.download(url, target, **kwargs)
        else:

            async def scenario() -> None:
                async with speechspec.AsyncLivepeer() as client:
                    await client.download(url, target, **kwargs)

            with pytest.raises(errors.DownloadError, match=message):
                asyncio.run(scenario())
    assert target.read_bytes() == b"the previous take"
    assert [p.name for p in tmp_path.iterdir()] == ["take.wav"]


def test_a_download_cancelled_midway_leaves_nothing(tmp_path: Path) -> None:
    gate = threading.Event()

    def stall(conn: Conn) -> None:
        conn.send(
            f"HTTP/1.1 200 OK\r\nContent-Length: {len(AUDIO)}\r\n\r\n".encode() + AUDIO[:1000]
        )
        gate.wait(5)

    async def scenario() -> None:
        async with speechspec.AsyncLivepeer() as client:
            task = asyncio.create_task(client.download(f"{server.url}/a.wav", tmp_path / "a.wav"))
            while not any(p.suffix == ".part" for p in tmp_path.iterdir()):
                await asyncio.sleep(0.01)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    with RawServer(stall) as server:
        asyncio.run(scenario())
        gate.set()
    assert list(tmp_path.iterdir()) == []


# --- response fuzzing: arbitrary answers, only typed errors ---------------------------------

STATUSES = [
    200,
    201,
    202,
    204,
    299,
    301,
    302,
    400,
    401,
    403,
    404,
    409,
    418,
    422,
    429,
    500,
    502,
    503,
    504,
    520,
    599,
]
BODIES = st.one_of(
    st.binary(max_size=300),
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
        ),
        max_leaves=12,
    ).map(lambda v: httpx.Response(200, json=v).content),
    st.sampled_from(
        [
            b'{"data": {"id": "j", "status": "PENDING"}}',
            b'{"audio": {"url": "https://x/a.wav"}}',
            b'{"data": {"id": 1}}',
            b'{"audio": {"url": null}}',
            b'{"detail": [{"loc": 1}]}',
        ]
    ),
)
HEADERS = st.sampled_from(
    [
        {},
        {"content-type": "application/json"},
        {"content-type": "text/html"},
        {"retry-after": "abc"},
        {"retry-after": "-5"},
        {"retry-after": "1e9"},
        {"content-encoding": "gzip"},
        {"location": "ftp://x"},
    ]
)


@pytest.fixture(scope="module")
def fuzz_clients() -> Iterator[dict[str, Any]]:
    state: dict[str, Any] = {}

    class Raw(httpx.SyncByteStream):
        # A stream, not content=: httpx would decode content= eagerly, inside this handler,
        # where a real transport hands over raw bytes and decoding happens as they are read.
        def __init__(self, body: bytes) -> None:
            self.body = body

        def __iter__(self) -> Iterator[bytes]:
            yield self.body

    def handler(request: httpx.Request) -> httpx.Response:
        status, body, headers = state["answer"]
        return httpx.Response(status, stream=Raw(body), headers=headers)

    transport = httpx.MockTransport(handler)
    clients = {
        "hamsa": speechspec.Hamsa(
            "hk-fuzz", http_client=httpx.Client(transport=transport), max_retries=1
        ),
        "livepeer": speechspec.Livepeer(
            "lp-fuzz", http_client=httpx.Client(transport=transport), max_retries=1
        ),
        "state": state,
    }
    return clients


@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
@given(
    status=st.sampled_from(STATUSES),
    body=BODIES,
    headers=HEADERS,
    op=st.sampled_from(["create", "status", "livepeer"]),
)
def test_arbitrary_answers_raise_only_typed_errors(
    fuzz_clients: dict[str, Any],
    sleeps: list[float],
    status: int,
    body: bytes,
    headers: dict[str, str],
    op: str,
) -> None:
    fuzz_clients["state"]["answer"] = (status, body, headers)
    try:
        if op == "create":
            result = fuzz_clients["hamsa"].text_to_speech("t", voice_id="v")
        elif op == "status":
            result = fuzz_clients["hamsa"].get_job("j")
        else:
            result = fuzz_clients["livepeer"].text_to_speech("t")
    except errors.APIStatusError as exc:
        assert not 200 <= status < 300
        assert exc.status_code == status
    except errors.ResponseValidationError as exc:
        assert 200 <= status < 300 or "redirect" in str(exc)
    else:
        assert 200 <= status < 300
        assert result is not None
    assert all(0 <= s <= 60 for s in sleeps)


# --- webhook forgery ------------------------------------------------------------------------

KEY, SECRET = "Token", "wh-9f8e7d6c5b4a"
JOB = b'{"id": "job-1", "status": "COMPLETED", "mediaUrl": "https://m.example.com/a.wav"}'


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None, derandomize=True)
@given(
    header=st.one_of(
        st.text(max_size=40),
        st.builds(lambda a, b: f"{a}{KEY} {SECRET}{b}", st.text(max_size=3), st.text(max_size=3)),
        st.builds(
            lambda k, s: f"{k} {s}",
            st.sampled_from([KEY, KEY.lower(), "Bearer", ""]),
            st.text(min_size=1, max_size=20),
        ),
        st.builds(lambda n: f"{KEY} {SECRET[:n]}", st.integers(0, len(SECRET) - 1)),
    )
)
def test_forged_webhook_headers_are_never_accepted(header: str) -> None:
    if header == f"{KEY} {SECRET}":
        return
    with pytest.raises(errors.WebhookVerificationError):
        verify_hamsa_webhook({"Authorization": header}, JOB, auth_key=KEY, auth_secret=SECRET)


# --- concurrency ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(job_delay=0.0, use_espeak=False) as srv:
        yield srv


def test_one_sync_client_shared_by_32_threads(emulator: EmulatorServer) -> None:
    client = speechspec.Hamsa(emulator.hamsa_key, base_url=emulator.hamsa_base_url)

    def work(i: int) -> tuple[int, str, str]:
        text = f"thread {i} says hello"
        created = client.text_to_speech(text, voice_id=f"voice-{i}")
        assert isinstance(created.id, str)
        fetched = client.get_job(created.id)
        return i, str(fetched.title), str(fetched.tts_voice_id)

    with ThreadPoolExecutor(32) as pool:
        results = list(pool.map(work, range(96)))
    for i, title, voice in results:  # every answer belongs to its own request
        assert (title, voice) == (f"thread {i} says hello", f"voice-{i}")
    client.close()
    assert client._client.is_closed


def test_one_async_client_shared_by_128_tasks(emulator: EmulatorServer) -> None:
    # 128: more tasks than the client's 100 pooled connections, so some wait for one.
    async def scenario() -> list[tuple[int, str]]:
        async with speechspec.AsyncHamsa(
            emulator.hamsa_key, base_url=emulator.hamsa_base_url
        ) as client:

            async def one(i: int) -> tuple[int, str]:
                job = await client.text_to_speech(f"task {i}", voice_id=f"v{i}")
                assert isinstance(job.id, str)
                return i, str((await client.get_job(job.id)).title)

            return await asyncio.gather(*(one(i) for i in range(128)))

    for i, title in asyncio.run(scenario()):
        assert title == f"task {i}"


# --- secrets, everywhere --------------------------------------------------------------------


def test_secrets_never_reach_logs_reprs_or_errors_on_real_http(
    emulator: EmulatorServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # httpx's and httpcore's loggers included
    webhook_secret = "whsec-never-log-me-42"
    seen: list[str] = []
    with speechspec.Hamsa(emulator.hamsa_key, base_url=emulator.hamsa_base_url) as hamsa:
        seen.append(repr(hamsa))
        job = hamsa.text_to_speech(
            "hello",
            voice_id="v",
            webhook_url="http://127.0.0.1:9/hook",
            webhook_auth=("Token", webhook_secret),
        )
        assert isinstance(job.id, str)
        hamsa.download(hamsa.audio_url(hamsa.wait_for_job(job.id)), tmp_path / "a.wav")
    bad_key = "hk-wrong-" + emulator.hamsa_key
    with speechspec.Hamsa(bad_key, base_url=emulator.hamsa_base_url) as wrong:
        with pytest.raises(errors.AuthenticationError) as info:
            wrong.text_to_speech("x", voice_id="v")
        seen += [str(info.value), repr(info.value), repr(wrong)]
    seen += [r.getMessage() for r in caplog.records] + [str(r.args) for r in caplog.records]
    assert any(r.name.startswith("httpcore") for r in caplog.records)
    blob = "\n".join(seen)
    for secret in (emulator.hamsa_key, bad_key, webhook_secret):
        assert secret not in blob


def test_cli_output_never_shows_the_key(emulator: EmulatorServer, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "HAMSA_API_KEY": "hk-cli-secret-0042",
        "HAMSA_BASE_URL": emulator.hamsa_base_url,
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "speechspec",
            "speak",
            "hamsa",
            "hi",
            "--voice-id",
            "v",
            "-o",
            str(tmp_path / "a.wav"),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "AuthenticationError" in result.stderr
    assert "hk-cli-secret-0042" not in result.stdout + result.stderr
