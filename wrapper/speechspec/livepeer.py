"""Livepeer AI Runner: ``POST /text-to-speech`` (``Authorization: Bearer <token>``, optional
on the community gateway)."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import httpx

from . import _args
from ._answers import usable_media_url
from ._base import _Core
from ._config import (
    DEFAULT_MAX_RETRIES,
    LIVEPEER_DEFAULT_MODEL_ID,
    LIVEPEER_ENV,
    resolve_key,
)
from ._download import DEFAULT_MAX_BYTES
from ._generated.livepeer import (
    GEN_TEXT_TO_SPEECH,
    AsyncLivepeerOperations,
    LivepeerOperations,
)
from ._operations import Operation
from ._options import NOT_GIVEN, Body, Headers, NotGiven, Query, Timeout
from ._parse import parse_success
from ._pipeline import Call
from ._raw import araw, raw

if TYPE_CHECKING:
    from livepeer_client.models import AudioResponse


class _LivepeerCore(_Core):
    _env = LIVEPEER_ENV
    _auth_scheme = "Bearer"

    def copy(
        self,
        *,
        api_token: str | NotGiven = NOT_GIVEN,
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
            api_token,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
        )

    with_options = copy

    def _operation_result(self, op: Operation, call: Call, response: httpx.Response) -> Any:
        from livepeer_client.api.generate import gen_text_to_speech
        from livepeer_client.models import AudioResponse

        return parse_success(response, AudioResponse, gen_text_to_speech.parse_response)

    def audio_url(self, audio: AudioResponse) -> str:
        """The absolute URL of the audio (a gateway may answer a path relative to itself)."""
        from livepeer_client.models import AudioResponse

        _args.model(audio, AudioResponse, "audio")
        return usable_media_url(audio.audio.url, "Livepeer's audio.url", base=self.base_url)


class Livepeer(LivepeerOperations, _LivepeerCore):
    """Livepeer AI Runner text-to-speech client.

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
        http_client: httpx.Client | None = None,
        default_headers: Headers | None = None,
    ) -> None:
        super().__init__(
            key=resolve_key(api_token, LIVEPEER_ENV, argument="api_token"),
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            retry_billed=retry_billed,
            default_headers=default_headers,
            http_client=http_client,
        )

    @cached_property
    def with_raw_response(self) -> LivepeerWithRawResponse:
        """The same methods, returning a RawResponse (status, headers, request id, parse())."""
        return LivepeerWithRawResponse(self)

    def synthesize(
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
        audio = self.text_to_speech(
            text,
            model_id=model_id,
            description=description,
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
        )
        return self.download(
            self.audio_url(audio),
            path,
            max_bytes=max_bytes,
            timeout=timeout,
            max_retries=max_retries,
        )


class AsyncLivepeer(AsyncLivepeerOperations, _LivepeerCore):
    """Async twin of :class:`Livepeer`: the same methods, awaitable."""

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
    ) -> None:
        super().__init__(
            key=resolve_key(api_token, LIVEPEER_ENV, argument="api_token"),
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            retry_billed=retry_billed,
            default_headers=default_headers,
            http_client=http_client,
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
        """``text_to_speech`` then ``download`` to ``path``; the async twin of
        :meth:`Livepeer.synthesize`, same arguments."""
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


class LivepeerWithRawResponse:
    """``Livepeer.with_raw_response``: each method returning a RawResponse of its result."""

    def __init__(self, client: Livepeer) -> None:
        self.text_to_speech = raw(client.text_to_speech)
        self.synthesize = raw(client.synthesize)
        self.download = raw(client.download, "download")


class AsyncLivepeerWithRawResponse:
    """``AsyncLivepeer.with_raw_response``: each method returning a RawResponse of its result."""

    def __init__(self, client: AsyncLivepeer) -> None:
        self.text_to_speech = araw(client.text_to_speech)
        self.synthesize = araw(client.synthesize)
        self.download = araw(client.download, "download")
