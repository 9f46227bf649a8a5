"""`make bench`, the batch scenarios (issue 16 points 3 and 4); also runs on its own:

    .venv/bin/python bench/batch_bench.py

- throughput: `speechspec batch` (the real CLI, journal and all) over 1,000 lines at
  concurrency 16 against the emulator, vs bench/batch_baseline.py (asyncio + httpx) doing the
  same requests; Livepeer (POST + download) and Hamsa (POST + poll + download). Variants
  alternate, median of ROUNDS runs, each a fresh process (start-up included on both sides);
  the verdict is the median of the rounds' own ratios (speechspec vs the script, same round).
  Also informational, no target: the same script with `--durable` (speechspec's journal and
  file fsyncs, nothing else), and speechspec's ratio against it.
- corpus scale, 200,000 lines: the peak RSS growth of a first run (over a small input's), and
  a resume over 200,000 finished outputs (with the journal a finished run leaves), timed whole,
  with the API pointed at a closed port: any request would fail the run.

Peak RSS comes from os.wait4 (the child's ru_maxrss), no psutil. The emulator runs in its own
process and serves one fixed WAV (its tone synthesis would otherwise dominate both variants).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PY = sys.executable
CLI = [PY, "-m", "speechspec"]
LINES, CONCURRENCY, ROUNDS = 1000, 16, 5
CORPUS, SHARE = 200_000, 100
DURABLE = "asyncio + httpx + same durability"
_EMULATOR = """
import sys
from speechspec.emulator import EmulatorServer
try:  # the emulator's pure-Python tone costs 30-200 ms a file: keep it out of both variants
    from speechspec.emulator import _audio
    WAV = _audio.tone_wav("A one second tone.")
    _audio.synthesize = lambda *args, **kwargs: WAV
except (ImportError, AttributeError):
    pass
server = EmulatorServer(job_delay=0.0, use_espeak=False).start()
print(f"HAMSA_BASE_URL={server.hamsa_base_url}")
print(f"LIVEPEER_BASE_URL={server.livepeer_base_url}")
print(f"HAMSA_API_KEY={server.hamsa_key}")
print(f"LIVEPEER_API_TOKEN={server.livepeer_token}", flush=True)
sys.stdin.read()
"""

Row = Callable[..., None]
Run = tuple[float, float, float]  # wall, user CPU, system CPU seconds


@contextmanager
def emulator() -> Iterator[dict[str, str]]:
    """The emulator in its own process, so it does not share a core's GIL with the client."""
    proc = subprocess.Popen(
        [PY, "-c", _EMULATOR], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdin is not None
    env = dict(os.environ)
    for _ in range(4):
        name, _, value = proc.stdout.readline().strip().partition("=")
        env[name] = value
    try:
        yield env
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)


def write_corpus(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for n in range(1, count + 1):
            fh.write(f"Line {n} of the corpus, a sentence of ordinary length to synthesize.\n")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def run_timed(cmd: list[str], env: dict[str, str], out: Path) -> tuple[float, float, float]:
    """(wall seconds, user CPU seconds, system CPU seconds) of one run of ``cmd``: its own
    rusage, so the variants' CPU compares side by side whatever the machine's other load."""
    shutil.rmtree(out, ignore_errors=True)
    with tempfile.TemporaryFile("w+") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            log.seek(0)
            raise RuntimeError(f"{cmd[:4]} failed: {log.read()}")
    assert len(list(out.glob("*.wav"))) == LINES, "not every line was synthesized"
    return elapsed, usage.ru_utime, usage.ru_stime


def throughput(row: Row, tmp: Path) -> None:
    lines = tmp / "lines.txt"
    write_corpus(lines, LINES)
    with emulator() as env:
        for vendor in ("livepeer", "hamsa"):
            extra = ["--voice-id", "Amjad"] if vendor == "hamsa" else []
            out = tmp / f"out-{vendor}"
            script = [PY, str(HERE / "batch_baseline.py"), vendor, str(lines), str(out)]
            variants = {
                "asyncio + httpx script": [*script, str(CONCURRENCY)],
                # Informational: the same script with speechspec's durability (journal and
                # file fsyncs) and nothing else; the target stays against the plain script.
                DURABLE: [*script, str(CONCURRENCY), "--durable"],
                "speechspec batch": [
                    *CLI,
                    "batch",
                    vendor,
                    str(lines),
                    "--out-dir",
                    str(out),
                    "--concurrency",
                    str(CONCURRENCY),
                    *extra,
                ],
            }
            samples: dict[str, list[Run]] = {name: [] for name in variants}
            for r in range(ROUNDS):
                names = list(variants) if r % 2 == 0 else list(reversed(variants))
                for name in names:
                    samples[name].append(run_timed(variants[name], env, out))
            work = "POST + download" if vendor == "livepeer" else "POST + poll + download"
            scenario = f"batch {LINES} lines, {vendor} ({work}), c={CONCURRENCY}"

            def median(name: str, i: int, samples: dict[str, list[Run]] = samples) -> float:
                return statistics.median(s[i] for s in samples[name])

            base = LINES / median("asyncio + httpx script", 0)
            ours = LINES / median("speechspec batch", 0)
            # The verdict's ratio is the median of each round's own ratio (its two runs follow
            # each other), not the ratio of two medians: another job's load comes and goes
            # over minutes, and pairing cancels what it does to both runs of a round.
            paired = statistics.median(
                b[0] / o[0]
                for b, o in zip(
                    samples["asyncio + httpx script"], samples["speechspec batch"], strict=True
                )
            )
            row(scenario, "asyncio + httpx script", base, "lines/s", base)
            row(
                scenario,
                "speechspec batch (ratio: median of paired rounds)",
                ours,
                "lines/s",
                ours / paired,
                f">= 0.95x {verdict(paired >= 0.95)}",
            )
            durable = LINES / median(DURABLE, 0)
            row(scenario, DURABLE, durable, "lines/s", base)
            row(
                scenario,
                "speechspec batch vs same durability",
                ours,
                "lines/s",
                durable,
                "informational",
            )
            for i, kind in ((1, "user"), (2, "system")):
                cpu_base = median("asyncio + httpx script", i)
                for name in variants:
                    row(scenario, f"{name}: {kind} CPU", median(name, i), "s", cpu_base)


def peak_rss(cmd: list[str], env: dict[str, str], log: Path) -> tuple[float, float, str, float]:
    """(seconds, peak RSS in MiB, stdout, CPU seconds) of one run of ``cmd`` in a child
    process; the CPU is its user + system time."""
    with log.open("w+") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[:4]} failed: {text}")
    cpu = usage.ru_utime + usage.ru_stime
    return elapsed, usage.ru_maxrss / 1024, text, cpu  # ru_maxrss is in KiB on Linux


