"""Hostile round 3 (issue 22): a client closed at any moment of a call is ClientClosedError:
during a retry's sleep, from another thread, during a job poll's sleep, between a download's
redirects; sync and async. Real servers on loopback; each race asserts what every allowed
outcome must satisfy."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import speechspec
from helpers import HAMSA_KEY, job
from rawserver import Conn, RawServer
from speechspec import errors

WAV = b"RIFF" + b"\x00" * 40
AUDIO = json.dumps({"audio": {"url": "https://cdn.example.com/a.wav"}}).encode()


def busy(conn: Conn) -> None:
    conn.respond("503 Service Unavailable", b'{"error": {"message": "busy"}}', {"Retry-After": "1"})


def signalling(behaviour: Any, answered: threading.Event) -> Any:
    """``behaviour``, then ``answered`` set: the client is past its first answer (reading it, or
    already sleeping before the next attempt or poll) whatever the machine's load."""

    def run(conn: Conn) -> None:
        behaviour(conn)
        answered.set()

    return run


def close_when(answered: threading.Event, action: Any) -> None:
    threading.Thread(target=lambda: (answered.wait(10), action()), daemon=True).start()


async def aclose_when(client: Any, answered: threading.Event) -> None:
    await asyncio.to_thread(answered.wait, 10)
    await client.aclose()


def later(seconds: float, action: Any) -> threading.Timer:
    timer = threading.Timer(seconds, action)
    timer.start()
    return timer


# -- closed during a retry's sleep ---------------------------------------------------------------


def test_sync_closed_during_a_retry_sleep() -> None:
    answered = threading.Event()
    with RawServer(signalling(busy, answered)) as server:
        client = speechspec.Livepeer(base_url=server.url, max_retries=3)
        close_when(answered, client.close)
        started = time.monotonic()
        with pytest.raises(errors.ClientClosedError, match="closed"):
            client.text_to_speech("hi")
    assert len(server.requests) == 1
    # Raised when the 1 s sleep ends, without another attempt.
    assert time.monotonic() - started < 3.5


def test_sync_with_a_borrowed_http_client_closed_by_its_owner_during_a_retry_sleep() -> None:
    import httpx

    answered = threading.Event()
    with RawServer(signalling(busy, answered)) as server, httpx.Client() as own:
        client = speechspec.Livepeer(base_url=server.url, max_retries=3, http_client=own)
        close_when(answered, own.close)
        with pytest.raises(errors.ClientClosedError):
            client.text_to_speech("hi")
    assert len(server.requests) == 1


def test_async_closed_during_a_retry_sleep() -> None:
    answered = threading.Event()

    async def main() -> None:
        client = speechspec.AsyncLivepeer(base_url=server.url, max_retries=3)
        closer = asyncio.create_task(aclose_when(client, answered))
        with pytest.raises(errors.ClientClosedError, match="closed"):
            await client.text_to_speech("hi")
        await closer

    with RawServer(signalling(busy, answered)) as server:
        asyncio.run(main())
    assert len(server.requests) == 1


# -- closed from another thread while a request is in flight ------------------------------------


@pytest.mark.parametrize("delay", [0.0, 0.05, 0.3])
def test_sync_closed_from_another_thread_mid_request(delay: float) -> None:
    def slow(conn: Conn) -> None:
        time.sleep(delay)
        conn.respond("200 OK", AUDIO)

    with RawServer(slow) as server:
        client = speechspec.Livepeer(base_url=server.url, max_retries=2)
        closer = later(0.1, client.close)
        try:
            got = client.text_to_speech("hi")
        except errors.ClientClosedError:
            pass  # the close won the race
        else:  # the answer won the race: it is whole
            assert got.audio.url == "https://cdn.example.com/a.wav"
        closer.join()
        with pytest.raises(errors.ClientClosedError):
            client.text_to_speech("hi")
    assert len(server.requests) <= 1


# -- closed during a job poll's sleep ----------------------------------------------------------------


def pending(conn: Conn) -> None:
    body = json.dumps({"success": True, "message": "ok", "data": job("PENDING")}).encode()
    conn.respond("200 OK", body)


def test_sync_closed_during_a_job_poll_sleep() -> None:
    answered = threading.Event()
    with RawServer(signalling(pending, answered)) as server:
        client = speechspec.Hamsa(api_key=HAMSA_KEY, base_url=server.url)
        close_when(answered, client.close)
        with pytest.raises(errors.ClientClosedError):
            client.wait_for_job("job-123", timeout=20, poll_interval=0.2, max_poll_interval=0.2)
    assert len(server.requests) >= 1


def test_async_closed_during_a_job_poll_sleep() -> None:
    answered = threading.Event()

    async def main() -> None:
        client = speechspec.AsyncHamsa(api_key=HAMSA_KEY, base_url=server.url)
        closer = asyncio.create_task(aclose_when(client, answered))
        with pytest.raises(errors.ClientClosedError):
            await client.wait_for_job(
                "job-123", timeout=20, poll_interval=0.2, max_poll_interval=0.2
            )
        await closer

    with RawServer(signalling(pending, answered)) as server:
        asyncio.run(main())
    assert len(server.requests) >= 1


