"""Traffic recording: ``SPEECHSPEC_RECORD=FILE`` (read when a client is built) or ``record=FILE``
on a client appends one JSON line per HTTP attempt, which ``speechspec contract --traffic FILE``
checks against the effective document without sending anything.

A line holds what a contract check needs and nothing a log must not: the method, the URL with
credential-like query values replaced, the status, both header sets with credentials replaced,
the answer's body (JSON with long strings such as ``data:`` audio shortened, capped at
MAX_BODY_CHARS) and never the request's body (the user's text, a webhook secret).
The hook is Pipeline.log, the one place every attempt (API call or download) already passes.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx

from ._config import RECORD_ENV
from ._redact import clean_header, redact, redact_value, request_secrets, shown_headers
from .errors import ConfigurationError

# An API answer's body kept in a line; longer ones are cut and marked "body_truncated".
MAX_BODY_CHARS = 64 * 1024
# A JSON string longer than this (a data: URL of audio) is kept as its start and its length.
_LONG_STRING = 512
# The only framing headers a check needs are kept; the rest of a request is its route.
_logger = logging.getLogger("speechspec")


def _shorten(value: Any) -> Any:
    if isinstance(value, str) and len(value) > _LONG_STRING:
        return f"{value[:128]}...[{len(value)} chars]"
    if isinstance(value, dict):
        return {k: _shorten(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shorten(v) for v in value]
    return value


def _url(url: httpx.URL, secrets: list[str]) -> str:
    # A signed media URL or a careless base URL carries its credential in the query.
    params = [(k, clean_header(k, v, secrets)) for k, v in url.params.multi_items()]
    clean = url.copy_with(username=None, password=None, fragment=None)
    clean = clean.copy_with(params=params) if params else clean.copy_with(query=None)
    return redact(str(clean), secrets)


def _body(response: httpx.Response, secrets: list[str]) -> tuple[Any, bool]:
    """The answer's body as the line keeps it (decoded JSON when it is JSON, else text), and
    whether it was cut. A streamed download's body was never read: None."""
    try:
        content = response.content
    except (httpx.ResponseNotRead, httpx.StreamError):
        return None, False
    if not content:
        return None, False
    text = content.decode("utf-8", errors="replace")
    with contextlib.suppress(ValueError, RecursionError):
        value = _shorten(redact_value(json.loads(text), secrets))
        if len(json.dumps(value, ensure_ascii=False)) <= MAX_BODY_CHARS:
            return value, False
        text = json.dumps(value, ensure_ascii=False)
    text = redact(text, secrets)
    return (text[:MAX_BODY_CHARS], True) if len(text) > MAX_BODY_CHARS else (text, False)


def exchange_line(
    base_url: str,
    request: httpx.Request,
    response: httpx.Response | None,
    error: BaseException | None,
    secrets: Iterable[str],
    elapsed: float,
) -> dict[str, Any]:
    """One recorded exchange (the JSON object of one line)."""
    found = [s for s in (*secrets, *request_secrets(request)) if s and len(s) >= 4]
    line: dict[str, Any] = {
        "time": datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds"),
        "base_url": redact(base_url, found),
        "method": request.method,
        "url": _url(request.url, found),
        "request_headers": shown_headers(request.headers, found),
        "status": None,
        "elapsed_ms": round(elapsed * 1000, 1),
    }
    if response is not None:
        body, truncated = _body(response, found)
        line["status"] = response.status_code
        line["response_headers"] = shown_headers(response.headers, found)
        line["body"] = body
        if truncated:
            line["body_truncated"] = True
    if error is not None:
        line["error"] = redact(f"{type(error).__name__}: {error}", found)
    return line


class Recorder:
    """Appends exchanges to one file; each line is written with one O_APPEND write, so lines
    from threads, tasks and processes sharing the file never interleave."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._warned = False

    def __repr__(self) -> str:
        return f"Recorder({str(self.path)!r})"

    def _append(self, data: bytes) -> None:
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)

    def check(self, param: str) -> Recorder:
        """Fail now, naming the setting, when the file cannot be appended to."""
        try:
            self._append(b"")
        except OSError as exc:
            raise ConfigurationError(
                f"{param}: cannot append to {str(self.path)!r}: {exc.strerror}"
            ) from None
        return self

    def exchange(
        self,
        base_url: str,
        request: httpx.Request,
        response: httpx.Response | None,
        error: BaseException | None,
        secrets: Iterable[str],
        started: float,
    ) -> None:
        line = exchange_line(
            base_url, request, response, error, secrets, time.perf_counter() - started
        )
        data = (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8")
        with self._lock:
            try:
                self._append(data)
            except OSError as exc:
                # The call itself succeeded or failed on its own; a full disk must not turn
                # a paid answer into an exception. Said once, on the speechspec logger.
                if not self._warned:
                    self._warned = True
                    _logger.warning("cannot record to %s: %s", self.path, exc)


def recorder_for(record: str | os.PathLike[str] | None) -> Recorder | None:
    """The Recorder for ``record=`` or, when that is None, SPEECHSPEC_RECORD (None: no record)."""
    if record is not None:
        if not isinstance(record, (str, os.PathLike)) or not os.fspath(record):
            raise ConfigurationError(
                f"record must be a file path (str or os.PathLike), got {type(record).__name__}"
            )
        return Recorder(record).check("record")
    value = os.environ.get(RECORD_ENV, "").strip()
    return Recorder(value).check(RECORD_ENV) if value else None
