"""What changed in each vendor's *effective* document (overlay applied) since a git ref.

    python tools/spec_diff.py [--base REF] [--json PATH] [--vendor V]

BASE defaults to the last release tag (``v*``), else ``HEAD``; the working tree is compared
with it. The diff engine is @useoptic/optic 1.0.9 (tools/optic_diff.js, one Node process per
run: tools/_optic.py; `make tools-node` installs it), our own rules are in tools/_classify.py. Both documents are first normalised as
the generator sees them (tools/generate.py), so cosmetic changes report nothing.
A CHANGELOG.md section and the version bump: ``tools/release.py notes [--base REF]``.
The *verbatim* documents are compared too (tools/_shadow.py): a vendor change that an overlay
action hides from the effective document is listed per vendor under ``hidden``, naming the
action, with the reason when specs/<vendor>/acknowledged.yaml records one.
Exit status: 0 (whatever changed), 1 on an error.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path
from typing import Any

from _classify import GROUPS, classify
from _common import SPECS, VENDORS, ToolError, load_document, safe_load
from _git_ref import default_base, effective_at, generator_changes, vendor_at
from _optic import run_optic
from _shadow import Hidden, hidden_changes, load_acknowledged
from _wrapped import not_wrapped_changes
from generate import normalise_document

__all__ = [
    "GROUPS",
    "PYTHON_API",
    "Report",
    "diff_documents",
    "format_hidden",
    "format_report",
    "hidden_since",
    "severity",
    "spec_diff",
    "unacknowledged",
]

Report = dict[str, dict[str, list[dict[str, str]]]]


def hidden_since(
    old_vendor: dict[str, Any] | None, vendor: str, specs_dir: Path = SPECS
) -> list[Hidden]:
    """Vendor changes from ``old_vendor`` to the working tree's document that the working
    tree's overlay hides from the effective document."""
    if old_vendor is None or not (specs_dir / vendor / "openapi.yaml").is_file():
        return []
    rel = f"specs/{vendor}/overlay.yaml"
    new_vendor = load_document(
        (specs_dir / vendor / "openapi.yaml").read_text(encoding="utf-8"), rel
    )
    overlay = safe_load((specs_dir / vendor / "overlay.yaml").read_text(encoding="utf-8"))
    return hidden_changes(
        old_vendor, new_vendor, overlay, rel, load_acknowledged(vendor, specs_dir)
    )


def _hidden_items(vendor: str, hidden: list[Hidden]) -> list[dict[str, str]]:
    return [
        {
            "operation": "",
            "schema": "",
            "field": h.change.path,
            "message": h.message(vendor),
            "where": f"overlay action #{h.action}",
            "acknowledged": h.acknowledged or "",
        }
        for h in hidden
    ]


def format_hidden(vendor: str, old_vendor: dict[str, Any] | None) -> str:
    """For `make specs`: the vendor changes the overlay hides, from the previously vendored
    document to the one just written ("" when none)."""
    hidden = hidden_since(old_vendor, vendor)
    if not hidden:
        return ""
    return format_report(
        {vendor: {**{g: [] for g in GROUPS}, "hidden": _hidden_items(vendor, hidden)}},
        "the previous document",
    ).split("\n", 1)[1]


def unacknowledged(report: Report) -> list[str]:
    """One line per hidden vendor change no maintainer has acknowledged yet."""
    return [
        item["message"]
        for groups in report.values()
        for item in groups.get("hidden", [])
        if not item.get("acknowledged")
    ]


def diff_documents(
    base: dict[str, Any] | None, head: dict[str, Any] | None
) -> dict[str, list[dict[str, str]]]:
    """Classified changes from ``base`` to ``head`` (either may be None: vendor added/removed)."""
    groups: dict[str, list[dict[str, str]]] = {g: [] for g in GROUPS}
    if base == head:
        return groups
    if base is None or head is None:
        group, what = ("added", "new vendor") if base is None else ("breaking", "vendor removed")
        groups[group].append(
            {"operation": "*", "schema": "", "field": "", "message": what, "where": "document"}
        )
        return groups
    old, new = normalise_document(base), normalise_document(head)
    # Cosmetic changes are not API changes: x- extensions and $ref spelling are normalised
    # away, and the vendor's info.version is ignored (optic skips its breaking-change checks
    # across a major info.version bump; we never do).
    new = copy.deepcopy(new)
    new.setdefault("info", {})["version"] = old.get("info", {}).get("version")
    if old == new:
        return groups
    for group, items in classify(run_optic(old, new), old, new).items():
        groups[group].extend(items)
    return groups


