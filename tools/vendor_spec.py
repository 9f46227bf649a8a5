"""Vendor an OpenAPI document verbatim from a vendor docs page (or a raw document).

    python tools/vendor_spec.py VENDOR SOURCE [--source-url URL]

SOURCE is a path or an http(s) URL. When it is a docs page (Markdown with a fenced
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
    write_atomic(spec_path, text)
    # Keep the page itself, so tests can prove the spec is its block verbatim, offline.
    write_atomic(out_dir / ("docs-page.md" if not is_raw_document else "source-document.txt"), raw)
    url = source_url or source
    today = dt.datetime.now(dt.UTC).date().isoformat()
    write_atomic(
        out_dir / "source.yaml",
        "# Where specs/{v}/openapi.yaml was taken from (written by tools/vendor_spec.py).\n"
        "source_url: {url}\n"
        "retrieved: '{today}'\n"
        "openapi_version: '{ver}'\n".format(
            v=vendor_name, url=url, today=today, ver=doc["openapi"]
        ),
    )
    return spec_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("vendor", choices=VENDORS)
    parser.add_argument("source", help="docs page or OpenAPI document: a path or an http(s) URL")
    parser.add_argument("--source-url", help="the public URL to record (default: SOURCE)")
    parser.add_argument("--specs-dir", type=Path, default=SPECS, help="default: specs/")
    args = parser.parse_args(argv)
    try:
        path = vendor(args.vendor, args.source, args.source_url, args.specs_dir)
    except ToolError as exc:
        print(f"vendor_spec: error: {exc}", file=sys.stderr)
        return 1
    print(f"vendor_spec: wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
