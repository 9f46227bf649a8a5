"""Vendor an OpenAPI document verbatim from a vendor docs page (or a raw document).

    python tools/vendor_spec.py VENDOR [SOURCE] [--source-url URL]
    python tools/vendor_spec.py --all

SOURCE is a path or an http(s) URL, by default the docs page kept in the repository
(specs/<vendor>/docs-page.md), so a clone re-vendors offline. When it is a docs page (Markdown with a fenced
````yaml block holding the OpenAPI document, as Mintlify serves them), the block's text is
kept exactly; when it is a raw OpenAPI JSON or YAML document, the text is kept as is.
The document must validate before anything is written, and files are replaced atomically.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import urllib.request
from pathlib import Path
from typing import Any

import yaml
from _common import SPECS, VENDORS, ToolError, load_document, validate, write_atomic

# A fence of three or more backticks or tildes, optionally followed by an info string.
_FENCE_OPEN = re.compile(r"^(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n]*)$")


def read_source(source: str) -> str:
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=30) as resp:  # noqa: S310 (scheme checked)
            data: bytes = resp.read()
        return data.decode("utf-8")
    path = Path(source)
    if not path.is_file():
        raise ToolError(f"{source}: no such file")
    return path.read_text(encoding="utf-8")


def extract_openapi_block(page: str, origin: str) -> str:
    """Return the text of the first fenced block that is an OpenAPI document."""
    lines = page.splitlines(keepends=True)
    i = 0
    while i < len(lines):
        m = _FENCE_OPEN.match(lines[i].rstrip("\r\n"))
        if not m:
            i += 1
            continue
        fence, info = m.group("fence"), m.group("info")
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not (
            lines[j].rstrip().startswith(fence[0] * len(fence))
            and lines[j].strip().strip(fence[0]) == ""
        ):
            body.append(lines[j])
            j += 1
        text = "".join(body)
        lang = info.split()[0].lower() if info.split() else ""
        if lang in ("yaml", "yml", "json", "") and re.search(
            r"^\s*[\"']?openapi[\"']?\s*:", text, re.M
        ):
            return text
        i = j + 1
    raise ToolError(f"{origin}: no fenced OpenAPI block found on the page")


def _unchanged(path: Path, text: str) -> bool:
    return path.is_file() and path.read_text(encoding="utf-8") == text


def _recorded_url(out_dir: Path) -> str | None:
    source = out_dir / "source.yaml"
    if not source.is_file():
        return None
    data = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    url = data.get("source_url")
    return url if isinstance(url, str) else None


def vendor(vendor_name: str, source: str, source_url: str | None, specs_dir: Path = SPECS) -> Path:
    raw = read_source(source)
    stripped = raw.lstrip()
    is_raw_document = stripped.startswith("{") or re.match(r"[\"']?openapi[\"']?\s*:", stripped)
    text = raw if is_raw_document else extract_openapi_block(raw, source)
    text = text.rstrip("\n") + "\n"
    doc = load_document(text, source)
    validate(doc, source)

    out_dir = specs_dir / vendor_name
    spec_path = out_dir / "openapi.yaml"
    page_path = out_dir / ("docs-page.md" if not is_raw_document else "source-document.txt")
    recorded = _recorded(out_dir)
    url = source_url or (source if source.startswith(("http://", "https://")) else None)
    url = url or recorded.get("source_url") or source
    # The date says when the *content* was last taken: an unchanged document keeps it.
    same = spec_path.is_file() and spec_path.read_text(encoding="utf-8") == text
    retrieved = recorded.get("retrieved") if same else None
    retrieved = retrieved or dt.datetime.now(dt.UTC).date().isoformat()
    if not same:
        write_atomic(spec_path, text)
    # Keep the page itself, so tests can prove the spec is its block verbatim, offline.
    if not (page_path.is_file() and page_path.read_text(encoding="utf-8") == raw):
        write_atomic(page_path, raw)
    record = (
        "# Where specs/{v}/openapi.yaml was taken from (written by tools/vendor_spec.py).\n"
        "source_url: {url}\n"
        "retrieved: '{day}'\n"
        "openapi_version: '{ver}'\n".format(
            v=vendor_name, url=url, day=retrieved, ver=doc["openapi"]
        )
    )
    if (out_dir / "source.yaml").is_file() is False or _read(out_dir / "source.yaml") != record:
        write_atomic(out_dir / "source.yaml", record)
    return spec_path


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _recorded(out_dir: Path) -> dict[str, str]:
    path = out_dir / "source.yaml"
    data = yaml.safe_load(_read(path)) if path.is_file() else None
    return {k: str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _summary(vendor_name: str, before: dict[str, Any] | None) -> str:
    """What the new document changes in the effective one: the spec-diff report."""
    from generate import effective_document
    from spec_diff import diff_documents, format_report

    redundant: list[str] = []
    after = effective_document(vendor_name, redundant=redundant)
    groups = diff_documents(before, after)
    text = format_report({vendor_name: groups}, "the previous document")
    if before != after and not any(groups.values()):
        text += (
            "(the document changed cosmetically only: formatting, info.version, x- extensions or "
            "$ref spelling; the generated clients stay the same)\n"
        )
    return text + "".join(f"overlay: {note}\n" for note in redundant)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("vendor", nargs="?", choices=VENDORS)
    parser.add_argument(
        "source",
        nargs="?",
        help="docs page or OpenAPI document, path or URL (default: specs/VENDOR/docs-page.md)",
    )
    parser.add_argument("--all", action="store_true", help="every vendor, from its docs page")
    parser.add_argument("--source-url", help="the public URL to record (default: SOURCE)")
    parser.add_argument("--specs-dir", type=Path, default=SPECS, help="default: specs/")
    parser.add_argument("--no-diff", action="store_true", help="do not print the spec diff")
    args = parser.parse_args(argv)
    if bool(args.all) == bool(args.vendor):
        parser.error("give one VENDOR or --all")
    vendors = VENDORS if args.all else (args.vendor,)
    in_repo = args.specs_dir.resolve() == SPECS.resolve() and not args.no_diff
    status = 0
    for name in vendors:
        source = args.source or str(args.specs_dir / name / "docs-page.md")
        try:
            before = _effective_or_none(name) if in_repo else None
            old_vendor = _vendor_or_none(name) if in_repo else None  # i20: hidden changes
            path = vendor(name, source, args.source_url, args.specs_dir)
            print(f"vendor_spec: {name}: {path} (from {source})")
        except ToolError as exc:
            print(f"vendor_spec: error: {exc}", file=sys.stderr)
            status = 1
            continue
        try:
            if in_repo:
                sys.stdout.write(_summary(name, before))
                from spec_diff import format_hidden  # i20: vendor changes the overlay hides

                sys.stdout.write(format_hidden(name, old_vendor))
        except ToolError as exc:
            print(
                f"vendor_spec: {name}: vendored, but the effective document cannot be built: {exc}\n"
                f"Fix specs/{name}/overlay.yaml (CONTRIBUTING.md, step 3), then `make generate`.",
                file=sys.stderr,
            )
            status = 1
    return status


def _vendor_or_none(name: str) -> dict[str, Any] | None:
    """The verbatim document vendored now (to report what the overlay hides of the new one)."""
    path = SPECS / name / "openapi.yaml"
    try:
        return load_document(path.read_text(encoding="utf-8"), str(path))
    except (ToolError, OSError):
        return None


def _effective_or_none(name: str) -> dict[str, Any] | None:
    from generate import effective_document

    try:
        return effective_document(name)
    except (ToolError, OSError):
        return None


if __name__ == "__main__":
    sys.exit(main())
