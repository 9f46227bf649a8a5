"""Hostile round 3 (issue 22): every cap holds on decoded bytes, whatever the Content-Encoding
chain; error bodies of any size keep their status; memory stays bounded (peak RSS measured in
a child process against a real server on loopback)."""

from __future__ import annotations

import contextlib
import functools
import gzip
import itertools
import json
import os
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from bombs import nested_bomb
from helpers import call, create_answer, make
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rawserver import Conn, RawServer
from speechspec import errors
from speechspec._body import MAX_API_BODY, MAX_ERROR_BODY
from speechspec._decode import DecodeError, Decoder

MODES = ["sync", "async"]
# `make flake-check` runs fewer examples (as tests/test_properties.py does).
EXAMPLES = int(os.environ.get("SPEECHSPEC_PROPERTY_EXAMPLES", "25"))


@functools.cache
def bomb(layers: int = 2) -> tuple[bytes, str]:
    return nested_bomb(1 << 30, layers)


# -- encoders for the properties -----------------------------------------------------------------


def _raw_deflate(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return c.compress(data) + c.flush()


ENCODERS = {
    "gzip": lambda d: gzip.compress(d, 6),
    "x-gzip": lambda d: gzip.compress(d, 1),
    "deflate": zlib.compress,  # zlib-wrapped, as RFC 9110 says
    "deflate-raw": _raw_deflate,  # what some servers send as "deflate"
    "identity": lambda d: d,
    "x-unknown": lambda d: d,  # skipped, as httpx skips it
}


def encode(payload: bytes, chain: list[str]) -> tuple[bytes, str]:
    for name in chain:
        payload = ENCODERS[name](payload)
    header = ", ".join("deflate" if n == "deflate-raw" else n for n in chain)
    return payload, header


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    edges = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges)]


payloads = st.one_of(
    st.binary(max_size=4096),
    st.builds(lambda b, n: b * n, st.binary(min_size=1, max_size=64), st.integers(1, 20000)),
)
chains = st.lists(st.sampled_from(sorted(ENCODERS)), max_size=4)


@settings(max_examples=EXAMPLES * 6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    payload=payloads,
    chain=chains,
    cuts=st.lists(st.integers(0, 1 << 20), max_size=8),
    step=st.sampled_from([1, 7, 512, 65536]),
)
def test_any_chain_decodes_exactly_in_bounded_pieces(
    payload: bytes, chain: list[str], cuts: list[int], step: int
) -> None:
    body, header = encode(payload, chain)
    decoder = Decoder(header, step=step)
    stages = sum(1 for n in chain if n not in ("identity", "x-unknown"))
    out = []
    for raw in split(body, cuts):
        for piece in decoder.feed(raw):
            assert 0 < len(piece) <= (step if stages else len(raw))
            out.append(piece)
            # Held between stages: at most one raw chunk and a step per stage.
            assert decoder.buffered <= len(raw) + stages * step + 2
    assert b"".join(out) == payload


@settings(max_examples=EXAMPLES * 2, deadline=None)
@given(
    layers=st.integers(1, 3), cap=st.integers(0, 3 << 20), cuts=st.lists(st.integers(), max_size=4)
)
def test_a_cap_stops_any_bomb_one_step_past_it(layers: int, cap: int, cuts: list[int]) -> None:
    body, header = nested_bomb(64 << 20, layers) if layers > 1 else bomb(1)
    decoder = Decoder(header)
    seen = 0
    for raw in split(body, cuts):
        for piece in decoder.feed(raw):
            seen += len(piece)
            assert decoder.buffered <= len(raw) + layers * 65536 + 2
            if seen > cap:
                break
        if seen > cap:
            break
    assert cap < seen <= cap + 65536


@given(
    inner=st.lists(st.sampled_from(["gzip", "deflate"]), max_size=2),
    junk=st.binary(min_size=2, max_size=64).filter(lambda b: b[:2] != b"\x1f\x8b"),
    cuts=st.lists(st.integers(), max_size=3),
)
def test_junk_under_gzip_is_a_decode_error(inner: list[str], junk: bytes, cuts: list[int]) -> None:
    """The outermost coding undone first is gzip: bytes without its magic never decode."""
    decoder = Decoder(", ".join([*inner, "gzip"]))
    with pytest.raises(DecodeError, match="gzip"):
        [list(decoder.feed(raw)) for raw in split(junk, cuts)]


def test_a_header_of_thousands_of_codings_is_refused_before_any_state_is_built() -> None:
    with pytest.raises(DecodeError, match="10000 content codings"):
        Decoder(", ".join(["gzip"] * 10000))
    assert len(Decoder(", ".join(["gzip"] * 8)).stages) == 8


