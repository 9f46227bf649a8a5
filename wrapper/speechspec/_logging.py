"""The ``speechspec`` logger: ``SPEECHSPEC_LOG=info|debug`` (read when a client is built, as
openai-python reads OPENAI_LOG) sends it to stderr; one line per HTTP attempt, carrying the
method, the URL without its query, the status, the attempt number and the elapsed time. Keys,
tokens and credential-like headers never appear.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterable

import httpx

from ._redact import loggable_url, redact, shown_headers
from .errors import ConfigurationError

logger = logging.getLogger("speechspec")

ENV_VAR = "SPEECHSPEC_LOG"
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}


class _StderrHandler(logging.Handler):
    """Writes to the current sys.stderr (looked up per record: pytest and applications may
    replace it); the class marks the handler we add, so building many clients adds one."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:
            self.handleError(record)


def configure_from_env() -> None:
    """Apply SPEECHSPEC_LOG (unset or empty: leave logging to the application)."""
    value = os.environ.get(ENV_VAR, "").strip().lower()
    if not value:
        return
    if value not in _LEVELS:
        raise ConfigurationError(f"{ENV_VAR} must be 'info' or 'debug', got {value!r}")
    logger.setLevel(_LEVELS[value])
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("[%(asctime)s %(name)s %(levelname)s] %(message)s"))
        logger.addHandler(handler)


def _headers(headers: httpx.Headers, secrets: Iterable[str]) -> str:
    shown = shown_headers(headers, secrets)
    return "{" + ", ".join(f"{name}: {value}" for name, value in shown.items()) + "}"


def log_attempt(
    request: httpx.Request,
    *,
    attempt: int,
    started: float,
    response: httpx.Response | None = None,
    error: BaseException | None = None,
    retry_in: float | None = None,
    secrets: Iterable[str] = (),
) -> None:
    """One line for one HTTP attempt (``attempt`` counts from 0 here, from 1 in the line)."""
    if not logger.isEnabledFor(logging.INFO):
        return
    status = str(response.status_code) if response is not None else "none"
    if error is not None:
        status += f" ({type(error).__name__})"
    line = (
        # loggable_url marks a query ("?..."); a log line carries none at all.
        f"HTTP {request.method} {loggable_url(request.url).removesuffix('?...')} status={status} "
        f"attempt={attempt + 1} elapsed={(time.perf_counter() - started) * 1000:.0f}ms"
    )
    if retry_in is not None:
        line += f" retrying_in={retry_in:.2f}s"
    if logger.isEnabledFor(logging.DEBUG):
        line += f" request_headers={_headers(request.headers, secrets)}"
        if response is not None:
            line += f" response_headers={_headers(response.headers, secrets)}"
        logger.debug(redact(line, secrets))
    else:
        logger.info(redact(line, secrets))
