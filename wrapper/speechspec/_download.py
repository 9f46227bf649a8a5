"""Audio downloads: http(s) streamed, or data: URLs decoded, always into a temporary file in
the target directory that is renamed into place only when complete."""

from __future__ import annotations

import binascii
import contextlib
import ipaddress
import os
import re
import secrets
import socket
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import IO

import httpx

from ._pipeline import Pipeline
from ._redact import loggable_url, redact
from .errors import DownloadError

# Called with (bytes written so far, total bytes if the server declared them).
ProgressCallback = Callable[[int, int | None], None]

DEFAULT_MAX_BYTES = 512 * 1024 * 1024
MAX_REDIRECTS = 5
_CHUNK = 64 * 1024
# Base64 decodes 4 characters to 3 bytes: decode in slices of a multiple of 4.
_B64_SLICE = 4 * 256 * 1024
# Temporary names: at most this many characters of the target's name, and a safe total.
_STEM_CHARS = 32
_SAFE_NAME_BYTES = 200
_O_BINARY = getattr(os, "O_BINARY", 0)
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


def _is_loopback(host: str) -> bool:
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    ip = _ip(host)
    return ip is not None and ip.is_loopback


def _is_internal(host: str) -> bool:
    """Loopback, private, link-local or otherwise not a public address. Host names other than
    localhost are not resolved: an answer now says nothing about the address connected to
    later (DNS rebinding), so only a network policy can guard names."""
    if _is_loopback(host):
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


def check_url(url: str, *, allow_http: bool) -> None:
    """Refuse what download() must not fetch: other schemes, and plain http off loopback."""
    if is_data_url(url):
        return
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        detail = redact(str(exc), [url]) if url else str(exc)
        raise DownloadError(f"not a valid URL: {detail}", url=loggable_url(url)) from None
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


class AtomicFile:
    """A temporary file beside ``target``; ``commit()`` renames it into place. Leaving the
    block without commit (an error, a cancellation) removes it and leaves ``target`` as it was.
    Every OSError becomes a DownloadError naming the path."""

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

    def _os_error(self, exc: OSError) -> DownloadError:
        return DownloadError(
            f"cannot write {self.target}: {exc.strerror or exc}", url=self.url, path=self.target
        )

    def __enter__(self) -> AtomicFile:
        # A short name of its own (the target's may already use all 255 bytes), created as
        # open() would create the target: mode 0666 less the umask, never an existing file.
        stem = self.target.name[:_STEM_CHARS]
        try:
            for _ in range(100):
                tmp = self.target.parent / f".{stem}.{secrets.token_hex(4)}.part"
                if len(os.fsencode(tmp.name)) > _SAFE_NAME_BYTES:
                    tmp = self.target.parent / f".speechspec.{secrets.token_hex(4)}.part"
                try:
                    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_BINARY, 0o666)
                except FileExistsError:
                    continue
                self._tmp = str(tmp)
                self._fh = os.fdopen(fd, "wb")
                return self
            raise FileExistsError(f"no free temporary name in {self.target.parent}")
        except OSError as exc:
            raise self._os_error(exc) from exc

    def write(self, data: bytes) -> None:
        assert self._fh is not None
        self.size += len(data)
        if self.size > self.max_bytes:
            raise DownloadError(
                f"audio exceeds max_bytes={self.max_bytes}; download abandoned", url=self.url
            )
        try:
            self._fh.write(data)
        except OSError as exc:
            raise self._os_error(exc) from exc
        if self.progress is not None:
            self.progress(self.size, self.total)

    def reset(self) -> None:
        """Start over (a retried download)."""
        assert self._fh is not None
        try:
            self._fh.seek(0)
            self._fh.truncate()
        except OSError as exc:
            raise self._os_error(exc) from exc
        self.size = 0

    def commit(self) -> None:
        assert self._fh is not None and self._tmp is not None
        try:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
            os.replace(self._tmp, self.target)
        except OSError as exc:
            raise self._os_error(exc) from exc
        self._committed = True

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        with contextlib.suppress(OSError):
            if self._fh is not None and not self._fh.closed:
                self._fh.close()
        if not self._committed and self._tmp is not None:
            with contextlib.suppress(OSError):
                Path(self._tmp).unlink(missing_ok=True)


def prepare_target(path: str | os.PathLike[str]) -> Path:
    """The checked target path (InvalidRequestError naming ``path`` otherwise)."""
    from ._args import target_path

    return target_path(path)


def _data_url_parts(url: str) -> tuple[str, bool, str]:
    """(media type and parameters, is base64, data) of an RFC 2397 URL; the data is
    percent-decoded when it holds escapes (RFC 2397 data is a URL's, so it may)."""
    comma = url.find(",")
    if comma < 0:
        raise DownloadError("malformed data: URL (no comma)")
    header = url[5:comma]
    is_base64 = header.split(";")[-1].strip().lower() == "base64"
    data = url[comma + 1 :]
    if is_base64 and "%" in data:
        try:
            data = urllib.parse.unquote(data, errors="strict")
        except UnicodeDecodeError as exc:
            raise DownloadError(f"malformed data: URL: {exc}", url=f"data:{header},...") from None
    return header, is_base64, data


def _b64_slices(data: str) -> Iterator[bytes]:
    """Strict base64 decoding in slices: whitespace is dropped, padding may appear only at the
    very end of the whole data (never inside it, where a per-slice decode would accept it)."""
    carry = ""
    for i in range(0, len(data), _B64_SLICE):
        piece = carry + data[i : i + _B64_SLICE]
        if not piece.isalnum():  # only base64 punctuation or whitespace left to drop
            piece = "".join(piece.split())
        usable = len(piece) - len(piece) % 4
        carry = piece[usable:]
        last = i + _B64_SLICE >= len(data)
        chunk = piece[:usable]
        pad = chunk.find("=")
        if pad >= 0 and (not last or carry or pad < len(chunk) - 2):
            raise ValueError("padding '=' inside the data")
        yield binascii.a2b_base64(chunk, strict_mode=True) if chunk else b""
    if carry:
        raise ValueError("incorrect padding (length is not a multiple of 4)")


def write_data_url(
    url: str, target: Path, max_bytes: int, progress: ProgressCallback | None = None
) -> Path:
    """Decode a ``data:[<mediatype>][;base64],<data>`` URL (RFC 2397) into ``target``, atomically.

    The URL is read in slices: a 64 MiB answer is already an 85 MiB string in memory, and
    decoding must not make another copy of it."""
    header, is_base64, data = _data_url_parts(url)
    shown = f"data:{header},..."
    if is_base64 and len(data) // 4 * 3 > max_bytes + 3:
        raise DownloadError(f"audio exceeds max_bytes={max_bytes}", url=shown)
    with AtomicFile(target, max_bytes, shown, progress) as out:
        try:
            if is_base64:
                for chunk in _b64_slices(data):
                    out.write(chunk)
            else:
                out.write(urllib.parse.unquote_to_bytes(data))
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
        check_redirect(current, nxt)
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
    if is_data_url(url):
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
                        for chunk in response.iter_bytes(_CHUNK):
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
    if is_data_url(url):
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
                        async for chunk in response.aiter_bytes(_CHUNK):
                            out.write(chunk)
                    finally:
                        await response.aclose()
                    out.commit()
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
