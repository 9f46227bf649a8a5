"""The emulator checks a field it does not model by hand against the effective document the
generated package ships: a field the vendor adds (with its limits) holds in the emulator after
`make generate`, with no emulator edit (issue 20). Here the shipped document is swapped for one
with such a field, and the emulator answers real HTTP on loopback."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from speechspec.emulator import EmulatorServer, _schema

FIELD = "fixture_pace"  # invented: a plausible name may be in the vendor's document tomorrow


@pytest.fixture
def with_new_field(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    doc = copy.deepcopy(_schema.effective_document("livepeer_client"))
    props = doc["components"]["schemas"]["TextToSpeechParams"]["properties"]
    props[FIELD] = {"type": "number", "minimum": 0.25, "maximum": 4.0, "default": 1.0}
    original = _schema.effective_document

    def patched(package: str) -> dict[str, Any]:
        return doc if package == "livepeer_client" else original(package)

    monkeypatch.setattr(_schema, "effective_document", patched)
    _schema.validator.cache_clear()
    yield
    _schema.validator.cache_clear()


@pytest.mark.parametrize("mode", ["gateway", "runner"])
def test_a_new_fields_limits_hold_with_no_emulator_edit(with_new_field: None, mode: str) -> None:
    with EmulatorServer(livepeer_mode=mode) as server:
        url = f"{server.livepeer_base_url}/text-to-speech"
        headers = {"Authorization": f"Bearer {server.livepeer_token}"}
        for value, ok in ((1.5, True), (-0.5, False), (9, False), ("fast", False)):
            body = json.dumps({"text": "Hello", FIELD: value})
            answer = httpx.post(url, content=body, headers={**headers,
                                "Content-Type": "application/json"}, timeout=30)  # fmt: skip
            if ok:
                assert answer.status_code == 200, answer.text
                continue
            assert answer.status_code == (400 if mode == "gateway" else 422), (value, answer.text)
            if mode == "gateway":
                assert FIELD in answer.json()["error"]["message"]
            else:
                (item,) = answer.json()["detail"]
                assert item["loc"] == ["body", FIELD]
