"""The one request pipeline: build, send, retry, map errors, log. Both vendors and both
sync and async clients go through it; the send loop (_send_async.py, and its generated sync
twin) adds only the I/O."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from . import _deadline
from ._answers import parsed_url
from ._errors_map import connection_error, status_error
from ._logging import log_attempt
from ._options import NO_OPTIONS, NotGiven, RequestOptions
from ._redact import loggable_url
from ._retry import RetryPolicy
from .errors import APIConnectionError, APIStatusError

if TYPE_CHECKING:
    from ._record import Recorder

# Parsed API URLs kept per pipeline (operations have a handful of paths).
_MAX_URLS = 64
PROCESSED = "the request may have been processed"


class Call:
    """One API request, as a generated operation's public ``build_request`` describes it.
    Nothing changes a Call after it is built (``using`` and ``until`` make new ones). A plain
    class: a dataclass costs a millisecond of `import speechspec` (Python 3.11), and a frozen
    one's ``__init__`` twice as much on every call."""

    __slots__ = ("deadline", "json", "method", "options", "params", "path", "processed_note")

    def __init__(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        # What it means for this call to have reached the server, for error messages.
        processed_note: str = PROCESSED,
        # Per-call timeout, retries and extras, already checked (see _options and _schema).
        options: RequestOptions = NO_OPTIONS,
        # time.monotonic() by which the call must end (wait_for_job); cuts timeouts and retries.
        deadline: float | None = None,
    ) -> None:
        self.method, self.path, self.params, self.json = method, path, params, json
        self.processed_note, self.options, self.deadline = processed_note, options, deadline

    def using(self, options: RequestOptions) -> Call:
        return Call(
            self.method, self.path, self.params, self.json, self.processed_note, options,
            self.deadline,
        )  # fmt: skip

    def until(self, deadline: float) -> Call:
        return Call(
            self.method, self.path, self.params, self.json, self.processed_note, self.options,
            deadline,
        )  # fmt: skip

    @property
    def idempotent(self) -> bool:
        return self.method in ("GET", "HEAD", "OPTIONS", "PUT", "DELETE")

    def __repr__(self) -> str:
        return f"Call({self.method} {self.path})"


