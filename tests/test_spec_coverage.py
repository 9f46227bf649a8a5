"""The wrapper follows the spec: every request field is a keyword argument (or CLI flag), or
is listed, with its reason, in speechspec._coverage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from spec_coverage import method_names, parser_dests, request_fields, uncovered
from speechspec import AsyncHamsa, AsyncLivepeer, Hamsa, Livepeer
from speechspec._coverage import CLI_NOT_EXPOSED, WRAPPER_NOT_EXPOSED
from speechspec.cli import _parser

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = {"hamsa": (Hamsa, AsyncHamsa), "livepeer": (Livepeer, AsyncLivepeer)}


def _effective(vendor: str) -> dict[str, object]:
    path = ROOT / "generated" / f"{vendor}_client" / "openapi.json"
    doc: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return doc


@pytest.mark.parametrize("vendor", sorted(CLIENTS))
@pytest.mark.parametrize("sync", [True, False], ids=["sync", "async"])
def test_every_request_field_is_a_keyword_argument(vendor: str, sync: bool) -> None:
    cls = CLIENTS[vendor][0 if sync else 1]
    missing = uncovered(_effective(vendor), vendor, method_names(cls), WRAPPER_NOT_EXPOSED)
    assert not missing, (
        f"{cls.__name__} has no keyword argument for: {missing}. Add one, or list the field "
        "with its reason in wrapper/speechspec/_coverage.py (it stays sendable via extra_body)."
    )


@pytest.mark.parametrize("vendor", sorted(CLIENTS))
def test_every_request_field_is_a_cli_flag(vendor: str) -> None:
    dests = parser_dests(_parser(), "speak", vendor)
    missing = uncovered(_effective(vendor), vendor, dests, CLI_NOT_EXPOSED)
    assert not missing, (
        f"`speechspec speak {vendor}` has no flag for: {missing}. Add one, or list the field "
        "with its reason in wrapper/speechspec/_coverage.py (CLI_NOT_EXPOSED)."
    )


def test_not_exposed_lists_name_real_fields_only() -> None:
    # A stale entry would hide nothing but mislead: every listed field exists in its spec.
    for listing in (WRAPPER_NOT_EXPOSED, CLI_NOT_EXPOSED):
        for vendor, op_id, wire in listing:
            assert (op_id, wire) in request_fields(_effective(vendor)), (vendor, op_id, wire)
            assert listing[(vendor, op_id, wire)].strip()


def test_a_new_vendor_field_is_named() -> None:
    doc = _effective("livepeer")
    # Only what this test adds: a field the vendor really adds is the tests above's to name.
    before = uncovered(doc, "livepeer", method_names(Livepeer), WRAPPER_NOT_EXPOSED)
    schema = doc["components"]["schemas"]["TextToSpeechParams"]  # type: ignore[index]
    # An invented name: a plausible one (speakingRate) may be in the vendor's document tomorrow.
    schema["properties"]["fixtureRate"] = {"type": "number"}
    missing = uncovered(doc, "livepeer", method_names(Livepeer), WRAPPER_NOT_EXPOSED)
    assert [m for m in missing if m not in before] == [
        "livepeer: genTextToSpeech: request field 'fixtureRate' (Python name 'fixture_rate')"
    ]


@pytest.mark.parametrize(
    "extra",
    [
        {"webhookUrl": 'https://a.example/<x>"{|}'},
        {"webhookUrl": "https://user:pw@a.example/x"},
        {
            "webhookUrl": "https://a.example/x",
            "webhookAuth": {"authKey": "k", "authSecret": "s\r\nX: y"},
        },
    ],
)
def test_extra_body_gets_the_typed_arguments_checks(extra: dict[str, object]) -> None:
    import httpx
    import respx
    from speechspec import InvalidRequestError

    with (
        respx.mock(assert_all_called=False) as mock,
        Hamsa(api_key="k", base_url="https://h.test") as client,
    ):
        mock.route().mock(return_value=httpx.Response(500))
        with pytest.raises(InvalidRequestError) as info:
            client.text_to_speech("hi", voice_id="v", extra_body=extra)
        assert mock.calls.call_count == 0
    assert info.value.param == "extra_body"
    assert "s\r\n" not in str(info.value) and "pw" not in str(info.value)
