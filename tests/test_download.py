"""Downloads: atomic, capped, scheme rules, data: URLs, redirects, retries."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from helpers import HAMSA_KEY, call, make
from speechspec import errors

MODES = ["sync", "async"]
AUDIO = bytes(range(256)) * 400  # 100 KiB
MEDIA = "https://media.example.com/out.wav"


class BrokenStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """Sends some bytes, then the connection drops."""

    def __init__(self, first: bytes) -> None:
        self.first = first

    def __iter__(self) -> Iterator[bytes]:
        yield self.first
        raise httpx.RemoteProtocolError(
            "peer closed connection without sending complete message body"
        )

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.first
        raise httpx.RemoteProtocolError(
            "peer closed connection without sending complete message body"
        )


@pytest.fixture
def mock() -> Any:
    with respx.mock(assert_all_called=False) as m:
        yield m


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


@pytest.mark.parametrize("mode", MODES)
def test_http_download_streams_to_the_path_without_the_api_key(
    mock: Any, tmp_path: Path, mode: str
) -> None:
    route = mock.get(MEDIA).respond(200, content=AUDIO, headers={"content-type": "audio/wav"})
    target = tmp_path / "out.wav"
    result = call(make("hamsa", mode), "download", MEDIA, target)
    assert result == target
    assert target.read_bytes() == AUDIO
    assert "authorization" not in route.calls.last.request.headers
    assert leftovers(tmp_path) == ["out.wav"]


@pytest.mark.parametrize("mode", MODES)
def test_connection_dropped_mid_audio_leaves_nothing_and_keeps_an_existing_file(
    mock: Any, tmp_path: Path, mode: str, sleeps: list[float]
) -> None:
    route = mock.get(MEDIA).mock(
        side_effect=lambda request: httpx.Response(200, stream=BrokenStream(AUDIO[:1000]))
    )
    target = tmp_path / "out.wav"
    target.write_bytes(b"previous take")
    with pytest.raises(errors.DownloadError, match="RemoteProtocolError"):
        call(make("hamsa", mode), "download", MEDIA, target)
    assert route.call_count == 3  # a GET: retried, then given up
    assert target.read_bytes() == b"previous take"
    assert leftovers(tmp_path) == ["out.wav"]


@pytest.mark.parametrize("mode", MODES)
def test_a_retried_download_starts_over(
    mock: Any, tmp_path: Path, mode: str, sleeps: list[float]
) -> None:
    mock.get(MEDIA).mock(
        side_effect=[
            httpx.Response(200, stream=BrokenStream(b"garbage-prefix" + AUDIO)),
            httpx.Response(503),
            httpx.Response(200, content=AUDIO[:100]),
        ]
    )
    # The first attempt wrote more than the last one's whole body: what the file holds is
    # the last attempt's alone, nothing of the first left past its end.
    target = tmp_path / "a.wav"
    call(make("livepeer", mode), "download", MEDIA, target)
    assert target.read_bytes() == AUDIO[:100]


@pytest.mark.parametrize("mode", MODES)
def test_size_cap_declared_and_streamed(mock: Any, tmp_path: Path, mode: str) -> None:
    mock.get(MEDIA).respond(200, content=AUDIO)
    target = tmp_path / "a.wav"
    with pytest.raises(errors.DownloadError, match="max_bytes"):
        call(make("livepeer", mode), "download", MEDIA, target, max_bytes=len(AUDIO) - 1)

    def chunks() -> Iterator[bytes]:
        yield from (AUDIO[i : i + 4096] for i in range(0, len(AUDIO), 4096))

    async def achunks() -> AsyncIterator[bytes]:
        for chunk in chunks():
            yield chunk

    mock.get(MEDIA).mock(
        side_effect=lambda r: httpx.Response(200, stream=chunks() if mode == "sync" else achunks())
    )
    with pytest.raises(errors.DownloadError, match="max_bytes"):
        call(make("livepeer", mode), "download", MEDIA, target, max_bytes=10_000)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://media.example.com/a.wav", "scheme 'ftp'"),
        ("file:///etc/passwd", "scheme 'file'"),
        ("javascript:alert(1)", "scheme"),
        ("http://media.example.com/a.wav", "plain http"),
        ("http://10.0.0.5/a.wav", "plain http"),
    ],
)
def test_refused_urls_send_nothing(
    mock: Any, tmp_path: Path, mode: str, url: str, message: str
) -> None:
    route = mock.route().respond(200, content=b"x")
    with pytest.raises(errors.DownloadError, match=message):
        call(make("hamsa", mode), "download", url, tmp_path / "a.wav")
    assert route.call_count == 0
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000/a.wav", "http://localhost/a.wav", "http://[::1]:9/a.wav"]
)
def test_plain_http_to_loopback_is_allowed(mock: Any, tmp_path: Path, url: str) -> None:
    mock.get(url).respond(200, content=AUDIO)
    make("hamsa", "sync").download(url, tmp_path / "a.wav")
    assert (tmp_path / "a.wav").read_bytes() == AUDIO


def test_plain_http_elsewhere_with_allow_http(mock: Any, tmp_path: Path) -> None:
    mock.get("http://media.example.com/a.wav").respond(200, content=AUDIO)
    make("hamsa", "sync").download(
        "http://media.example.com/a.wav", tmp_path / "a.wav", allow_http=True
    )
    assert (tmp_path / "a.wav").read_bytes() == AUDIO


@pytest.mark.parametrize("mode", MODES)
def test_redirects_are_followed_but_checked(mock: Any, tmp_path: Path, mode: str) -> None:
    mock.get(MEDIA).respond(302, headers={"location": "/signed/out.wav?sig=abc"})
    mock.get("https://media.example.com/signed/out.wav").respond(200, content=AUDIO)
    call(make("hamsa", mode), "download", MEDIA, tmp_path / "ok.wav")
    assert (tmp_path / "ok.wav").read_bytes() == AUDIO

    mock.get("https://media.example.com/evil.wav").respond(
        301, headers={"location": "file:///etc/passwd"}
    )
    with pytest.raises(errors.DownloadError, match="scheme 'file'"):
        call(
            make("hamsa", mode),
            "download",
            "https://media.example.com/evil.wav",
            tmp_path / "evil.wav",
        )
    mock.get("https://media.example.com/down.wav").respond(
        302, headers={"location": "http://media.example.com/x"}
    )
    with pytest.raises(errors.DownloadError, match="plain http"):
        call(
            make("hamsa", mode),
            "download",
            "https://media.example.com/down.wav",
            tmp_path / "evil.wav",
        )
    mock.get("https://media.example.com/loop").respond(302, headers={"location": "/loop"})
    with pytest.raises(errors.DownloadError, match="redirects"):
        call(
            make("hamsa", mode), "download", "https://media.example.com/loop", tmp_path / "evil.wav"
        )
    assert leftovers(tmp_path) == ["ok.wav"]


@pytest.mark.parametrize("mode", MODES)
def test_http_error_statuses_are_download_errors(
    mock: Any, tmp_path: Path, mode: str, sleeps: list[float]
) -> None:
    route = mock.get(MEDIA).respond(404, text="<html>Not Found</html>")
    with pytest.raises(errors.DownloadError, match="HTTP 404"):
        call(make("hamsa", mode), "download", MEDIA, tmp_path / "a.wav")
    assert route.call_count == 1
    route.reset()
    route = mock.get(MEDIA).respond(500)
    with pytest.raises(errors.DownloadError, match="HTTP 500"):
        call(make("hamsa", mode), "download", MEDIA, tmp_path / "a.wav")
    assert route.call_count == 3
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("mode", MODES)
def test_data_urls_base64_and_percent_encoded(mock: Any, tmp_path: Path, mode: str) -> None:
    route = mock.route().respond(200)
    client = make("livepeer", mode)
    b64 = "data:audio/wav;base64," + base64.b64encode(AUDIO).decode()
    call(client, "download", b64, tmp_path / "a.wav")
    assert (tmp_path / "a.wav").read_bytes() == AUDIO
    call(client, "download", "data:,hello%20world", tmp_path / "b.txt")
    assert (tmp_path / "b.txt").read_bytes() == b"hello world"
    assert route.call_count == 0


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("data:audio/wav;base64,@@@@", "malformed"),
        ("data:audio/wav;base64,AAA", "malformed"),
        ("data:audio/wav;base64", "no comma"),
    ],
)
def test_malformed_data_urls(tmp_path: Path, url: str, message: str) -> None:
    target = tmp_path / "a.wav"
    target.write_bytes(b"keep")
    with pytest.raises(errors.DownloadError, match=message):
        make("livepeer", "sync").download(url, target)
    assert target.read_bytes() == b"keep"
    assert leftovers(tmp_path) == ["a.wav"]


def test_data_url_over_the_cap_is_refused_before_decoding(tmp_path: Path) -> None:
    url = "data:audio/wav;base64," + base64.b64encode(AUDIO).decode()
    with pytest.raises(errors.DownloadError, match="max_bytes"):
        make("livepeer", "sync").download(url, tmp_path / "a.wav", max_bytes=1000)
    assert leftovers(tmp_path) == []


def test_bad_target_paths(tmp_path: Path) -> None:
    client = make("livepeer", "sync")
    # Argument errors, found before any I/O: InvalidRequestError naming the parameter.
    with pytest.raises(errors.InvalidRequestError, match="does not exist") as info:
        client.download("data:,x", tmp_path / "missing" / "a.wav")
    assert info.value.param == "path"
    with pytest.raises(errors.InvalidRequestError, match="is a directory"):
        client.download("data:,x", tmp_path)
    with pytest.raises(errors.InvalidRequestError, match="max_bytes"):
        client.download("data:,x", tmp_path / "a", max_bytes=0)


def test_download_never_sends_the_key_even_to_the_api_host(mock: Any, tmp_path: Path) -> None:
    route = mock.get("https://api.tryhamsa.com/media/a.wav").respond(200, content=AUDIO)
    make("hamsa", "sync").download("https://api.tryhamsa.com/media/a.wav", tmp_path / "a.wav")
    headers = route.calls.last.request.headers
    assert "authorization" not in headers
    assert HAMSA_KEY not in str(headers.raw)
