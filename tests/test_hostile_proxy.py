"""Hostile round 3 (issue 22): proxies and the environment as httpx's trust_env rules say
(HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY, SSL_CERT_FILE, SSL_CERT_DIR), ``proxy=`` on the
clients and ``--proxy`` on the CLI; a real forwarding and CONNECT proxy on loopback, and a
local certificate authority (trustme) for https."""

from __future__ import annotations

import asyncio
import base64
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import speechspec
import trustme
from helpers import call, make
from proxyserver import WAV, Proxy, origin
from speechspec import errors
from speechspec.cli import main

MODES = ["sync", "async"]
PROXY_VARS = [
    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY",
    "http_proxy", "https_proxy", "all_proxy", "no_proxy",
    "SSL_CERT_FILE", "SSL_CERT_DIR",
]  # fmt: skip


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls(ca: trustme.CA) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost", "127.0.0.1").configure_cert(ctx)
    return ctx


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    with Proxy() as p:
        yield p


def speak_and_fetch(client: Any, tmp_path: Path) -> None:
    audio = call(client, "text_to_speech", "hi")
    call(client, "download", audio.audio.url, tmp_path / "a.wav")
    assert (tmp_path / "a.wav").read_bytes() == WAV


# -- the environment -----------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("var", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
def test_http_proxy_from_the_environment_forwards(
    monkeypatch: pytest.MonkeyPatch, proxy: Proxy, tmp_path: Path, mode: str, var: str
) -> None:
    with origin() as server:
        monkeypatch.setenv(var, proxy.url)
        speak_and_fetch(make("livepeer", mode, base_url=server.url), tmp_path)
    assert proxy.seen.lines == [
        f"POST {server.url}/text-to-speech",
        f"GET {server.url}/a.wav",
    ]
    assert server.paths == [("POST", "/text-to-speech"), ("GET", "/a.wav")]


@pytest.mark.parametrize("mode", MODES)
def test_https_through_a_connect_proxy_with_ssl_cert_file(
    monkeypatch: pytest.MonkeyPatch,
    proxy: Proxy,
    tls: ssl.SSLContext,
    ca_file: Path,
    tmp_path: Path,
    mode: str,
) -> None:
    with origin(tls, host="localhost") as server:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
        speak_and_fetch(make("livepeer", mode, base_url=server.url), tmp_path)
    port = server.server_address[1]
    assert proxy.seen.lines == [f"CONNECT localhost:{port}"] * len(proxy.seen.lines)
    assert len(proxy.seen.lines) >= 1
    assert server.paths == [("POST", "/text-to-speech"), ("GET", "/a.wav")]


@pytest.mark.parametrize("mode", MODES)
def test_without_the_local_ca_https_is_refused(
    monkeypatch: pytest.MonkeyPatch, tls: ssl.SSLContext, mode: str
) -> None:
    with origin(tls, host="localhost") as server:
        client = make("livepeer", mode, base_url=server.url, max_retries=0)
        with pytest.raises(errors.APIConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
            call(client, "text_to_speech", "hi")


def test_a_missing_ssl_cert_file_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # (A missing SSL_CERT_DIR is only looked into during a handshake: an APIConnectionError.)
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    with pytest.raises(errors.ConfigurationError, match="SSL_CERT"):
        speechspec.Livepeer()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="c_rehash names need openssl")
def test_ssl_cert_dir_is_honoured(
    monkeypatch: pytest.MonkeyPatch, tls: ssl.SSLContext, ca_file: Path, tmp_path: Path
) -> None:
    digest = subprocess.run(
        ["openssl", "x509", "-hash", "-noout", "-in", str(ca_file)],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    certs = tmp_path / "certs"
    certs.mkdir()
    shutil.copy(ca_file, certs / f"{digest}.0")
    monkeypatch.setenv("SSL_CERT_DIR", str(certs))
    with origin(tls, host="localhost") as server:
        speak_and_fetch(make("livepeer", "sync", base_url=server.url), tmp_path)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "*", "localhost,127.0.0.1", "http://127.0.0.1"])
def test_no_proxy_goes_direct(
    monkeypatch: pytest.MonkeyPatch, proxy: Proxy, tmp_path: Path, mode: str, no_proxy: str
) -> None:
    with origin() as server:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", no_proxy)
        speak_and_fetch(make("livepeer", mode, base_url=server.url), tmp_path)
    assert proxy.seen.lines == []
    assert len(server.paths) == 2


