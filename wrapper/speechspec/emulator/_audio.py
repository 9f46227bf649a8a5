"""Real WAV files for the emulator: spoken by espeak-ng when it is installed, a tone otherwise."""

from __future__ import annotations

import functools
import io
import math
import shutil
import struct
import subprocess
import tempfile
import wave
from pathlib import Path

SAMPLE_RATE = 16_000
MAX_SECONDS = 20.0


@functools.lru_cache(maxsize=256)
def tone_wav(text: str) -> bytes:
    """16-bit PCM mono; longer for longer text (a syllable-ish rhythm of two tones)."""
    seconds = min(MAX_SECONDS, 0.4 + 0.06 * len(text.strip()))
    frames = int(SAMPLE_RATE * seconds)
    pitch = 180.0 + (sum(map(ord, text)) % 120)
    samples = bytearray()
    for i in range(frames):
        t = i / SAMPLE_RATE
        envelope = 0.5 * (1 - math.cos(2 * math.pi * (t * 4 % 1)))  # 4 "syllables" a second
        value = envelope * (
            0.6 * math.sin(2 * math.pi * pitch * t) + 0.2 * math.sin(4 * math.pi * pitch * t)
        )
        samples += struct.pack("<h", int(value * 12_000))
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(bytes(samples))
    return out.getvalue()


def espeak_wav(text: str, voice: str) -> bytes | None:
    """Speech from espeak-ng, or None when it is not installed or fails."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.wav"
        try:
            subprocess.run(  # noqa: S603 (fixed executable, text passed as one argument)
                [exe, "-v", voice, "-w", str(out), "--", text[:2000]],
                check=True,
                capture_output=True,
                timeout=30,
            )
            data = out.read_bytes()
        except (OSError, subprocess.SubprocessError):
            return None
    return data if data.startswith(b"RIFF") else None


def synthesize(text: str, *, voice: str = "en", use_espeak: bool = True) -> bytes:
    """A valid WAV for ``text``."""
    spoken = espeak_wav(text, voice) if use_espeak else None
    return spoken if spoken is not None else tone_wav(text)


def voice_for(text: str) -> str:
    """Arabic voice for Arabic script, English otherwise."""
    return "ar" if any("\u0600" <= ch <= "\u06ff" for ch in text) else "en"
