"""``--fuzz N``: schemathesis' negative examples of each operation, sent with no credential.

A server that checks the credential at all refuses them without doing work, whether it reads the
body first (the body is invalid: a 4xx) or the credential first (a 401), so they stay free; what
they exercise is the rest of the contract: every refusal has a documented status and shape, and
no input makes the server fail (5xx). Only examples whose body the document itself rejects are
kept: a negative example that differs from a valid request only in a header is dropped.
The examples are derandomized, so a run sends the same requests every time.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from ._document import Document
from ._probes import Probe, op_probe


def fuzz_probes(doc: Document, per_operation: int) -> list[Probe]:
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis import GenerationMode

    schema = schemathesis.openapi.from_dict(doc.raw)
    quiet = settings(
        max_examples=per_operation * 4,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate],
    )

    def examples(api_op: Any) -> list[Any]:
        cases: list[Any] = []

        @quiet
        @given(case=api_op.as_strategy(generation_mode=GenerationMode.NEGATIVE))
        def collect(case: Any) -> None:
            cases.append(case)

        collect()
        return cases

    probes: list[Probe] = []
    for op in doc.operations:
        cases = examples(schema[op.path][op.method])
        pointer = doc.request_schema_pointer(op)
        kept = 0
        for case in cases:
            body = getattr(case, "body", None)
            content: bytes | None = None
            if pointer is not None:
                if isinstance(body, (bytes, bytearray)):
                    content = bytes(body)  # not JSON at all
                elif doc.errors(body, pointer):
                    content = json.dumps(body).encode()
                else:
                    continue  # the document accepts the body: not a negative example
            query = {
                k: v for k, v in (getattr(case, "query", None) or {}).items() if isinstance(k, str)
            }
            path = op.path + (f"?{urlencode(query, doseq=True)}" if query else "")
            kept += 1
            probes.append(op_probe(op, f"fuzz {kept}", path, content, auth="missing"))
            if kept >= per_operation:
                break
    return probes
