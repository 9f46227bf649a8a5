"""The emulator speaks: espeak-ng (from the espeakng-loader wheel) through ctypes, Arabic for
Hamsa and English for Livepeer; a tone only when the library cannot be loaded, said once."""

from __future__ import annotations

import io
import threading
import wave
from collections import OrderedDict
from pathlib import Path

import pytest
import speechspec
from speechspec.emulator import EmulatorServer, _audio, _speech


def _wav(data: bytes) -> tuple[int, float]:
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        return w.getframerate(), w.getnframes() / w.getframerate()


@pytest.mark.parametrize(
    ("text", "voice"),
    [
        ("Hello from speechspec, through the Livepeer AI Runner.", "en"),
        ("أهلاً و سهلاً بكم في همسة!", "ar"),
    ],
)
def test_espeak_speaks_and_a_tone_does_not_pass_for_speech(text: str, voice: str) -> None:
    spoken = _audio.synthesize(text, voice=voice, rate=_audio.LIVEPEER_RATE)
    tone = _audio.synthesize(text, voice=voice, rate=_audio.LIVEPEER_RATE, use_espeak=False)
    assert _wav(spoken)[0] == _wav(tone)[0] == 44_100
    assert _audio.zero_crossing_variation(spoken) > 0.3
    assert _audio.zero_crossing_variation(tone) < 0.15
    assert 0.8 < _wav(spoken)[1] < 10


def test_arabic_and_english_voices_differ() -> None:
    text = "مرحبا"
    assert _speech.speak(text, "ar") != _speech.speak(text, "en")


def test_speech_is_cached_per_text_and_voice() -> None:
    first = _speech.speak("cache me", "en")
    assert first is not None and _speech.speak("cache me", "en") is first


async def test_rendering_runs_on_the_espeak_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    real = _speech.speak

    def spy(text: str, voice: str) -> bytes | None:
        seen.append(threading.current_thread().name)
        return real(text, voice)

    monkeypatch.setattr(_speech, "speak", spy)
    wav = await _audio.render("thread", voice="en", rate=_audio.HAMSA_RATE)
    assert _wav(wav)[0] == _audio.HAMSA_RATE
    assert seen and all(name.startswith("speechspec-espeak") for name in seen)


def test_a_library_that_cannot_load_falls_back_to_a_tone_saying_so_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken() -> None:
        raise OSError("libespeak-ng.so: cannot open shared object file")

    monkeypatch.setattr(_speech, "_engine", None)
    monkeypatch.setattr(_speech, "_failed", False)
    monkeypatch.setattr(_speech, "_cache", OrderedDict())
    monkeypatch.setattr(_speech, "_load", broken)
    first = _audio.synthesize("no speech here", voice="en", rate=_audio.HAMSA_RATE)
    second = _audio.synthesize("nor here", voice="en", rate=_audio.HAMSA_RATE)
    assert _audio.zero_crossing_variation(first) < 0.15 and _wav(second)[1] > 0
    err = capsys.readouterr().err
    assert err.count("espeak-ng could not be loaded") == 1 and "tones" in err


def test_both_vendors_speak_end_to_end(tmp_path: Path) -> None:
    with EmulatorServer(job_delay=0.05) as emu:  # use_espeak defaults to True
        hamsa = speechspec.Hamsa(emu.hamsa_key, base_url=emu.hamsa_base_url)
        ar = hamsa.synthesize("أهلاً و سهلاً بكم في همسة!", tmp_path / "ar.wav", voice_id="Amjad")
        lp = speechspec.Livepeer(emu.livepeer_token, base_url=emu.livepeer_base_url)
        en = lp.synthesize("Hello from the gateway emulator.", tmp_path / "en.wav")
    for path, rate in ((ar, _audio.HAMSA_RATE), (en, _audio.LIVEPEER_RATE)):
        data = path.read_bytes()
        assert _wav(data)[0] == rate
        assert _audio.zero_crossing_variation(data) > 0.3, path.name
