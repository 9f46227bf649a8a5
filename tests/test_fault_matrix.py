"""The fault matrix: a real loopback server misbehaving on purpose, both vendors, sync and async.

Each cell asserts the typed error (or success), how many requests reached the server, and that
a billed POST is never sent twice unless the server said it was not processed (429/503) or the
request never left (refused, connect timeout). The matrix is printed in the test summary."""

from __future__ import annotations

import email.utils
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import speechspec
from helpers import audio_answer, create_answer, job, run
from rawserver import BlackholeListener, Conn, RawServer, closed_port
from speechspec import errors

MATRIX: list[tuple[str, ...]] = []  # read by conftest's terminal summary
# Short timeouts only where the cell is about a timeout; every other cell waits patiently, so
# that a loaded machine (slow answers) cannot turn an expected outcome into a timeout.
TIMEOUT = httpx.Timeout(0.6, connect=0.3)
PATIENT = httpx.Timeout(20.0, connect=5.0)


def _valid(op: str) -> bytes:
    body = {
        "create": create_answer(),
        "status": {"message": "ok", "data": job()},
        "livepeer": audio_answer(),
    }[op]
    return json.dumps(body).encode()


# The server's own pauses must not go through time.sleep: the `sleeps` fixture records those.
_pause = threading.Event().wait


def _slow(conn: Conn) -> None:
    _pause(5)  # far beyond TIMEOUT's 0.6 s read timeout, however slow the client is


def _trickle(body: bytes) -> Callable[[Conn], None]:
    def behave(conn: Conn) -> None:
        conn.send(
            f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        )
        for i in range(0, len(body), 16):
            conn.send(body[i : i + 16])
            _pause(0.005)

    return behave


