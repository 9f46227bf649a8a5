"""Changelog sections, version bumps, and the CI check that a breaking spec change was bumped.

    python tools/release.py notes [--base REF]   # CHANGELOG.md section + pyproject.toml bump
    python tools/release.py check                # fail: breaking change since release, no bump

The *last release* is the newest ``v*`` tag. Until the first tag exists it is the commit that
added the CHANGELOG.md section of the version in HEAD's pyproject.toml (else the commit that
set that version): a bump committed with its CHANGELOG.md section is what a release is here. Semver:
a breaking change bumps major (minor while 0.x), an additive change minor, anything else
(a changed constraint, docs, the generator or its templates) patch. ``check`` also fails while
a vendor change since the release is hidden by an overlay action and not acknowledged
(tools/_shadow.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys

from _common import ROOT, ToolError, write_atomic
from _git_ref import git, last_release_tag
from spec_diff import GROUPS, Report, format_report, severity, spec_diff, unacknowledged

PYPROJECT = ROOT / "pyproject.toml"
VERSION_PY = ROOT / "wrapper" / "speechspec" / "_version.py"
CHANGELOG = ROOT / "CHANGELOG.md"
_VERSION = re.compile(r'^version = "(?P<v>\d+)\.(\d+)\.(\d+)"$', re.M)
_HEADER = (
    "# Changelog\n\nAll notable changes to speechspec. The format follows "
    "[Keep a Changelog](https://keepachangelog.com/en/1.1.0/); versions follow "
    "[Semantic Versioning](https://semver.org/) (while 0.x, a breaking change bumps the minor "
    "version). Spec sections are written by `make release-notes` (tools/release.py).\n"
)


def parse_version(text: str) -> tuple[int, int, int]:
    m = _VERSION.search(text)
    if not m:
        raise ToolError('pyproject.toml: no `version = "X.Y.Z"` line')
    return int(m.group(1)), int(m.group(2)), int(m.group(3))


def release_base() -> tuple[str, tuple[int, int, int]]:
    """(git ref of the last release, the version it released)."""
    tag = last_release_tag()
    if tag:
        return tag, parse_version(git("show", f"{tag}:pyproject.toml").stdout)
    # No tag yet: the release of HEAD's version is the commit that wrote its CHANGELOG.md
    # section (else, the commit that set the version line).
    version = _fmt(parse_version(git("show", "HEAD:pyproject.toml").stdout))
    commit = git("log", "-n1", "--format=%H", "-S", f"## [{version}]", "--", "CHANGELOG.md")
    if not commit.stdout.strip():
        commit = git("log", "-n1", "--format=%H", "-G", r"^version = ", "--", "pyproject.toml")
    ref = commit.stdout.strip()
    if commit.returncode != 0 or not ref:
        raise ToolError("no release found: no v* tag and no commit setting the version")
    return ref, parse_version(git("show", f"{ref}:pyproject.toml").stdout)


def release_name(ref: str, version: tuple[int, int, int]) -> str:
    """How messages name a release: its tag, or its version and a short commit (never a bare
    40-character SHA, which tells a reader nothing)."""
    if not re.fullmatch(r"[0-9a-f]{40}", ref):
        return f"{_fmt(version)}, tag {ref}"
    return f"{_fmt(version)}, commit {ref[:12]}"


def bumped(version: tuple[int, int, int], level: str) -> tuple[int, int, int]:
    major, minor, patch = version
    if level == "breaking":
        return (major + 1, 0, 0) if major else (0, minor + 1, 0)
    if level == "added":
        return major, minor + 1, 0
    return major, minor, patch + 1


def _fmt(version: tuple[int, int, int]) -> str:
    return ".".join(map(str, version))


def changelog_section(report: Report, version: str, date: str) -> str:
    """A Keep a Changelog section: Added / Changed (breaking first, marked) / Removed."""
    added: list[str] = []
    changed: list[str] = []
    removed: list[str] = []
    for vendor, groups in report.items():
        for group in GROUPS:
            for item in groups[group]:
                where = ".".join(p for p in (item["schema"], item["field"]) if p)
                subject = " ".join(
                    p for p in (item["operation"], f"`{where}`" if where else "") if p
                )
                line = f"- {vendor}: {subject + ': ' if subject else ''}{item['message']}"
                if group == "breaking":
                    gone = "removed" in item["message"] or "renamed" in item["message"]
                    (removed if gone else changed).append(line.replace("- ", "- **Breaking:** ", 1))
                elif group == "added":
                    added.append(line)
                else:
                    changed.append(line + (" (documentation)" if group == "docs_only" else ""))
    out = [f"## [{version}] - {date}"]
    for title, lines in (("Added", added), ("Changed", changed), ("Removed", removed)):
        if lines:
            out += ["", f"### {title}", "", *sorted(lines, key=lambda s: "Breaking" not in s)]
    return "\n".join(out) + "\n"


def write_release(report: Report, base_ref: str) -> str:
    level = severity(report)
    if level is None:
        return f"release-notes: nothing changed since {base_ref}; no section, no bump"
    text = PYPROJECT.read_text(encoding="utf-8")
    new = _fmt(bumped(parse_version(text), level))
    date = dt.datetime.now(dt.UTC).date().isoformat()
    section = changelog_section(report, new, date)
    old = CHANGELOG.read_text(encoding="utf-8") if CHANGELOG.exists() else _HEADER
    head, sep, rest = old.partition("\n## ")
    write_atomic(CHANGELOG, f"{head.rstrip()}\n\n{section}" + (f"\n## {rest}" if sep else ""))
    write_atomic(PYPROJECT, _VERSION.sub(f'version = "{new}"', text, count=1))
    # The package's own __version__ (User-Agent, --version) follows pyproject.toml.
    if VERSION_PY.exists():
        write_atomic(VERSION_PY, f'__version__ = "{new}"\n')
    return f"release-notes: {level} since {base_ref}: version {new}, CHANGELOG.md section added"


def check() -> int:
    """Fail when the effective specs changed with a breaking change since the last release and
    the version was not bumped past what that requires (additive/patch changes: reported)."""
    base_ref, released = release_base()
    name = release_name(base_ref, released)
    current = parse_version(PYPROJECT.read_text(encoding="utf-8"))
    report = spec_diff(base_ref)
    level = severity(report)
    changelog = CHANGELOG.read_text(encoding="utf-8") if CHANGELOG.exists() else ""
    if f"## [{_fmt(current)}]" not in changelog:
        print(f"check-version: CHANGELOG.md has no section for {_fmt(current)}", file=sys.stderr)
        return 1
    hidden = unacknowledged(report)
    if hidden:
        # Nothing shadowed in silence: a vendor change the overlay hides must be looked at.
        for line in hidden:
            print(f"check-version: {line}", file=sys.stderr)
        print(
            f"check-version: {len(hidden)} vendor change(s) since {base_ref[:12]} hidden by an "
            "overlay action. Edit the action so the change shows (or drop it), or acknowledge it "
            "in specs/<vendor>/acknowledged.yaml: an entry {pointer, now, reason} per change "
            "(tools/_shadow.py; `make spec-diff` lists them).",
            file=sys.stderr,
        )
        return 1
    if level is None:
        print(f"check-version: ok: no spec or generator change since the last release ({name})")
        return 0
    need = bumped(released, level)
    if level == "breaking" and current < need:
        sys.stderr.write(format_report(report, name))
        print(
            f"check-version: breaking change since the last release ({name}) but the version is {_fmt(current)}; it must be at least "
            f"{_fmt(need)}. Run `make release-notes` and commit CHANGELOG.md and pyproject.toml.",
            file=sys.stderr,
        )
        return 1
    hint = "" if current >= need else f" (release-notes will make it {_fmt(need)})"
    label = {"added": "additive", "changed": "patch-level"}.get(level, level)
    print(
        f"check-version: ok: {label} changes since the last release ({name}), "
        f"version {_fmt(current)}{hint}"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    notes = sub.add_parser("notes", help="write the CHANGELOG.md section and bump the version")
    notes.add_argument("--base", help="git ref (default: the last release)")
    sub.add_parser("check", help="CI: a breaking change since the last release needs a bump")
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            return check()
        base_ref = args.base or release_base()[0]
        name = args.base or f"the last release ({release_name(*release_base())})"
        report = spec_diff(base_ref)
        sys.stdout.write(format_report(report, name))
        print(write_release(report, name))
    except ToolError as exc:
        print(f"release: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
