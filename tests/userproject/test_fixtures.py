"""The plugin's respx fixtures, as a user's tests use them."""

from __future__ import annotations

from pathlib import Path

import pytest
import speechspec
from speechspec.testing import VendorMock


@pytest.fixture(autouse=True)
def _real_base_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("HAMSA_BASE_URL", "LIVEPEER_BASE_URL"):
        monkeypatch.delenv(var, raising=False)


def test_hamsa_mock_completes_jobs(hamsa_mock: VendorMock, tmp_path: Path) -> None:
    with speechspec.Hamsa(api_key="test-key") as hamsa:
        path = hamsa.synthesize("مرحبا", tmp_path / "out.wav", voice_id="Amjad")
    assert path.read_bytes()[:4] == b"RIFF"


def test_hamsa_mock_queues_errors(hamsa_mock: VendorMock) -> None:
    hamsa_mock.queue_error(401, {"message": "bad key"})
    hamsa = speechspec.Hamsa(api_key="test-key")
    with hamsa, pytest.raises(speechspec.AuthenticationError, match="bad key"):
        hamsa.text_to_speech("x", voice_id="Amjad")
    assert len(hamsa_mock.calls) == 1
