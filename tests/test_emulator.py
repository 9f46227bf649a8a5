"""Emulator behaviour the conformance run does not reach: webhooks, faults, data: URLs, audio."""

from __future__ import annotations

import base64
import io
import time
import wave
from typing import Any

import httpx
import pytest
import speechspec
from rawserver import RawServer
from speechspec import errors
from speechspec.emulator import EmulatorServer, Fault
from speechspec.webhooks import verify_hamsa_webhook


def _headers_and_body(raw: bytes) -> tuple[dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip()] = value.strip()
    return headers, body


def test_completed_jobs_are_posted_to_the_webhook_with_its_auth() -> None:
    with (
        RawServer(lambda c: c.respond("200 OK", b"{}")) as receiver,
        EmulatorServer(job_delay=0.1, use_espeak=False) as emu,
    ):
        hamsa = speechspec.Hamsa(emu.hamsa_key, base_url=emu.hamsa_base_url)
        job = hamsa.text_to_speech(
            "مرحبا",
            voice_id="Amjad",
            webhook_url=f"{receiver.url}/hook",
            webhook_auth=("Token", "wh-secret"),
        )
        deadline = time.monotonic() + 10
        while not receiver.requests and time.monotonic() < deadline:
            time.sleep(0.02)
        (raw,) = receiver.requests
    assert raw.startswith(b"POST /hook ")
    headers, body = _headers_and_body(raw)
    delivered = verify_hamsa_webhook(headers, body, auth_key="Token", auth_secret="wh-secret")
    assert delivered.id == job.id
    assert delivered.status is not None and delivered.status.value == "COMPLETED"
    assert isinstance(delivered.media_url, str)
    with pytest.raises(errors.WebhookVerificationError):
        verify_hamsa_webhook(headers, body, auth_key="Token", auth_secret="other")


def test_webhooks_to_other_hosts_are_not_delivered_by_default() -> None:
    with EmulatorServer(job_delay=0.05, use_espeak=False) as emu:
        hamsa = speechspec.Hamsa(emu.hamsa_key, base_url=emu.hamsa_base_url)
        hamsa.text_to_speech("hi", voice_id="v", webhook_url="https://hooks.example.com/x")
        deadline = time.monotonic() + 5
        while not emu.state.webhook_deliveries and time.monotonic() < deadline:
            time.sleep(0.02)
        assert emu.state.webhook_deliveries[0]["skipped"] == "not loopback"


def test_fault_header_every_nth_request_and_retry_after(sleeps: list[float]) -> None:
    with EmulatorServer(use_espeak=False) as emu:
        url = f"{emu.livepeer_base_url}/text-to-speech"
        auth = {
            "Authorization": f"Bearer {emu.livepeer_token}",
            "X-Emulator-Fault": "status=429; retry-after=3; every=2",
        }
        statuses = [
            httpx.post(url, json={"model_id": "m", "text": "hi"}, headers=auth) for _ in range(4)
        ]
        assert [r.status_code for r in statuses] == [200, 429, 200, 429]
        assert statuses[1].headers["retry-after"] == "3"
        # The emulator is a go-livepeer gateway by default: server/handlers.go's error shape.
        assert statuses[1].json() == {"error": {"message": "emulated fault"}}
        for status, message in ((500, "Internal Server Error"), (503, "Service Unavailable Error")):
            r = httpx.post(
                url,
                json={"model_id": "m", "text": "hi"},
                headers={**auth, "X-Emulator-Fault": f"status={status}"},
            )
            assert (r.status_code, r.json()) == (status, {"error": {"message": message}})
        html = httpx.get(
            f"{emu.base_url}/v1/jobs?jobId=x", headers={"X-Emulator-Fault": "status=502; html=1"}
        )
        assert html.status_code == 502
        assert html.headers["content-type"].startswith("text/html")
        assert [r["status"] for r in emu.requests()] == [200, 429, 200, 429, 500, 503, 502]


def test_configured_faults_reach_the_client_and_are_retried(sleeps: list[float]) -> None:
    faults = [Fault(status=503, retry_after="1", every=2, path="/livepeer")]
    with EmulatorServer(use_espeak=False, faults=faults) as emu:
        sleeps.clear()  # the server's own start-up polling went through time.sleep too
        lp = speechspec.Livepeer(emu.livepeer_token, base_url=emu.livepeer_base_url)
        lp.text_to_speech("one")  # request 1: answered
        lp.text_to_speech("two")  # request 2: 503, then request 3: answered
        assert [r["status"] for r in emu.requests()] == [200, 503, 200]
        assert sleeps == [1.0]


