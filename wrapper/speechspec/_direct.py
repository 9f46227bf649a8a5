"""Build an API request with a JSON body directly, without httpx's per-call merging.

``client.build_request`` parses the URL, merges the client's headers with ours and encodes the
body on every call, then ``Request`` normalises every header twice: about 25 us of a call's
CPU time, for a result that only changes when the client's headers do. Here the URL and the
merged headers are built once per (client headers, URL) and each request copies them; the
request is byte for byte what ``build_request`` makes (same headers in the same order, same
compact JSON). Anything this does not reproduce (client cookies or params, a client class
that overrides build_request, a client header that would shadow a body header) falls back to
``build_request``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

# httpx's own encoding of json= (httpx 0.28 _content.encode_json).
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
_BUILDERS = (httpx.Client.build_request, httpx.AsyncClient.build_request)
_BODY_HEADERS = ("host", "content-length", "content-type", "transfer-encoding")
_JSON = (b"Content-Type", b"application/json")
# A handful of paths per vendor; a bound in case a path ever carries an id.
_MAX_URLS = 32

Prefix = tuple[httpx.URL, list[tuple[bytes, bytes]]]


class DirectRequests:
    """Per pipeline: the URL and header prefix of each path, for the client last seen."""

    def __init__(self, api_headers: Mapping[str, str]) -> None:
        self._api_headers = api_headers
        self._client: object = None
        self._client_headers: list[tuple[bytes, bytes]] = []
        self._prefixes: dict[str, Prefix | None] = {}

    def build(
        self,
        client: httpx.Client | httpx.AsyncClient,
        method: str,
        url: str,
        body: Any,
        timeout: httpx.Timeout,
    ) -> httpx.Request | None:
        """The request ``client.build_request`` would make, or None where it must be asked."""
        if client.cookies or client.params or type(client).build_request not in _BUILDERS:
            return None
        raw = client.headers.raw
        if client is not self._client or raw != self._client_headers:
            self._client, self._client_headers, self._prefixes = client, raw, {}
        try:
            prefix = self._prefixes[url]
        except KeyError:
            if len(self._prefixes) >= _MAX_URLS:
                self._prefixes.clear()
            prefix = self._prefixes[url] = self._prefix(client, url)
        if prefix is None:
            return None
        content = _encode(body).encode()
        request = httpx.Request(
            method,
            prefix[0],
            headers=httpx.Headers(
                [*prefix[1], (b"Content-Length", str(len(content)).encode()), _JSON]
            ),
            stream=httpx.ByteStream(content),
            extensions={"timeout": timeout.as_dict()},
        )
        request.read()
        return request

    def _prefix(self, client: httpx.Client | httpx.AsyncClient, url: str) -> Prefix | None:
        parsed = httpx.URL(url)
        if parsed.is_relative_url or not parsed.host:
            return None
        headers = httpx.Headers(client.headers)
        headers.update(self._api_headers)
        if any(name in headers for name in _BODY_HEADERS):
            return None
        # Request._prepare puts Host first; the body's headers come last.
        return parsed, [(b"Host", parsed.netloc), *headers.raw]
