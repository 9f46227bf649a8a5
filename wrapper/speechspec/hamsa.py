"""Hamsa: asynchronous text-to-speech jobs (``Authorization: Token <key>``). AsyncHamsa is
written in _hamsa_async.py; Hamsa is generated from it (_generated/hamsa_sync.py)."""

from ._generated.hamsa_sync import Hamsa, HamsaWithRawResponse
from ._hamsa_async import (
    DEFAULT_JOB_TIMEOUT,
    DEFAULT_MAX_POLL_INTERVAL,
    DEFAULT_POLL_INTERVAL,
    AsyncHamsa,
    AsyncHamsaWithRawResponse,
)

__all__ = [
    "DEFAULT_JOB_TIMEOUT",
    "DEFAULT_MAX_POLL_INTERVAL",
    "DEFAULT_POLL_INTERVAL",
    "AsyncHamsa",
    "AsyncHamsaWithRawResponse",
    "Hamsa",
    "HamsaWithRawResponse",
]
