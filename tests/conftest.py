"""Shared test configuration."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The spec tools are scripts, not a package: make them importable for their tests.
sys.path.insert(0, str(ROOT / "tools"))


import hashlib  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import anyio  # noqa: E402
import pytest  # noqa: E402

# HYPOTHESIS_PROFILE=deep (CONTRIBUTING.md, "Test depth"): 1000 examples for a property test
# without a count of its own, 300 per operation for the client conformance tests
# (tests/conformance.py DEEP). Unset: what `make test` runs, and hypothesis is not imported
# here (the suite's nested pytest runs would pay for it).
if os.environ.get("HYPOTHESIS_PROFILE"):
    from hypothesis import settings

    settings.register_profile("deep", max_examples=1000)
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])

# A shell without job control starts background commands with SIGINT ignored, and an ignored
# signal stays ignored across exec: the CLI subprocesses that the Ctrl-C tests interrupt would
# never see it. A handler (unlike SIG_IGN) resets to the default at exec, so the children get
# Python's KeyboardInterrupt as a terminal's Ctrl-C gives it.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

CONTRACT_DIR = Path(__file__).resolve().parent / "contract"
# A user's own project, run by `make dist-check` in venvs that installed the built wheel.
USERPROJECT_DIR = Path(__file__).resolve().parent / "userproject"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--contract",
        action="store_true",
        help="collect tests/contract: the live, billed contract run (`make contract` passes it)",
    )


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """tests/contract sends billed requests to whatever SPEECHSPEC_CONTRACT_BASE_URL names:
    only `make contract` (the --contract flag) collects it, never `make test`, whatever the
    environment holds."""
    if collection_path == CONTRACT_DIR and not config.getoption("--contract"):
        return True
    if collection_path == USERPROJECT_DIR:
        return True
    return None


# The spec tools' run cache (tools/_common.py run_cache): the ~40 tool processes the suite starts
# (and its own in-process calls) validate the same few documents and diff the same pairs with
# optic; a document or pair is validated or diffed once, then answered from this directory. It
# outlives the run (in .pytest_cache; `make clean` or --cache-clear empties it): every entry is
# named by the hash of its input (the document; the two documents), and the directory by the hash
# of everything else an answer depends on (the code that validates and diffs, optic's lockfile,
# the validator's installed versions, the Node binary), so an entry found is the answer a fresh
# run would compute; a change to any of those starts a fresh directory and removes the others. The
# warm run skips ~30 s of CPU (validations of the history replay's documents, Node for each optic
# diff). Made before the xdist workers start (they and every subprocess inherit the variable). A
# nested pytest run (tests/test_playbook.py) uses its parent's. Without pytest's cache (`-p
# no:cacheprovider`): a fresh directory, removed at the end.
_RUN_CACHE_OWNER: list[str] = []
_RUN_CACHE_SOURCES = (
    "tools/_common.py", "tools/_optic.py", "tools/optic_diff.js", "tools/package-lock.json",
)  # fmt: skip
_RUN_CACHE_DISTRIBUTIONS = (
    "openapi-spec-validator", "openapi-schema-validator", "jsonschema", "jsonschema-path",
    "jsonschema-specifications", "referencing", "pyyaml",
)  # fmt: skip


def _run_cache_key() -> str:
    from importlib import metadata

    digest = hashlib.sha256(sys.version.encode())
    for name in _RUN_CACHE_SOURCES:
        digest.update(b"\0" + (ROOT / name).read_bytes())
    for name in _RUN_CACHE_DISTRIBUTIONS:
        digest.update(f"\0{name}=={metadata.version(name)}".encode())
    # The Node that runs optic: its binary's identity (path, size, mtime), not a `node
    # --version` process per run.
    node = shutil.which("node")
    if node is not None:
        stat = os.stat(node)
        digest.update(f"\0{os.path.realpath(node)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("SPEECHSPEC_TOOLS_RUN_CACHE"):
        return
    if config.cache is None:
        folder = tempfile.mkdtemp(prefix="speechspec-tools-run-")
        _RUN_CACHE_OWNER.append(folder)
    else:
        _RUN_CACHE_OWNER.append("")  # kept, not removed
        parent = config.cache.mkdir("tools-run-cache")
        key = _run_cache_key()
        for old in parent.iterdir():
            if old.name != key:
                shutil.rmtree(old, ignore_errors=True)
        (parent / key).mkdir(exist_ok=True)
        folder = str(parent / key)
    os.environ["SPEECHSPEC_TOOLS_RUN_CACHE"] = folder


def pytest_unconfigure(config: pytest.Config) -> None:
    while _RUN_CACHE_OWNER:
        if folder := _RUN_CACHE_OWNER.pop():
            shutil.rmtree(folder, ignore_errors=True)
        os.environ.pop("SPEECHSPEC_TOOLS_RUN_CACHE", None)


# The test files that take the longest (pipelines of subprocesses, the history replay, property
# tests, waits on timeouts), longest first as measured (`--durations=0`, summed per file):
# `make test` (pytest-xdist, --dist loadfile) hands them out before the others, so no worker
# ends alone on a long file. Only the order changes; a file missing here just runs in its turn.
SLOW_FIRST = tuple(
    f"tests/test_{name}.py::"
    for name in (
        "spec_history", "surface_regeneration", "conformance_clients", "release_flow",
        "playbook", "cli", "batch_journal", "readme_types", "memory", "batch",
        "conformance_server", "fault_matrix", "specs", "cli_next_step", "properties",
        "hostile_proxy", "hostile_decoding", "contract_command", "spec_tools", "scaling_recipes",
    )
)  # fmt: skip


def _slow_rank(item: pytest.Item) -> int:
    return next(
        (i for i, prefix in enumerate(SLOW_FIRST) if item.nodeid.startswith(prefix)),
        len(SLOW_FIRST),
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Named explicitly (`pytest tests/contract`), the directory is collected all the same:
    deselect its tests, and say how to run them. Under xdist, the slow tests go first."""
    if os.environ.get("PYTEST_XDIST_WORKER"):  # every worker sorts alike: same collection
        items.sort(key=_slow_rank)  # stable: the rest keep their order
    if config.getoption("--contract"):
        return
    contract = [item for item in items if CONTRACT_DIR in item.path.parents]
    if contract:
        config.hook.pytest_deselected(items=contract)
        items[:] = [item for item in items if CONTRACT_DIR not in item.path.parents]
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(
                "tests/contract is the live, billed contract run: `make contract` runs it"
            )


