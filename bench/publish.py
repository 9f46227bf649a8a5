"""`make bench`: run the whole benchmark and publish its output, so nobody pastes anything.

Runs the commands of a `make bench` (the editable install with the bench extra, byte-compiling
as a wheel install would, then bench/bench.py), echoing each like make and streaming its output,
and writes bench/LAST_RUN.md: the date (UTC) and `uptime` at the start and at the end, then the
whole output, verbatim. docs/performance.md includes that file when the site is built
(tools/docs_hooks.py), table and chart alike, and the README's Performance section gets the
table with its dates, between its two markers (readme_block). bench/bench.py also writes
bench/results.json. A failed command leaves the previous LAST_RUN.md and README as they were."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable
LAST_RUN = HERE / "LAST_RUN.md"
README = ROOT / "README.md"
BEGIN = "<!-- bench-table: written by make bench (bench/publish.py) from bench/LAST_RUN.md -->"
END = "<!-- /bench-table -->"
COMMANDS = [
    [PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", ".[dev,bench]"],
    [PY, "-m", "compileall", "-q", "wrapper", "generated"],
    [PY, "bench/bench.py"],
]


def now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def load() -> str:
    """`uptime`'s line (load averages over 1, 5 and 15 minutes); os.getloadavg without it."""
    try:
        out = subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout
        return out.strip()
    except (OSError, subprocess.CalledProcessError):
        return "load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def shown(cmd: list[str]) -> str:
    return " ".join(os.path.relpath(c, ROOT) if c == PY else c for c in cmd)


def readme_block(last_run: str) -> str:
    """The README's copy of a LAST_RUN.md: its start and end lines, and its table pasted whole
    (from the title line to the PASS/MISS count; the profiles after it stay in LAST_RUN.md)."""
    lines = last_run.splitlines()
    dates = [line for line in lines if line.startswith(("- started ", "- ended "))]
    first = next(i for i, line in enumerate(lines) if line.startswith("speechspec benchmark ("))
    last = next(i for i in range(first, len(lines)) if " PASS, " in lines[i])
    return "\n".join(
        [
            BEGIN,
            "The table of the last full run, whole; its full output, profiles included, is",
            "[bench/LAST_RUN.md](bench/LAST_RUN.md).",
            "",
            *dates,
            "",
            "```text",
            *lines[first : last + 1],
            "```",
            END,
        ]
    )


def with_block(readme: str, block: str) -> str:
    """``readme`` with the text between its markers (markers included) replaced by ``block``."""
    start, end = readme.find(BEGIN), readme.find(END)
    if start < 0 or end < start:
        raise ValueError(f"README.md has no {BEGIN!r} ... {END!r} section")
    return readme[:start] + block + readme[end + len(END) :]


def main() -> int:
    started, load_before = now(), load()
    output: list[str] = []
    for cmd in COMMANDS:
        line = shown(cmd) + "\n"
        sys.stdout.write(line)
        output.append(line)
        proc = subprocess.Popen(
            cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert proc.stdout is not None
        for text in proc.stdout:
            sys.stdout.write(text)
            sys.stdout.flush()
            output.append(text)
        if proc.wait() != 0:
            print(f"bench/publish.py: {shown(cmd)} failed; {LAST_RUN.name} left as it was")
            return proc.returncode
    ended, load_after = now(), load()
    page = (
        "# Last full `make bench` run\n\n"
        "Written by `make bench` (bench/publish.py): the whole output of one run, verbatim.\n\n"
        f"- started {started}; `uptime`: {load_before}\n"
        f"- ended {ended}; `uptime`: {load_after}\n\n"
        "```text\n" + "".join(output).rstrip("\n") + "\n```\n"
    )
    readme = with_block(README.read_text(encoding="utf-8"), readme_block(page))
    LAST_RUN.write_text(page, encoding="utf-8")
    README.write_text(readme, encoding="utf-8")
    print(f"bench/publish.py: wrote {LAST_RUN.relative_to(ROOT)} and its table in README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