def finished_outputs(lines: Path, out: Path, count: int, *, killed: bool) -> None:
    """What a finished run leaves: every output file, and its journal: compacted to nothing
    when the run ended, or (``killed``) all its I, C and D records when it was killed at the
    very end, before compacting (the worst case a resume reads)."""
    journal_dir = out / ".speechspec-batch"
    journal_dir.mkdir(parents=True)
    with lines.open(encoding="utf-8") as src, (journal_dir / "1-of-1.journal").open("w") as j:
        for number, text in enumerate(src, start=1):
            key = f"{number:05d}-{hashlib.sha256(text.strip().encode()).hexdigest()[:12]}"
            (out / f"{key}.wav").touch()
            if killed:
                j.write(f"I\t{key}\nC\t{key}\tjob-{number}\nD\t{key}\n")
            if number == count:
                break


def corpus(row: Row, tmp: Path) -> None:
    big, small = tmp / "corpus.txt", tmp / "small.txt"
    write_corpus(big, CORPUS)
    write_corpus(small, SHARE)
    log = tmp / "run.log"
    first = f"corpus {CORPUS:,} lines, first run (share 1/{SHARE} sent)"
    with emulator() as env:

        def run(lines: Path, out: Path) -> tuple[float, float, str, float]:
            shard = ["--shard", f"1/{SHARE}", "--concurrency", "16"]
            return peak_rss(
                [*CLI, "batch", "livepeer", str(lines), "--out-dir", str(out), *shard], env, log
            )

        _, base_rss, _, _ = run(small, tmp / "o-small")
        _, big_rss, text, _ = run(big, tmp / "o-big")
        assert f"done {CORPUS // SHARE}," in text, text
    growth = big_rss - base_rss
    row(
        first,
        f"peak RSS growth over a {SHARE}-line input",
        growth,
        "MiB",
        None,
        f"<= 64 MiB {verdict(growth <= 64)}",
    )

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"  # nothing listens: no network
    env = {**os.environ, "LIVEPEER_BASE_URL": closed, "LIVEPEER_API_TOKEN": "unused"}
    for killed in (False, True):
        journal = (
            "600,000-record journal of a killed run" if killed else "journal of a finished run"
        )
        resume = f"corpus {CORPUS:,} lines, resume over {CORPUS:,} finished, {journal}"
        results = {}
        for name, lines, count in (("small", small, SHARE), ("big", big, CORPUS)):
            out = tmp / f"done-{name}"
            finished_outputs(lines, out, count, killed=killed)
            cmd = [*CLI, "batch", "livepeer", str(lines), "--out-dir", str(out)]
            results[name] = peak_rss(cmd, env, log)
            assert f"done 0, skipped {count}, failed 0" in results[name][2], results[name][2]
            shutil.rmtree(out)
        # The target holds the run's own CPU time (user + system: start-up, hashing, a stat
        # per line, the journal's replay): on a shared machine the wall time mostly measures
        # how long the neighbours kept the cores, and is shown beside it.
        cpu = results["big"][3]
        row(resume, "whole run (start-up, read, decide, exit): wall", results["big"][0], "s", None)
        row(
            resume,
            "whole run (start-up, read, decide, exit): CPU",
            cpu,
            "s",
            None,
            f"<= 3 s {verdict(cpu <= 3)}",
        )
        growth = results["big"][1] - results["small"][1]
        row(
            resume,
            f"peak RSS growth over a {SHARE}-line resume",
            growth,
            "MiB",
            None,
            f"<= 64 MiB {verdict(growth <= 64)}",
        )


def run(row: Row) -> None:
    """Every batch scenario, reported through ``row(scenario, variant, value, unit, baseline,
    target)`` (bench/bench.py's)."""
    with tempfile.TemporaryDirectory(prefix="speechspec-batch-bench-") as tmp:
        throughput(row, Path(tmp))
        corpus(row, Path(tmp))


def main() -> int:
    rows: list[tuple[Any, ...]] = []

    def row(
        scenario: str,
        variant: str,
        value: float,
        unit: str,
        baseline: float | None,
        target: str = "",
    ) -> None:
        ratio = f"{value / baseline:.2f}x" if baseline else ""
        rows.append((scenario, variant, f"{value:.2f}", unit, ratio, target))

    run(row)
    widths = [max(len(str(r[i])) for r in rows) for i in range(6)]
    for r in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
