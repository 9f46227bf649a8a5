"""Real WAV files for the emulator: speech from espeak-ng (see _speech), a tone if it is missing."""

from __future__ import annotations

import array
import asyncio
import functools
import io
import itertools
import math
import sys
import wave

from . import _speech

MAX_SECONDS = 20.0
MAX_TEXT = 2000  # characters spoken; the rest of a longer text is dropped

# The ai-runner's text-to-speech pipeline writes 44.1 kHz WAV (livepeer/ai-runner
# runner/src/runner/pipelines/text_to_speech.py, sf.write(..., samplerate=44100)); a gateway
# re-saves those bytes unchanged (go-livepeer server/ai_process.go, processTextToSpeech).
LIVEPEER_RATE = 44_100
# Hamsa does not document its rate: espeak-ng's own.
HAMSA_RATE = _speech.ESPEAK_RATE


def wav_bytes(pcm: bytes, rate: int) -> bytes:
    """16-bit PCM mono ``pcm`` as a WAV file."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm)
    return out.getvalue()


def resample(pcm: bytes, rate: int, to: int) -> bytes:
    """Linear-interpolation resampling of 16-bit mono PCM (enough for an emulator)."""
    if rate == to or not pcm:
        return pcm
    src = array.array("h", pcm[: len(pcm) // 2 * 2])
    if sys.byteorder == "big":
        src.byteswap()
    n = int(len(src) * to / rate)
    step = rate / to
    last = len(src) - 1
    out = array.array("h", bytes(2 * n))
    for i in range(n):
        pos = i * step
        j = int(pos)
        k = j + 1 if j < last else last
        out[i] = int(src[j] + (src[k] - src[j]) * (pos - j))
    if sys.byteorder == "big":
        out.byteswap()
    return out.tobytes()


@functools.lru_cache(maxsize=64)
def tone_pcm(text: str, rate: int) -> bytes:
    """A syllable-ish rhythm of two tones, longer for longer text (the fallback)."""
    seconds = min(MAX_SECONDS, 0.4 + 0.06 * len(text.strip()))
    pitch = 180.0 + (sum(map(ord, text)) % 120)
    samples = array.array("h", bytes(2 * int(rate * seconds)))
    for i in range(len(samples)):
        t = i / rate
        envelope = 0.5 * (1 - math.cos(2 * math.pi * (t * 4 % 1)))  # 4 "syllables" a second
        value = envelope * (
            0.6 * math.sin(2 * math.pi * pitch * t) + 0.2 * math.sin(4 * math.pi * pitch * t)
        )
        samples[i] = int(value * 12_000)
    if sys.byteorder == "big":
        samples.byteswap()
    return samples.tobytes()


def tone_wav(text: str, rate: int = HAMSA_RATE) -> bytes:
    return wav_bytes(tone_pcm(text, rate), rate)


def synthesize(text: str, *, voice: str, rate: int, use_espeak: bool = True) -> bytes:
    """A WAV of ``text`` at ``rate``: spoken by espeak-ng, or a tone when it cannot be loaded.
    Blocking; see ``render`` for use from the event loop."""
    text = text[:MAX_TEXT]
    spoken = _speech.speak(text, voice) if use_espeak else None
    if spoken is None:
        return wav_bytes(tone_pcm(text, rate), rate)
    pcm = resample(spoken, _speech.ESPEAK_RATE, rate)
    return wav_bytes(pcm[: int(MAX_SECONDS * rate) * 2], rate)


async def render(text: str, *, voice: str, rate: int, use_espeak: bool = True) -> bytes:
    """``synthesize`` off the event loop, on the one thread that drives espeak-ng."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(
        _speech.EXECUTOR,
        functools.partial(synthesize, text, voice=voice, rate=rate, use_espeak=use_espeak),
    )


def zero_crossing_variation(wav: bytes) -> float:
    """How much the zero-crossing rate varies between 20 ms frames (coefficient of variation,
    over frames that are not silence). Speech alternates voiced sounds and fricatives: about
    0.5-1.0; a tone, whatever its envelope, stays under 0.1. The demo and tests use it to tell
    espeak-ng's speech from the fallback tone."""
    with wave.open(io.BytesIO(wav)) as w:
        rate = w.getframerate()
        samples = array.array("h", w.readframes(w.getnframes()))
    if sys.byteorder == "big":
        samples.byteswap()
    size = max(1, rate // 50)
    rates: list[float] = []
    for start in range(0, len(samples) - size, size):
        frame = samples[start : start + size]
        if max(map(abs, frame)) < 500:
            continue
        crossings = sum(1 for a, b in itertools.pairwise(frame) if (a < 0) != (b < 0))
        rates.append(crossings / size)
    if len(rates) < 2 or not any(rates):
        return 0.0
    mean = sum(rates) / len(rates)
    spread = math.sqrt(sum((r - mean) ** 2 for r in rates) / len(rates))
    return spread / mean
