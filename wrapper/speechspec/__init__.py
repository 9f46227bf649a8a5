"""speechspec: typed clients for the Hamsa and Livepeer text-to-speech APIs.

from speechspec import Hamsa, Livepeer
"""

from __future__ import annotations

from ._options import NOT_GIVEN, NotGiven
from ._raw import RawResponse
from ._version import __version__
from .errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConfigurationError,
    DownloadError,
    InternalServerError,
    InvalidRequestError,
    JobFailedError,
    JobTimeoutError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseValidationError,
    SpeechspecError,
    UnprocessableEntityError,
    WebhookVerificationError,
)
from .hamsa import AsyncHamsa, Hamsa
from .livepeer import AsyncLivepeer, Livepeer

__all__ = [
    "NOT_GIVEN",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncHamsa",
    "AsyncLivepeer",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ConfigurationError",
    "DownloadError",
    "Hamsa",
    "InternalServerError",
    "InvalidRequestError",
    "JobFailedError",
    "JobTimeoutError",
    "Livepeer",
    "NotFoundError",
    "NotGiven",
    "PermissionDeniedError",
    "RateLimitError",
    "RawResponse",
    "ResponseValidationError",
    "SpeechspecError",
    "UnprocessableEntityError",
    "WebhookVerificationError",
    "__version__",
]
