"""Audio downloads: http(s) streamed, or data: URLs decoded, always into a temporary file in
the target directory that is renamed into place only when complete."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import os
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO

import httpx

from ._pipeline import Pipeline
from ._redact import loggable_url
from .errors import DownloadError

# Called with (bytes written so far, total bytes if the server declared them).
ProgressCallback = Callable[[int, int | None], None]

DEFAULT_MAX_BYTES = 512 * 1024 * 1024
MAX_REDIRECTS = 5
# Base64 decodes 4 characters to 3 bytes: decode in slices of a multiple of 4.
_B64_SLICE = 4 * 256 * 1024


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(url: str, *, allow_http: bool) -> None:
    """Refuse what download() must not fetch: other schemes, and plain http off loopback."""
    if url.startswith("data:"):
        return
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise DownloadError(f"not a valid URL: {exc}", url=loggable_url(str(url))) from exc
    if parsed.scheme == "https" and parsed.host:
        return
    if parsed.scheme == "http" and parsed.host:
        if allow_http or _is_loopback(parsed.host):
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


class AtomicFile:
    """A temporary file beside ``target``; ``commit()`` renames it into place. Leaving the
    block without commit (an error, a cancellation) removes it and leaves ``target`` as it was."""

    def __init__(
        self, target: Path, max_bytes: int, url: str, progress: ProgressCallback | None = None
    ) -> None:
        self.target = target
        self.max_bytes = max_bytes
        self.url = url
        self.progress = progress
        self.total: int | None = None
        self.size = 0
        self._fh: IO[bytes] | None = None
        self._tmp: str | None = None
        self._committed = False

    def __enter__(self) -> AtomicFile:
        import tempfile  # not at import time: it pulls in random, shutil and more

        fd, self._tmp = tempfile.mkstemp(
            dir=self.target.parent, prefix=f".{self.target.name}.", suffix=".part"
        )
        self._fh = os.fdopen(fd, "wb")
        return self

    def write(self, data: bytes) -> None:
        assert self._fh is not None
        self.size += len(data)
        if self.size > self.max_bytes:
            raise DownloadError(
                f"audio exceeds max_bytes={self.max_bytes}; download abandoned", url=self.url
            )
        self._fh.write(data)
        if self.progress is not None:
            self.progress(self.size, self.total)

    def reset(self) -> None:
        """Start over (a retried download)."""
        assert self._fh is not None
        self._fh.seek(0)
        self._fh.truncate()
        self.size = 0

    def commit(self) -> None:
        assert self._fh is not None and self._tmp is not None
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        os.replace(self._tmp, self.target)
        self._committed = True

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fh is not None and not self._fh.closed:
            self._fh.close()
        if not self._committed and self._tmp is not None:
            Path(self._tmp).unlink(missing_ok=True)


def prepare_target(path: str | os.PathLike[str]) -> Path:
    target = Path(path)
    if target.is_dir():
        raise DownloadError(f"{target} is a directory; give a file path")
    if not target.parent.is_dir():
        raise DownloadError(f"directory {target.parent} does not exist")
    return target


def write_data_url(
    url: str, target: Path, max_bytes: int, progress: ProgressCallback | None = None
) -> Path:
    """Decode a ``data:[<mediatype>][;base64],<data>`` URL into ``target``, atomically.

    The URL is read in slices: a 64 MiB answer is already an 85 MiB string in memory, and
    decoding must not make another copy of it."""
    comma = url.find(",")
    if comma < 0:
        raise DownloadError("malformed data: URL (no comma)")
    header = url[5:comma]
    shown = f"data:{header},..."
    is_base64 = header.lower().split(";")[-1].strip() == "base64"
    if is_base64 and (len(url) - comma - 1) // 4 * 3 > max_bytes + 3:
        raise DownloadError(f"audio exceeds max_bytes={max_bytes}", url=shown)
    with AtomicFile(target, max_bytes, shown, progress) as out:
        try:
            if is_base64:
                carry = ""
                for i in range(comma + 1, len(url), _B64_SLICE):
                    piece = carry + url[i : i + _B64_SLICE]
                    if not piece.isalnum():  # only base64 punctuation or whitespace left to drop
                        piece = "".join(piece.split())
                    usable = len(piece) - len(piece) % 4
                    carry = piece[usable:]
                    out.write(base64.b64decode(piece[:usable], validate=True))
                if carry:
                    raise ValueError("incorrect padding")
            else:
                out.write(urllib.parse.unquote_to_bytes(url[comma + 1 :]))
        except (binascii.Error, ValueError) as exc:
            raise DownloadError(f"malformed data: URL: {exc}", url=shown) from exc
        out.commit()
    return target


class _Retry(Exception):
    def __init__(self, delay: float) -> None:
        self.delay = delay


class HttpDownload:
    """The decisions of one http(s) download, shared by the sync and async loops."""

    def __init__(self, pipeline: Pipeline, url: str, *, max_bytes: int, allow_http: bool) -> None:
        self.pipeline = pipeline
        self.url = url
        self.shown = loggable_url(url)
        self.max_bytes = max_bytes
        self.allow_http = allow_http
        self.attempt = 0

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
        return nxt

    def check_response(self, response: httpx.Response, out: AtomicFile) -> None:
        """Raise _Retry or DownloadError for a non-2xx; refuse a declared size over the cap."""
        if not response.is_success:
            delay = self.pipeline.policy.delay_after_response(
                response, self.attempt, idempotent=True
            )
            if delay is not None:
                raise _Retry(delay)
            raise DownloadError(
                f"download failed with HTTP {response.status_code} {response.reason_phrase}".rstrip(),
                url=self.shown,
            )
        declared = response.headers.get("content-length", "")
        out.total = int(declared) if declared.isdigit() else None
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise DownloadError(
                f"audio of {declared} bytes exceeds max_bytes={self.max_bytes}", url=self.shown
            )

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


def download_sync(
    client: httpx.Client,
    pipeline: Pipeline,
    url: str,
    path: str | os.PathLike[str],
    *,
    max_bytes: int,
    allow_http: bool,
    progress: ProgressCallback | None = None,
) -> Path:
    target = prepare_target(path)
    check_url(url, allow_http=allow_http)
    if url.startswith("data:"):
        return write_data_url(url, target, max_bytes, progress)
    plan = HttpDownload(pipeline, url, max_bytes=max_bytes, allow_http=allow_http)
    with AtomicFile(target, max_bytes, plan.shown, progress) as out:
        while True:
            try:
                current, hops = url, 0
                while True:
                    response = client.send(
                        pipeline.download_request(client, current),
                        stream=True,
                        follow_redirects=False,
                    )
                    try:
                        if response.is_redirect:
                            current, hops = plan.next_hop(response, current, hops), hops + 1
                            continue
                        plan.check_response(response, out)
                        # As the network delivers them: a chunk size would re-chunk (copy).
                        for chunk in response.iter_bytes():
                            out.write(chunk)
                    finally:
                        response.close()
                    out.commit()
                    return target
            except httpx.RequestError as exc:
                delay = plan.on_error(exc)
            except httpx.InvalidURL as exc:  # a malformed Location (httpx parses it eagerly)
                raise DownloadError(f"redirect to an invalid URL: {exc}", url=plan.shown) from exc
            except _Retry as retry:
                delay = retry.delay
            out.reset()
            time.sleep(delay)
            plan.attempt += 1


async def download_async(
    client: httpx.AsyncClient,
    pipeline: Pipeline,
    url: str,
    path: str | os.PathLike[str],
    *,
    max_bytes: int,
    allow_http: bool,
    progress: ProgressCallback | None = None,
) -> Path:
    import anyio

    target = prepare_target(path)
    check_url(url, allow_http=allow_http)
    if url.startswith("data:"):
        return write_data_url(url, target, max_bytes, progress)
    plan = HttpDownload(pipeline, url, max_bytes=max_bytes, allow_http=allow_http)
    with AtomicFile(target, max_bytes, plan.shown, progress) as out:
        while True:
            try:
                current, hops = url, 0
                while True:
                    response = await client.send(
                        pipeline.download_request(client, current),
                        stream=True,
                        follow_redirects=False,
                    )
                    try:
                        if response.is_redirect:
                            current, hops = plan.next_hop(response, current, hops), hops + 1
                            continue
                        plan.check_response(response, out)
                        async for chunk in response.aiter_bytes():
                            out.write(chunk)
                    finally:
                        await response.aclose()
                    # fsync in a worker thread: the event loop keeps serving other transfers.
                    await anyio.to_thread.run_sync(out.commit)
                    return target
            except httpx.RequestError as exc:
                delay = plan.on_error(exc)
            except httpx.InvalidURL as exc:  # a malformed Location (httpx parses it eagerly)
                raise DownloadError(f"redirect to an invalid URL: {exc}", url=plan.shown) from exc
            except _Retry as retry:
                delay = retry.delay
            out.reset()
            await anyio.sleep(delay)
            plan.attempt += 1
