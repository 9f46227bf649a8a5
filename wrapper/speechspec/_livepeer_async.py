"""AsyncLivepeer, and the source of its sync twin Livepeer: tools/unasync.py writes
speechspec/_generated/livepeer_sync.py from this file (``make generate``). The constructor,
copy() and the operation come from the spec (_generated/livepeer.py); here: reading the answer,
the audio URL and the synthesize() composite."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from . import _args
from ._answers import usable_media_url
from ._config import LIVEPEER_DEFAULT_MODEL_ID, LIVEPEER_ENV
from ._download import DEFAULT_MAX_BYTES
from ._generated.livepeer import GEN_TEXT_TO_SPEECH, AsyncLivepeerOperations
from ._options import NOT_GIVEN, Body, Headers, NotGiven, Query, Timeout
from ._raw import araw

if TYPE_CHECKING:
    from livepeer_client.models import AudioResponse


class AsyncLivepeer(AsyncLivepeerOperations):
    """Livepeer AI Runner text-to-speech client (awaitable).

    ``api_token`` defaults to LIVEPEER_API_TOKEN (optional: the community gateway needs none),
    ``base_url`` to LIVEPEER_BASE_URL, then https://dream-gateway.livepeer.cloud; the Studio
    gateway is ``base_url="https://livepeer.studio/api/beta/generate"``.
    """

    _env = LIVEPEER_ENV
    _auth_scheme = "Bearer"

    @cached_property
    def with_raw_response(self) -> AsyncLivepeerWithRawResponse:
        """The same methods, returning a RawResponse (status, headers, request id, parse())."""
        return AsyncLivepeerWithRawResponse(self)

    def audio_url(self, audio: AudioResponse) -> str:
        """The absolute URL of the audio (a gateway may answer a path relative to itself)."""
        from livepeer_client.models import AudioResponse

        _args.model(audio, AudioResponse, "audio")
        return usable_media_url(audio.audio.url, "Livepeer's audio.url", base=self.base_url)

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
