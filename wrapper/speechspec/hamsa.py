"""Hamsa: asynchronous text-to-speech jobs (``Authorization: Token <key>``)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from . import _args
from ._base import SyncBase
from ._config import DEFAULT_MAX_RETRIES, TimeoutTypes
from ._download import DEFAULT_MAX_BYTES
from ._hamsa_async import AsyncHamsa
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

    from ._raw_clients import HamsaWithRawResponse

__all__ = ["DEFAULT_JOB_TIMEOUT", "AsyncHamsa", "Hamsa"]


class Hamsa(_HamsaCore, SyncBase):
    """Hamsa text-to-speech client.

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
        timeout: TimeoutTypes | NotGiven | None = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        retry_billed: bool = False,
        http_client: httpx.Client | None = None,
        default_headers: Headers | None = None,
        proxy: ProxyTypes | None = None,
    ) -> None:
        self._setup(api_key, base_url, timeout, max_retries, retry_billed, default_headers)
        self._init_transport(http_client, proxy)

    def text_to_speech(
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
        """Start a TTS job; returns the job (usually PENDING). ``webhook_auth`` is
        ``(auth_key, auth_secret)``, sent back as ``Authorization: <auth_key> <auth_secret>``.
        Per-call options: see the README, "Per-call options"."""
        options = self._options(timeout, max_retries, extra_headers, extra_query, extra_body)
        call = self._bind(self._create_call(text, voice_id, webhook_url, webhook_auth), options)
        return self._created(self._create_result(self._sender.send(call)), text)

    def get_job(
        self,
        job_id: str,
        *,
        timeout: Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> TTSResponseData:
        """The job's current state (``GET /v1/jobs?jobId=``)."""
        options = self._options(timeout, max_retries, extra_headers, extra_query)
        return self._get_job(job_id, options)

    def _get_job(self, job_id: str, options: RequestOptions) -> TTSResponseData:
        call = self._bind(self._job_call(job_id), options)
        return self._job_result(self._sender.send(call), job_id)

    @cached_property
    def with_raw_response(self) -> HamsaWithRawResponse:
        """The same methods, returning a RawResponse (status, headers, request id, parse())."""
        from ._raw_clients import HamsaWithRawResponse

        return HamsaWithRawResponse(self)

    def wait_for_job(
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
            time.sleep(delay)
        while True:
            call = poll.request(self._bind(self._job_call(job_id), options))
            try:
                response = self._sender.send(call)
            except DeadlineReached as exc:
                raise poll.timed_out(exc) from exc
            job = self._job_result(response, job_id)
            if on_poll is not None:
                on_poll(job)
            if poll.finished(job, response):
                return job
            time.sleep(poll.next_delay())

    def synthesize(
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
        _args.hamsa_synthesize(text, path, voice_id, timeout, max_bytes)
        job = self.text_to_speech(
            text,
            voice_id=voice_id,
            timeout=request_timeout,
            extra_body=extra_body,
            max_retries=max_retries,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )
        done = self.wait_for_job(
            job.id,
            timeout=timeout,
            request_timeout=request_timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
            extra_query=extra_query,
        )
        return self.download(
            self.audio_url(done),
            path,
            max_bytes=max_bytes,
            timeout=request_timeout,
            max_retries=max_retries,
        )
