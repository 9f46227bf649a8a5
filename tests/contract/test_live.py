"""Live contract run: the schemathesis suite against a real base URL (``make contract``).

Opt-in, and billed by the vendor per job: set SPEECHSPEC_CONTRACT_BASE_URL and the vendor's key
(HAMSA_API_KEY or LIVEPEER_API_TOKEN; SPEECHSPEC_CONTRACT_VENDOR picks one when both are set).
Positive examples only, SPEECHSPEC_CONTRACT_MAX_EXAMPLES per operation (default 3, at most 20).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from conformance import run_against

BASE_URL = os.environ.get("SPEECHSPEC_CONTRACT_BASE_URL", "")
KEYS = {"hamsa": "HAMSA_API_KEY", "livepeer": "LIVEPEER_API_TOKEN"}


def _vendor() -> str | None:
    chosen = os.environ.get("SPEECHSPEC_CONTRACT_VENDOR")
    if chosen:
        return chosen if chosen in KEYS else None
    present = [v for v, var in KEYS.items() if os.environ.get(var)]
    return present[0] if len(present) == 1 else None


def _skip_reason() -> str | None:
    if not BASE_URL:
        return (
            "live contract run: set SPEECHSPEC_CONTRACT_BASE_URL (and the vendor's key) to run it"
        )
    vendor = _vendor()
    if vendor is None:
        return "live contract run: set exactly one of HAMSA_API_KEY / LIVEPEER_API_TOKEN, or SPEECHSPEC_CONTRACT_VENDOR"
    if vendor == "hamsa" and not os.environ.get("HAMSA_API_KEY"):
        return "live contract run: HAMSA_API_KEY is not set"
    return None


@pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or "")
def test_vendor_conforms_to_the_effective_spec() -> None:
    vendor = _vendor()
    assert vendor is not None
    key = os.environ.get(KEYS[vendor], "")
    scheme = "Token" if vendor == "hamsa" else "Bearer"
    auth = {"Authorization": f"{scheme} {key}"} if key else {}
    examples = max(1, min(20, int(os.environ.get("SPEECHSPEC_CONTRACT_MAX_EXAMPLES", "3"))))
    sent = run_against(BASE_URL.rstrip("/"), vendor, auth, max_examples=examples)
    assert sent >= 1
