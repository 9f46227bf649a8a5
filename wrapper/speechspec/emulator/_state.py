"""What the emulator knows: its configuration, jobs, stored audio and the request log."""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from ._faults import Fault, FaultCounter

LivepeerMode = Literal["gateway", "runner"]
LIVEPEER_MODES: tuple[LivepeerMode, ...] = ("gateway", "runner")

# A runner serves one model (its MODEL_ID); go-livepeer's default text-to-speech model
# (server/ai_process.go defaultTextToSpeechModelID) is the one a runner is usually started with.
DEFAULT_LIVEPEER_MODEL = "parler-tts/parler-tts-large-v1"

# A long-running emulator must not keep every answer's audio forever.
MAX_MEDIA = 1000


@dataclass
class Job:
    id: str
    text: str
    voice_id: str
    created: float
    created_at: str
    webhook_url: str | None
    webhook_auth: dict[str, Any] | None
    failure: str | None = None  # the reason, for a job that ends FAILED


@dataclass
class EmulatorState:
    """Everything the emulator knows; exposed as ``app.state`` / ``EmulatorServer.state``."""

    hamsa_key: str
    livepeer_token: str | None
    job_delay: float
    livepeer_data_urls: bool
    use_espeak: bool
    webhook_loopback_only: bool
    faults: tuple[Fault, ...]
    livepeer_mode: LivepeerMode = "gateway"
    livepeer_model: str = DEFAULT_LIVEPEER_MODEL
    jobs: dict[str, Job] = field(default_factory=dict)
    media: OrderedDict[str, bytes] = field(default_factory=OrderedDict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    webhook_deliveries: list[dict[str, Any]] = field(default_factory=list)
    counter: FaultCounter = field(default_factory=FaultCounter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def keep_media(self, key: str, data: bytes) -> None:
        with self.lock:
            self.media[key] = data
            while len(self.media) > MAX_MEDIA:
                self.media.popitem(last=False)


def now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")
