"""The download loop: redirects followed by hand (each hop checked), retries, the body streamed
and decoded into an AtomicFile. Written once, async; tools/unasync.py writes its sync twin,
_generated/download_sync.py (download_sync), from this file."""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx

from ._atomic import AtomicFile, ProgressCallback, prepare_target
from ._body import araw_chunks
from ._decode import DecodeError
from ._download import HttpDownload, Retry
from ._lifecycle import closed_instead, runtime_error
from ._pipeline import Pipeline
from ._urls import check_url, is_data_url
from .errors import DownloadError

__all__ = ["download_async"]


async def download_async(
    client: httpx.AsyncClient,
    pipeline: Pipeline,
    url: str,
    path: str | os.PathLike[str],
    *,
    max_bytes: int,
    allow_http: bool,
    progress: ProgressCallback | None = None,
    owner: object,
) -> Path:
    """Download ``url`` to ``path`` (see the clients' ``download``): the target path.
    ``owner`` (the speechspec client) names the client in a RuntimeError's message."""
    import anyio

    target = prepare_target(path)
    check_url(url, allow_http=allow_http, base_url=pipeline.base_url)
    if is_data_url(url):
        from ._data_url import write_data_url

        return write_data_url(url, target, max_bytes, progress)
    plan = HttpDownload(pipeline, url, max_bytes=max_bytes, allow_http=allow_http)
    with AtomicFile(target, max_bytes, url, progress) as out:
        while True:
            try:
                current, hops = url, 0
                while True:
                    request = plan.request(client, current, hops)
                    started = time.perf_counter()
                    try:
                        response = await client.send(request, stream=True, follow_redirects=False)
                    except httpx.HTTPError as exc:
                        plan.sent(request, started, error=exc)
                        raise
                    except RuntimeError as exc:  # a closed client, another loop, a transport
                        raise runtime_error(owner, client, exc) from exc
                    plan.sent(request, started, response)
                    try:
                        if response.is_redirect:
                            current, hops = (
                                plan.next_hop(response, current, hops),
                                hops + 1,
                            )
                            continue
                        decoder = plan.check_response(response, out)
                        # Raw chunks as the network delivers them, decoded in bounded steps:
                        # max_bytes holds on decoded bytes, whatever the Content-Encoding.
                        # The file gathers them into WRITE_BUFFER blocks (see _atomic).
                        async for raw in araw_chunks(response):
                            for piece in decoder.feed(raw):
                                out.write(piece)
                    finally:
                        await response.aclose()
                    if not out.hand_over():  # a batch's group commit takes it from here
                        # async: fsync in a worker thread, so the event loop keeps serving others.
                        await anyio.to_thread.run_sync(out.commit)
                    return target
            except httpx.RequestError as exc:
                closed_instead(client, exc)
                delay = plan.on_error(exc)
            except httpx.InvalidURL as exc:  # a malformed Location (httpx parses it eagerly)
                raise DownloadError(f"redirect to an invalid URL: {exc}", url=plan.shown) from exc
            except DecodeError as exc:
                raise DownloadError(f"download failed: {exc}", url=plan.shown) from None
            except Retry as retry:
                delay = retry.delay
            out.reset()
            await anyio.sleep(delay)  # a close() meanwhile is seen by the next plan.request()
            plan.attempt += 1
