"""Shared schemathesis helpers for the conformance tests."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from speechspec.emulator._schema import effective_document

PACKAGES = {"hamsa": "hamsa_client", "livepeer": "livepeer_client"}


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
) -> int:
    """Run every default check on every operation; return the number of cases sent.
    Raises schemathesis' FailureGroup on the first failure found."""
    sent = 0
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
                additional_checks=additional_checks,
            )

        check()
    return sent
