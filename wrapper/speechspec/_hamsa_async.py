"""AsyncHamsa, and the source of its sync twin Hamsa: tools/unasync.py writes
speechspec/_generated/hamsa_sync.py from this file (``make generate``)."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from . import _args
from ._config import DEFAULT_MAX_RETRIES, HAMSA_ENV, resolve_key
from ._download import DEFAULT_MAX_BYTES
from ._generated.hamsa import CREATE_TTS_JOB, GET_JOB_BY_ID, AsyncHamsaOperations
from ._hamsa_core import (
    DEFAULT_JOB_TIMEOUT,
    DEFAULT_MAX_POLL_INTERVAL,
    DEFAULT_POLL_INTERVAL,
    _HamsaCore,
)
from ._options import NOT_GIVEN, Body, Headers, NotGiven, Query, Timeout
from ._raw import araw
from ._transport import ProxyTypes

if TYPE_CHECKING:
    from hamsa_client.models import TTSResponseData


class AsyncHamsa(AsyncHamsaOperations, _HamsaCore):
    """Hamsa text-to-speech client (awaitable).

    ``api_key`` defaults to the HAMSA_API_KEY environment variable (read now), ``base_url`` to
    HAMSA_BASE_URL, then https://api.tryhamsa.com. Job-creating POSTs are billed: they are
    retried only when the server cannot have processed them (connection refused, 429, 503),
    unless ``retry_billed=True``.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        retry_billed: bool = False,
        http_client: httpx.AsyncClient | None = None,
        default_headers: Headers | None = None,
        record: str | os.PathLike[str] | None = None,
        proxy: ProxyTypes | None = None,
    ) -> None:
        super().__init__(
            key=resolve_key(api_key, HAMSA_ENV, argument="api_key"),
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            retry_billed=retry_billed,
            default_headers=default_headers,
            http_client=http_client,
            record=record,
            proxy=proxy,
        )
        # Job polling loads on first use: it is not needed to import speechspec.
        from ._schedule import JobHistory

        self._history = JobHistory()

    @cached_property
    def with_raw_response(self) -> AsyncHamsaWithRawResponse:

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
        """Poll until COMPLETED (returned), FAILED (JobFailedError, with the vendor's
        ``reason``) or ``timeout`` seconds (JobTimeoutError): every sleep, request and retry
        inside ends by then. Intervals grow with the job's age (about 15% of it), between
        ``poll_interval`` and ``max_poll_interval``; for jobs this client created, waiting
        counts from creation and follows the pace of its earlier jobs (README, "Waiting for
        jobs"). ``on_poll(job)`` sees every state polled. ``request_timeout`` and the other
        options apply to each poll request (its timeout also cut to the time left)."""
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
            call = poll.request(self._job_call(job_id, options))
            try:
                response = await self._sender.send(call)
            except DeadlineReached as exc:
                raise poll.timed_out(exc) from exc
            job: TTSResponseData = self._operation_result(GET_JOB_BY_ID, call, response)
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
        """Create a job, wait for it, and download its audio to ``path``. ``timeout`` bounds
        the wait; ``request_timeout`` and ``max_retries`` apply to every request,
        ``extra_headers`` / ``extra_query`` to the API requests, ``extra_body`` to the create."""
        options = self._options(
            request_timeout,
            max_retries,
            extra_headers,
            extra_query,
            extra_body,
            timeout_param="request_timeout",
        )
        self._check_polls(options)  # all checked before the billed create
        # Every argument, the target's directory included, before the billed POST.
        self._operation_call(CREATE_TTS_JOB, {"text": text, "voice_id": voice_id}, options)
        _args.target_path(path)
        _args.seconds(timeout, "timeout")
        _args.positive_int(max_bytes, "max_bytes")
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


class AsyncHamsaWithRawResponse:
    """``AsyncHamsa.with_raw_response``: each method returning a RawResponse of its result."""

    def __init__(self, client: AsyncHamsa) -> None:
        self.text_to_speech = araw(client.text_to_speech)
        self.get_job = araw(client.get_job)
        self.wait_for_job = araw(client.wait_for_job)
        self.synthesize = araw(client.synthesize)
        self.download = araw(client.download, "download")
