"""The httpx client as a download sees it: each send logged (SPEECHSPEC_LOG) and its successful
response recorded for ``with_raw_response.download``, without the download loop knowing.

A retry starts again from the original URL (redirect hops go elsewhere), so the attempt
number is how many times that URL has been sent so far.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from ._logging import log_attempt
from ._raw import record


class _Observer:
    def __init__(self, secrets: tuple[str, ...]) -> None:
        self.url = ""
        self.secrets = secrets
        self.attempt = -1

    def before(self, request: httpx.Request) -> float:
        url = str(request.url)
        if self.attempt < 0:
            self.url = url  # the first request is always for the URL asked for
        if url == self.url:
            self.attempt += 1
        return time.perf_counter()

    def after(
        self,
        request: httpx.Request,
        started: float,
        response: httpx.Response | None = None,
        error: BaseException | None = None,
    ) -> None:
        log_attempt(
            request,
            attempt=self.attempt,
            started=started,
            response=response,
            error=error,
            secrets=self.secrets,
        )
        if response is not None and response.is_success:
            record(response, self.attempt, "download")


class ObservedClient:
    def __init__(self, client: httpx.Client, secrets: tuple[str, ...]) -> None:
        self._client = client
        self._observer = _Observer(secrets)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def build_request(self, *args: Any, **kwargs: Any) -> httpx.Request:
        return self._client.build_request(*args, **kwargs)

    def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        started = self._observer.before(request)
        try:
            response = self._client.send(request, **kwargs)
        except httpx.HTTPError as exc:
            self._observer.after(request, started, error=exc)
            raise
        self._observer.after(request, started, response)
        return response


class AsyncObservedClient:
    def __init__(self, client: httpx.AsyncClient, secrets: tuple[str, ...]) -> None:
        self._client = client
        self._observer = _Observer(secrets)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def build_request(self, *args: Any, **kwargs: Any) -> httpx.Request:
        return self._client.build_request(*args, **kwargs)

    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        started = self._observer.before(request)
        try:
            response = await self._client.send(request, **kwargs)
        except httpx.HTTPError as exc:
            self._observer.after(request, started, error=exc)
            raise
        self._observer.after(request, started, response)
        return response
