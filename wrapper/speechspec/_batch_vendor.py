"""What ``batch`` does per vendor: the billed POST, and finishing its result into a file.

``create`` returns what ``finish`` needs; ``ref`` is the part of it that survives a restart
(the journal's ``C`` record): a Hamsa job id, or a Livepeer audio URL.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Protocol

from .errors import APIConnectionError, APIStatusError, ResponseValidationError

MAX_REF = 8192  # a longer audio URL (a data: URL) is not journaled: the audio is in the answer
# Whitespace would break a journal record (tab-separated, one a line). One regex search in C,
# not a Python generator per character: a ref is checked for every line of a batch.
_SPACE = re.compile(r"\s")


def reason_of(exc: BaseException) -> str:
    """Why a POST may have been billed, without a word of what the server or the network said:
    a server's message may quote the line (and the journal keeps no text, only hashes and job
    ids). The error's class, its HTTP status, or the transport failure's class."""
    reason = type(exc).__name__
    if isinstance(exc, APIStatusError):
        reason += f" (HTTP {exc.status_code})"
    elif isinstance(exc, APIConnectionError) and exc.__cause__ is not None:
        reason += f" ({type(exc.__cause__).__name__})"
    return reason


class Vendor(Protocol):
    async def create(self, text: str) -> Any: ...
    def ref(self, created: Any) -> str: ...
    async def finish(self, created: Any, path: Path) -> None: ...


class HamsaVendor:
    def __init__(self, client: Any, *, voice_id: str, job_timeout: float) -> None:
        self.client = client
        self.voice_id = voice_id
        self.job_timeout = job_timeout

    async def create(self, text: str) -> str:
        job = await self.client.text_to_speech(text, voice_id=self.voice_id)
        if not isinstance(job.id, str) or not job.id or _SPACE.search(job.id):
            raise ResponseValidationError(f"the created job has no usable id ({job.id!r})")
        return job.id

    def ref(self, created: Any) -> str:
        return str(created)

    async def finish(self, created: Any, path: Path) -> None:
        done = await self.client.wait_for_job(created, timeout=self.job_timeout)
        await self.client.download(self.client.audio_url(done), path)


class LivepeerVendor:
    def __init__(self, client: Any, *, model_id: str, description: str | None) -> None:
        self.client = client
        self.model_id = model_id
        self.description = description

    async def create(self, text: str) -> str:
        audio = await self.client.text_to_speech(
            text, model_id=self.model_id, description=self.description
        )
        url: str = self.client.audio_url(audio)
        return url

    def ref(self, created: Any) -> str:
        url = str(created)
        if url.startswith("data:") or len(url) > MAX_REF or _SPACE.search(url):
            return ""  # journaled as "billed, not recoverable" until the download completes
        return url

    async def finish(self, created: Any, path: Path) -> None:
        await self.client.download(str(created), path)
