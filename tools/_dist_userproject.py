"""dist-check, the user project: tests/userproject plus the Python examples of the README and
docs/, run in a venv against the emulator, under pytest (with the plugin's fixtures, or the
error naming the extra) and under mypy --strict and pyright."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from _dist_base import HINT, ROOT, STEP_TIMEOUT, USERPROJECT, VENVS, CheckFailed, run, say

# pytest outcomes of the user project per venv: test ids that must fail with HINT, or skip;
# every other test must pass.
NEEDS_TESTING = {
    "test_readme_plugin.py::test_rate_limits",
    "test_readme_async.py::test_async_client",
    "test_fixtures.py::test_hamsa_mock_completes_jobs",
    "test_fixtures.py::test_hamsa_mock_queues_errors",
}
NEEDS_EMULATOR = {"test_readme_plugin.py::test_my_pipeline"}
WEBHOOK = {
    "test_webhook.py::test_the_readme_handler_accepts_the_real_webhook",
    "test_webhook.py::test_the_readme_handler_refuses_a_forged_call",
}
EXPECTED: dict[str, tuple[set[str], set[str]]] = {  # venv -> (errors naming HINT, skipped)
    "core": (NEEDS_TESTING | NEEDS_EMULATOR, {"test_webhook.py"}),
    "emulator": (NEEDS_TESTING, set()),
    "testing": (set(), set()),
}
# Files of the user project that use an extra's modules or types (respx's in VendorMock):
# type-checked only where it is installed; pytest runs everything everywhere.
NEEDS_EXTRA = {
    "readme_webhook.py": "emulator",
    "docs_emulator_faults.py": "emulator",
    "docs_contract.py": "contract",
    "test_webhook.py": "emulator",
    "test_fixtures.py": "testing",
    "test_readme_plugin.py": "testing",
    "test_readme_async.py": "testing",
}
# The documentation's programs run against the emulator, with the WAV files each must write.
RUN_EXAMPLES: dict[str, tuple[str, ...]] = {
    "readme_index.py": ("hello.wav",),
    "readme_quickstart.py": ("hamsa.wav", "hello.wav"),
    "readme_quickstart_async.py": ("hamsa-async.wav", "livepeer-async.wav"),
    "readme_library.py": ("out.wav", "hello.wav"),
    "readme_jobs.py": ("job.wav",),
    "readme_async.py": ("async-hamsa.wav", "async-livepeer.wav"),
}


BLOCK = re.compile(r"<!-- userproject: (\S+)[^>]*-->\n```python\n(.*?)```\n", re.S)


def doc_files(root: Path | None = None) -> list[Path]:
    """The README, then every page of docs/ in path order: where the Python examples are."""
    root = root or ROOT
    return [root / "README.md", *sorted((root / "docs").rglob("*.md"))]


def readme_examples() -> dict[str, str]:
    """The ```python blocks of the README and docs/, by the file their
    `<!-- userproject: NAME -->` names; blocks naming the same file are joined in order (a
    later block goes on with the names an earlier one defined). Every block must have one: an
    example nobody runs rots."""
    blocks: dict[str, str] = {}
    for doc in doc_files():
        if not doc.exists():
            continue
        text = doc.read_text()
        found = BLOCK.findall(text)
        total = text.count("```python\n")
        if len(found) != total:
            raise CheckFailed(
                f"{doc.relative_to(ROOT)} has {total} ```python blocks but {len(found)} name "
                "their userproject file (`<!-- userproject: NAME.py -->` on the line before)"
            )
        for file, code in found:
            blocks[file] = f"{blocks[file]}\n{code}" if file in blocks else code
    return blocks


def user_project(work: Path, name: str) -> Path:
    project = work / f"userproject-{name}"
    shutil.copytree(USERPROJECT, project, ignore=shutil.ignore_patterns("__pycache__"))
    for file, text in readme_examples().items():
        (project / file).write_text(text)
    return project