@dataclass(frozen=True)
class Pipeline:
    """Everything about sending that does not depend on sync or async I/O."""

    base_url: str
    timeout: httpx.Timeout
    policy: RetryPolicy
    auth_header: str | None = field(default=None, repr=False)
    secrets: tuple[str, ...] = field(default=(), repr=False)
    user_agent: str = "speechspec"
    # False when the httpx client is ours and already sends our User-Agent by default.
    send_user_agent: bool = True
    # The client's default_headers (API requests only, never media hosts), checked.
    default_headers: Mapping[str, str] = field(default_factory=dict)
    # A download call's extra_headers (media requests).
    media_headers: Mapping[str, str] = field(default_factory=dict)
    # SPEECHSPEC_RECORD / record=: every attempt appended as a JSON line (_record.py).
    recorder: Recorder | None = field(default=None, repr=False)

    @functools.cached_property
    def _api_headers(self) -> httpx.Headers:
        # Built once: header merging is a measurable part of a call's cost (~4 us a header),
        # hence no per-request Accept: our own client sends "Accept: application/json" by
        # default (_base.py); a caller's client sends its own. An httpx.Headers (its encoding
        # found once) is copied by build_request as it is; a dict's every name and value
        # would be normalized again at every request.
        headers: dict[str, str] = {}
        if self.send_user_agent:
            headers["User-Agent"] = self.user_agent
        headers.update(self.default_headers)
        if self.auth_header is not None:
            headers["Authorization"] = self.auth_header
        built = httpx.Headers(headers)
        built.encoding  # noqa: B018 - computed now, kept by the object
        return built

    @functools.cached_property
    def _timeouts(self) -> dict[str, float | None]:
        return httpx.Timeout(self.timeout).as_dict()

    @functools.cached_property
    def _urls(self) -> dict[str, httpx.URL]:
        return {}

    def api_url(self, path: str) -> httpx.URL:
        """``base_url + path``, parsed once per path: httpx parses a str URL on every request
        (a tenth of a call's cost), an httpx.URL it takes as it is."""
        url = self._urls.get(path)
        if url is None:
            url = httpx.URL(self.base_url + path)
            if len(self._urls) >= _MAX_URLS:  # a path holding an argument: keep it bounded
                self._urls.clear()
            self._urls[path] = url
        return url

    # -- building -----------------------------------------------------------------------

    def api_request(self, client: httpx.Client | httpx.AsyncClient, call: Call) -> httpx.Request:
        headers: Mapping[str, str] = self._api_headers
        params, body, timeout = call.params, call.json, self.timeout
        if call.options is not NO_OPTIONS:
            headers, params, body, timeout = call.options.apply(headers, params, body, timeout)
        if call.deadline is not None:
            timeout = _deadline.bounded_timeout(timeout, call.deadline)
        # What build_request makes of timeout= (httpx's documented "timeout" extension), with
        # the pipeline's own built once rather than converted on every request.
        timeouts = self._timeouts if timeout is self.timeout else httpx.Timeout(timeout).as_dict()
        return client.build_request(
            call.method,
            self._urls.get(call.path) or self.api_url(call.path),
            params=params,
            json=body,
            headers=headers,
            extensions={"timeout": dict(timeouts)},
        )

    def download_request(self, client: httpx.Client | httpx.AsyncClient, url: str) -> httpx.Request:
        # Never send the API key (nor default_headers) to a media host.
        headers = {"User-Agent": self.user_agent} if self.send_user_agent else {}
        headers.update(self.media_headers)
        return client.build_request(
            "GET", parsed_url(url), headers=headers or None, timeout=self.timeout
        )

    def with_options(self, options: RequestOptions) -> Pipeline:
        """This pipeline with a download call's timeout, retries and headers."""
        if options is NO_OPTIONS:
            return self
        policy = self.policy
        if not isinstance(options.max_retries, NotGiven):
            policy = dataclasses.replace(policy, max_retries=options.max_retries)
        return dataclasses.replace(
            self,
            timeout=self.timeout if isinstance(options.timeout, NotGiven) else options.timeout,
            policy=policy,
            media_headers=options.headers,
        )

    def policy_for(self, call: Call) -> RetryPolicy:
        """The retry policy, with the call's own max_retries."""
        retries = call.options.max_retries
        if isinstance(retries, NotGiven) or retries == self.policy.max_retries:
            return self.policy
        return dataclasses.replace(self.policy, max_retries=retries)

    # -- deciding -----------------------------------------------------------------------

    def connection_error(
        self, exc: httpx.RequestError, call: Call, attempts: int
    ) -> APIConnectionError:
        return connection_error(
            exc,
            f"{call.method} {loggable_url(self.base_url.rstrip('/') + call.path)}",
            secrets=self.secrets,
            attempts=attempts,
            billed=None if call.idempotent else call.processed_note,
            retry_billed=self.policy.retry_billed,
        )

    def status_error(self, response: httpx.Response, call: Call, attempts: int) -> APIStatusError:
        billed = None if call.idempotent else call.processed_note
        return status_error(response, secrets=self.secrets, attempts=attempts, billed=billed)

    def log(
        self,
        request: httpx.Request,
        attempt: int,
        started: float,
        *,
        response: httpx.Response | None = None,
        error: BaseException | None = None,
        retry_in: float | None = None,
    ) -> None:
        log_attempt(
            request,
            attempt=attempt,
            started=started,
            response=response,
            error=error,
            retry_in=retry_in,
            secrets=self.secrets,
        )
        if self.recorder is not None:
            self.recorder.exchange(self.base_url, request, response, error, self.secrets, started)
