"""Running a contract check: probes against a live endpoint, or recorded traffic; each answer
judged against what the probe expects and checked against the effective document."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from .._answers import check_depth
from .._redact import loggable_url, redact
from ._document import Document
from ._drift import Drift, auth_drift, check_answer, merge
from ._probes import (
    WRONG_KEY,
    Probe,
    billed_operations,
    billed_probe,
    confirm_probe,
    follow_up_probes,
    free_probes,
)

PASS, FAIL, DRIFT, SKIP, ERROR = "pass", "FAIL", "DRIFT", "skip", "ERROR"


@dataclass
class Result:
    check: str
    result: str
    evidence: str
    request: str = ""
    status: int | None = None
    billed: bool = False


@dataclass
class Report:
    vendor: str
    target: str  # the base URL, or the traffic file
    document: str
    results: list[Result] = field(default_factory=list)
    drift: list[Drift] = field(default_factory=list)
    billed: list[Result] = field(default_factory=list)
    usage_error: str | None = None

    @property
    def exit_code(self) -> int:
        if self.usage_error is not None:
            return 2
        sent = [r for r in self.results if r.result != SKIP]
        if sent and all(r.result == ERROR for r in sent):
            return 2  # nothing reached the endpoint: nothing was checked
        if self.drift or any(r.result in (FAIL, ERROR) for r in self.results):
            return 1
        return 0


@dataclass
class Settings:
    vendor: str
    base_url: str
    auth_scheme: str
    key: str | None
    max_billed: int = 0
    params: dict[str, Any] = field(default_factory=dict)
    timeout: float = 30.0
    # Negative examples per operation (schemathesis), sent with no credential (_fuzz.py).
    fuzz: int = 0


def _headers(settings: Settings, probe: Probe) -> dict[str, str]:
    headers = {"Accept": "application/json", "User-Agent": "speechspec-contract", **probe.headers}
    if probe.body is not None:
        headers["Content-Type"] = "application/json"
    if probe.auth == "wrong":
        headers["Authorization"] = f"{settings.auth_scheme} {WRONG_KEY}"
    elif probe.auth == "valid" and settings.key:
        headers["Authorization"] = f"{settings.auth_scheme} {settings.key}"
    return headers


def describe(settings: Settings, probe: Probe) -> str:
    """What a probe sends, credentials replaced (--dry-run, and the report's request column)."""
    url = settings.base_url.rstrip("/") + probe.path
    auth = {"valid": "with the key", "missing": "no credential", "wrong": "a wrong key"}[probe.auth]
    if probe.auth == "valid" and not settings.key:
        auth = "no key given"
    body = "" if probe.body is None else f" body={probe.body.decode('utf-8', 'replace')}"
    return f"{probe.method} {loggable_url(url)} ({auth}){' [billed]' if probe.billed else ''}{body}"


# An API answer is a small JSON document: a proxy's endless body is cut here, not buffered.
MAX_BODY = 8 * 1024 * 1024


def _read_capped(response: httpx.Response) -> bytes:
    """Decoded in bounded steps (the wrapper's decoder), so a compression bomb stops at the cap
    instead of expanding in one call; an undecodable body is judged by what decoded before."""
    from .._body import decoder_for, raw_chunks
    from .._decode import DecodeError

    chunks: list[bytes] = []
    size = 0
    try:
        decoder = decoder_for(response)
        for raw in raw_chunks(response):
            for piece in decoder.feed(raw):
                size += len(piece)
                if size > MAX_BODY:
                    return b"".join(chunks)
                chunks.append(piece)
    except DecodeError:
        pass  # judged by what decoded before the fault
    return b"".join(chunks)


def _body(content: bytes) -> Any:
    """The answer's JSON, else the start of its text (a non-JSON answer is checked as such)."""
    if not content:
        return None
    try:
        check_depth(content)
        return json.loads(content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return content[:200].decode("utf-8", "replace")


def _judge(probe: Probe, status: int, body: Any, doc: Document) -> tuple[str, str]:
    short = json.dumps(body, ensure_ascii=False)[:160] if body is not None else "(no body)"
    seen = f"{status} {short}"
    if probe.expect == "auth-refused":
        if status in (401, 403):
            return PASS, f"refused: {seen}"
        if 200 <= status < 300:
            return FAIL, f"accepted without a valid credential: {seen}"
        if 400 <= status < 500:
            return (
                SKIP,
                f"answered {status} before checking the credential (the body is read first)",
            )
        return FAIL, f"server error instead of a refusal: {seen}"
    if probe.expect == "accepted":
        return (PASS, seen) if 200 <= status < 300 else (FAIL, f"not accepted: {seen}")
    if status in (401, 403) and probe.auth == "valid":
        return FAIL, f"the key was refused ({status}): check the key; nothing else was tested"
    if probe.expect == "not-found":
        if status in (404, 405):
            return PASS, seen
        if probe.method != "GET" and 200 <= status < 300 and body is None:
            # A go-livepeer gateway's OpenAPI middleware hands a wrong method to an error
            # handler that only logs (server/ai_mediaserver.go): an empty 200, nothing served.
            return PASS, f"not served: {status} with no body (go-livepeer's validation middleware)"
        return FAIL, f"expected 404 or 405: {seen}"
    if 400 <= status < 500:
        return PASS, f"refused: {seen}"
    if 200 <= status < 300:
        billed = " (and may have been billed)" if probe.operation in billed_operations(doc) else ""
        return FAIL, f"accepted an invalid request{billed}: {seen}"
    return FAIL, f"expected a 4xx: {seen}"


def unbilled_probes(doc: Document, settings: Settings) -> list[Probe]:
    """The free probes, then --fuzz's negative examples (sent with no credential)."""
    probes = free_probes(doc)
    if settings.fuzz > 0:
        from ._fuzz import fuzz_probes

        probes += fuzz_probes(doc, settings.fuzz)
    return probes


class LiveRun:
    def __init__(self, doc: Document, settings: Settings, client: httpx.Client) -> None:
        self.doc, self.settings, self.client = doc, settings, client
        self.report = Report(settings.vendor, settings.base_url, doc.origin)
        self.secrets = [settings.key] if settings.key else []

    def send(self, probe: Probe) -> tuple[Result, Any]:
        url = self.settings.base_url.rstrip("/") + probe.path
        request = describe(self.settings, probe).split(" body=", 1)[0]
        headers = _headers(self.settings, probe)
        try:
            with self.client.stream(
                probe.method, url, content=probe.body, headers=headers
            ) as answer:
                content = _read_capped(answer)
        except httpx.HTTPError as exc:
            # Never retried: a billed probe that may have reached the server stays counted.
            evidence = redact(f"{type(exc).__name__}: {exc}", self.secrets)
            return Result(probe.check, ERROR, evidence, request, None, probe.billed), None
        body, status = _body(content), answer.status_code
        result, evidence = _judge(probe, status, body, self.doc)
        row = Result(
            probe.check, result, redact(evidence, self.secrets), request, status, probe.billed
        )
        if probe.operation is not None:
            where = f"{probe.check}: {probe.method} {probe.path.split('?')[0]} -> {status}"
            op = probe.operation
            found = check_answer(self.doc, op, status, dict(answer.headers), body, where)
            if probe.auth != "valid" and 200 <= status < 300 and self.doc.auth_required(op):
                found.append(auth_drift(self.doc, op, f"with {probe.auth} credential", where))
            self.report.drift.extend(found)
        return row, body

    def add(self, probe: Probe) -> tuple[Result, Any]:
        row, body = self.send(probe)
        self.report.results.append(row)
        if probe.billed:
            self.report.billed.append(row)
        return row, body

    def run(self) -> Report:
        budget = self.settings.max_billed
        confirm: list[Probe] = []
        for probe in unbilled_probes(self.doc, self.settings):
            row, _ = self.add(probe)
            if row.result == SKIP and probe.expect == "auth-refused":
                confirm.append(probe)
        # A credential probe the server answered by reading the body first is confirmed with
        # a well-formed body: billed only if the server ignores the credential, so it goes first.
        for probe in confirm:
            if budget <= 0:
                for row in self.report.results:
                    if row.check == probe.check:
                        row.evidence += "; --max-billed 1 confirms it with a well-formed request"
                continue
            budget -= 1
            self.add(confirm_probe(self.doc, probe, self.settings.params))
        for op in billed_operations(self.doc):
            if budget <= 0:
                self.report.results.append(
                    Result(f"billed: {op.name}", SKIP, "not sent: a billed request (--max-billed)")
                )
                continue
            budget -= 1
            row, body = self.add(billed_probe(self.doc, op, self.settings.params))
            if row.result == PASS:
                for follow in follow_up_probes(self.doc, body):
                    self.add(follow)
        self.report.drift = merge(self.report.drift)
        return self.report


def check_traffic(doc: Document, vendor: str, path: Path, base_url: str | None) -> Report:
    """Check every recorded answer of ``path`` (SPEECHSPEC_RECORD lines) that one of the
    document's operations served. Nothing is sent."""
    report = Report(vendor, str(path), doc.origin)
    drifts: list[Drift] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
            url = httpx.URL(line["url"])
            base = httpx.URL(base_url or line["base_url"])
            method, status = str(line["method"]), line.get("status")
        except (ValueError, KeyError, TypeError, httpx.InvalidURL):
            report.results.append(Result(f"line {number}", FAIL, "not a recorded exchange"))
            continue
        if status is None or (url.host, url.port) != (base.host, base.port):
            continue
        prefix = base.path.rstrip("/")
        if not url.path.startswith(prefix):
            continue
        op = doc.match(method, url.path[len(prefix) :] or "/")
        if op is None:
            continue  # a download, or another vendor's call
        evidence = f"{path.name} line {number} ({line.get('time', '?')}): {op.name} -> {status}"
        body = None if line.get("body_truncated") else line.get("body")
        found = check_answer(
            doc, op, int(status), line.get("response_headers") or {}, body, evidence
        )
        sent_auth = "authorization" in (line.get("request_headers") or {})
        if doc.auth_required(op) and not sent_auth and 200 <= int(status) < 300:
            found.append(auth_drift(doc, op, "with no credential", evidence))
        drifts.extend(found)
        result = DRIFT if found else PASS
        what = "; ".join(d.summary for d in found) or "as documented"
        report.results.append(Result(f"line {number}: {op.name} -> {status}", result, what))
    if not report.results:
        report.usage_error = f"{path} holds no recorded answer of a {vendor} operation" + (
            f" at {base_url}" if base_url else ""
        )
    report.drift = merge(drifts)
    return report
