"""Keep secrets out of messages, logs, and the requests and responses kept on errors."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable
from typing import Any

import httpx

from ._answers import MAX_JSON_DEPTH

REDACTED = "[REDACTED]"
# A copy that holds the decoded body must not claim an encoding or a length.
FRAMING = frozenset({"content-encoding", "transfer-encoding", "content-length"})

# A header whose name contains one of these carries a credential (X-Auth-Token, X-Signature,
# Proxy-Authorization, Set-Cookie, X-Api-Key...): its whole value is hidden, in logs and in the
# requests and responses kept on errors alike.
_SENSITIVE_WORDS = ("authorization", "cookie", "key", "token", "secret", "signature", "password")


def is_secret_header(name: str) -> bool:
    lower = name.lower()
    return any(word in lower for word in _SENSITIVE_WORDS)


# JSON fields whose value is a credential (Hamsa's webhookAuth, and what vendors echo).
_SECRET_FIELDS = frozenset({"authsecret", "apikey", "api_key", "token", "password", "secret"})
_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*://)[^/?#@]*@")


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each secret in ``text``."""
    for secret in secrets:
        # Very short "secrets" would shred ordinary words; keys and tokens are never that short.
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return text


def shown_url(url: str) -> str:
    """``url`` with any ``user:password@`` and query replaced, for messages about a URL we
    refuse: a signed URL's or a careless base URL's query may carry a key."""
    text = _USERINFO.sub(lambda m: m.group(1) + REDACTED + "@", str(url), count=1)
    if text.startswith("data:"):
        return text
    head, sep, _query = text.partition("?")
    return head + (sep + REDACTED if sep else "")


def loggable_url(url: httpx.URL | str) -> str:
    """The URL without its query string or userinfo (signed media URLs carry credentials
    there), and with ``data:`` URLs shortened."""
    text = str(url)
    if text[:5].lower() == "data:":
        return text[: text.find(",") + 1] + "..." if "," in text else "data:..."
    try:
        parsed = httpx.URL(text)
        clean = parsed.copy_with(query=None, fragment=None, username=None, password=None)
    except (httpx.InvalidURL, TypeError, ValueError):
        return shown_url(text.split("?", 1)[0].split("#", 1)[0])
    return str(clean) + ("?..." if parsed.query else "")


def _credential(value: str) -> str:
    """The secret part of an Authorization value: what follows the scheme, or all of it."""
    scheme, _, rest = value.strip().partition(" ")
    return rest.strip() or scheme


def _secret_values(data: Any, found: list[str], depth: int = 0) -> None:
    if depth > MAX_JSON_DEPTH:
        return
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str) and key.lower() in _SECRET_FIELDS and isinstance(value, str):
                found.append(value)
            else:
                _secret_values(value, found, depth + 1)
    elif isinstance(data, list):
        for item in data:
            _secret_values(item, found, depth + 1)


def request_of(message: httpx.Response | httpx.RequestError) -> httpx.Request | None:
    """The request a response answers (or an error failed), None when it was built without
    one: httpx's public ``.request`` raises RuntimeError then."""
    try:
        return message.request
    except RuntimeError:
        return None


def request_secrets(request: httpx.Request | None) -> list[str]:
    """Every secret a request carries: its credentials, the URL's password, and secret JSON
    fields (a webhook secret), so that an answer echoing them can be cleaned too."""
    if request is None:
        return []
    found = [_credential(v) for k, v in request.headers.items() if is_secret_header(k)]
    if request.url.password:
        found.append(request.url.password)
    content = _content(request)
    if content and b"{" in content:
        with contextlib.suppress(ValueError, RecursionError):
            _secret_values(json.loads(content), found)
    return [s for s in found if s]


def _content(message: httpx.Request | httpx.Response) -> bytes:
    try:
        return message.content
    except (httpx.RequestNotRead, httpx.ResponseNotRead):
        return b""


def clean_header(name: str, value: str, secrets: Iterable[str]) -> str:
    """A header's value as logs, recordings and kept copies show it."""
    return REDACTED if is_secret_header(name) else redact(value, secrets)


def shown_headers(headers: httpx.Headers, secrets: Iterable[str]) -> dict[str, str]:
    """Names lowercased, repeated ones joined (httpx's ``items()``), values cleaned."""
    return {k: clean_header(k, v, secrets) for k, v in headers.items()}


def _clean_headers(headers: httpx.Headers, secrets: list[str]) -> list[tuple[str, str]]:
    return [
        (k, clean_header(k, v, secrets))
        for k, v in headers.multi_items()
        if k.lower() not in FRAMING  # the copy holds the decoded body
    ]


def _clean_bytes(content: bytes, secrets: list[str]) -> bytes:
    for secret in secrets:
        if len(secret) >= 4:
            for form in {secret.encode(), json.dumps(secret)[1:-1].encode()}:
                content = content.replace(form, REDACTED.encode())
    return content


def redact_value(value: Any, secrets: list[str], depth: int = 0) -> Any:
    """A decoded JSON body with every secret string replaced (cut off where it nests deeper
    than any answer should, so a hostile body cannot exhaust the stack)."""
    if depth > MAX_JSON_DEPTH:
        return "[nested too deeply]"
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {k: redact_value(v, secrets, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_value(v, secrets, depth + 1) for v in value]
    return value


def redacted_request(
    request: httpx.Request | None, secrets: Iterable[str] = ()
) -> httpx.Request | None:
    """A copy of ``request`` safe to keep on an error (and to pickle): credentials in headers,
    the URL's userinfo and secret JSON fields replaced."""
    if request is None:
        return None
    found = [*secrets, *request_secrets(request)]
    url = request.url
    if url.userinfo:
        url = url.copy_with(username=None, password=None)
    return httpx.Request(
        request.method,
        url,
        headers=_clean_headers(request.headers, found),
        content=_clean_bytes(_content(request), found),
    )


def redacted_response(response: httpx.Response, secrets: Iterable[str] = ()) -> httpx.Response:
    """A copy of ``response`` (body already read) with every secret of its request, and the
    ``secrets`` given, replaced in its headers and body; its request is redacted too."""
    request = request_of(response)
    found = [*secrets, *request_secrets(request)]
    # Every string the copy keeps is cleaned: a server may echo the key in its reason phrase.
    reason = redact(response.reason_phrase, found)
    copy = httpx.Response(
        response.status_code,
        headers=_clean_headers(response.headers, found),
        content=_clean_bytes(_content(response), found),
        request=redacted_request(request, found),
        extensions={
            "reason_phrase": reason.encode("ascii", "replace"),
            "http_version": str(response.http_version).encode("ascii", "replace"),
        },
    )
    return copy
