"""Hamsa: asynchronous text-to-speech jobs (``Authorization: Token <key>``)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from . import _args
from ._answers import check_job_id, usable_media_url
from ._base import AsyncBase, SyncBase, _Core
from ._config import DEFAULT_MAX_RETRIES, HAMSA_ENV, TimeoutTypes, resolve_key
from ._download import DEFAULT_MAX_BYTES
from ._options import NOT_GIVEN, Body, Headers, NotGiven, Query, RequestOptions, Timeout
from ._parse import invalid, parse_success
from ._pipeline import Call
from .errors import InvalidRequestError, ResponseValidationError

if TYPE_CHECKING:
    from hamsa_client.models import TTSResponseData

    from ._jobs import JobPoll
    from ._raw_clients import AsyncHamsaWithRawResponse, HamsaWithRawResponse

DEFAULT_JOB_TIMEOUT = 300.0
# The job-wait schedule (see _schedule.py): never poll more often than DEFAULT_POLL_INTERVAL,
# nor less often than DEFAULT_MAX_POLL_INTERVAL; in between, intervals grow with the job's age.
DEFAULT_POLL_INTERVAL = 0.2
DEFAULT_MAX_POLL_INTERVAL = 10.0
_CREATE_NOTE = "the request may have been processed and the Hamsa job may exist (and be billed)"


class _HamsaCore(_Core):
    _env = HAMSA_ENV
    _auth_scheme = "Token"

    def _setup(
        self,
        api_key: str | None,
        base_url: str | None,
        timeout: TimeoutTypes | NotGiven | None,
        max_retries: int,
        retry_billed: bool,
        default_headers: Headers | None,
    ) -> None:
        _Core.__init__(
            self,
            key=resolve_key(api_key, HAMSA_ENV, argument="api_key"),
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            retry_billed=retry_billed,
            default_headers=default_headers,
        )
        # Job polling loads on first use: it is not needed to import speechspec.
        from ._schedule import JobHistory

        self._history = JobHistory()

    def _create_call(
        self,
        text: str,
        voice_id: str,
        webhook_url: str | None,
        webhook_auth: tuple[str, str] | None,
    ) -> Call:
        from hamsa_client.api.default import create_tts_job
        from hamsa_client.models import ExternalWebhookAuthScheme, TTSRequest
        from hamsa_client.types import UNSET, Unset

        text, voice_id, webhook_url, checked_auth = _args.hamsa_create(
            text, voice_id, webhook_url, webhook_auth
        )
        auth: ExternalWebhookAuthScheme | Unset = UNSET
        if checked_auth is not None:
            auth = ExternalWebhookAuthScheme(auth_key=checked_auth[0], auth_secret=checked_auth[1])
        body = TTSRequest(
            text=text,
            voice_id=voice_id,
            webhook_url=UNSET if webhook_url is None else webhook_url,
            webhook_auth=auth,
        )
        return Call.from_kwargs(
            create_tts_job.build_request(body=body), processed_note=_CREATE_NOTE
        )

    def _create_result(self, response: httpx.Response) -> TTSResponseData:
        from hamsa_client.api.default import create_tts_job
        from hamsa_client.models import TTSResponse

        return self._job_in(response, TTSResponse, create_tts_job.parse_response)

    def _job_call(self, job_id: str) -> Call:
        from hamsa_client.api.default import get_job_by_id

        return Call.from_kwargs(get_job_by_id.build_request(job_id=_args.job_id(job_id)))

    def _job_result(self, response: httpx.Response, job_id: str) -> TTSResponseData:
        from hamsa_client.api.default import get_job_by_id
        from hamsa_client.models import JobDetailsResponse

        job = self._job_in(response, JobDetailsResponse, get_job_by_id.parse_response)
        return check_job_id(response, job, job_id)

    @staticmethod
    def _job_in(
        response: httpx.Response, envelope: type[Any], parse: Callable[[httpx.Response], object]
    ) -> TTSResponseData:
        """The job inside either answer's ``data`` (both answers wrap it the same way)."""
        from hamsa_client.models import TTSResponseData

        parsed = parse_success(response, envelope, parse)
        if not isinstance(parsed.data, TTSResponseData):
            # "data" is optional in the vendor's schema; without it the answer is spec-valid but
            # has no job to return (a created job may still exist): say exactly that.
            raise invalid(
                response,
                "its optional 'data' (the job) is absent, so there is no job to return",
                verdict="is spec-valid but unusable",
            )
        return parsed.data

    def _check_polls(self, options: RequestOptions) -> None:
        """synthesize(): the polls' options (extra_query may not set jobId) are checked before
        the billed create, not at the first poll."""
        self._bind(self._job_call("job"), options)

    def _created(self, job: TTSResponseData, text: str) -> TTSResponseData:
        # Remembered so that waiting for this job counts from its creation and learns its pace.
        if isinstance(job.id, str):
            self._history.created(job.id, len(text))
        return job

    def _poll(
        self, job_id: str, timeout: float, poll_interval: float, max_poll_interval: float
    ) -> JobPoll:
        from ._jobs import JobPoll
        from ._schedule import PollSchedule

        _args.job_id(job_id)
        floor = _args.seconds(poll_interval, "poll_interval")
        ceiling = _args.seconds(max_poll_interval, "max_poll_interval")
        if ceiling < floor:
            raise InvalidRequestError(
                f"max_poll_interval ({ceiling:g}) must not be below poll_interval ({floor:g})",
                param="max_poll_interval",
            )
        return JobPoll(
            job_id,
            timeout=_args.seconds(timeout, "timeout"),
            schedule=PollSchedule(floor, ceiling),
            history=self._history,
            secrets=self._pipeline.secrets,
        )

    @staticmethod
    def audio_url(job: TTSResponseData) -> str:
        from hamsa_client.models import TTSResponseData

        from ._jobs import media_url

        _args.model(job, TTSResponseData, "job")
        url = media_url(job)
        if url is None:
            raise ResponseValidationError(
                f"Hamsa job {job.id} is COMPLETED but has neither mediaUrl nor jobResponse.ttsMediaFile"
            )
        return usable_media_url(url, f"Hamsa job {job.id}'s media URL")


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
    ) -> None:
        self._setup(api_key, base_url, timeout, max_retries, retry_billed, default_headers)
        self._init_transport(http_client)

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
    ) -> None:
        self._setup(api_key, base_url, timeout, max_retries, retry_billed, default_headers)
        self._init_transport(http_client)

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
