"""Contract testing users can run (``pip install 'speechspec[contract]'``): hold a live endpoint,
or traffic recorded with ``SPEECHSPEC_RECORD``, to the effective document the installed client
was built from, and turn what differs into suggested OpenAPI Overlay actions.

    from speechspec.contract import check_endpoint, check_recorded, Settings
    report = check_endpoint(Settings("livepeer", "http://127.0.0.1:8000/livepeer", "Bearer", token))
    report.exit_code, report.results, report.drift

The command line is ``speechspec contract {hamsa|livepeer} --base-url URL`` (docs/contract-testing.md).
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx

from ._document import Document
from ._drift import Drift
from ._report import as_dict, junit, overlay, overlay_yaml, table
from ._run import Report, Result, Settings

__all__ = [
    "Document",
    "Drift",
    "Report",
    "Result",
    "Settings",
    "as_dict",
    "check_endpoint",
    "check_recorded",
    "junit",
    "overlay",
    "overlay_yaml",
    "table",
]


def check_endpoint(settings: Settings, document: Document | None = None) -> Report:
    """Send the free probes (and at most ``settings.max_billed`` billed ones, never retried)
    to ``settings.base_url``; every answer judged and checked against the document."""
    from ._run import LiveRun

    doc = document or Document.installed(settings.vendor)
    # No retries (httpx's default transport makes none) and no redirects followed: one
    # request per probe, whatever the answer.
    with httpx.Client(timeout=settings.timeout, follow_redirects=False) as client:
        return LiveRun(doc, settings, client).run()


def check_recorded(
    vendor: str,
    path: str | os.PathLike[str],
    *,
    base_url: str | None = None,
    document: Document | None = None,
) -> Report:
    """Check the answers recorded in ``path`` (SPEECHSPEC_RECORD / ``record=``). Sends nothing."""
    from ._run import check_traffic

    return check_traffic(document or Document.installed(vendor), vendor, Path(path), base_url)
