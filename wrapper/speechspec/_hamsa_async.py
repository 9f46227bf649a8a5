"""AsyncHamsa: the async twin of hamsa.Hamsa (same methods, awaitable; all but I/O shared)."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from . import _args
from ._base import AsyncBase
from ._config import DEFAULT_MAX_RETRIES, TimeoutTypes
from ._download import DEFAULT_MAX_BYTES
from ._hamsa_core import (
    DEFAULT_JOB_TIMEOUT,
    DEFAULT_MAX_POLL_INTERVAL,
    DEFAULT_POLL_INTERVAL,
    _HamsaCore,
)
from ._options import NOT_GIVEN, Body, Headers, NotGiven, Query, RequestOptions, Timeout
from ._transport import ProxyTypes

if TYPE_CHECKING:
    from hamsa_client.models import TTSResponseData

    from ._raw_clients import AsyncHamsaWithRawResponse


class AsyncHamsa(_HamsaCore, AsyncBase):
    """Async twin of :class:`Hamsa`: the same methods, awaitable."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: TimeoutTypes | NotGiven | None = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        retry_billed: bool = False,
        http_client: httpx.AsyncClient | None = None,
        default_headers: Headers | None = None,
        proxy: ProxyTypes | None = None,
    ) -> None:
        self._setup(api_key, base_url, timeout, max_retries, retry_billed, default_headers)
        self._init_transport(http_client, proxy)

    async def text_to_speech(
        self,
        text: str,
        *,
        voice_id: str,
        webhook_url: str | None = None,
        webhook_auth: tuple[str, str] | None = None,
        timeout: Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
    ) -> TTSResponseData:
        options = self._options(timeout, max_retries, extra_headers, extra_query, extra_body)
        call = self._bind(self._create_call(text, voice_id, webhook_url, webhook_auth), options)
        return self._created(self._create_result(await self._sender.send(call)), text)

    async def get_job(
        self,
        job_id: str,
        *,
        timeout: Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> TTSResponseData:
        options = self._options(timeout, max_retries, extra_headers, extra_query)
        return await self._get_job(job_id, options)

    async def _get_job(self, job_id: str, options: RequestOptions) -> TTSResponseData:
        call = self._bind(self._job_call(job_id), options)
        return self._job_result(await self._sender.send(call), job_id)

    @cached_property
    def with_raw_response(self) -> AsyncHamsaWithRawResponse:
        from ._raw_clients import AsyncHamsaWithRawResponse

        return AsyncHamsaWithRawResponse(self)

    async def wait_for_job(
        self,
        job_id: str,
        *,
        timeout: float = DEFAULT_JOB_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL,
        on_poll: Callable[[TTSResponseData], None] | None = None,
        request_timeout: Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> TTSResponseData:
        import anyio

        _args.wait(job_id, timeout, poll_interval, max_poll_interval, on_poll)
        options = self._options(
            request_timeout,
            max_retries,
            extra_headers,
            extra_query,
            timeout_param="request_timeout",
        )
        from ._deadline import DeadlineReached

        poll = self._poll(job_id, timeout, poll_interval, max_poll_interval)
        if delay := poll.first_delay():
            await anyio.sleep(delay)
        while True:
            call = poll.request(self._bind(self._job_call(job_id), options))
            try:
                response = await self._sender.send(call)
            except DeadlineReached as exc:
                raise poll.timed_out(exc) from exc
            job = self._job_result(response, job_id)
            if on_poll is not None:
                on_poll(job)
            if poll.finished(job, response):
                return job
            await anyio.sleep(poll.next_delay())

    async def synthesize(
        self,
        text: str,
        path: str | os.PathLike[str],
        *,
        voice_id: str,
        timeout: float = DEFAULT_JOB_TIMEOUT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        request_timeout: Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
    ) -> Path:
        options = self._options(
            request_timeout,
            max_retries,
            extra_headers,
            extra_query,
            extra_body,
            timeout_param="request_timeout",
        )
        self._check_polls(options)
        # Every argument, the target's directory included, before the billed POST.
        _args.hamsa_synthesize(text, path, voice_id, timeout, max_bytes)
        job = await self.text_to_speech(
            text,
            voice_id=voice_id,
            timeout=request_timeout,
            extra_body=extra_body,
            max_retries=max_retries,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )
        done = await self.wait_for_job(
            job.id,
            timeout=timeout,
            request_timeout=request_timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )
        return await self.download(
            self.audio_url(done),
            path,
            max_bytes=max_bytes,
            timeout=request_timeout,
            max_retries=max_retries,
        )
