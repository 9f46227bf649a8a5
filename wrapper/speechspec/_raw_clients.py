"""``client.with_raw_response``: each client's methods, returning RawResponse[result]."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._raw import araw, raw

if TYPE_CHECKING:
    from .hamsa import AsyncHamsa, Hamsa
    from .livepeer import AsyncLivepeer, Livepeer


class HamsaWithRawResponse:
    def __init__(self, client: Hamsa) -> None:
        self.text_to_speech = raw(client.text_to_speech)
        self.get_job = raw(client.get_job)
        self.wait_for_job = raw(client.wait_for_job)
        self.synthesize = raw(client.synthesize)
        self.download = raw(client.download, "download")


class AsyncHamsaWithRawResponse:
    def __init__(self, client: AsyncHamsa) -> None:
        self.text_to_speech = araw(client.text_to_speech)
        self.get_job = araw(client.get_job)
        self.wait_for_job = araw(client.wait_for_job)
        self.synthesize = araw(client.synthesize)
        self.download = araw(client.download, "download")


class LivepeerWithRawResponse:
    def __init__(self, client: Livepeer) -> None:
        self.text_to_speech = raw(client.text_to_speech)
        self.synthesize = raw(client.synthesize)
        self.download = raw(client.download, "download")


class AsyncLivepeerWithRawResponse:
    def __init__(self, client: AsyncLivepeer) -> None:
        self.text_to_speech = araw(client.text_to_speech)
        self.synthesize = araw(client.synthesize)
        self.download = araw(client.download, "download")
