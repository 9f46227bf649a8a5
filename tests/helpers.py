"""Test helpers: build sync or async clients and call them the same way."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import speechspec

HAMSA_KEY = "hk_live_5ecret_0123456789abcdef"
LIVEPEER_TOKEN = "lp_tok_5ecret_fedcba9876543210"
HAMSA_URL = "https://api.tryhamsa.com"
LIVEPEER_URL = "https://dream-gateway.livepeer.cloud"

CLIENTS: dict[tuple[str, str], Any] = {
    ("hamsa", "sync"): speechspec.Hamsa,
    ("hamsa", "async"): speechspec.AsyncHamsa,
    ("livepeer", "sync"): speechspec.Livepeer,
    ("livepeer", "async"): speechspec.AsyncLivepeer,
}


def make(vendor: str, mode: str, **kwargs: Any) -> Any:
    cls = CLIENTS[(vendor, mode)]
    if vendor == "hamsa":
        kwargs.setdefault("api_key", HAMSA_KEY)
    else:
        kwargs.setdefault("api_token", LIVEPEER_TOKEN)
    return cls(**kwargs)


def run(value: Any) -> Any:
    """The value of a sync call, or of an awaitable from an async twin."""
    if inspect.isawaitable(value):
        return asyncio.run(_await(value))
    return value


async def _await(value: Any) -> Any:
    return await value


def call(client: Any, method: str, *args: Any, **kwargs: Any) -> Any:
    return run(getattr(client, method)(*args, **kwargs))


def tts(client: Any, vendor: str, text: str = "أهلاً و سهلاً", **kwargs: Any) -> Any:
    if vendor == "hamsa":
        kwargs.setdefault("voice_id", "Amjad")
    return call(client, "text_to_speech", text, **kwargs)


def job(status: str = "PENDING", **extra: Any) -> dict[str, Any]:
    data = {
        "id": "job-123",
        "type": "TTS",
        "status": status,
        "ttsVoiceId": "Amjad",
        "createdAt": "2026-11-22T10:00:00Z",
        "updatedAt": "2026-11-22T10:00:01Z",
    }
    data.update(extra)
    return data


def create_answer(**extra: Any) -> dict[str, Any]:
    return {"success": True, "message": "success", "data": job(**extra)}


def audio_answer(url: str = "https://cdn.example.com/a.wav") -> dict[str, Any]:
    return {"audio": {"url": url}}
