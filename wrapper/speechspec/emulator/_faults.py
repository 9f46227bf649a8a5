"""Fault injection: latency and error statuses, always or on every Nth request."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal

FAULT_HEADER = "x-emulator-fault"

PipelineFault = Literal["inference", "oom", "error"]
PIPELINE_FAULTS: tuple[PipelineFault, ...] = ("inference", "oom", "error")


@dataclass(frozen=True)
class Fault:
    """Answer ``status`` (with ``Retry-After`` when given) after ``latency`` seconds, on every
    ``every``-th request whose path starts with ``path``. ``html=True`` sends a proxy's HTML
    error page instead of the vendor's JSON error shape. ``fail_job=True`` (no status) lets a
    Hamsa create request succeed and makes its job end FAILED (with its failure webhook).
    A Livepeer 503 answers the gateway's "Service Unavailable Error" (no orchestrator free).
    ``pipeline`` (no status) lets a Livepeer request pass validation and auth and makes the
    text-to-speech pipeline fail the way ai-runner answers it (runner/src/runner/routes/
    text_to_speech.py, routes/utils.py handle_pipeline_exception): ``"inference"`` is the
    runner's 400 "Error during model execution: ..." (InferenceError), ``"oom"`` its 500 "Out
    of memory error. Try reducing text input length.", ``"error"`` its 500 "Text-to-speech
    pipeline error."; a gateway passes the 400 on as ": Error during model execution: ..."
    (server/ai_process.go parseBadRequestError) and answers a runner's 500 with 503 "Service
    Unavailable Error" (processAIRequest drops the orchestrator, then has none left)."""

    status: int | None = None
    retry_after: str | None = None
    every: int = 1
    latency: float = 0.0
    path: str = "/"
    html: bool = False
    fail_job: bool = False
    pipeline: PipelineFault | None = None

    def __post_init__(self) -> None:
        if self.pipeline is not None and self.pipeline not in PIPELINE_FAULTS:
            raise ValueError(f"pipeline must be one of {', '.join(PIPELINE_FAULTS)}")
        if self.pipeline is not None and self.status is not None:
            raise ValueError("a pipeline fault has its own status: give no status")

    @classmethod
    def parse(cls, spec: str) -> Fault:
        """``status=503; retry-after=2; every=3; latency=0.1; path=/livepeer; html=1``, or
        ``fail-job=1`` (a Hamsa job that fails), or ``pipeline=inference|oom|error`` (a
        Livepeer pipeline failure)."""
        fields: dict[str, str] = {}
        for part in spec.split(";"):
            if part.strip():
                key, _, value = part.partition("=")
                fields[key.strip().lower()] = value.strip()
        unknown = set(fields) - {
            "status",
            "retry-after",
            "every",
            "latency",
            "path",
            "html",
            "fail-job",
            "pipeline",
        }
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        every = int(fields.get("every", "1"))
        if every < 1:
            raise ValueError("every must be >= 1")
        latency = float(fields.get("latency", "0"))
        if not 0 <= latency <= 60:
            raise ValueError("latency must be between 0 and 60 seconds")
        status = int(fields["status"]) if "status" in fields else None
        if status is not None and not 100 <= status <= 599:
            raise ValueError("status must be an HTTP status code")
        pipeline = fields.get("pipeline")
        if pipeline is not None and pipeline not in PIPELINE_FAULTS:
            raise ValueError(f"pipeline must be one of {', '.join(PIPELINE_FAULTS)}")
        return cls(
            status=status,
            retry_after=fields.get("retry-after"),
            every=every,
            latency=latency,
            path=fields.get("path", "/"),
            html=fields.get("html", "0") not in ("0", "", "false"),
            fail_job=fields.get("fail-job", "0") not in ("0", "", "false"),
            pipeline=pipeline,
        )


class FaultCounter:
    """Counts matching requests per fault, so "every Nth" is exact under concurrency."""

    def __init__(self) -> None:
        self._counts: dict[Fault, int] = {}
        self._lock = threading.Lock()

    def fires(self, fault: Fault, path: str) -> bool:
        if not path.startswith(fault.path):
            return False
        with self._lock:
            n = self._counts.get(fault, 0) + 1
            self._counts[fault] = n
        return n % fault.every == 0
