"""mkdocs hooks (mkdocs.yml `hooks:`): what the documentation site computes at build time
instead of copying by hand, so it cannot drift from the code.

- docs/reference/cli.md: `<!-- cli-reference -->` becomes the help of every command and
  subcommand, printed by the real argparse parser (speechspec.cli).
- docs/performance.md: `<!-- bench-last-run -->` becomes bench/LAST_RUN.md, which `make bench`
  writes (bench/publish.py): the last full run's whole output, with its date and load.
- img/bench.png: per-call ratios and job-wait overhead, drawn with matplotlib from the table
  of that same file: the chart always shows the numbers of the table beside it.
"""

from __future__ import annotations

import argparse
import io
import os
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LAST_RUN = ROOT / "bench" / "LAST_RUN.md"
CHART = "img/bench.png"
CLI_MARKER = "<!-- cli-reference -->"
BENCH_MARKER = "<!-- bench-last-run -->"


# --- the CLI reference -------------------------------------------------------------------------


def _commands(
    parser: argparse.ArgumentParser, prefix: str
) -> list[tuple[str, argparse.ArgumentParser]]:
    """Every (command line, parser) under ``parser``, depth first, in registration order.
    argparse has no public listing of subparsers: its actions are the only way to walk them."""
    found = [(prefix, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _commands(sub, f"{prefix} {name}")
    return found


def cli_reference() -> str:
    from speechspec import cli

    os.environ["COLUMNS"] = "100"  # argparse wraps help at the terminal's width: make it fixed
    parts = []
    for command, parser in _commands(cli._parser(), "speechspec"):
        level = "#" * min(2 + command.count(" "), 4)
        parts.append(f"{level} `{command}`\n\n```text\n{parser.format_help().rstrip()}\n```\n")
    return "\n".join(parts)


# --- the benchmark chart -----------------------------------------------------------------------


def _table_rows(markdown: str) -> list[dict[str, Any]]:
    """The rows of the first bench table in ``markdown``, in bench/results.json's shape; the
    dashes line under the header gives each column's span (empty cells included)."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("scenario  "))
    spans = [m.span() for m in re.finditer(r"-+", lines[start + 1])]
    rows = []
    for line in lines[start + 2 :]:
        if not line.strip() or line.startswith("```"):
            break
        last = len(spans) - 1
        cells = [
            line[a:].strip() if i == last else line[a:b].strip() for i, (a, b) in enumerate(spans)
        ]
        scenario, variant, value, unit, ratio, target, verdict = (cells + [""] * 7)[:7]
        rows.append(
            {
                "scenario": scenario,
                "variant": variant,
                "value": float(value),
                "unit": unit,
                "ratio": float(ratio.rstrip("x")) if ratio else None,
                "target": target,
                "verdict": verdict,
            }
        )
    return rows


def bench_rows() -> tuple[list[dict[str, Any]], str]:
    # Not bench/results.json: a local partial run (`bench.py per_call`) rewrites it, and the
    # chart must show the table printed beside it.
    return _table_rows(LAST_RUN.read_text(encoding="utf-8")), "bench/LAST_RUN.md"


def last_run() -> str:
    """bench/LAST_RUN.md without its title (the page has its own heading)."""
    text = LAST_RUN.read_text(encoding="utf-8")
    first, _, rest = text.partition("\n")
    return rest.lstrip("\n") if first.startswith("# ") else text


def chart_png() -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows, source = bench_rows()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))

    vendors = ["Livepeer", "Hamsa"]
    variants = ["generated sync_detailed", "speechspec"]

    def ratio(vendor: str, variant: str) -> float:
        scenario = f"per-call CPU, {vendor} (MockTransport)"
        found = [r["ratio"] for r in rows if r["scenario"] == scenario and r["variant"] == variant]
        return float(found[0]) if found else 0.0

    for i, variant in enumerate(variants):
        ratios = [ratio(v, variant) for v in vendors]
        bars = left.bar([x + i * 0.38 for x in range(len(vendors))], ratios, 0.38, label=variant)
        left.bar_label(bars, fmt="%.2fx")
    left.axhline(1.0, color="black", linewidth=0.8)
    left.axhline(1.1, color="tab:red", linestyle="--", linewidth=0.8, label="target (1.10x)")
    left.set_xticks([x + 0.19 for x in range(len(vendors))], vendors)
    left.set_ylabel("CPU per call / raw httpx")
    left.set_title("Per-call CPU (lower is better)")
    left.legend(fontsize=8)

    pattern = re.compile(r"job wait, (\d+) s job")
    for schedule in ("today's schedule", "new default, first job", "new default, learned"):
        points = sorted(
            (int(m.group(1)), r["value"])
            for r in rows
            if (m := pattern.match(r["scenario"])) and r["variant"] == f"{schedule}: overhead"
        )
        if points:
            right.plot(*zip(*points, strict=True), marker="o", label=schedule)
    right.axhline(10, color="tab:red", linestyle="--", linewidth=0.8, label="target, learned (10%)")
    right.axhline(
        20, color="tab:orange", linestyle=":", linewidth=0.8, label="target, first job (20%)"
    )
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_xlabel("job duration (s)")
    right.set_ylabel("% of the job's duration")
    right.set_title("Job-wait overhead (lower is better)")
    right.legend(fontsize=8)

    fig.suptitle(f"make bench: from {source}", fontsize=9)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=110)
    plt.close(fig)
    return out.getvalue()


# --- mkdocs entry points -----------------------------------------------------------------------


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File

    files.append(File.generated(config, CHART, content=chart_png()))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if CLI_MARKER in markdown:
        markdown = markdown.replace(CLI_MARKER, cli_reference())
    if BENCH_MARKER in markdown:
        markdown = markdown.replace(BENCH_MARKER, last_run())
    return markdown