@pytest.mark.parametrize("name", ["br", "zstd", "compress"])
def test_codings_that_cannot_be_bounded_are_refused(name: str) -> None:
    with pytest.raises(DecodeError, match=name):
        Decoder(f"gzip, {name}")


# -- answers, error bodies and downloads -----------------------------------------------------------


@contextlib.contextmanager
def serving(status: str, body: bytes, encoding: str) -> Iterator[RawServer]:
    """A real server on loopback answering every request with ``body`` as encoded."""

    def behaviour(conn: Conn) -> None:
        conn.respond(status, body, {"Content-Encoding": encoding} if encoding else {})

    with RawServer(behaviour) as server:
        yield server


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("layers", [2, 3])
def test_a_bomb_answer_is_a_response_error(mode: str, layers: int) -> None:
    with serving("200 OK", *bomb(layers)) as server:
        client = make("livepeer", mode, base_url=server.url, max_retries=2)
        with pytest.raises(errors.ResponseValidationError, match=f"{MAX_API_BODY}-byte limit"):
            call(client, "text_to_speech", "hi")
    assert server.connections == 1


@pytest.mark.parametrize("mode", MODES)
def test_a_bomb_error_body_keeps_its_status_class(mode: str) -> None:
    with serving("500 Internal Server Error", *bomb(2)) as server:
        client = make("livepeer", mode, base_url=server.url, max_retries=0)
        with pytest.raises(errors.InternalServerError) as info:
            call(client, "text_to_speech", "hi")
    assert info.value.status_code == 500
    assert f"body cut at {MAX_ERROR_BODY} bytes" in str(info.value)
    assert len(info.value.response.content) == MAX_ERROR_BODY
    assert len(str(info.value)) < 700


@pytest.mark.parametrize("mode", MODES)
def test_a_503_with_a_huge_html_page_on_the_billed_post_is_retried(mode: str) -> None:
    page = b"<html><head><title>Service Unavailable</title></head><body>" + b"x" * (9 << 20)
    answer = json.dumps(create_answer()).encode()

    def behaviour(conn: Conn) -> None:
        if conn.attempt == 1:
            conn.respond("503 Service Unavailable", page, {"Content-Type": "text/html"})
        else:
            conn.respond("200 OK", answer)

    with RawServer(behaviour) as server:
        client = make("hamsa", mode, base_url=server.url, max_retries=1)
        created = call(client, "text_to_speech", "t", voice_id="v")
    assert created.id == "job-123"
    assert len(server.requests) == 2


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("status", "cls"),
    [
        ("500 Internal Server Error", errors.InternalServerError),
        ("400 Bad Request", errors.BadRequestError),
        ("429 Too Many Requests", errors.RateLimitError),
        ("503 Service Unavailable", errors.InternalServerError),
    ],
)
@pytest.mark.parametrize("encoding", ["", "gzip"])
def test_huge_error_bodies_keep_their_class(
    mode: str, status: str, cls: type[errors.APIStatusError], encoding: str
) -> None:
    big = json.dumps({"error": {"message": "boom " + "y" * (10 << 20)}}).encode()
    with serving(status, gzip.compress(big, 1) if encoding else big, encoding) as server:
        client = make("livepeer", mode, base_url=server.url, max_retries=0)
        with pytest.raises(cls) as info:
            call(client, "text_to_speech", "hi")
    assert info.value.status_code == int(status[:3])
    assert "body cut at" in str(info.value)
    assert (
        "boom" in str(info.value) or "Too Many" in str(info.value) or status[:3] in str(info.value)
    )


@pytest.mark.parametrize("mode", MODES)
def test_a_gzip_answer_still_parses_and_its_raw_response_holds_the_decoded_body(
    mode: str,
) -> None:
    answer = json.dumps({"audio": {"url": "https://cdn.example.com/x.wav"}}).encode()
    with serving("200 OK", zlib.compress(gzip.compress(answer)), "gzip, deflate") as server:
        client = make("livepeer", mode, base_url=server.url)
        got = call(client.with_raw_response, "text_to_speech", "hi")
    assert got.http_response.content == answer
    assert "content-encoding" not in got.http_response.headers
    assert got.elapsed.total_seconds() > 0
    assert got.parse().audio.url == "https://cdn.example.com/x.wav"


@pytest.mark.parametrize("mode", MODES)
def test_an_undecodable_answer_is_a_response_error(mode: str) -> None:
    with serving("200 OK", b"not gzip at all", "gzip") as server:
        client = make("livepeer", mode, base_url=server.url)
        with pytest.raises(errors.ResponseValidationError, match="could not be decoded"):
            call(client, "text_to_speech", "hi")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("layers", [1, 2, 3])
