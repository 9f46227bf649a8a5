"""Audio downloads: http(s) streamed, or data: URLs decoded, always into a temporary file in
the target directory that is renamed into place only when complete.

This module holds the decisions of a download (HttpDownload); its loop is written once, async,
in _download_async.py, and tools/unasync.py writes the sync twin, _generated/download_sync.py."""

from __future__ import annotations

import dataclasses
from functools import cached_property

import httpx

from ._atomic import AtomicFile, ProgressCallback
from ._body import decoder_for
from ._decode import DecodeError, Decoder
from ._lifecycle import closed_midway
from ._pipeline import Pipeline
from ._raw import record
from ._redact import loggable_url
from ._urls import check_redirect, check_url
from .errors import DownloadError

__all__ = ["DEFAULT_MAX_BYTES", "HttpDownload", "ProgressCallback", "Retry"]

DEFAULT_MAX_BYTES = 512 * 1024 * 1024
MAX_REDIRECTS = 5


def _origin(url: str) -> tuple[str, str, int | None]:
    parsed = httpx.URL(url)
    port = parsed.port or {"http": 80, "https": 443}.get(parsed.scheme)
    return parsed.scheme, parsed.host, port


class Retry(Exception):
    """A non-2xx answer the retry policy retries after ``delay`` seconds."""

    def __init__(self, delay: float) -> None:
        self.delay = delay


class HttpDownload:
    """The decisions of one http(s) download, shared by the sync and async loops."""

    def __init__(self, pipeline: Pipeline, url: str, *, max_bytes: int, allow_http: bool) -> None:
        self.pipeline = pipeline
        self.url = url
        self.max_bytes = max_bytes
        self.allow_http = allow_http
        self.attempt = 0
        self._origin: tuple[str, str, int | None] | None = None  # parsed at the first redirect
        self.crossed = False

    @property
    def origin(self) -> tuple[str, str, int | None]:
        if self._origin is None:
            self._origin = _origin(self.url)
        return self._origin

    @cached_property
    def bare(self) -> Pipeline:
        # Caller headers (extra_headers: a Cookie, a signed token) belong to the origin the
        # caller named; httpx drops Authorization on a cross-origin redirect, we drop them all.
        # Once dropped they stay dropped, even if a later hop comes back (as in httpx). Built
        # at the first cross-origin hop only: a copy of the pipeline costs every download.
        return dataclasses.replace(self.pipeline, media_headers={})

    @property
    def shown(self) -> str:
        # Only errors show the URL: parsing it for them alone keeps it off every download.
        return loggable_url(self.url)

    def request(
        self, client: httpx.Client | httpx.AsyncClient, current: str, hops: int
    ) -> httpx.Request:
        closed = closed_midway(client)  # during a retry's sleep, between redirects
        if closed is not None:
            raise closed
        self.crossed = hops > 0 and (self.crossed or _origin(current) != self.origin)
        pipeline = self.bare if self.crossed else self.pipeline
        return pipeline.download_request(client, current)

    def next_hop(self, response: httpx.Response, current: str, hops: int) -> str:
        location = response.headers.get("location")
        if not location:
            raise DownloadError(f"{response.status_code} redirect without Location", url=self.shown)
        if hops >= MAX_REDIRECTS:
            raise DownloadError(f"more than {MAX_REDIRECTS} redirects", url=self.shown)
        if location.lstrip().lower().startswith("data:"):
            raise DownloadError("refusing a redirect to a data: URL", url=self.shown)
        try:
            nxt = str(httpx.URL(current).join(location))
        except httpx.InvalidURL as exc:
            raise DownloadError(f"redirect to an invalid URL: {exc}", url=self.shown) from exc
        check_url(nxt, allow_http=self.allow_http)
        check_redirect(current, nxt)
        return nxt

    def check_response(self, response: httpx.Response, out: AtomicFile) -> Decoder:
        """Raise Retry or DownloadError for a non-2xx; refuse a declared size over the cap;
        the decoder of the body's Content-Encoding."""
        if not response.is_success:
            delay = self.pipeline.policy.delay_after_response(
                response, self.attempt, idempotent=True
            )
            if delay is not None:
                raise Retry(delay)
            raise DownloadError(
                f"download failed with HTTP {response.status_code} {response.reason_phrase}".rstrip(),
                url=self.shown,
            )
        declared = response.headers.get("content-length", "")
        encoded = response.headers.get("content-encoding", "").strip().lower() not in (
            "",
            "identity",
        )
        # An encoded body's length says nothing of the audio's: no total for on_progress.
        out.total = int(declared) if declared.isdigit() and not encoded else None
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise DownloadError(
                f"audio of {declared} bytes exceeds max_bytes={self.max_bytes}",
                url=self.shown,
            )
        try:
            return decoder_for(response)
        except DecodeError as exc:
            raise DownloadError(f"download failed: {exc}", url=self.shown) from None

    def sent(
        self,
        request: httpx.Request,
        started: float,
        response: httpx.Response | None = None,
        error: BaseException | None = None,
    ) -> None:
        """One send of this download: logged (SPEECHSPEC_LOG), and a 2xx kept for
        ``with_raw_response.download``. A retry starts again from the URL asked for, so
        ``attempt`` counts the sends of that URL."""
        self.pipeline.log(request, self.attempt, started, response=response, error=error)
        if response is not None and response.is_success:
            record(response, self.attempt, "download")

    def on_error(self, exc: httpx.RequestError) -> float:
        delay = self.pipeline.policy.delay_after_error(exc, self.attempt, idempotent=True)
        if delay is None:
            raise DownloadError(
                f"download failed: {type(exc).__name__}: {exc}"
                if str(exc)
                else f"download failed: {type(exc).__name__}",
                url=self.shown,
            ) from exc
        return delay