def test_no_proxy_for_another_host_still_proxies(
    monkeypatch: pytest.MonkeyPatch, proxy: Proxy, tmp_path: Path
) -> None:
    with origin() as server:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", "example.com,10.0.0.1")
        speak_and_fetch(make("livepeer", "sync", base_url=server.url), tmp_path)
    assert len(proxy.seen.lines) == 2


# -- proxy= ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_proxy_argument_wins_over_the_environment_and_authenticates(
    monkeypatch: pytest.MonkeyPatch, proxy: Proxy, tmp_path: Path, mode: str
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # would fail if used
    monkeypatch.setenv("NO_PROXY", "*")  # the environment's, ignored with proxy=
    with origin() as server:
        url = proxy.url.replace("http://", "http://alice:s3cr3t-pw@")
        speak_and_fetch(make("livepeer", mode, base_url=server.url, proxy=url), tmp_path)
    expected = "Basic " + base64.b64encode(b"alice:s3cr3t-pw").decode()
    assert proxy.seen.auth == [expected, expected]
    assert len(server.paths) == 2


@pytest.mark.parametrize("mode", MODES)
def test_proxy_argument_for_https_and_an_httpx_proxy_object(
    monkeypatch: pytest.MonkeyPatch,
    proxy: Proxy,
    tls: ssl.SSLContext,
    ca_file: Path,
    tmp_path: Path,
    mode: str,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    with origin(tls, host="localhost") as server:
        client = make("livepeer", mode, base_url=server.url, proxy=httpx.Proxy(proxy.url))
        speak_and_fetch(client, tmp_path)
    assert proxy.seen.lines and all(x.startswith("CONNECT localhost:") for x in proxy.seen.lines)


def test_an_async_client_keeps_its_proxy_in_a_new_event_loop(proxy: Proxy, tmp_path: Path) -> None:
    with origin() as server:
        client = speechspec.AsyncLivepeer(base_url=server.url, proxy=proxy.url)
        asyncio.run(client.text_to_speech("hi"))
        asyncio.run(client.text_to_speech("hi"))  # a fresh pool for the new loop
        asyncio.run(client.aclose())
    assert proxy.seen.lines == [f"POST {server.url}/text-to-speech"] * 2


@pytest.mark.parametrize("mode", MODES)
def test_a_dead_proxy_is_a_connection_error_without_its_password(mode: str) -> None:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    client = make(
        "livepeer",
        mode,
        base_url="http://127.0.0.1:1",
        proxy=f"http://bob:hunter2-pw@127.0.0.1:{port}",
        max_retries=0,
    )
    with pytest.raises(errors.APIConnectionError) as info:
        call(client, "text_to_speech", "hi")
    assert "hunter2-pw" not in str(info.value)
    assert "hunter2-pw" not in repr(client)


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ("ftp://proxy:21", "proxy"),
        ("not a url at all", "proxy"),
        (42, "proxy must be"),
        ("http://u:pw-hidden@[::1", "proxy"),
    ],
)
def test_bad_proxies_are_configuration_errors_without_echoing_a_password(
    value: Any, match: str
) -> None:
    with pytest.raises(errors.ConfigurationError, match=match) as info:
        speechspec.Livepeer(proxy=value)
    assert "pw-hidden" not in str(info.value)


def test_proxy_and_http_client_together_are_refused() -> None:
    with httpx.Client() as own, pytest.raises(errors.ConfigurationError, match="not both"):
        speechspec.Livepeer(http_client=own, proxy="http://127.0.0.1:3128")


# -- the CLI --------------------------------------------------------------------------------------


def test_cli_speak_with_proxy(proxy: Proxy, tmp_path: Path) -> None:
    with origin() as server:
        code = main(
            ["speak", "livepeer", "hi", "-o", str(tmp_path / "o.wav"),
             "--base-url", server.url, "--proxy", proxy.url]
        )  # fmt: skip
    assert code == 0
    assert (tmp_path / "o.wav").read_bytes() == WAV
    assert proxy.seen.lines == [f"POST {server.url}/text-to-speech", f"GET {server.url}/a.wav"]


def test_cli_uses_the_environment_proxy(
    monkeypatch: pytest.MonkeyPatch, proxy: Proxy, tmp_path: Path
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    with origin() as server:
        code = main(
            ["speak", "livepeer", "hi", "-o", str(tmp_path / "o.wav"), "--base-url", server.url]
        )
    assert code == 0
    assert len(proxy.seen.lines) == 2
