"""AsyncLivepeer, and the source of its sync twin Livepeer: tools/unasync.py writes
speechspec/_generated/livepeer_sync.py from this file (``make generate``)."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path

import httpx

from . import _args
from ._config import DEFAULT_MAX_RETRIES, LIVEPEER_DEFAULT_MODEL_ID, LIVEPEER_ENV, resolve_key
from ._download import DEFAULT_MAX_BYTES
from ._generated.livepeer import GEN_TEXT_TO_SPEECH, AsyncLivepeerOperations
from ._livepeer_core import _LivepeerCore
from ._options import NOT_GIVEN, Body, Headers, NotGiven, Query, Timeout
from ._raw import araw
from ._transport import ProxyTypes


class AsyncLivepeer(AsyncLivepeerOperations, _LivepeerCore):
    """Livepeer AI Runner text-to-speech client (awaitable).

    ``api_token`` defaults to LIVEPEER_API_TOKEN (optional: the community gateway needs none),
    ``base_url`` to LIVEPEER_BASE_URL, then https://dream-gateway.livepeer.cloud; the Studio
    gateway is ``base_url="https://livepeer.studio/api/beta/generate"``.
    """

    def __init__(
        self,
        api_token: str | None = None,
        *,
        base_url: str | None = None,
        timeout: Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        retry_billed: bool = False,
        http_client: httpx.AsyncClient | None = None,
        default_headers: Headers | None = None,
        record: str | os.PathLike[str] | None = None,
        proxy: ProxyTypes | None = None,
    ) -> None:
        super().__init__(
            key=resolve_key(api_token, LIVEPEER_ENV, argument="api_token"),
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            retry_billed=retry_billed,
            default_headers=default_headers,
            http_client=http_client,
            record=record,
            proxy=proxy,
        )

    @cached_property
    def with_raw_response(self) -> AsyncLivepeerWithRawResponse:
        """The same methods, returning a RawResponse (status, headers, request id, parse())."""
        return AsyncLivepeerWithRawResponse(self)

    async def synthesize(
        self,
        text: str,
        path: str | os.PathLike[str],
        *,
        model_id: str = LIVEPEER_DEFAULT_MODEL_ID,
        description: str | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        timeout: Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
    ) -> Path:
        """``text_to_speech`` then ``download`` to ``path``. ``timeout`` and ``max_retries``
        apply to both requests; the extras only to the API request."""
        options = self._options(timeout, max_retries, extra_headers, extra_query, extra_body)
        values = {"text": text, "model_id": model_id, "description": description}
        self._operation_call(GEN_TEXT_TO_SPEECH, values, options)
        _args.target_path(path)
        _args.positive_int(max_bytes, "max_bytes")
        audio = await self.text_to_speech(
            text,
            model_id=model_id,
            description=description,
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
        )
        return await self.download(
            self.audio_url(audio),
            path,
            max_bytes=max_bytes,
            timeout=timeout,
            max_retries=max_retries,
        )


class AsyncLivepeerWithRawResponse:
    """``AsyncLivepeer.with_raw_response``: each method returning a RawResponse of its result."""

    def __init__(self, client: AsyncLivepeer) -> None:
        self.text_to_speech = araw(client.text_to_speech)
        self.synthesize = araw(client.synthesize)
        self.download = araw(client.download, "download")