def _chunked_flood(conn: Conn) -> None:
    conn.send(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b" " * 65536
    for _ in range(160):  # 10 MiB, past the 8 MiB cap for API answers
        conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    conn.send(b"0\r\n\r\n")


@dataclass(frozen=True)
class Cell:
    name: str
    # behaviour(conn, valid_body) or a special: "refused", "blackhole"
    behaviour: Callable[[Conn, bytes], None] | str
    expect: type[Exception] | None  # None: success
    post: int | None  # requests (or connections) the server sees for a billed POST
    get: int | None  # ... for the job-status GET
    read_request: bool = True
    message: str = ""
    short_timeout: bool = False  # the cell is about a timeout: use TIMEOUT, not PATIENT
    peek: bool = False  # with read_request False: reset only once the request has arrived


def _status(code: str, body: bytes = b"", **headers: str) -> Callable[[Conn, bytes], None]:
    return lambda conn, valid: conn.respond(code, body, headers)


HTML_502 = (
    b"<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>"
)
CELLS = [
    Cell("connection refused", "refused", errors.APIConnectionError, None, None),
    Cell("connect timeout", "blackhole", errors.APITimeoutError, None, None, short_timeout=True),
    Cell(
        "read timeout (no answer)",
        lambda c, v: _slow(c),
        errors.APITimeoutError,
        1,
        3,
        short_timeout=True,
    ),
    # Deterministic: the server resets once the whole request has arrived, unread. Resetting
    # at accept instead races the client's connect (see test_reset_at_accept_outcomes).
    Cell(
        "reset before request read",
        lambda c, v: c.reset(),
        errors.APIConnectionError,
        1,
        3,
        read_request=False,
        peek=True,
    ),
    Cell("reset after request read", lambda c, v: c.reset(), errors.APIConnectionError, 1, 3),
    Cell(
        "429 Retry-After seconds",
        _status("429 Too Many Requests", b"{}", **{"Retry-After": "1"}),
        errors.RateLimitError,
        3,
        3,
    ),
    Cell(
        "429 Retry-After date",
        lambda c, v: c.respond(
            "429 Too Many Requests",
            b"{}",
            {"Retry-After": email.utils.formatdate(time.time() + 2, usegmt=True)},
        ),
        errors.RateLimitError,
        3,
        3,
    ),
    Cell(
        "500",
        _status("500 Internal Server Error", b'{"message": "boom"}'),
        errors.InternalServerError,
        1,
        3,
        message="boom",
    ),
    Cell(
        "502 HTML page",
        _status("502 Bad Gateway", HTML_502, **{"Content-Type": "text/html"}),
        errors.InternalServerError,
        1,
        3,
        message="502 Bad Gateway",
    ),
    Cell("503", _status("503 Service Unavailable"), errors.InternalServerError, 3, 3),
    Cell("504", _status("504 Gateway Timeout"), errors.InternalServerError, 1, 3),
    Cell("520 non-standard", _status("520 Unknown Error"), errors.InternalServerError, 1, 3),
    Cell(
        "599 non-standard", _status("599 Network Connect Timeout"), errors.InternalServerError, 1, 3
    ),
    Cell(
        "401 HTML page",
        _status(
            "401 Unauthorized",
            b"<html><title>Denied</title></html>",
            **{"Content-Type": "text/html"},
        ),
        errors.AuthenticationError,
        1,
        1,
        message="Denied",
    ),
    Cell("299 non-standard success", lambda c, v: c.respond("299 Fine", v), None, 1, 1),
    Cell(
        "200 truncated JSON",
        lambda c, v: c.respond("200 OK", v[: len(v) // 2]),
        errors.ResponseValidationError,
        1,
        1,
        message="not JSON",
    ),
    Cell(
        "200 JSON of another shape",
        _status("200 OK", b'{"result": "ok", "items": [1, 2]}'),
        errors.ResponseValidationError,
        1,
        1,
    ),
    Cell("200 empty body", _status("200 OK"), errors.ResponseValidationError, 1, 1),
    Cell(
        "200 HTML body",
        _status("200 OK", b"<html>maintenance</html>", **{"Content-Type": "text/html"}),
        errors.ResponseValidationError,
        1,
        1,
    ),
    Cell(
        "200 wrong Content-Type, valid JSON",
        lambda c, v: c.respond("200 OK", v, {"Content-Type": "text/plain"}),
        None,
        1,
        1,
    ),
    Cell(
        "200 huge declared body",
        lambda c, v: c.respond("200 OK", b"{", {"Content-Length": str(64 * 1024 * 1024)}),
        errors.ResponseValidationError,
        1,
        1,
        message="limit",
    ),
    Cell(
        "200 huge chunked body",
        lambda c, v: _chunked_flood(c),
        errors.ResponseValidationError,
        1,
        1,
        message="limit",
    ),
    Cell(
        "200 fewer bytes than Content-Length",
        lambda c, v: c.respond("200 OK", v[:10], {"Content-Length": str(len(v))}),
        errors.APIConnectionError,
        1,
        3,
    ),
    Cell("200 slow trickle", lambda c, v: _trickle(v)(c), None, 1, 1),
]

OPS = [("hamsa", "create"), ("hamsa", "status"), ("livepeer", "livepeer")]


def _client(vendor: str, mode: str, base_url: str, timeout: httpx.Timeout = PATIENT) -> Any:
    cls = {
        ("hamsa", "sync"): speechspec.Hamsa,
        ("hamsa", "async"): speechspec.AsyncHamsa,
        ("livepeer", "sync"): speechspec.Livepeer,
        ("livepeer", "async"): speechspec.AsyncLivepeer,
    }[(vendor, mode)]
    key = "hk-matrix-key" if vendor == "hamsa" else "lp-matrix-token"
    return cls(key, base_url=base_url, timeout=timeout)


def _invoke(client: Any, op: str) -> Any:
    if op == "create":
        return client.text_to_speech("مرحبا", voice_id="Amjad")
    if op == "status":
        return client.get_job("job-123")
    return client.text_to_speech("Hello")


def _call(client: Any, op: str) -> Any:
    """Call, then close the client: in one event loop for the async twins."""
    if isinstance(client, speechspec.Hamsa | speechspec.Livepeer):
        with client:
            return _invoke(client, op)

    async def scenario() -> Any:
        async with client:
            return await _invoke(client, op)

    return run(scenario())


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(("vendor", "op"), OPS, ids=[f"{v}-{o}" for v, o in OPS])
@pytest.mark.parametrize("cell", CELLS, ids=[c.name for c in CELLS])
def test_fault_matrix(cell: Cell, vendor: str, op: str, mode: str, sleeps: list[float]) -> None:
    expected_server = cell.get if op == "status" else cell.post
    blackhole = None
    server = None
    if cell.behaviour == "refused":
        base = f"http://127.0.0.1:{closed_port()}"
    elif cell.behaviour == "blackhole":
        blackhole = BlackholeListener()
        base = f"http://127.0.0.1:{blackhole.port}"
    else:
        behaviour = cell.behaviour
        assert callable(behaviour)
        valid = _valid(op)
        server = RawServer(
            lambda conn: behaviour(conn, valid),
            read_request=cell.read_request,
            peek_request=cell.peek,
        ).start()
        base = server.url
    if vendor == "livepeer":
        base += "/livepeer"  # a path prefix, as Studio's gateway has
    client = _client(vendor, mode, base, TIMEOUT if cell.short_timeout else PATIENT)
    outcome = "ok"
    try:
        if cell.expect is None:
            _call(client, op)
        else:
            with pytest.raises(cell.expect) as info:
                _call(client, op)
            err = info.value
            outcome = type(err).__name__
            assert cell.message in str(err)
            if isinstance(err, errors.APIConnectionError | errors.APIStatusError):
                # "Unsafe" cells are those a GET retries but a billed POST must not.
                unsafe = cell.post == 1 and cell.get == 3
                assert err.may_have_been_processed == unsafe
                if unsafe and op != "status":
                    assert "may have been processed" in str(err)
            if cell.behaviour in ("refused", "blackhole"):
                assert isinstance(err, errors.APIConnectionError)
                assert err.attempts == 3
        seen: int | str = "-"
        if server is not None:
            seen = server.connections if not cell.read_request else len(server.requests)
            assert seen == expected_server
            for raw in server.requests:
                assert raw.startswith(b"GET " if op == "status" else b"POST ")
        if op != "status" and server is not None and cell.post == 1:
            assert seen == 1  # the billed POST was not repeated
        MATRIX.append((cell.name, f"{vendor}:{op}", mode, outcome, str(seen)))
    finally:
        if server is not None:
            server.stop()
        if blackhole is not None:
            blackhole.close()


def test_opting_in_retries_the_billed_post_after_a_5xx(sleeps: list[float]) -> None:
    valid = _valid("create")
    with RawServer(
        lambda c: (
            c.respond("500 Internal Server Error") if c.attempt < 3 else c.respond("200 OK", valid)
        )
    ) as server:
        client = speechspec.Hamsa(
            "hk-matrix-key", base_url=server.url, timeout=PATIENT, retry_billed=True
        )
        assert client.text_to_speech("t", voice_id="v").id == "job-123"
    assert len(server.requests) == 3


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(("vendor", "op"), OPS, ids=[f"{v}-{o}" for v, o in OPS])
def test_reset_at_accept_outcomes(vendor: str, op: str, mode: str, sleeps: list[float]) -> None:
    """A reset sent the moment the connection is accepted races the client: it lands during
    connect (or while httpcore sets up the socket), or during the send or the read. Each
    outcome is allowed, and each must say what it means:

    - connect-phase: httpx.ConnectError, nothing was sent, so even a billed POST is retried:
      3 connections, may_have_been_processed False;
    - send/read-phase: the request may have left, so a billed POST stops there
      (may_have_been_processed True, the message says so); a GET is retried.

    A run can mix them (a connect-phase failure, then a send-phase one): every attempt is one
    connection, and a POST is never attempted again after a failure that may have sent it."""
    server = RawServer(lambda conn: conn.reset(), read_request=False).start()
    base = server.url + ("/livepeer" if vendor == "livepeer" else "")
    try:
        with pytest.raises(errors.APIConnectionError) as info:
            _call(_client(vendor, mode, base), op)
        err = info.value
        assert 1 <= err.attempts <= 3
        assert server.connections == err.attempts
        if err.may_have_been_processed:
            assert "ConnectError" not in str(err)
            if op != "status":
                assert "may have been processed" in str(err)
            else:
                assert err.attempts == 3  # a GET is retried whatever the phase
        else:
            assert "ConnectError" in str(err)  # the only failure that sends nothing
            assert err.attempts == 3
        outcome = "sent" if err.may_have_been_processed else "not sent"
        MATRIX.append(("reset at accept (racy)", f"{vendor}:{op}", mode, outcome, "1-3"))
    finally:
        server.stop()
