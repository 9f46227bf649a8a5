"""AsyncHamsa, and the source of its sync twin Hamsa: tools/unasync.py writes
speechspec/_generated/hamsa_sync.py from this file (``make generate``). The constructor, copy()
and the operations come from the spec (_generated/hamsa.py); what no spec says is here: the
webhook rules, the job envelope, job waiting and the composites."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Self

import httpx

from . import _args
from ._answers import usable_media_url
from ._config import HAMSA_ENV
from ._download import DEFAULT_MAX_BYTES
from ._generated.hamsa import CREATE_TTS_JOB, GET_JOB_BY_ID, AsyncHamsaOperations
from ._operations import FieldRule, Operation, given
from ._options import NOT_GIVEN, Body, Headers, NotGiven, Query, RequestOptions, Timeout
from ._parse import generated, invalid
from ._pipeline import Call
from ._raw import araw
from .errors import InvalidRequestError, ResponseValidationError

if TYPE_CHECKING:
    from hamsa_client.models import TTSResponseData

    from ._schedule import JobHistory

DEFAULT_JOB_TIMEOUT = 300.0
# The job-wait schedule (see _schedule.py): never poll more often than DEFAULT_POLL_INTERVAL,
# nor less often than DEFAULT_MAX_POLL_INTERVAL; in between, intervals grow with the job's age.
DEFAULT_POLL_INTERVAL = 0.2
DEFAULT_MAX_POLL_INTERVAL = 10.0


def webhook_auth(value: object, param: str, values: Mapping[str, object]) -> dict[str, str]:
    """``(auth_key, auth_secret)`` -> the wire's ``{authKey, authSecret}``: both travel back to
    the caller in an HTTP header, so both must be header-safe (never shown in errors)."""
    if not given(values.get("webhook_url")):
        raise InvalidRequestError(f"{param} was given without webhook_url", param=param)
    if not (isinstance(value, tuple | list) and len(value) == 2):
        raise InvalidRequestError(f"{param} must be an (auth_key, auth_secret) tuple", param=param)
    return {
        "authKey": _args.header_value(value[0], f"{param}[0] (auth key)"),
        "authSecret": _args.header_value(value[1], f"{param}[1] (auth secret)"),
    }


class AsyncHamsa(AsyncHamsaOperations):
    """Hamsa text-to-speech client (awaitable).

    ``api_key`` defaults to the HAMSA_API_KEY environment variable (read now), ``base_url`` to
    HAMSA_BASE_URL, then https://api.tryhamsa.com. Job-creating POSTs are billed: they are
    retried only when the server cannot have processed them (connection refused, 429, 503),
    unless ``retry_billed=True``.
    """

    _env = HAMSA_ENV
    _auth_scheme = "Token"
    _field_rules: ClassVar[Mapping[str, FieldRule]] = {
        "webhookUrl": lambda value, param, _: _args.webhook_url(value, param),
        "webhookAuth": webhook_auth,
    }

    @property
    def _history(self) -> JobHistory:
        # Made on first use (job polling loads only then); setdefault keeps one per client
        # even when threads race to make it. A copy shares its original's (one job pace).
        history: JobHistory | None = self.__dict__.get("_job_history")
        if history is None:
            from ._schedule import JobHistory

            history = self.__dict__.setdefault("_job_history", JobHistory())
        return history

    def _copied_from(self, original: Self) -> None:
        self.__dict__["_job_history"] = original._history

    @cached_property
    def with_raw_response(self) -> AsyncHamsaWithRawResponse:
        """The same methods, returning a RawResponse (status, headers, request id, parse())."""
        return AsyncHamsaWithRawResponse(self)

    def _operation_result(self, op: Operation, call: Call, response: httpx.Response) -> Any:
        job = super()._operation_result(op, call, response)  # the answer's data (surface.yaml)
        if not isinstance(job, generated("hamsa_client.models", "TTSResponseData")):
            # "data" is optional in the vendor's schema; without it the answer is spec-valid but
            # has no job to return (a created job may still exist): say exactly that.
            raise invalid(
                response,
                "its optional 'data' (the job) is absent, so there is no job to return",
                verdict="is spec-valid but unusable",
            )
        if op is CREATE_TTS_JOB:
            # Remembered so that waiting for this job counts from its creation and learns its pace.
            if isinstance(job.id, str):
                self._history.created(job.id, len(str(call.json["text"])))
        elif job.id != (asked := str((call.params or {})["jobId"])):
            raise invalid(
                response,
                f"asked for job {asked!r}, the answer is about job {job.id!r}",
                verdict="is not about the job asked for",
            )
        return job

    def _job_call(self, job_id: str, options: RequestOptions) -> Call:
        return self._operation_call(GET_JOB_BY_ID, {"job_id": job_id}, options)

    @staticmethod
    def audio_url(job: TTSResponseData) -> str:
        """The COMPLETED job's media URL (``mediaUrl``, else ``jobResponse.ttsMediaFile``)."""
        from hamsa_client.models import TTSResponseData

        _args.model(job, TTSResponseData, "job")
        # The generated model's fields (Unset, the absent marker, is falsy; "" counts as absent).
        url = job.media_url or (job.job_response.tts_media_file if job.job_response else None)
        if not url:
            raise ResponseValidationError(
                f"Hamsa job {job.id} is COMPLETED but has neither mediaUrl nor jobResponse.ttsMediaFile"
            )
        return usable_media_url(url, f"Hamsa job {job.id}'s media URL")

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

        from ._deadline import DeadlineReached
        from ._jobs import JobPoll
        from ._schedule import PollSchedule

        # Every argument checked before any request.
        _args.job_id(job_id)
        seconds = _args.seconds(timeout, "timeout")
        floor = _args.seconds(poll_interval, "poll_interval")
        ceiling = _args.seconds(max_poll_interval, "max_poll_interval")
        _args.callback(on_poll, "on_poll")
        if ceiling < floor:
            raise InvalidRequestError(
                f"max_poll_interval ({ceiling:g}) must not be below poll_interval ({floor:g})",
                param="max_poll_interval",
            )
        options = self._options(
            request_timeout,
            max_retries,
            extra_headers,
            extra_query,
            timeout_param="request_timeout",
        )
        poll = JobPoll(
            job_id,
            timeout=seconds,
            schedule=PollSchedule(floor, ceiling),
            history=self._history,
            secrets=self._pipeline.secrets,
        )
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
        # Every argument (the polls' options, where extra_query may not set jobId, and the
        # target's directory included) is checked before the billed POST.
        self._job_call("job", options)
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
        if not isinstance(job.id, str) or not job.id:
            # The overlay requires `id` but nothing forbids "": such a job cannot be followed.
            # Said as the answer's fault, after the billed POST, not as a bad job_id of ours.
            raise ResponseValidationError(
                "Hamsa's answer to the job POST holds no job id to wait for; the job may "
                "exist and be billed (a webhook_url, if given, will still be called)"
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