def _wav_seconds(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        return w.getnframes() / w.getframerate()


def test_data_url_mode_and_audio_length() -> None:
    with EmulatorServer(use_espeak=False, livepeer_data_urls=True) as emu:
        lp = speechspec.Livepeer(emu.livepeer_token, base_url=emu.livepeer_base_url)
        short = lp.text_to_speech("Hi").audio.url
        long = lp.text_to_speech("A considerably longer sentence to speak aloud.").audio.url
    assert short.startswith("data:audio/wav;base64,")
    seconds = [_wav_seconds(base64.b64decode(u.partition(",")[2])) for u in (short, long)]
    assert seconds[1] > seconds[0] > 0


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (None, 400),
        ("null", 400),
        ('{"text": 5, "voiceId": "v"}', 400),
        ('{"text": "t", "voiceId": "v", "webhookUrl": "not a uri"}', 400),
        ('{"text": "\\ud800", "voiceId": "v"}', 400),
        ('{"text": "t", "voiceId": "\\udfff"}', 400),
        ("[" * 100_000, 400),
        (b"\xff\xfe{", 400),
        ('{"text": "", "voiceId": "v"}', 400),
        ('{"text": "t"}', 400),
        ('{"text": "t", "voiceId": "v"}', 200),
    ],
)
def test_hamsa_request_validation(body: Any, status: int) -> None:
    with EmulatorServer(use_espeak=False) as emu:
        r = httpx.post(
            f"{emu.base_url}/v1/jobs/text-to-speech",
            content=body,
            headers={"Authorization": f"Token {emu.hamsa_key}"},
        )
        assert r.status_code == status
        if status == 400:
            assert r.headers["content-type"] == "application/json"
            assert set(r.json()) == {"code", "message"}
            assert r.json()["code"] == 400
        wrong = httpx.post(
            f"{emu.base_url}/v1/jobs/text-to-speech",
            json={"text": "t", "voiceId": "v"},
            headers={"Authorization": f"Token {emu.hamsa_key}x"},
        )
        assert wrong.status_code == 401


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/a b",
        "https://hooks.example.com/<x>",
        'https://hooks.example.com/"q"',
        "https://hooks.example.com/{x}",
        "https://hooks.example.com/a|b",
        "https://hooks.example.com/a\\b",
        "https://hooks.example.com/a^b",
        "https://hooks.example.com/a`b",
        "https://hooks.example.com/%zz",
        "https://hooks.example.com/%4",
        "https://hooks.example.com/caf\u00e9",
        "https://user:hunter2@[not-ipv6]/x",
        "hooks.example.com/no-scheme",
        "urn:isbn:0451450523",  # a URI, but nothing Hamsa can POST to
    ],
)
def test_webhook_urls_the_spec_forbids_are_refused_without_echo(url: str) -> None:
    with EmulatorServer(use_espeak=False) as emu:
        r = httpx.post(
            f"{emu.base_url}/v1/jobs/text-to-speech",
            json={"text": "t", "voiceId": "v", "webhookUrl": url},
            headers={"Authorization": f"Token {emu.hamsa_key}"},
        )
        assert r.status_code == 400
        body = r.json()
        assert set(body) == {"code", "message"} and body["code"] == 400
        assert body["message"].startswith("webhookUrl: ")
        assert url not in r.text and "hunter2" not in r.text
        assert emu.state.jobs == {}


def test_accepted_webhook_urls_are_echoed_as_valid_uris() -> None:
    from speechspec.emulator._schema import is_uri

    url = "https://hooks.example.com/a/b%20c?x=1&y=%C3%A9#frag"
    with EmulatorServer(use_espeak=False, job_delay=60) as emu:
        r = httpx.post(
            f"{emu.base_url}/v1/jobs/text-to-speech",
            json={"text": "t", "voiceId": "v", "webhookUrl": url},
            headers={"Authorization": f"Token {emu.hamsa_key}"},
        )
    assert r.status_code == 200
    assert r.json()["data"]["webhookUrl"] == url and is_uri(url)
