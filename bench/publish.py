"""`make bench`: run the whole benchmark and publish its output, so nobody pastes anything.

Runs the commands of a `make bench` (the editable install with the bench extra, byte-compiling
as a wheel install would, then bench/bench.py), echoing each like make and streaming its output,
and writes bench/LAST_RUN.md: the date (UTC) and `uptime` at the start and at the end, then the
whole output, verbatim. docs/performance.md includes that file when the site is built
(tools/docs_hooks.py), table and chart alike. bench/bench.py also writes bench/results.json.
A failed command leaves the previous LAST_RUN.md as it was."""

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
    LAST_RUN.write_text(
        "# Last full `make bench` run\n\n"
        "Written by `make bench` (bench/publish.py): the whole output of one run, verbatim.\n\n"
        f"- started {started}; `uptime`: {load_before}\n"
        f"- ended {ended}; `uptime`: {load_after}\n\n"
        "```text\n" + "".join(output).rstrip("\n") + "\n```\n",
        encoding="utf-8",
    )
    print(f"bench/publish.py: wrote {LAST_RUN.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
