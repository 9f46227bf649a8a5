"""What the sync and async Hamsa clients share: building calls, reading answers, polls."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Self

import httpx

from . import _args
from ._answers import usable_media_url
from ._base import _Core
from ._config import HAMSA_ENV
from ._generated.hamsa import CREATE_TTS_JOB, GET_JOB_BY_ID
from ._operations import FieldRule, Operation, given
from ._options import NOT_GIVEN, Body, Headers, NotGiven, Query, RequestOptions, Timeout
from ._parse import generated, invalid, parse_success
from ._pipeline import Call
from .errors import InvalidRequestError, ResponseValidationError

if TYPE_CHECKING:
    from hamsa_client.models import TTSResponseData

    from ._jobs import JobPoll
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


class _HamsaCore(_Core):
    _env = HAMSA_ENV
    _auth_scheme = "Token"
    _history: JobHistory

    def copy(
        self,
        *,
        api_key: str | NotGiven = NOT_GIVEN,
        base_url: str | NotGiven = NOT_GIVEN,
        timeout: Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
    ) -> Self:
        """A client with these settings that shares this one's connection pool.

        Built by the constructor from this client's settings (its key, base URL, timeout,
        retries, default headers) with the arguments given replacing them; ``extra_headers``,
        ``extra_query`` and ``extra_body`` become defaults of every call (each call's own
        options still apply on top). The copy does not own the pool: closing it is a no-op,
        and closing the original closes the pool for both."""
        return self._copy(
            api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
        )

    with_options = copy

    def _copied_from(self, original: Self) -> None:
        self._history = original._history  # one job pace for the pool

    _field_rules: ClassVar[Mapping[str, FieldRule]] = {
        "webhookUrl": lambda value, param, _: _args.webhook_url(value, param),
        "webhookAuth": webhook_auth,
    }

    def _operation_result(self, op: Operation, call: Call, response: httpx.Response) -> Any:
        if op is CREATE_TTS_JOB:
            job = self._job_in(
                response,
                generated("hamsa_client.models", "TTSResponse"),
                generated("hamsa_client.api.default.create_tts_job", "parse_response"),
            )
            return self._created(job, str(call.json["text"]))
        job = self._job_in(
            response,
            generated("hamsa_client.models", "JobDetailsResponse"),
            generated("hamsa_client.api.default.get_job_by_id", "parse_response"),
        )
        return check_job_id(response, job, str((call.params or {})["jobId"]))

    def _job_call(self, job_id: str, options: RequestOptions) -> Call:
        return self._operation_call(GET_JOB_BY_ID, {"job_id": job_id}, options)

    @staticmethod
    def _job_in(
        response: httpx.Response, envelope: type[Any], parse: Callable[[httpx.Response], object]
    ) -> TTSResponseData:
        """The job inside either answer's ``data`` (both answers wrap it the same way)."""
        job = parse_success(response, envelope, parse).data
        if not isinstance(job, generated("hamsa_client.models", "TTSResponseData")):
            # "data" is optional in the vendor's schema; without it the answer is spec-valid but
            # has no job to return (a created job may still exist): say exactly that.
            raise invalid(
                response,
                "its optional 'data' (the job) is absent, so there is no job to return",
                verdict="is spec-valid but unusable",
            )
        return job  # type: ignore[no-any-return]  # checked just above

    def _check_polls(self, options: RequestOptions) -> None:
        """synthesize(): the polls' options (extra_query may not set jobId) are checked before
        the billed create, not at the first poll."""
        self._job_call("job", options)

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
        """The COMPLETED job's media URL (``mediaUrl``, else ``jobResponse.ttsMediaFile``)."""
        from hamsa_client.models import TTSResponseData

        from ._jobs import media_url

        _args.model(job, TTSResponseData, "job")
        url = media_url(job)
        if url is None:
            raise ResponseValidationError(
                f"Hamsa job {job.id} is COMPLETED but has neither mediaUrl nor jobResponse.ttsMediaFile"
            )
        return usable_media_url(url, f"Hamsa job {job.id}'s media URL")


def check_job_id(response: httpx.Response, job: TTSResponseData, job_id: str) -> TTSResponseData:
    """A job-status answer must describe the job that was asked for."""
    if job.id != job_id:
        raise invalid(
            response,
            f"asked for job {job_id!r}, the answer is about job {job.id!r}",
            verdict="is not about the job asked for",
        )
    return job
