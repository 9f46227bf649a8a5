"""Checks on what a server answers that no schema can express: nesting depth, text that is
text, and a media URL that can really be downloaded."""

from __future__ import annotations

import functools
import json
import re
from typing import Any

import httpx

from .errors import ResponseValidationError

# Both vendors' answers nest 4 levels deep; anything near Python's recursion limit is hostile.
MAX_JSON_DEPTH = 64
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
# A lone surrogate: how JSON escapes ("\ud800") and undecodable bytes (surrogateescape) reach
# a str; no such string can be encoded to send, store or print.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class TooDeep(ValueError):
    """JSON nested deeper than MAX_JSON_DEPTH (a ValueError, like a JSON syntax error)."""


def check_depth(content: bytes | str, limit: int = MAX_JSON_DEPTH) -> None:
    """Raise TooDeep when ``content`` nests arrays/objects deeper than ``limit``; cheap for
    ordinary answers, which have fewer brackets than the limit."""
    data = content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content
    if data.count(b"[") + data.count(b"{") <= limit:
        return
    depth = 0
    for match in _TOKENS.finditer(data):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                raise TooDeep(f"JSON nested deeper than {limit} levels")
        elif token in (b"]", b"}"):
            depth -= 1


def check_value_depth(value: Any, limit: int = MAX_JSON_DEPTH) -> None:
    """check_depth for already-decoded data (a webhook body given as a mapping)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth >= limit:
                raise TooDeep(f"JSON nested deeper than {limit} levels")
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


def check_text(value: Any) -> None:
    """Raise ValueError when a string in decoded JSON holds a lone surrogate: JSON escapes
    (``"\\ud800"``) and text decoded with ``surrogateescape`` carry them, and no such string
    can be encoded to send, store or print."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise ValueError(
                    f"a string holds a lone surrogate ({item[exc.start]!r}), which is not text"
                ) from None
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def loads(content: bytes | str) -> Any:
    """json.loads with the depth limit: raises ValueError (never RecursionError)."""
    check_depth(content)
    try:
        return json.loads(content)
    except RecursionError:  # pragma: no cover - check_depth comes first
        raise TooDeep("JSON nested too deeply") from None


@functools.lru_cache(maxsize=64)
def parsed_url(url: str) -> httpx.URL:
    """``httpx.URL(url)``, remembered for the last few URLs: a download's URL is parsed where
    the answer gives it, where download() checks it and where its request is built (httpx
    parses a str URL again for every request), each parse costing tens of microseconds a line
    in a batch. An httpx.URL is immutable, so sharing one is safe; errors are not cached."""
    return httpx.URL(url)


def usable_media_url(url: object, what: str, *, base: str | None = None) -> str:
    """The absolute URL to download, or ResponseValidationError: an empty URL, another scheme,
    or a reference that names no file (it would download the gateway's own page)."""
    if not isinstance(url, str) or not url.strip():
        raise ResponseValidationError(f"{what} is empty: there is no audio to download")
    url = url.strip()
    if url[:5].lower() == "data:":
        return url
    scheme = _SCHEME.match(url)
    if scheme is not None and scheme.group().lower() not in ("http:", "https:"):
        raise ResponseValidationError(
            f"{what} has scheme {scheme.group()!r}: only http(s) and data: URLs are audio"
        )
    try:
        if scheme is not None:
            absolute = parsed_url(url)
            if not absolute.host:
                raise ResponseValidationError(f"{what} has no host")
            return url
        if base is None:
            raise ResponseValidationError(f"{what} is not an absolute URL")
        if url.startswith("/") and not url.startswith("//"):
            # A go-livepeer gateway answers "/stream/<id>/<name>.wav", a path on the gateway
            # itself (server/ai_process.go); base is the gateway, a proxy's prefix included.
            joined = parsed_url(base.rstrip("/") + url)
        else:
            joined = httpx.URL(base.rstrip("/") + "/").join(url)
    except (httpx.InvalidURL, ValueError) as exc:
        raise ResponseValidationError(f"{what} is not a valid URL: {exc}") from None
    if joined.path.endswith("/") or not url.split("?", 1)[0].split("#", 1)[0].strip("./"):
        raise ResponseValidationError(f"{what} names no file (relative reference {url[:100]!r})")
    return str(joined)
