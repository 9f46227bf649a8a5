"""The exception tree. Every public call raises only these (and nothing else escapes).

```
SpeechspecError
├── ConfigurationError            missing key (names the env var), bad base_url
├── InvalidRequestError           bad argument, caught before any request (also a ValueError)
├── ClientClosedError             the client was closed (or its http_client was)
├── APIConnectionError            request failed before a response arrived
│   └── APITimeoutError
├── APIStatusError                any non-2xx: .status_code .message .body .response .request_id
│   ├── BadRequestError           400
│   ├── AuthenticationError       401
│   ├── PermissionDeniedError     403
│   ├── NotFoundError             404
│   ├── UnprocessableEntityError  422 (.errors: the validation items)
│   ├── RateLimitError            429 (.retry_after)
│   └── InternalServerError       >= 500
├── ResponseValidationError       2xx whose body is not what the spec promises
├── JobFailedError / JobTimeoutError
├── DownloadError
└── WebhookVerificationError
```
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ConfigurationError",
    "DownloadError",
    "InternalServerError",
    "InvalidRequestError",
    "JobFailedError",
    "JobTimeoutError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseValidationError",
    "SpeechspecError",
    "UnprocessableEntityError",
    "WebhookVerificationError",
]


class SpeechspecError(Exception):
    """Base class of every error speechspec raises.

    Errors pickle with all their fields (they cross process pools). An error stores what it is
    given: the code that raises it (``_errors_map``) passes a redacted message and redacted
    copies of the request and response, so neither the error nor its pickle holds a secret."""

    message: str

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception's default reduce calls cls(*args), which keyword-only fields break.
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


def _rebuild(cls: type[SpeechspecError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class ConfigurationError(SpeechspecError):
    """The client cannot be built as configured (missing key, bad base URL, bad option)."""


class InvalidRequestError(SpeechspecError, ValueError):
    """An argument is invalid; raised before any request is sent."""

    def __init__(self, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


class ClientClosedError(SpeechspecError):
    """The client was closed (``close()``, ``aclose()`` or leaving its ``with`` block), or the
    ``http_client`` it was given has been closed: build a new client."""


class APIConnectionError(SpeechspecError):
    """The request failed before a complete response arrived.

    ``may_have_been_processed`` is True when the request may have reached the server (the
    connection failed after sending, or the read timed out): for a Hamsa job-creating POST,
    the job may exist and be billed.
    """

    def __init__(
        self,
        message: str,
        *,
        request: httpx.Request | None = None,
        may_have_been_processed: bool = False,
        attempts: int = 1,
    ) -> None:
        super().__init__(message)
        self.request = request
        self.may_have_been_processed = may_have_been_processed
        self.attempts = attempts


class APITimeoutError(APIConnectionError):
    """The request timed out (connect, write, read or pool)."""


class APIStatusError(SpeechspecError):
    """The server answered with a non-2xx status. ``request_id`` is the server's request id
    header (``x-request-id`` and its kin), when it sent one."""

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        body: Any,
        request_id: str | None = None,
        may_have_been_processed: bool = False,
        attempts: int = 1,
    ) -> None:
        super().__init__(message)
        self.response = response
        self.status_code: int = response.status_code
        self.body = body
        self.request_id = request_id
        self.may_have_been_processed = may_have_been_processed
        self.attempts = attempts


class BadRequestError(APIStatusError):
    """400."""


class AuthenticationError(APIStatusError):
    """401: the key or token is missing or wrong."""


class PermissionDeniedError(APIStatusError):
    """403."""


class NotFoundError(APIStatusError):
    """404."""


class UnprocessableEntityError(APIStatusError):
    """422. ``errors`` holds the validation items (FastAPI's ``detail`` list) when present."""

    @property
    def errors(self) -> list[Any]:
        detail = self.body.get("detail") if isinstance(self.body, dict) else None
        return list(detail) if isinstance(detail, list) else []


class RateLimitError(APIStatusError):
    """429. ``retry_after`` is the server's Retry-After in seconds, when it sent one."""

    # Spelled out, not **kwargs: a type checker then catches a misspelt field.
    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        body: Any,
        request_id: str | None = None,
        retry_after: float | None = None,
        may_have_been_processed: bool = False,
        attempts: int = 1,
    ) -> None:
        super().__init__(
            message,
            response=response,
            body=body,
            request_id=request_id,
            may_have_been_processed=may_have_been_processed,
            attempts=attempts,
        )
        self.retry_after = retry_after


class InternalServerError(APIStatusError):
    """Any status >= 500, standard or not (502, 503, 520, 599, ...)."""


class ResponseValidationError(SpeechspecError):
    """A 2xx answer (or a webhook body) that is not what the spec promises, or that the spec
    allows but that cannot serve the call: a job-status answer about another job, an empty
    or unusable media URL, a Hamsa answer without its optional ``data``."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        body: Any = None,
        response: httpx.Response | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.body = body
        self.response = response


class JobFailedError(SpeechspecError):
    """A Hamsa job ended with status FAILED. ``job`` is the last job object seen; ``reason``
    the vendor's failure message (secrets redacted), or None when it gave none."""

    def __init__(self, message: str, *, job: Any, reason: str | None = None) -> None:
        super().__init__(message)
        self.job = job
        self.reason = reason


class JobTimeoutError(SpeechspecError):
    """A Hamsa job did not finish in time. ``job`` is the last job object seen (or None)."""

    def __init__(self, message: str, *, job_id: str, job: Any = None) -> None:
        super().__init__(message)
        self.job_id = job_id
        self.job = job


class DownloadError(SpeechspecError):
    """An audio download was refused (scheme, host, size, redirect) or failed (network, or the
    file system: ``path`` names the file); nothing was left at the path."""

    def __init__(
        self, message: str, *, url: str | None = None, path: str | os.PathLike[str] | None = None
    ) -> None:
        super().__init__(message)
        self.url = url
        self.path = None if path is None else os.fspath(path)


class WebhookVerificationError(SpeechspecError):
    """A webhook request without the expected Authorization header."""
