"""What the sync and async Livepeer clients share: copy(), reading answers, the audio URL."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

import httpx

from . import _args
from ._answers import usable_media_url
from ._base import _Core
from ._config import (
    LIVEPEER_ENV,
)
from ._operations import Operation
from ._options import NOT_GIVEN, Body, Headers, NotGiven, Query, Timeout
from ._parse import generated, parse_success
from ._pipeline import Call

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
        return parse_success(
            response,
            generated("livepeer_client.models", "AudioResponse"),
            generated("livepeer_client.api.generate.gen_text_to_speech", "parse_response"),
        )

    def audio_url(self, audio: AudioResponse) -> str:
        """The absolute URL of the audio (a gateway may answer a path relative to itself)."""
        from livepeer_client.models import AudioResponse

        _args.model(audio, AudioResponse, "audio")
        return usable_media_url(audio.audio.url, "Livepeer's audio.url", base=self.base_url)
