"""Shared schemathesis helpers for the conformance tests."""

from __future__ import annotations

import os
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from speechspec.emulator._schema import effective_document

PACKAGES = {"hamsa": "hamsa_client", "livepeer": "livepeer_client"}

# HYPOTHESIS_PROFILE=deep (CONTRIBUTING.md, "Test depth") draws several times the examples
# `make test` draws: its counts are what the time budget affords with each rule still reached,
# the deep run is for a change to the generated models, the schemas or the parsers.
DEEP = os.environ.get("HYPOTHESIS_PROFILE") == "deep"


def quiet_settings(max_examples: int) -> settings:
    # derandomize: the same examples on every run, so a failure reproduces.
    return settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )


def schema_for(vendor: str) -> Any:
    return schemathesis.openapi.from_dict(effective_document(PACKAGES[vendor]))


def operations(vendor: str) -> list[Any]:
    schema = schema_for(vendor)
    return [op for _path, methods in schema.items() for _method, op in methods.items()]


def run_against(
    base_url: str,
    vendor: str,
    auth: dict[str, str],
    *,
    mode: GenerationMode = GenerationMode.POSITIVE,
    max_examples: int = 50,
    excluded_checks: list[Any] | None = None,
    additional_checks: list[Any] | None = None,
    statuses: list[int] | None = None,
) -> int:
    """Run every default check on every operation; return the number of cases sent, and
    append each answer's status code to ``statuses`` when given.
    Raises schemathesis' FailureGroup on the first failure found."""
    sent = 0
    checks: list[Any] = []
    if statuses is not None:
        # A check, not a step after the call: it sees the answer even when another check fails.
        def record_status(ctx: Any, response: Any, case: Any) -> None:
            statuses.append(response.status_code)

        checks.append(record_status)
    for op in operations(vendor):

        @quiet_settings(max_examples)
        @given(case=op.as_strategy(generation_mode=mode))
        def check(case: Any) -> None:
            nonlocal sent
            sent += 1
            case.call_and_validate(
                base_url=base_url,
                headers=dict(auth),
                excluded_checks=excluded_checks,
                additional_checks=[*(additional_checks or []), *checks],
            )

        check()
    return sent