# The report's entry for the public Python surface (tools/_api_diff.py), beside the vendors'.
PYTHON_API = "python API"


def spec_diff(base_ref: str, vendors: tuple[str, ...] = VENDORS, *, api: bool = True) -> Report:
    """Per vendor, the classified changes of its effective document since ``base_ref`` (and
    what its overlay hides); with ``api``, also the breaking changes to the public Python API
    (griffe), under ``PYTHON_API``, when the packages exist at both ends."""
    report: Report = {}
    generator = generator_changes(base_ref)
    for vendor in vendors:
        groups = diff_documents(effective_at(base_ref, vendor), effective_at(None, vendor))
        if generator:
            groups["changed"].append(
                {
                    "operation": "*",
                    "schema": "",
                    "field": "",
                    "where": "generator",
                    "message": "generator or templates changed: " + ", ".join(generator),
                }
            )
        groups["hidden"] = _hidden_items(vendor, hidden_since(vendor_at(base_ref, vendor), vendor))
        report[vendor] = groups
        old = effective_at(base_ref, vendor, wrapped_only=False)
        new = effective_at(None, vendor, wrapped_only=False)
        not_wrapped = not_wrapped_changes(vendor, old, new, diff_documents)
        if not_wrapped:
            groups["not_wrapped"] = not_wrapped
    if api:
        from _api_diff import api_breakages

        breakages = api_breakages(base_ref)
        if breakages:
            report[PYTHON_API] = {**{g: [] for g in GROUPS}, "breaking": breakages}
    return report


def severity(report: Report) -> str | None:
    """'breaking', 'added', 'changed' (docs-only counts as changed), or None: nothing."""
    for group in ("breaking", "added"):
        if any(groups[group] for groups in report.values()):
            return group
    if any(groups["changed"] or groups["docs_only"] for groups in report.values()):
        return "changed"
    return None


def format_report(report: Report, base_ref: str) -> str:
    titles = {"breaking": "Breaking", "added": "Added", "changed": "Changed",
              "docs_only": "Docs-only"}  # fmt: skip
    lines = [f"spec-diff: effective documents, working tree vs {base_ref}"]
    for vendor, groups in report.items():
        counts = ", ".join(f"{len(groups[g])} {titles[g].lower()}" for g in GROUPS)
        hidden = groups.get("hidden", [])
        if not any(groups[g] for g in GROUPS):
            lines.append(f"{vendor}: no changes" + (" in the effective document" if hidden else ""))
        else:
            lines.append(f"{vendor}: {counts}")
        if hidden:
            lines.append(
                f"  Hidden by the overlay ({len(hidden)}): vendor changes the effective document "
                f"does not show. Edit specs/{vendor}/overlay.yaml, or record a reason in "
                f"specs/{vendor}/acknowledged.yaml (tools/_shadow.py)"
            )
            lines += [f"    - {item['message']}" for item in hidden]
        # Operations we do not wrap: one line each, whatever the wrapped ones did.
        lines.extend(f"  {item['message']}" for item in groups.get("not_wrapped", []))
        if not any(groups[g] for g in GROUPS):
            continue
        for group in GROUPS:
            if groups[group]:
                lines.append(f"  {titles[group]}")
            for item in groups[group]:
                where = ".".join(p for p in (item["schema"], item["field"]) if p)
                head = "  ".join(p for p in (item["operation"], where) if p)
                lines.append(
                    f"    - {head}: {item['message']}" if head else f"    - {item['message']}"
                )
    if severity(report) is None and not unacknowledged(report):
        lines.append("no changes")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", help="git ref (default: last v* tag, else HEAD)")
    parser.add_argument("--json", type=Path, help="also write the report as JSON here")
    parser.add_argument("--vendor", choices=VENDORS, help="one vendor (default: both)")
    args = parser.parse_args(argv)
    base_ref = args.base or default_base()
    try:
        report = spec_diff(base_ref, (args.vendor,) if args.vendor else VENDORS)
        sys.stdout.write(format_report(report, base_ref))
        if args.json:
            args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    except ToolError as exc:
        print(f"spec-diff: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
