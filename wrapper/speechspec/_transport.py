"""The httpx client a speechspec client builds for itself: its own transport (pool limits,
TCP_NODELAY; for async direct connections the pool of _pool), and proxies and certificates as
httpx's ``trust_env`` rules say.

httpx reads HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and NO_PROXY only when it builds the transport
itself; we pass ours, so the same rules are applied here, with the standard library's
``urllib.request.getproxies()`` that httpx uses too. SSL_CERT_FILE and SSL_CERT_DIR are read
by ``httpx.create_ssl_context`` (one context per certificate setting, shared by every client
of the process).
An explicit ``proxy=`` wins over the environment, as in httpx."""

from __future__ import annotations

import ipaddress
import os
import socket
import ssl
import threading
import urllib.request
from typing import TypeAlias, TypeVar

import httpx

from ._decode import ACCEPT_ENCODING
from ._redact import shown_url
from .errors import ConfigurationError

ProxyTypes: TypeAlias = str | httpx.URL | httpx.Proxy
# The CLI's --proxy (speak and batch).
PROXY_HELP = (
    "proxy URL for every request, e.g. http://user:pass@proxy:3128 (default: $HTTPS_PROXY, "
    "$HTTP_PROXY, $ALL_PROXY, except hosts in $NO_PROXY)"
)

_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)
# httpcore writes a POST's headers and body separately; with Nagle's algorithm on, the body
# can wait for the server's delayed ACK (up to 40 ms) of the headers. Every API call is a POST.
_SOCKET_OPTIONS = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def environment_proxies() -> dict[str, str | None]:
    """URL patterns to proxy URLs (None: go direct), from the environment, as httpx maps
    them: ``http://``, ``https://`` and ``all://`` from HTTP(S)_PROXY and ALL_PROXY; each
    NO_PROXY entry (host, .domain, IP address, ``scheme://host``) direct; NO_PROXY=* disables
    every proxy."""
    info = urllib.request.getproxies()
    mounts: dict[str, str | None] = {}
    for scheme in ("http", "https", "all"):
        if info.get(scheme):
            value = info[scheme]
            mounts[f"{scheme}://"] = value if "://" in value else f"http://{value}"
    for entry in (host.strip() for host in info.get("no", "").split(",")):
        if entry == "*":
            return {}
        if not entry:
            continue
        if "://" in entry:
            mounts[entry] = None
        elif _is_ip(entry.strip("[]")):
            bare = entry.strip("[]")
            mounts[f"all://[{bare}]" if ":" in bare else f"all://{bare}"] = None
        elif entry.lower() == "localhost":
            mounts[f"all://{entry}"] = None
        else:
            mounts[f"all://*{entry}"] = None
    return mounts


def _proxy(value: object) -> httpx.Proxy:
    if isinstance(value, httpx.Proxy):
        return value
    if not isinstance(value, str | httpx.URL):
        raise ConfigurationError(
            f"proxy must be a URL string, httpx.URL or httpx.Proxy, got {type(value).__name__}"
        )
    try:
        proxy = httpx.Proxy(value)
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        detail = str(exc).replace(str(value), shown_url(str(value)))
        raise ConfigurationError(
            f"proxy {shown_url(str(value))!r} is not usable: {detail}"
        ) from None
    return proxy


def check_proxy(proxy: object, http_client: object) -> ProxyTypes | None:
    """The ``proxy=`` of a client, checked now (ConfigurationError, never echoing a password)."""
    if proxy is None:
        return None
    if http_client is not None:
        raise ConfigurationError(
            "pass proxy= or http_client=, not both: configure the proxy of your own httpx client"
        )
    return _proxy(proxy)


def proxy_map(proxy: object) -> dict[str, httpx.Proxy | None]:
    """The mounts to build: the given proxy for every URL, else the environment's."""
    if proxy is not None:
        return {"all://": _proxy(proxy)}
    return {
        pattern: None if url is None else _proxy(url)
        for pattern, url in environment_proxies().items()
    }


