"""client.with_raw_response.<method>(...): the HTTP response behind each result (respx)."""

from __future__ import annotations

import asyncio
import datetime
from typing import Any

import httpx
import pytest
import respx
from hamsa_client.models import TTSResponseData
from helpers import HAMSA_URL, LIVEPEER_URL, audio_answer, call, create_answer, job, make
from livepeer_client.models import AudioResponse
from speechspec import AsyncHamsa, RawResponse

MODES = ["sync", "async"]
CREATE = f"{HAMSA_URL}/v1/jobs/text-to-speech"
JOBS = f"{HAMSA_URL}/v1/jobs"
TTS = f"{LIVEPEER_URL}/text-to-speech"
MEDIA = "https://cdn.example.com/a.wav"


@pytest.fixture
def mock() -> Any:
    with respx.mock(assert_all_called=False) as m:
        yield m


def ok(body: Any, request_id: str) -> httpx.Response:
    return httpx.Response(200, json=body, headers={"x-request-id": request_id, "x-extra": "1"})


def job_answer(status: str, request_id: str, **extra: Any) -> httpx.Response:
    return ok({"message": "ok", "data": job(status, **extra)}, request_id)


def raw_call(client: Any, method: str, *args: Any, **kwargs: Any) -> RawResponse[Any]:
    result: RawResponse[Any] = call(client.with_raw_response, method, *args, **kwargs)
    return result


@pytest.mark.parametrize("mode", MODES)
def test_hamsa_text_to_speech_raw(mock: Any, mode: str, sleeps: list[float]) -> None:
    mock.post(CREATE).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "0"}),
            ok(create_answer(), "req-create"),
        ]
    )
    raw = raw_call(make("hamsa", mode), "text_to_speech", "hi", voice_id="Amjad")
    assert raw.status_code == 200
    assert raw.headers["x-extra"] == "1"
    assert raw.request_id == "req-create"
    assert raw.retries_taken == 1
    assert raw.http_request is not None
    assert (raw.http_request.method, str(raw.http_request.url)) == ("POST", CREATE)
    assert isinstance(raw.elapsed, datetime.timedelta)
    assert raw.elapsed >= datetime.timedelta(0)
    parsed = raw.parse()
    assert type(parsed) is TTSResponseData  # a plain generated model
    assert parsed.id == "job-123"


@pytest.mark.parametrize("mode", MODES)
def test_hamsa_get_job_and_wait_for_job_raw_are_the_last_poll(
    mock: Any, mode: str, sleeps: list[float]
) -> None:
    mock.get(JOBS).mock(
        side_effect=[
            job_answer("PENDING", "poll-1"),
            job_answer("PENDING", "poll-2"),
            job_answer("COMPLETED", "poll-3", mediaUrl=MEDIA),
        ]
    )
    client = make("hamsa", mode)
    first = raw_call(client, "get_job", "job-123")
    assert first.request_id == "poll-1"
    assert first.parse().status.value == "PENDING"
    done = raw_call(client, "wait_for_job", "job-123")
    assert done.request_id == "poll-3"
    assert done.retries_taken == 0
    assert done.parse().status.value == "COMPLETED"
    assert done.http_request is not None
    assert done.http_request.url.params["jobId"] == "job-123"


@pytest.mark.parametrize("mode", MODES)
def test_hamsa_synthesize_raw_is_the_last_api_response(
    mock: Any, mode: str, tmp_path: Any, sleeps: list[float]
) -> None:
    mock.post(CREATE).mock(return_value=ok(create_answer(), "req-create"))
    mock.get(JOBS).mock(return_value=job_answer("COMPLETED", "req-poll", mediaUrl=MEDIA))
    mock.get(MEDIA).respond(200, content=b"RIFF", headers={"x-request-id": "cdn"})
    raw = raw_call(make("hamsa", mode), "synthesize", "hi", tmp_path / "a.wav", voice_id="Amjad")
    assert raw.request_id == "req-poll"
    assert raw.parse() == tmp_path / "a.wav"
    assert (tmp_path / "a.wav").read_bytes() == b"RIFF"


@pytest.mark.parametrize("mode", MODES)
def test_livepeer_raw_responses(mock: Any, mode: str, tmp_path: Any) -> None:
    mock.post(TTS).mock(return_value=ok(audio_answer(MEDIA), "lp-1"))
    mock.get(MEDIA).respond(200, content=b"RIFF", headers={"x-request-id": "cdn-1"})
    client = make("livepeer", mode)
    raw = raw_call(client, "text_to_speech", "hi")
    assert (raw.status_code, raw.request_id, raw.retries_taken) == (200, "lp-1", 0)
    assert type(raw.parse()) is AudioResponse
    assert raw.parse().audio.url == MEDIA
    synth = raw_call(client, "synthesize", "hi", tmp_path / "s.wav")
    assert synth.request_id == "lp-1"
    assert synth.parse() == tmp_path / "s.wav"
    download = raw_call(client, "download", MEDIA, tmp_path / "d.wav")
    assert download.request_id == "cdn-1"
    assert download.http_request is not None
    assert str(download.http_request.url) == MEDIA
    assert download.parse() == tmp_path / "d.wav"


@pytest.mark.parametrize(("vendor", "mode"), [(v, m) for v in ("hamsa", "livepeer") for m in MODES])
def test_download_raw_retries_and_data_urls(
    mock: Any, vendor: str, mode: str, tmp_path: Any, sleeps: list[float]
) -> None:
    mock.get(MEDIA).mock(side_effect=[httpx.Response(503), httpx.Response(200, content=b"RIFF")])
    client = make(vendor, mode)
    raw = raw_call(client, "download", MEDIA, tmp_path / "a.wav")
    assert (raw.status_code, raw.retries_taken) == (200, 1)
    data = raw_call(client, "download", "data:audio/wav;base64,UklGRg==", tmp_path / "b.wav")
    assert (data.status_code, data.http_request, data.retries_taken) == (200, None, 0)
    assert data.request_id is None
    assert (tmp_path / "b.wav").read_bytes() == b"RIFF"


def test_typed_results_are_unchanged_without_raw(mock: Any) -> None:
    mock.post(CREATE).mock(return_value=ok(create_answer(), "req-create"))
    assert type(call(make("hamsa", "sync"), "text_to_speech", "hi", voice_id="A")) is (
        TTSResponseData
    )


async def test_concurrent_raw_calls_each_get_their_own_response(mock: Any) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return ok(create_answer(), f"for-{request.headers['x-n']}")

    mock.post(CREATE).mock(side_effect=answer)
    async with AsyncHamsa("hk_live_5ecret_0123456789abcdef") as client:
        raws = await asyncio.gather(
            *(
                client.with_raw_response.text_to_speech(
                    "hi", voice_id="A", extra_headers={"X-N": str(n)}
                )
                for n in range(20)
            )
        )
    assert [r.request_id for r in raws] == [f"for-{n}" for n in range(20)]


def test_with_options_client_has_its_own_raw_wrapper(mock: Any) -> None:
    route = mock.post(CREATE).mock(return_value=ok(create_answer(), "r"))
    base = make("hamsa", "sync")
    assert base.with_raw_response is base.with_raw_response
    derived = base.with_options(extra_headers={"X-D": "1"})
    derived.with_raw_response.text_to_speech("hi", voice_id="A")
    assert route.calls.last.request.headers["x-d"] == "1"
