"""Livepeer AI Runner: ``POST /text-to-speech`` (``Authorization: Bearer <token>``, optional
on the community gateway)."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from . import _args
from ._answers import usable_media_url
from ._base import AsyncBase, SyncBase, _Core
from ._config import (
    DEFAULT_MAX_RETRIES,
    LIVEPEER_DEFAULT_MODEL_ID,
    LIVEPEER_ENV,
    TimeoutTypes,
    resolve_key,
)
from ._download import DEFAULT_MAX_BYTES
from ._options import NOT_GIVEN, Body, Headers, NotGiven, Query, Timeout
from ._parse import parse_success
from ._pipeline import Call
from ._transport import ProxyTypes

if TYPE_CHECKING:
    from livepeer_client.models import AudioResponse

    from ._raw_clients import AsyncLivepeerWithRawResponse, LivepeerWithRawResponse

_NOTE = "the request may have been processed (and billed) by the gateway"


class _LivepeerCore(_Core):
    _env = LIVEPEER_ENV
    _auth_scheme = "Bearer"

    def _setup(
        self,
        api_token: str | None,
        base_url: str | None,
        timeout: TimeoutTypes | NotGiven | None,
        max_retries: int,
        retry_billed: bool,
        default_headers: Headers | None,
    ) -> None:
        _Core.__init__(
            self,
            key=resolve_key(api_token, LIVEPEER_ENV, argument="api_token"),
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            retry_billed=retry_billed,
            default_headers=default_headers,
        )

    def _tts_call(self, text: str, model_id: str, description: str | None) -> Call:
        from livepeer_client.api.generate import gen_text_to_speech
        from livepeer_client.models import TextToSpeechParams
        from livepeer_client.types import UNSET

        text, model_id, description = _args.livepeer_tts(text, model_id, description)
        body = TextToSpeechParams(
            text=text,
            model_id=model_id,
            description=UNSET if description is None else description,
        )
        return Call.from_kwargs(gen_text_to_speech.build_request(body=body), processed_note=_NOTE)

    def _tts_result(self, response: httpx.Response) -> AudioResponse:
        from livepeer_client.api.generate import gen_text_to_speech
        from livepeer_client.models import AudioResponse

        return parse_success(response, AudioResponse, gen_text_to_speech.parse_response)

    def audio_url(self, audio: AudioResponse) -> str:
        """The absolute URL of the audio (a gateway may answer a path relative to itself)."""
        from livepeer_client.models import AudioResponse

        _args.model(audio, AudioResponse, "audio")
        return usable_media_url(audio.audio.url, "Livepeer's audio.url", base=self.base_url)


class Livepeer(_LivepeerCore, SyncBase):
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
        timeout: TimeoutTypes | NotGiven | None = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        retry_billed: bool = False,
        http_client: httpx.Client | None = None,
        default_headers: Headers | None = None,
        proxy: ProxyTypes | None = None,
    ) -> None:
        self._setup(api_token, base_url, timeout, max_retries, retry_billed, default_headers)
        self._init_transport(http_client, proxy)

    def text_to_speech(
        self,
        text: str,
        *,
        model_id: str = LIVEPEER_DEFAULT_MODEL_ID,
        description: str | None = None,
        timeout: Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
    ) -> AudioResponse:
        """Synthesize ``text``; the answer's ``audio.url`` is an http(s) or ``data:`` URL.
        ``description`` steers the voice (the gateway's default when None). Per-call options:
        see the README, "Per-call options"."""
        options = self._options(timeout, max_retries, extra_headers, extra_query, extra_body)
        call = self._bind(self._tts_call(text, model_id, description), options)
        return self._tts_result(self._sender.send(call))

    @cached_property
    def with_raw_response(self) -> LivepeerWithRawResponse:
        """The same methods, returning a RawResponse (status, headers, request id, parse())."""
        from ._raw_clients import LivepeerWithRawResponse

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
        self._options(timeout, max_retries, extra_headers, extra_query, extra_body)
        _args.livepeer_synthesize(text, path, model_id, description, max_bytes)
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


class AsyncLivepeer(_LivepeerCore, AsyncBase):
    """Async twin of :class:`Livepeer`: the same methods, awaitable."""

    def __init__(
        self,
        api_token: str | None = None,
        *,
        base_url: str | None = None,
        timeout: TimeoutTypes | NotGiven | None = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        retry_billed: bool = False,
        http_client: httpx.AsyncClient | None = None,
        default_headers: Headers | None = None,
        proxy: ProxyTypes | None = None,
    ) -> None:
        self._setup(api_token, base_url, timeout, max_retries, retry_billed, default_headers)
        self._init_transport(http_client, proxy)

    async def text_to_speech(
        self,
        text: str,
        *,
        model_id: str = LIVEPEER_DEFAULT_MODEL_ID,
        description: str | None = None,
        timeout: Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
    ) -> AudioResponse:
        options = self._options(timeout, max_retries, extra_headers, extra_query, extra_body)
        call = self._bind(self._tts_call(text, model_id, description), options)
        return self._tts_result(await self._sender.send(call))

    @cached_property
    def with_raw_response(self) -> AsyncLivepeerWithRawResponse:
        from ._raw_clients import AsyncLivepeerWithRawResponse

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
        self._options(timeout, max_retries, extra_headers, extra_query, extra_body)
        _args.livepeer_synthesize(text, path, model_id, description, max_bytes)
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