@pytest.fixture(scope="module")
def mypy_cache(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A mypy cache directory for this test module that outlives the run (in .pytest_cache;
    `make clean` or --cache-clear empties it): a mypy run re-checks only the files whose size
    and hash differ from what the cache holds (each file's meta also records mypy's version
    and options), and answers the rest (the standard library, httpx, speechspec: ~90% of a
    cold run's ~5 s of CPU) from it. The same results as --no-incremental, which is what
    mypy's incremental mode guarantees and what `make typecheck` relies on. One directory per
    module: under xdist --dist loadfile no two processes write one. Without pytest's cache
    (`-p no:cacheprovider`), a temporary one for the module."""
    cache = request.config.cache
    name = f"mypy-{request.path.stem}"
    return cache.mkdir(name) if cache is not None else tmp_path_factory.mktemp(name)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record (instead of sleeping) every backoff and poll delay, sync and async."""
    recorded: list[float] = []

    def fake_sleep(seconds: float) -> None:
        recorded.append(seconds)

    async def fake_async_sleep(seconds: float) -> None:
        recorded.append(seconds)

    monkeypatch.setattr(time, "sleep", fake_sleep)
    monkeypatch.setattr(anyio, "sleep", fake_async_sleep)
    return recorded


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the fault matrix (tests/test_fault_matrix.py) when it ran, and only with -v or
    when something failed: a passing default run stays short."""
    module = sys.modules.get("test_fault_matrix")
    rows = getattr(module, "MATRIX", None)
    if not rows:
        return
    failed = terminalreporter.stats.get("failed") or terminalreporter.stats.get("error")
    if terminalreporter.config.get_verbosity() < 1 and not failed:
        return
    header = ("fault", "call", "mode", "outcome", "server saw")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    terminalreporter.section("fault matrix")
    for row in [header, tuple("-" * w for w in widths), *sorted(rows)]:
        terminalreporter.write_line(
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
        )


@pytest.fixture(autouse=True)
def _seeded_random() -> None:
    """Some of schemathesis' mutations draw from the global random module: seed it per test,
    so generated data does not depend on which tests ran before (backoff jitter draws too)."""
    import random

    random.seed(20261122)
