"""What the sync and async Hamsa clients share: building calls, reading answers, polls."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx

from . import _args
from ._answers import check_job_id, usable_media_url
from ._base import _Core
from ._config import HAMSA_ENV, TimeoutTypes, resolve_key
from ._options import Headers, NotGiven, RequestOptions
from ._parse import invalid, parse_success
from ._pipeline import Call
from .errors import InvalidRequestError, ResponseValidationError

if TYPE_CHECKING:
    from hamsa_client.models import TTSResponseData

    from ._jobs import JobPoll

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
