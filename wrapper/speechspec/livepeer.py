"""Livepeer AI Runner: ``POST /text-to-speech`` (``Authorization: Bearer <token>``, optional
on the community gateway). AsyncLivepeer is written in _livepeer_async.py; Livepeer is
generated from it (_generated/livepeer_sync.py)."""

from ._generated.livepeer_sync import Livepeer, LivepeerWithRawResponse
from ._livepeer_async import AsyncLivepeer, AsyncLivepeerWithRawResponse

__all__ = ["AsyncLivepeer", "AsyncLivepeerWithRawResponse", "Livepeer", "LivepeerWithRawResponse"]
