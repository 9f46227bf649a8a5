"""Run the socket-level tests many times and fail on any difference between runs.

    python tools/flake_check.py [--runs 20] [--jobs 1] [TEST_PATH ...]

Each run is a separate pytest process writing a JUnit report; the outcome of every test
(passed, failed, error, skipped) is compared across runs. Any failure, or any test whose
outcome is not the same in every run, fails the check and is listed with the runs it
differed in. `make flake-check` runs it on the tests that use real sockets and timing.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

DEFAULT_TESTS = [
    "tests/test_fault_matrix.py",
    "tests/test_reliability.py",
    "tests/test_download.py",
    "tests/test_emulator.py",
    "tests/test_cli.py",
    "tests/test_hostile.py",
    "tests/test_properties.py",
    "tests/test_batch_hostile.py",
    "tests/test_hostile_closed.py",
    "tests/test_hostile_proxy.py",
    "tests/test_hostile_decoding.py",
    "tests/test_hostile_privacy.py",
]


def _outcomes(report: Path) -> dict[str, str]:
    tree = ET.parse(report)  # noqa: S314 - written by the pytest we just ran
    result: dict[str, str] = {}
    for case in tree.iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome = child.tag
        result[name] = outcome
    return result


def _run(index: int, tests: list[str], workdir: Path) -> tuple[int, dict[str, str], int]:
    report = workdir / f"run-{index}.xml"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--junitxml={report}",
            *tests,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    outcomes = _outcomes(report) if report.exists() else {}
    status = "ok" if proc.returncode == 0 else f"exit {proc.returncode}"
    print(f"run {index + 1}: {len(outcomes)} tests, {status}", flush=True)
    if proc.returncode not in (0, 1):
        print(proc.stdout[-2000:], proc.stderr[-2000:], sep="\n")
    return index, outcomes, proc.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=1, help="runs in parallel (default 1)")
    parser.add_argument("tests", nargs="*", default=None)
    args = parser.parse_args(argv)
    tests = args.tests or [t for t in DEFAULT_TESTS if Path(t).exists()]
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(max(1, args.jobs)) as pool:
        runs = list(pool.map(lambda i: _run(i, tests, Path(tmp)), range(args.runs)))
    by_test: dict[str, dict[int, str]] = defaultdict(dict)
    for index, outcomes, _ in runs:
        for name, outcome in outcomes.items():
            by_test[name][index] = outcome
    bad = False
    for name, seen in sorted(by_test.items()):
        values = [seen.get(i, "missing") for i in range(args.runs)]
        if len(set(values)) > 1 or values[0] not in ("passed", "skipped"):
            bad = True
            differing = {v: [i + 1 for i, x in enumerate(values) if x == v] for v in set(values)}
            print(f"FLAKY or FAILING {name}: {differing}")
    if any(code != 0 for _, _, code in runs):
        bad = True
    print(
        f"flake-check: {len(by_test)} tests x {args.runs} runs: "
        + ("DIFFERENCES FOUND" if bad else "identical, all passed")
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
