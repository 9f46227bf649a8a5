"""Which URLs download() fetches, and which redirects it follows."""

from __future__ import annotations

import functools
import ipaddress
import re
import socket

import httpx

from ._answers import parsed_url
from ._redact import loggable_url, redact
from .errors import DownloadError

# Forms inet_aton accepts besides dotted quads: 127.1, 2130706433, 0x7f.0.0.1, 0177.0.0.1.
_LEGACY_IPV4 = re.compile(r"(?:0[xX][0-9a-fA-F]+|[0-9]+)(?:\.(?:0[xX][0-9a-fA-F]+|[0-9]+)){0,3}")


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a literal host names, in every form a resolver accepts (``127.1``,
    ``2130706433``, ``0x7f.1``, ``::ffff:127.0.0.1``); None for a host name."""
    host = host.strip("[]")
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        if not _LEGACY_IPV4.fullmatch(host):
            return None
        try:
            ip = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


@functools.lru_cache(maxsize=256)  # a batch asks about the same media host for every line
def is_loopback(host: str) -> bool:
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    ip = _ip(host)
    return ip is not None and ip.is_loopback


def _is_internal(host: str) -> bool:
    """Loopback, private, link-local or otherwise not a public address. Host names other than
    localhost are not resolved: an answer now says nothing about the address connected to
    later (DNS rebinding), so only a network policy can guard names."""
    if is_loopback(host):
        return True
    ip = _ip(host)
    return ip is not None and (
        ip.is_private
        or ip.is_link_local
        or ip.is_unspecified
        or ip.is_reserved
        or ip.is_multicast
        or not ip.is_global
    )


def is_data_url(url: str) -> bool:
    return url[:5].lower() == "data:"


def _same_origin(url: httpx.URL, base_url: str | None) -> bool:
    if not base_url:
        return False
    base = httpx.URL(base_url)
    return (url.scheme, url.host, url.port) == (base.scheme, base.host, base.port)


def check_url(url: str, *, allow_http: bool, base_url: str | None = None) -> None:
    """Refuse what download() must not fetch: other schemes, and plain http off loopback,
    unless it is the API's own origin (a gateway on http://host:8935 serves its /stream/
    audio there: the client already talks plain http to it, with its key)."""
    if is_data_url(url):
        return
    try:
        parsed = parsed_url(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        detail = redact(str(exc), [url]) if url else str(exc)
        raise DownloadError(f"not a valid URL: {detail}", url=loggable_url(url)) from None
    if parsed.scheme == "https" and parsed.host:
        return
    if parsed.scheme == "http" and parsed.host:
        if allow_http or is_loopback(parsed.host) or _same_origin(parsed, base_url):
            return
        raise DownloadError(
            f"refusing plain http to {parsed.host}: audio is only fetched over https, or http on "
            "loopback (pass allow_http=True to allow it)",
            url=loggable_url(url),
        )
    raise DownloadError(
        f"refusing URL scheme {parsed.scheme or '(none)'!r}: only https, http on loopback and "
        "data: URLs are downloaded",
        url=loggable_url(url) if parsed.scheme in ("http", "https") else None,
    )


def check_redirect(current: str, nxt: str) -> None:
    """A redirect may not downgrade https to http, nor lead from a public host to an
    internal address (request forgery against the caller's own network)."""
    here, there = httpx.URL(current), httpx.URL(nxt)
    if here.scheme == "https" and there.scheme != "https":
        raise DownloadError(
            "refusing a redirect from https to plain http", url=loggable_url(current)
        )
    if not _is_internal(here.host) and _is_internal(there.host):
        raise DownloadError(
            f"refusing a redirect from {here.host} to the internal address {there.host}",
            url=loggable_url(current),
        )
