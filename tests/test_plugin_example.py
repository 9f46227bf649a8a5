"""The pytest plugin's fixtures, used the way a user's own tests would use them."""

from __future__ import annotations

from pathlib import Path

import pytest
import speechspec
from speechspec.testing import VendorMock


def test_emulator_fixture_serves_both_vendors(speechspec_emulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    emu = speechspec_emulator
    with speechspec.Hamsa(emu.hamsa_key, base_url=emu.hamsa_base_url) as hamsa:
        hamsa.synthesize("مرحبا", tmp_path / "h.wav", voice_id="Amjad")
    with speechspec.Livepeer(emu.livepeer_token, base_url=emu.livepeer_base_url) as lp:
        lp.synthesize("Hello", tmp_path / "l.wav")
    assert (tmp_path / "h.wav").read_bytes()[:4] == b"RIFF"
    methods = [r["method"] for r in emu.requests()]
    assert methods.count("POST") == 2


def test_hamsa_mock_answers_spec_valid_jobs(
    hamsa_mock: VendorMock, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("HAMSA_BASE_URL", raising=False)
    client = speechspec.Hamsa(api_key="test-key")
    path = client.synthesize("مرحبا", tmp_path / "out.wav", voice_id="Amjad")
    assert path.read_bytes()[:4] == b"RIFF"
    hamsa_mock.queue_error(401, {"code": 401, "message": "bad key"})
    with pytest.raises(speechspec.AuthenticationError, match="bad key"):
        client.text_to_speech("x", voice_id="v")


def test_livepeer_mock_queues_errors(
    livepeer_mock: VendorMock, sleeps: list[float], monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("LIVEPEER_BASE_URL", raising=False)
    livepeer_mock.queue_error(
        429, {"detail": {"msg": "slow down"}}, headers={"Retry-After": "1"}, times=2
    )
    audio = speechspec.Livepeer().text_to_speech("Hello")
    assert audio.audio.url.startswith("data:audio/wav;base64,")
    assert sleeps == [1.0, 1.0]
    assert len(livepeer_mock.calls) == 3
