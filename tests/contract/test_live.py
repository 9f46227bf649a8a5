"""Live contract run: the schemathesis suite against a real base URL (``make contract``).

Opt-in, and billed by the vendor per job: set SPEECHSPEC_CONTRACT_BASE_URL and the vendor's key
(HAMSA_API_KEY or LIVEPEER_API_TOKEN; SPEECHSPEC_CONTRACT_VENDOR picks one when both are set).
Positive examples only, SPEECHSPEC_CONTRACT_MAX_EXAMPLES per operation (default 3, at most 20).
Collected only with ``--contract`` (tests/conftest.py), so ``make test`` never sends these.

A run passes only if at least one request got a 2xx: answers that are all 401 (a wrong key) or
404 (a wrong base URL) conform to the spec's error responses, but prove nothing about the API.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from conformance import run_against

BASE_URL = os.environ.get("SPEECHSPEC_CONTRACT_BASE_URL", "")
KEYS = {"hamsa": "HAMSA_API_KEY", "livepeer": "LIVEPEER_API_TOKEN"}


def _vendor() -> str | None:
    chosen = os.environ.get("SPEECHSPEC_CONTRACT_VENDOR", "").strip()
    if chosen:
        return chosen.lower()
    present = [v for v, var in KEYS.items() if os.environ.get(var)]
    return present[0] if len(present) == 1 else None


def _skip_reason() -> str | None:
    vendor = _vendor()
    if vendor is not None and vendor not in KEYS:
        return None  # a misspelt vendor is an error (the test says so), not a reason to skip
    if not BASE_URL:
        return (
            "live contract run: set SPEECHSPEC_CONTRACT_BASE_URL (and the vendor's key) to run it"
        )
    if vendor is None:
        return "live contract run: set exactly one of HAMSA_API_KEY / LIVEPEER_API_TOKEN, or SPEECHSPEC_CONTRACT_VENDOR"
    if vendor == "hamsa" and not os.environ.get("HAMSA_API_KEY"):
        return "live contract run: HAMSA_API_KEY is not set"
    return None


def _check_settings(vendor: str) -> None:
    """Settings a run cannot be meaningful with fail before any request, naming the variable."""
    if vendor not in KEYS:
        pytest.fail(
            f"SPEECHSPEC_CONTRACT_VENDOR={os.environ.get('SPEECHSPEC_CONTRACT_VENDOR')!r} is not "
            f"a vendor: use one of {', '.join(sorted(KEYS))}",
            pytrace=False,
        )
    examples = os.environ.get("SPEECHSPEC_CONTRACT_MAX_EXAMPLES", "3")
    if not examples.isdigit():
        pytest.fail(
            f"SPEECHSPEC_CONTRACT_MAX_EXAMPLES={examples!r} is not a whole number", pytrace=False
        )
    parts = urlsplit(BASE_URL)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        pytest.fail(
            f"SPEECHSPEC_CONTRACT_BASE_URL={BASE_URL!r} is not an http(s) URL with a host",
            pytrace=False,
        )


@pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or "")
def test_vendor_conforms_to_the_effective_spec() -> None:
    vendor = _vendor()
    assert vendor is not None
    _check_settings(vendor)
    key = os.environ.get(KEYS[vendor], "")
    scheme = "Token" if vendor == "hamsa" else "Bearer"
    auth = {"Authorization": f"{scheme} {key}"} if key else {}
    examples = max(1, min(20, int(os.environ.get("SPEECHSPEC_CONTRACT_MAX_EXAMPLES", "3"))))
    statuses: list[int] = []
    try:
        sent = run_against(
            BASE_URL.rstrip("/"), vendor, auth, max_examples=examples, statuses=statuses
        )
    except BaseException as exc:  # schemathesis' FailureGroup is a BaseExceptionGroup
        if statuses and not _any_2xx(statuses):
            pytest.fail(f"{_no_2xx(vendor, statuses)}\n\n{exc}", pytrace=False)
        raise
    assert sent >= 1
    if not _any_2xx(statuses):
        pytest.fail(_no_2xx(vendor, statuses), pytrace=False)


def _any_2xx(statuses: list[int]) -> bool:
    return any(200 <= status < 300 for status in statuses)


def _no_2xx(vendor: str, statuses: list[int]) -> str:
    seen = ", ".join(f"{n} x {s}" for s, n in sorted(Counter(statuses).items()))
    return (
        f"no request got a 2xx answer ({seen}) from {BASE_URL} as {vendor}: the run proves "
        f"nothing about the API. Check {KEYS[vendor]} (401/403: a wrong key) and "
        "SPEECHSPEC_CONTRACT_BASE_URL (404: a wrong base URL or path prefix)"
    )
