"""A contract run's outputs: the table, the JSON and JUnit files, the suggested overlay."""

from __future__ import annotations

import json
import os
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ._drift import Drift
from ._run import DRIFT, ERROR, FAIL, SKIP, Report, Result


def _rows(report: Report) -> list[Result]:
    rows = list(report.results)
    for drift in report.drift:
        seen = f" (seen {drift.seen}x)" if drift.seen > 1 else ""
        rows.append(Result(f"drift: {drift.kind}: {drift.operation}", DRIFT, drift.summary + seen))
    return rows


def table(report: Report, width: int = 100) -> str:
    rows = [(r.check, r.result, r.evidence) for r in _rows(report)]
    check_w = min(max([len("check"), *(len(c) for c, _, _ in rows)]), 56)
    head = f"{'check':<{check_w}}  {'result':<6}  evidence"
    lines = [head, "-" * len(head)]
    for check, result, evidence in rows:
        shown = check if len(check) <= check_w else check[: check_w - 3] + "..."
        room = max(width - check_w - 10, 30)
        text = evidence if len(evidence) <= room else evidence[: room - 3] + "..."
        lines.append(f"{shown:<{check_w}}  {result:<6}  {text}")
    counts = {
        k: sum(1 for r in report.results if r.result == k) for k in ("pass", FAIL, SKIP, ERROR)
    }
    lines.append("")
    lines.append(
        f"{report.vendor} at {report.target}: {counts['pass']} passed, {counts[FAIL]} failed, "
        f"{counts[ERROR]} errors, {counts[SKIP]} skipped, {len(report.drift)} drift; "
        f"requests that may be billed: {len(report.billed)} sent, "
        f"{sum(1 for r in report.billed if r.status is not None and 200 <= r.status < 300)} "
        "answered 2xx"
    )
    for row in report.billed:
        lines.append(
            f"  billed: {row.request} -> {row.status if row.status is not None else row.evidence}"
        )
    lines.append(f"document: {report.document}")
    return "\n".join(lines)


def as_dict(report: Report) -> dict[str, Any]:
    return {
        "vendor": report.vendor,
        "target": report.target,
        "document": report.document,
        "exit_code": report.exit_code,
        "checks": [asdict(r) | {"result": r.result.lower()} for r in report.results],
        "drift": [d.as_dict() for d in report.drift],
        "billed": {
            "count": len(report.billed),
            "requests": [{"request": r.request, "status": r.status} for r in report.billed],
        },
    }


def junit(report: Report) -> str:
    rows = _rows(report)
    suite = ET.Element(
        "testsuite",
        name=f"speechspec contract {report.vendor}",
        tests=str(len(rows)),
        failures=str(sum(1 for r in rows if r.result in (FAIL, DRIFT))),
        errors=str(sum(1 for r in rows if r.result == ERROR)),
        skipped=str(sum(1 for r in rows if r.result == SKIP)),
    )
    for row in rows:
        case = ET.SubElement(
            suite, "testcase", classname=f"contract.{report.vendor}", name=row.check
        )
        if row.result in (FAIL, DRIFT):
            ET.SubElement(case, "failure", message=row.evidence, type=row.result.lower())
        elif row.result == ERROR:
            ET.SubElement(case, "error", message=row.evidence)
        elif row.result == SKIP:
            ET.SubElement(case, "skipped", message=row.evidence)
    ET.indent(suite)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"
    )


def overlay(drifts: list[Drift], vendor: str) -> dict[str, Any]:
    return {
        "overlay": "1.0.0",
        "info": {
            "title": f"speechspec contract: suggested corrections for {vendor}",
            "version": "1",
        },
        "actions": [action for drift in drifts for action in drift.actions],
    }


def overlay_yaml(drifts: list[Drift], vendor: str) -> str:
    import yaml

    return yaml.safe_dump(overlay(drifts, vendor), sort_keys=False, allow_unicode=True, width=100)


def write_atomic(path: Path, text: str) -> None:
    """Written beside the target and renamed into place: never a half-written report."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or Path("."))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def to_json(report: Report) -> str:
    return json.dumps(as_dict(report), indent=2, ensure_ascii=False) + "\n"