# -- closed during a download's redirect or retry -----------------------------------------------------


def test_sync_closed_between_a_downloads_redirects(tmp_path: Path) -> None:
    holder: dict[str, Any] = {}

    def hop(conn: Conn) -> None:
        if b"GET /a.wav" in conn.request:
            holder["client"].close()  # before the 302 is answered
            conn.respond("302 Found", b"", {"Location": "/b.wav"})
        else:
            conn.respond("200 OK", WAV, {"Content-Type": "audio/wav"})

    with RawServer(hop) as server:
        client = holder["client"] = speechspec.Livepeer(base_url=server.url)
        with pytest.raises(errors.ClientClosedError):
            client.download(server.url + "/a.wav", tmp_path / "a.wav")
    assert len(server.requests) == 1
    assert not list(tmp_path.iterdir())


def test_sync_closed_during_a_downloads_retry_sleep(tmp_path: Path) -> None:
    answered = threading.Event()
    with RawServer(signalling(busy, answered)) as server:
        client = speechspec.Livepeer(base_url=server.url, max_retries=3)
        close_when(answered, client.close)
        with pytest.raises(errors.ClientClosedError):
            client.download(server.url + "/a.wav", tmp_path / "a.wav")
    assert len(server.requests) == 1
    assert not list(tmp_path.iterdir())


def test_async_closed_between_a_downloads_redirects(tmp_path: Path) -> None:
    answered = threading.Event()

    def hop(conn: Conn) -> None:
        if b"GET /a.wav" in conn.request:
            conn.respond("302 Found", b"", {"Location": "/b.wav"})
            answered.set()
        else:
            conn.respond("200 OK", WAV, {"Content-Type": "audio/wav"})

    async def main() -> None:
        client = speechspec.AsyncLivepeer(base_url=server.url, max_retries=2)
        closer = asyncio.create_task(aclose_when(client, answered))
        try:
            await client.download(server.url + "/a.wav", tmp_path / "a.wav")
        except errors.ClientClosedError:
            assert not list(tmp_path.iterdir())
        else:  # the whole download won the race
            assert (tmp_path / "a.wav").read_bytes() == WAV
        await closer
        with pytest.raises(errors.ClientClosedError):
            await client.download(server.url + "/a.wav", tmp_path / "b.wav")

    with RawServer(hop) as server:
        asyncio.run(main())


def test_async_closed_during_a_downloads_retry_sleep(tmp_path: Path) -> None:
    answered = threading.Event()

    async def main() -> None:
        client = speechspec.AsyncLivepeer(base_url=server.url, max_retries=3)
        closer = asyncio.create_task(aclose_when(client, answered))
        with pytest.raises(errors.ClientClosedError):
            await client.download(server.url + "/a.wav", tmp_path / "a.wav")
        await closer

    with RawServer(signalling(busy, answered)) as server:
        asyncio.run(main())
    assert len(server.requests) == 1
    assert not list(tmp_path.iterdir())


def test_a_runtime_error_of_a_sync_http_client_is_not_called_an_event_loop_problem() -> None:
    """The sync twin of the event-loop guard (one send loop for both) must not blame an event
    loop a sync client has none of; the key, if the caller's transport echoes it, is redacted."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise RuntimeError(f"hook refused {HAMSA_KEY}")

    own = httpx.Client(transport=httpx.MockTransport(handler))
    hamsa = speechspec.Hamsa(HAMSA_KEY, http_client=own)
    with pytest.raises(speechspec.ConfigurationError) as info:
        hamsa.text_to_speech("t", voice_id="v")
    message = str(info.value)
    assert "event loop" not in message and "AsyncClient" not in message
    assert "RuntimeError" in message and "hook refused [REDACTED]" in message
    assert HAMSA_KEY not in message


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_runtime_error_during_a_download_is_a_speechspec_error(tmp_path: Path, mode: str) -> None:
    """download() went through its own loop, which re-raised httpx's RuntimeError unless the
    client had been closed: a caller's transport (or an AsyncClient from another event loop)
    let a bare RuntimeError out of a public call."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("transport refused")

    if mode == "sync":
        own = httpx.Client(transport=httpx.MockTransport(handler))
        hamsa = speechspec.Hamsa(HAMSA_KEY, http_client=own)
        with pytest.raises(speechspec.ConfigurationError, match="transport refused"):
            hamsa.download("https://cdn.example.com/a.wav", tmp_path / "a.wav")
    else:

        async def main() -> None:
            own = httpx.AsyncClient(transport=httpx.MockTransport(handler))
            client = speechspec.AsyncHamsa(HAMSA_KEY, http_client=own)
            await client.download("https://cdn.example.com/a.wav", tmp_path / "a.wav")

        with pytest.raises(speechspec.ConfigurationError, match="transport refused"):
            asyncio.run(main())
    assert not (tmp_path / "a.wav").exists()
