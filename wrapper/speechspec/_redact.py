"""Keep secrets out of messages and logs."""

from __future__ import annotations

from collections.abc import Iterable

import httpx

REDACTED = "[REDACTED]"


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each secret in ``text``."""
    for secret in secrets:
        # Very short "secrets" would shred ordinary words; keys and tokens are never that short.
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return text


def loggable_url(url: httpx.URL | str) -> str:
    """The URL without its query string or userinfo (signed media URLs carry credentials
    there), and with ``data:`` URLs shortened."""
    text = str(url)
    if text.startswith("data:"):
        return text[: text.find(",") + 1] + "..." if "," in text else "data:..."
    parsed = httpx.URL(text)
    clean = parsed.copy_with(query=None, fragment=None, username=None, password=None)
    return str(clean) + ("?..." if parsed.query else "")