# Building a context parses the whole CA bundle (~25 ms of CPU): one per certificate setting,
# shared by every client of the process (httpx's advice), as it already is by the transports
# of one client. The key is what create_ssl_context reads: SSL_CERT_FILE (with the file's
# identity, size and mtime: an edited or replaced file gives a new context), else SSL_CERT_DIR
# (looked into at each handshake), else certifi's bundle. Failures are not kept.
_CONTEXTS: dict[tuple[object, ...], ssl.SSLContext] = {}
_CONTEXTS_LOCK = threading.Lock()


def _certificate_setting() -> tuple[object, ...]:
    cert_file = os.environ.get("SSL_CERT_FILE")
    if cert_file:
        try:
            st = os.stat(cert_file)
        except OSError:
            return ("file", cert_file, None)
        return ("file", cert_file, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    cert_dir = os.environ.get("SSL_CERT_DIR")
    return ("dir", cert_dir) if cert_dir else ("certifi",)


def _ssl_context() -> ssl.SSLContext:
    key = _certificate_setting()
    with _CONTEXTS_LOCK:
        ctx = _CONTEXTS.get(key)
        if ctx is not None:
            return ctx
        try:
            ctx = httpx.create_ssl_context()  # SSL_CERT_FILE / SSL_CERT_DIR, else certifi
        except (OSError, ssl.SSLError) as exc:
            raise ConfigurationError(
                f"cannot load the certificates named by SSL_CERT_FILE or SSL_CERT_DIR: {exc}"
            ) from None
        if key[-1] is not None:  # a file that vanished meanwhile: load it again next time
            _CONTEXTS[key] = ctx
        return ctx


Transport: TypeAlias = httpx.BaseTransport | httpx.AsyncBaseTransport


def _transports(is_async: bool, proxy: object) -> tuple[Transport, dict[str, Transport | None]]:
    """The default transport and one per proxied URL pattern (None: the default one)."""
    ctx = _ssl_context()
    kind = httpx.AsyncHTTPTransport if is_async else httpx.HTTPTransport

    def build(via: httpx.Proxy | None) -> Transport:
        if via is None and is_async:
            # httpx's pool with a cheaper idle-connection check (see _pool); same settings.
            # Imported here, as httpx imports httpcore: when a transport is built.
            from ._pool import AsyncPoolTransport

            return AsyncPoolTransport(ctx, _LIMITS, _SOCKET_OPTIONS)
        try:
            return kind(verify=ctx, proxy=via, limits=_LIMITS, socket_options=_SOCKET_OPTIONS)
        except ImportError as exc:  # socks5:// needs httpx[socks]
            shown = shown_url(str(via.url)) if via is not None else ""
            raise ConfigurationError(f"proxy {shown!r} needs an extra package: {exc}") from None
        except ValueError as exc:  # an unsupported proxy scheme
            raise ConfigurationError(f"proxy is not usable: {exc}") from None

    mounts = {
        pattern: None if via is None else build(via) for pattern, via in proxy_map(proxy).items()
    }
    return build(None), mounts


C = TypeVar("C", httpx.Client, httpx.AsyncClient)


def new_client(cls: type[C], user_agent: str, timeout: httpx.Timeout, proxy: object = None) -> C:
    """The ``httpx.Client`` or ``httpx.AsyncClient`` a speechspec client owns."""
    transport, mounts = _transports(cls is httpx.AsyncClient, proxy)
    return cls(
        # Accept-Encoding: only the codings _decode can undo in bounded steps.
        headers={
            "User-Agent": user_agent,
            "Accept": "application/json",
            "Accept-Encoding": ACCEPT_ENCODING,
        },
        timeout=timeout,
        transport=transport,  # type: ignore[arg-type]  # the one for cls (is_async)
        mounts=mounts,  # type: ignore[arg-type]
    )
