"""Speech from libespeak-ng through ctypes, as shipped in the ``espeakng-loader`` wheel (the
``emulator`` extra) or installed on the system; no subprocess, no system package needed.

libespeak-ng keeps global state and is not thread-safe: every call runs on EXECUTOR's one
thread. Results are cached per (text, voice)."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import Any

ESPEAK_RATE = 22_050  # espeak-ng's output rate; checked against espeak_Initialize's answer
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_ESPEAK_CHARS_UTF8 = 1
_CACHE_BYTES = 64 * 1024 * 1024

EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="speechspec-espeak")

_Callback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class _Engine:
    def __init__(self) -> None:
        self.lib, data_path = _load()
        self.lib.espeak_Initialize.argtypes = [
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_char_p,
            ctypes.c_int,
        ]
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self.lib.espeak_Synth.argtypes = [
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        rate = self.lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path, 0)
        if rate != ESPEAK_RATE:
            raise OSError(f"espeak_Initialize answered {rate}")
        self.chunks: list[bytes] = []
        # Kept on self: ctypes must not free the callback while the library holds it.
        self.callback = _Callback(self._on_audio)
        self.lib.espeak_SetSynthCallback(self.callback)

    def _on_audio(self, wav: Any, samples: int, _events: Any) -> int:
        if samples > 0:
            self.chunks.append(ctypes.string_at(wav, samples * 2))
        return 0

    def speak(self, text: str, voice: str) -> bytes | None:
        if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            return None
        data = text.encode("utf-8", errors="replace") + b"\0"
        self.chunks = []
        status = self.lib.espeak_Synth(
            data, len(data), 0, _POS_CHARACTER, 0, _ESPEAK_CHARS_UTF8, None, None
        )
        pcm = b"".join(self.chunks)
        self.chunks = []
        return pcm if status == 0 and pcm else None


def _load() -> tuple[Any, bytes | None]:
    try:
        import espeakng_loader  # type: ignore[import-untyped]

        return ctypes.CDLL(espeakng_loader.get_library_path()), os_path(
            espeakng_loader.get_data_path()
        )
    except (ImportError, OSError, RuntimeError):
        name = ctypes.util.find_library("espeak-ng")
        if name is None:
            raise OSError(
                "neither espeakng-loader nor a system libespeak-ng is installed"
            ) from None
        return ctypes.CDLL(name), None  # the library's compiled-in data path


def os_path(path: str) -> bytes:
    return path.encode(sys.getfilesystemencoding())


_engine: _Engine | None = None
_failed = False
_cache: OrderedDict[tuple[str, str], bytes] = OrderedDict()
_cache_size = 0
_lock = threading.Lock()


def speak(text: str, voice: str) -> bytes | None:
    """16-bit mono PCM at ESPEAK_RATE, or None when espeak-ng cannot be loaded (said once on
    stderr) or cannot speak this. Call it on EXECUTOR's thread (``_audio.render`` does)."""
    global _engine, _failed, _cache_size
    with _lock:
        hit = _cache.get((text, voice))
        if hit is not None:
            _cache.move_to_end((text, voice))
            return hit
        if _failed:
            return None
        if _engine is None:
            try:
                _engine = _Engine()
            except (OSError, AttributeError) as exc:
                _failed = True
                print(
                    f"speechspec emulator: espeak-ng could not be loaded ({exc}); "
                    "answering tones instead of speech",
                    file=sys.stderr,
                    flush=True,
                )
                return None
        pcm = _engine.speak(text, voice)
        if pcm is not None:
            _cache[(text, voice)] = pcm
            _cache_size += len(pcm)
            while _cache_size > _CACHE_BYTES and len(_cache) > 1:
                _cache_size -= len(_cache.popitem(last=False)[1])
        return pcm


@functools.cache
def available() -> bool:
    """True when espeak-ng loads (tools/demo.py reports it)."""
    return EXECUTOR.submit(speak, "a", "en").result() is not None
