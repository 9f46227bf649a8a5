"""What every client shares: configuration, the owned (or borrowed) httpx client and closing;
downloads and the context manager come from _base_async.py (and its generated sync twin).
Vendor classes add their operations on top."""

from __future__ import annotations

import dataclasses
import os
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import httpx

from . import _transport
from ._args import flag
from ._base_async import AsyncCommon
from ._config import RECORD_ENV, VendorEnv, resolve_base_url, resolve_timeout
from ._generated.base_sync import SyncCommon
from ._generated.send_sync import SyncSender
from ._lifecycle import AsyncLifecycle, check_open
from ._logging import configure_from_env
from ._operations import FieldRule, Operation, build_call
from ._options import (
    NO_OPTIONS,
    Headers,
    NotGiven,
    RequestOptions,
    Timeout,
    headers_option,
    max_retries_option,
)
from ._pipeline import Call, Pipeline
from ._retry import RetryPolicy
from ._send_async import AsyncSender
from ._transport import ProxyTypes, check_proxy
from ._version import __version__
from ._with_options import OptionsMixin
from .errors import ConfigurationError

if TYPE_CHECKING:
    import asyncio

    from ._record import Recorder


def _recorder_for(record: str | os.PathLike[str] | None) -> Recorder | None:
    # The recorder (json, logging, threading) loads only for a client that records.
    if record is None and not os.environ.get(RECORD_ENV, "").strip():
        return None
    from ._record import recorder_for

    return recorder_for(record)


class _Core(OptionsMixin):
    """Configuration shared by sync and async clients of one vendor."""

    _env: VendorEnv
    _auth_scheme: str
    # The vendor's rules for fields whose meaning no schema states (wire name -> checker).
    _field_rules: ClassVar[Mapping[str, FieldRule]] = {}
    # Set by the sync and async bases.
    _httpx_class: ClassVar[type[Any]]  # httpx.Client or httpx.AsyncClient
    _sender_class: ClassVar[type[Any]]  # SyncSender or AsyncSender

    def __init__(
        self,
        *,
        key: str | None,
        base_url: str | None,
        timeout: Timeout | NotGiven | None,
        max_retries: int,
        retry_billed: bool,
        default_headers: Headers | None,
        http_client: object,
        record: str | os.PathLike[str] | None = None,
        proxy: ProxyTypes | None = None,
    ) -> None:
        configure_from_env()
        self._key = key  # for copy(); never in repr (below), messages or logs
        self.base_url = resolve_base_url(base_url, self._env)
        self.timeout = resolve_timeout(timeout)
        self.max_retries = max_retries_option(max_retries)
        self._pipeline = Pipeline(
            base_url=self.base_url,
            timeout=self.timeout,
            policy=RetryPolicy(
                max_retries=self.max_retries, retry_billed=flag(retry_billed, "retry_billed")
            ),
            auth_header=f"{self._auth_scheme} {key}" if key else None,
            secrets=(key,) if key else (),
            user_agent=f"speechspec/{__version__}",
            default_headers=headers_option(default_headers, "default_headers"),
            recorder=_recorder_for(record),
        )
        # Set by copy(); per-call options are merged on top.
        self._defaults = NO_OPTIONS
        expected = self._httpx_class
        if http_client is not None and not isinstance(http_client, expected):
            raise ConfigurationError(
                f"http_client must be an httpx.{expected.__name__} for {type(self).__name__}, "
                f"got {type(http_client).__name__}"
            )
        self._proxy = check_proxy(proxy, http_client)
        self._owns_client = http_client is None
        self._closed = False
        if self._owns_client:
            # Our own httpx client sends our User-Agent by default: not added to every request.
            self._pipeline = dataclasses.replace(self._pipeline, send_user_agent=False)
        self._client = http_client or self._new_client()
        self._sender = self._sender_class(self)

    def _new_client(self) -> Any:
        return _transport.new_client(
            self._httpx_class, self._pipeline.user_agent, self.timeout, self._proxy
        )

    def _operation_call(
        self, op: Operation, values: Mapping[str, object], options: RequestOptions
    ) -> Call:
        """One generated method's call: every argument checked, then the options bound."""
        return self._bind(op, build_call(op, values, self._field_rules), options)

    def _operation_result(self, op: Operation, call: Call, response: httpx.Response) -> Any:
        """What the generated method returns for ``response`` (the vendor knows its envelopes)."""
        raise NotImplementedError(op.operation_id)

    def __repr__(self) -> str:
        # The key is deliberately absent.
        return f"{type(self).__name__}(base_url={self.base_url!r}, max_retries={self.max_retries})"


class SyncBase(SyncCommon, _Core):
    _client: httpx.Client
    _sender: SyncSender
    _httpx_class = httpx.Client
    _sender_class = SyncSender

    def _live_client(self) -> httpx.Client:
        """The httpx client (ClientClosedError once this client or it is closed)."""
        check_open(self, self._client)
        return self._client

    def close(self) -> None:
        """Close the owned httpx client (a client passed as http_client is the caller's)."""
        self._closed = True
        if self._owns_client:
            self._client.close()


class AsyncBase(AsyncLifecycle, AsyncCommon, _Core):
    _sender: AsyncSender
    _httpx_class = httpx.AsyncClient
    _sender_class = AsyncSender
    _loop: weakref.ref[asyncio.AbstractEventLoop] | None = None

    async def close(self) -> None:
        """Alias of aclose(), so sync and async twins share method names."""
        await self.aclose()