def test_download_max_bytes_holds_on_decoded_bytes(tmp_path: Path, mode: str, layers: int) -> None:
    with serving("200 OK", *bomb(layers)) as server:
        client = make("livepeer", mode, max_retries=0)
        with pytest.raises(errors.DownloadError, match="max_bytes=1048576"):
            call(client, "download", server.url + "/a.wav", tmp_path / "a.wav", max_bytes=1 << 20)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("mode", MODES)
def test_an_encoded_download_is_saved_decoded(tmp_path: Path, mode: str) -> None:
    wav = b"RIFF" + os.urandom(300_000)
    seen: list[tuple[int, int | None]] = []
    with serving("200 OK", *encode(wav, ["gzip", "deflate-raw", "gzip"])) as server:
        call(
            make("livepeer", mode),
            "download",
            server.url + "/a.wav",
            tmp_path / "a.wav",
            on_progress=lambda n, t: seen.append((n, t)),
        )
    assert (tmp_path / "a.wav").read_bytes() == wav
    assert seen[-1] == (len(wav), None)  # an encoded length is not the audio's


@pytest.mark.parametrize("mode", MODES)
def test_a_corrupt_encoded_download_is_a_download_error(tmp_path: Path, mode: str) -> None:
    with (
        serving("200 OK", b"\x1f\x8b garbage", "gzip") as server,
        pytest.raises(errors.DownloadError, match="gzip"),
    ):
        call(make("livepeer", mode), "download", server.url + "/a.wav", tmp_path / "a.wav")
    assert not list(tmp_path.iterdir())


# -- peak memory, measured ----------------------------------------------------------------------------

_CHILD = r"""
import asyncio, resource, sys, tempfile
sys.path[:0] = [sys.argv[1]]
from bombs import nested_bomb
from rawserver import RawServer
import speechspec
from speechspec import errors

body, header = nested_bomb(2 << 30, 2)

def behaviour(conn):
    path = conn.request.split(b" ", 2)[1]
    status = "500 Internal Server Error" if path.startswith(b"/error") else "200 OK"
    conn.respond(status, body, {"Content-Encoding": header})

with RawServer(behaviour) as server:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    client = speechspec.Livepeer(base_url=server.url, max_retries=0)
    try:
        client.text_to_speech("hi")
    except errors.ResponseValidationError:
        pass
    try:
        client.download(server.url + "/a.wav", tempfile.mkdtemp() + "/a.wav", max_bytes=1 << 20)
    except errors.DownloadError:
        pass
    try:
        speechspec.Livepeer(base_url=server.url + "/error", max_retries=0).text_to_speech("hi")
    except errors.InternalServerError:
        pass
    async def both():
        async with speechspec.AsyncLivepeer(base_url=server.url, max_retries=0) as c:
            try:
                await c.text_to_speech("hi")
            except errors.ResponseValidationError:
                pass
    asyncio.run(both())
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(before, after)
"""


def test_peak_memory_stays_bounded_under_a_2_gib_bomb() -> None:
    here = Path(__file__).parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(here.parent / "wrapper"), *sys.path])}
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(here)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    before, after = (int(x) for x in out.stdout.split())
    # ru_maxrss is in KiB on Linux. 2 GiB decoded; the answer cap is 8 MiB; allow 64 MiB.
    assert after - before < 64 * 1024, (before, after)


def test_an_oversized_answer_a_transport_already_read_is_refused_too() -> None:
    # MockTransport hands over a response it read itself: the size cap holds on that path too,
    # and a buffered answer within the cap is parsed as it is (not rebuilt).
    import asyncio

    import httpx
    import speechspec

    big = (
        b'{"audio": {"url": "https://cdn.example.com/a.wav"}, "x": "' + b"a" * MAX_API_BODY + b'"}'
    )
    small = json.dumps({"audio": {"url": "https://cdn.example.com/a.wav"}}).encode()

    def handler(request: httpx.Request) -> httpx.Response:
        body = big if json.loads(request.content)["text"] == "big" else small
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    transport = httpx.MockTransport(handler)
    client = speechspec.Livepeer("t", http_client=httpx.Client(transport=transport))
    with pytest.raises(errors.ResponseValidationError, match=f"{MAX_API_BODY}-byte limit"):
        client.text_to_speech("big")
    assert client.text_to_speech("small").audio.url == "https://cdn.example.com/a.wav"

    async def run() -> None:
        aclient = speechspec.AsyncLivepeer("t", http_client=httpx.AsyncClient(transport=transport))
        with pytest.raises(errors.ResponseValidationError, match=f"{MAX_API_BODY}-byte limit"):
            await aclient.text_to_speech("big")
        assert (await aclient.text_to_speech("small")).audio.url == "https://cdn.example.com/a.wav"

    asyncio.run(run())
