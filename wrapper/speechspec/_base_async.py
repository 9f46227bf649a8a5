"""What every client does beyond its operations, written once, async: downloads and the
context manager. tools/unasync.py writes the sync twin, _generated/base_sync.py (SyncCommon),
from this file; _base.py puts each under its client base."""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType
from typing import Self

import httpx

from . import _args
from ._download import DEFAULT_MAX_BYTES, ProgressCallback
from ._download_async import download_async
from ._options import NOT_GIVEN, Headers, NotGiven, Timeout, request_options
from ._pipeline import Pipeline

__all__ = ["AsyncCommon"]


class AsyncCommon:
    """Downloads and ``async with`` for a client base that provides the pipeline, the live
    httpx client and closing."""

    _pipeline: Pipeline

    def _live_client(self) -> httpx.AsyncClient:
        raise NotImplementedError  # the client base: its httpx client, ClientClosedError if closed

    async def aclose(self) -> None:
        raise NotImplementedError  # the client base closes what it owns

    async def download(
        self,
        url: str,
        path: str | os.PathLike[str],
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        allow_http: bool = False,
        on_progress: ProgressCallback | None = None,
        timeout: Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
    ) -> Path:
        """Save audio from an https URL (http on loopback, or any http with allow_http=True)
        or a ``data:`` URL to ``path``: streamed to a temporary file beside it, renamed into
        place when complete. Raises DownloadError; never leaves a partial file at ``path``.
        ``on_progress(bytes_so_far, total_or_None)`` is called as bytes arrive.
        ``timeout``, ``max_retries`` and ``extra_headers`` apply to this download's requests
        (the client's key and default_headers are never sent to a media host)."""
        url, target, cap = _args.download(url, path, max_bytes, allow_http, on_progress)
        options = request_options(
            timeout=timeout, max_retries=max_retries, extra_headers=extra_headers
        )
        client = self._live_client()
        return await download_async(
            client,
            self._pipeline.with_options(options),
            url,
            target,
            max_bytes=cap,
            allow_http=allow_http,
            progress=on_progress,
            owner=self,
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
