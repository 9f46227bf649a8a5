"""Build the errors that carry a request or a response: the right APIStatusError for a
non-2xx whatever its body looks like, and the connection and validation errors. The error
classes only store; every secret is taken out here, before they are built."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import httpx

from ._answers import loads
from ._redact import (
    redact,
    redact_value,
    redacted_request,
    redacted_response,
    request_of,
    request_secrets,
)
from ._retry import parse_retry_after, request_was_not_sent
from .errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseValidationError,
    UnprocessableEntityError,
)

# Set (by _body) on a rebuilt response whose error body was cut short: its value is the cut.
TRUNCATED = "speechspec.truncated"
_REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-amzn-requestid", "cf-ray")

_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}
_MAX_MESSAGE = 500
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
_TAGS = re.compile(r"<[^>]+>")


def decode_body(response: httpx.Response) -> Any:
    """The body as JSON when it parses, else as text ("" when empty)."""
    content = response.content
    if not content:
        return ""
    try:
        return loads(content)
    except (ValueError, UnicodeDecodeError):
        return content.decode("utf-8", errors="replace")


def _message_from_json(body: Any) -> str | None:
    """The vendor's message from any common JSON error shape, documented or not:
    {"message"}, {"detail": {"msg"}}, {"detail": [{"msg", "loc"}]}, {"detail": "..."},
    {"error": "..."}, {"error": {"message"}}, {"errors": [...]}, {"msg"}."""
    if isinstance(body, str):
        return body or None
    if isinstance(body, list):
        parts = [m for m in (_message_from_json(item) for item in body[:5]) if m]
        return "; ".join(parts) or None
    if not isinstance(body, dict):
        return None
    for key in ("message", "msg", "error_description", "title"):
        value = body.get(key)
        if isinstance(value, str) and value:
            return value
    detail = body.get("detail")
    if isinstance(detail, list):
        items = []
        for item in detail[:5]:
            if isinstance(item, dict) and isinstance(item.get("msg"), str):
                loc = item.get("loc")
                where = ".".join(str(p) for p in loc) if isinstance(loc, list) else ""
                items.append(f"{where}: {item['msg']}" if where else item["msg"])
            elif (m := _message_from_json(item)) is not None:
                items.append(m)
        if items:
            return "; ".join(items)
    elif detail is not None and (m := _message_from_json(detail)) is not None:
        return m
    for key in ("error", "errors"):
        if body.get(key) is not None and (m := _message_from_json(body[key])) is not None:
            return m
    return None


def _message_from_text(text: str) -> str | None:
    title = _TITLE.search(text)
    if title:
        text = title.group(1)
    elif "<" in text and ">" in text:
        text = _TAGS.sub(" ", text)
    text = " ".join(text.split())
    return text or None


def status_error(
    response: httpx.Response, *, secrets: Iterable[str], attempts: int, billed: str | None
) -> APIStatusError:
    """The typed error for a non-2xx response (its body must have been read). ``billed`` is
    what it means for a non-idempotent call to have been processed (None: idempotent)."""
    status = response.status_code
    processed = status >= 500 and status != 503
    if processed and billed is not None:
        note = f"{billed}; not retried"
    else:
        note = f"after {attempts} attempts" if attempts > 1 else ""
    body = decode_body(response)
    detail = _message_from_json(body) if not isinstance(body, str) else _message_from_text(body)
    reason = response.reason_phrase or "HTTP error"
    summary = f"{response.status_code} {reason}"
    message = f"{summary}: {detail}" if detail else summary
    # Every secret the request carried (extra_headers, a webhook secret), not only the key:
    # a secret cut in two by the truncation below could no longer be found.
    message = redact(message, [*secrets, *request_secrets(request_of(response))])
    if len(message) > _MAX_MESSAGE:
        message = message[: _MAX_MESSAGE - 3] + "..."
    cut = response.extensions.get(TRUNCATED)
    if cut:
        note = f"body cut at {cut} bytes; {note}" if note else f"body cut at {cut} bytes"
    if note:
        message = f"{message} ({note})"
    cls = _BY_STATUS.get(status, InternalServerError if status >= 500 else APIStatusError)
    fields: dict[str, Any] = {}
    if cls is RateLimitError:
        fields["retry_after"] = parse_retry_after(response.headers.get("retry-after"))
    return cls(
        message,
        response=redacted_response(response),
        body=redact_value(body, request_secrets(request_of(response))),
        request_id=request_id(response),
        may_have_been_processed=processed,
        attempts=attempts,
        **fields,
    )


def request_id(response: httpx.Response) -> str | None:
    """The server's id for this exchange, from the first request-id header it sent."""
    for name in _REQUEST_ID_HEADERS:
        value: str | None = response.headers.get(name)
        if value:
            return value
    return None


def connection_error(
    exc: httpx.RequestError,
    target: str,
    *,
    secrets: Iterable[str],
    attempts: int,
    billed: str | None,
    retry_billed: bool,
) -> APIConnectionError:
    """``target`` (method and loggable URL) failed before an answer: APITimeoutError or
    APIConnectionError, every secret of the request out of the message, holding a redacted
    copy of it. ``billed`` as for status_error."""
    processed = not request_was_not_sent(exc)
    timed_out = isinstance(exc, httpx.TimeoutException)
    detail = redact(str(exc), secrets)
    message = f"{target} {'timed out' if timed_out else 'failed'} ({type(exc).__name__}"
    message += f": {detail})" if detail else ")"
    message += f" after {attempts} attempt{'s' if attempts != 1 else ''}"
    if processed and billed is not None:
        message += f"; {billed}, so it was not retried"
        if not retry_billed:
            message += " (pass retry_billed=True to retry anyway)"
    request = request_of(exc)
    return (APITimeoutError if timed_out else APIConnectionError)(
        redact(message, request_secrets(request)),
        request=redacted_request(request),
        may_have_been_processed=processed,
        attempts=attempts,
    )


def validation_error(
    message: str, response: httpx.Response, *, body: Any = None
) -> ResponseValidationError:
    """A ResponseValidationError about ``response``, with the secrets of the request it
    answers out of the message and body, holding a redacted copy of the response."""
    secrets = request_secrets(request_of(response))
    return ResponseValidationError(
        redact(message, secrets),
        status_code=response.status_code,
        body=redact_value(body, secrets),
        response=redacted_response(response),
    )