def user_env(emulator: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HAMSA_", "LIVEPEER_"))}
    env.pop("PYTHONPATH", None)
    return {**env, **emulator}


def run_user_project(work: Path, name: str, python: Path, emulator: dict[str, str]) -> None:
    project = user_project(work, name)
    bin_dir = python.parent
    # 1. The documentation's programs, against the emulator, in the user's own directory.
    for program, wavs in RUN_EXAMPLES.items():
        for wav in wavs:
            (project / wav).unlink(missing_ok=True)
        run([python, program], cwd=project, env=user_env(emulator))
        for wav in wavs:
            if not (project / wav).exists() or (project / wav).read_bytes()[:4] != b"RIFF":
                raise CheckFailed(f"[{name}] {program} wrote no WAV to {wav}")
    say(f"[{name}] the documentation's {len(RUN_EXAMPLES)} programs ran against the emulator")
    # 2. pytest with the plugin's fixtures.
    report = project / "report.xml"
    done = subprocess.run(
        [python, "-m", "pytest", f"--junitxml={report}"],
        cwd=project,
        env=user_env({}),
        capture_output=True,
        text=True,
        check=False,
        timeout=STEP_TIMEOUT,
    )
    check_pytest(name, report, done.stdout + done.stderr)
    # 3. mypy --strict and pyright (strict) on the project, as its own CI would.
    installed = VENVS[name][1]
    files = sorted(
        p.name for p in project.glob("*.py") if NEEDS_EXTRA.get(p.name, "core") in installed
    )
    checkers: tuple[list[str | Path], ...] = (
        [bin_dir / "mypy", "--strict", *files],
        [bin_dir / "pyright", "--pythonpath", python, *files],
    )
    for checker in checkers:
        try:
            run(checker, cwd=project, env=user_env({}))
        except CheckFailed as exc:
            raise CheckFailed(f"[{name}] {Path(checker[0]).name}: {exc}") from None
    say(f"[{name}] mypy --strict and pyright clean on {len(files)} files")


def check_pytest(name: str, report: Path, output: str) -> None:
    if not report.exists():
        raise CheckFailed(f"[{name}] pytest did not run:\n{output}")
    must_error, must_skip = EXPECTED[name]
    seen: dict[str, str] = {}
    problems = []
    for case in ET.parse(report).iter("testcase"):  # noqa: S314 (our own pytest's report)
        module, test_name = case.get("classname", "").rpartition(".")[2], case.get("name", "")
        test = f"{module}.py::{test_name}" if module else f"{test_name}.py"  # a module-level skip
        outcome = next((c.tag for c in case if c.tag in ("error", "failure", "skipped")), "pass")
        seen[test] = outcome
        expected = "error" if test in must_error else "skipped" if test in must_skip else "pass"
        if outcome != expected:
            problems.append(f"{test}: {outcome}, expected {expected}")
        if expected == "error":
            message = "".join(c.get("message", "") + (c.text or "") for c in case)
            if HINT not in message or "Traceback" in message or "During handling" in message:
                problems.append(f"{test}: the error does not say `{HINT}` cleanly: {message}")
    missing = (must_error | must_skip | (WEBHOOK if name != "core" else set())) - seen.keys()
    if missing or problems or len(seen) < 8:
        raise CheckFailed(
            f"[{name}] pytest: {problems} missing={sorted(missing)} ran={len(seen)}\n{output}"
        )
    counts = {o: list(seen.values()).count(o) for o in sorted(set(seen.values()))}
    say(f"[{name}] user project pytest as expected: {counts}")


def start_emulator(python: Path) -> tuple[subprocess.Popen[str], dict[str, str]]:
    """`speechspec emulator` from the [emulator] venv, on a free port; its printed settings."""
    speechspec = python.parent / "speechspec"
    proc = subprocess.Popen(
        [speechspec, "emulator", "--port", "0", "--job-delay", "0.2"],
        stdout=subprocess.PIPE,
        text=True,
        env=user_env({}),
    )
    assert proc.stdout is not None
    wanted = {"HAMSA_BASE_URL", "LIVEPEER_BASE_URL", "HAMSA_API_KEY", "LIVEPEER_API_TOKEN"}
    settings: dict[str, str] = {}
    while settings.keys() != wanted:
        line = proc.stdout.readline()  # it prints them at once; a dead process ends the loop
        if not line:
            raise CheckFailed("`speechspec emulator` exited before printing its settings")
        key, _, value = line.strip().partition("=")
        if key in wanted:
            settings[key] = value
    return proc, settings
