"""What every client shares: configuration, the owned (or borrowed) httpx client, closing,
and downloads. Vendor classes add their operations on top."""

from __future__ import annotations

import dataclasses
import os
import weakref
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Self, cast

import httpx

from . import _args, _transport
from ._args import flag
from ._config import VendorEnv, resolve_base_url, resolve_timeout
from ._download import DEFAULT_MAX_BYTES, ProgressCallback, download_async, download_sync
from ._lifecycle import (
    AsyncLifecycle,
    GuardedAsyncSender,
    GuardedSyncSender,
    check_open,
)
from ._logging import configure_from_env
from ._operations import FieldRule, Operation, build_call
from ._options import (
    NO_OPTIONS,
    NOT_GIVEN,
    Headers,
    NotGiven,
    RequestOptions,
    Timeout,
    headers_option,
    max_retries_option,
    request_options,
)
from ._pipeline import Call, Pipeline
from ._retry import RetryPolicy
from ._transport import ProxyTypes, check_proxy
from ._version import __version__
from ._with_options import OptionsMixin
from .errors import ConfigurationError

if TYPE_CHECKING:
    import asyncio

    from ._record import Recorder


def _recorder_for(record: str | os.PathLike[str] | None) -> Recorder | None:
    # The recorder (json, logging, threading) loads only for a client that records.
    if record is None and not os.environ.get("SPEECHSPEC_RECORD", "").strip():
        return None
    from ._record import recorder_for

    return recorder_for(record)


class _Core(OptionsMixin):
    """Configuration shared by sync and async clients of one vendor."""

    _env: VendorEnv
    _auth_scheme: str
    # The vendor's rules for fields whose meaning no schema states (wire name -> checker).
    _field_rules: ClassVar[Mapping[str, FieldRule]] = {}

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
        self._init_transport(http_client, proxy)

    def _init_transport(self, http_client: object, proxy: ProxyTypes | None = None) -> None:
        raise NotImplementedError  # the sync and async bases build their own httpx client

    def _adopt(self, http_client: object, expected: type) -> None:
        """Check a caller's httpx client; when we build our own, it sends our User-Agent by
        default, so the pipeline need not add it to every request."""
        if http_client is not None and not isinstance(http_client, expected):
            raise ConfigurationError(
                f"http_client must be an httpx.{expected.__name__} for {type(self).__name__}, "
                f"got {type(http_client).__name__}"
            )
        self._owns_client = http_client is None
        self._closed = False
        if self._owns_client:
            self._pipeline = dataclasses.replace(self._pipeline, send_user_agent=False)

    def _operation_call(
        self, op: Operation, values: Mapping[str, object], options: RequestOptions
    ) -> Call:
        """One generated method's call: every argument checked, then the options bound."""
        return self._bind(build_call(op, values, self._field_rules), options)

    def _operation_result(self, op: Operation, call: Call, response: httpx.Response) -> Any:
        """What the generated method returns for ``response`` (the vendor knows its envelopes)."""
        raise NotImplementedError(op.operation_id)

    def __repr__(self) -> str:
        # The key is deliberately absent.
        return f"{type(self).__name__}(base_url={self.base_url!r}, max_retries={self.max_retries})"


class SyncBase(_Core):
    def _init_transport(self, http_client: object, proxy: ProxyTypes | None = None) -> None:
        self._adopt(http_client, httpx.Client)
        self._proxy = check_proxy(proxy, http_client)
        self._client = cast(httpx.Client | None, http_client) or _transport.sync_client(
            self._pipeline.user_agent, self.timeout, self._proxy
        )
        self._rebind_sender()

    def _rebind_sender(self) -> None:
        self._sender = GuardedSyncSender(self._pipeline, self._client, self)

    def download(
        self,
        url: str,
        path: str | os.PathLike[str],
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        allow_http: bool = False,
        on_progress: ProgressCallback | None = None,
        timeout: Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
    ) -> Path:
        """Save audio from an https URL (http on loopback, or any http with allow_http=True)
        or a ``data:`` URL to ``path``: streamed to a temporary file beside it, renamed into
        place when complete. Raises DownloadError; never leaves a partial file at ``path``.
        ``on_progress(bytes_so_far, total_or_None)`` is called as bytes arrive.
        ``timeout``, ``max_retries`` and ``extra_headers`` apply to this download's requests
        (the client's key and default_headers are never sent to a media host)."""
        url, target, cap = _args.download(url, path, max_bytes, allow_http, on_progress)
        options = request_options(
            timeout=timeout, max_retries=max_retries, extra_headers=extra_headers
        )
        check_open(self, self._client)
        return download_sync(
            self._client,
            self._pipeline.with_options(options),
            url,
            target,
            max_bytes=cap,
            allow_http=allow_http,
            progress=on_progress,
        )

    def close(self) -> None:
        """Close the owned httpx client (a client passed as http_client is the caller's)."""
        self._closed = True
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncBase(AsyncLifecycle, _Core):
    def _init_transport(self, http_client: object, proxy: ProxyTypes | None = None) -> None:
        self._adopt(http_client, httpx.AsyncClient)
        self._proxy = check_proxy(proxy, http_client)
        self._loop: weakref.ref[asyncio.AbstractEventLoop] | None = None
        self._client = cast(httpx.AsyncClient | None, http_client) or self._new_client()
        self._rebind_sender()

    def _new_client(self) -> httpx.AsyncClient:
        return _transport.async_client(self._pipeline.user_agent, self.timeout, self._proxy)

    def _rebind_sender(self) -> None:
        self._sender = GuardedAsyncSender(self._pipeline, self._client, self)

    async def download(
        self,
        url: str,
        path: str | os.PathLike[str],
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        allow_http: bool = False,
        on_progress: ProgressCallback | None = None,
        timeout: Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
    ) -> Path:
        """Async twin of the sync ``download``."""
        url, target, cap = _args.download(url, path, max_bytes, allow_http, on_progress)
        options = request_options(
            timeout=timeout, max_retries=max_retries, extra_headers=extra_headers
        )
        client = self._live_client()
        return await download_async(
            client,
            self._pipeline.with_options(options),
            url,
            target,
            max_bytes=cap,
            allow_http=allow_http,
            progress=on_progress,
        )

    async def close(self) -> None:
        """Alias of aclose(), so sync and async twins share method names."""
        await self.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
