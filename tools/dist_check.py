"""`make dist-check`: the package as users get it.

Builds the sdist and the wheel, `twine check`s them, checks that the sdist rebuilds the same
wheel, then installs the WHEEL (with its dependencies, as pip resolves them) into fresh venvs,
one per extra, and in each:

- imports every module of the trees that install should cover, and checks that every
  third-party module those trees import (at the top or inside a function) is installed;
- core, [emulator], [testing]: runs tests/userproject (a user's own project plus the Python
  examples of the README and of docs/): the library examples against the emulator, pytest with
  the plugin's fixtures (without the extra they must fail saying what to install), mypy
  --strict, pyright.

The wheel and the sdist are left in dist/ (what `pip install dist/...whl` takes).

Dependencies are resolved once into a local wheelhouse, and every venv installs from it.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import xml.etree.ElementTree as ET
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
USERPROJECT = ROOT / "tests" / "userproject"
HINT = "pip install 'speechspec[testing]'"
PIP = ["-m", "pip", "--disable-pip-version-check", "--quiet"]
STEP_TIMEOUT = 900  # seconds; one step (a build, an install, a pytest run), not the whole check
WORKERS = 2  # venvs and user projects checked at once

# The source trees each install must cover, and the extras that install them.
TREES: dict[str, list[str]] = {
    "core": ["generated/hamsa_client", "generated/livepeer_client", "wrapper/speechspec"],
    "emulator": ["wrapper/speechspec/emulator"],
    "testing": ["wrapper/speechspec/testing.py"],
    "generate": ["tools"],
    "bench": ["bench"],
    "contract": ["wrapper/speechspec/contract"],
    # The documentation site's build hooks (`make docs`, extra `docs`): not the generator's.
    "docs": ["tools/docs_hooks.py"],
}
# venv name -> (pip extras, trees covered, runs the user project)
VENVS: dict[str, tuple[str, list[str], bool]] = {
    "core": ("", ["core"], True),
    "emulator": ("emulator", ["core", "emulator"], True),
    "testing": ("testing", ["core", "emulator", "testing"], True),
    "generate": ("generate", ["core", "generate"], False),
    "bench": ("bench", ["core", "emulator", "bench"], False),
    # `speechspec contract` from the wheel; the emulator to hold it to, the generator to
    # regenerate with its suggested overlay actions (tests/contract_dist.py).
    "contract": ("contract,emulator,generate", ["core", "emulator", "generate", "contract"], False),
}
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


class CheckFailed(Exception):
    pass


_STARTED = time.monotonic()


def say(message: str) -> None:
    print(f"dist-check: [{time.monotonic() - _STARTED:4.0f} s] {message}", flush=True)


def run(
    cmd: list[str | Path], cwd: Path | str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    try:
        done = subprocess.run(
            [str(c) for c in cmd],
            capture_output=True,
            text=True,
            check=False,
            cwd=cwd,
            env=env,
            timeout=STEP_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        raise CheckFailed(f"{' '.join(map(str, cmd))} took over {STEP_TIMEOUT} s") from None
    if done.returncode != 0:
        raise CheckFailed(
            f"{' '.join(map(str, cmd))} exited {done.returncode}\n{done.stdout}{done.stderr}"
        )
    return done


# --- build ----------------------------------------------------------------------------------


def build(work: Path) -> tuple[Path, Path]:
    dist = work / "dist"
    run([sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", dist, ROOT])
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
    run([sys.executable, "-m", "twine", "check", "--strict", wheel, sdist])
    check_license(wheel, sdist)
    say(f"built and twine-checked {wheel.name}, {sdist.name}")
    return wheel, sdist


def check_license(wheel: Path, sdist: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        meta_name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = zf.read(meta_name).decode()
        licenses = [n for n in zf.namelist() if "/licenses/" in n]
        license_text = zf.read(licenses[0]).decode() if licenses else ""
    if "License-Expression: MIT" not in metadata or not license_text.startswith("MIT License"):
        raise CheckFailed(f"the wheel lacks the MIT licence: {licenses} in {wheel.name}")
    with tarfile.open(sdist) as tf:
        if not any(m.name.endswith("/LICENSE") for m in tf.getmembers()):
            raise CheckFailed(f"{sdist.name} lacks LICENSE")


def check_sdist_rebuilds_the_wheel(work: Path, wheel: Path, sdist: Path) -> None:
    unpacked = work / "sdist"
    with tarfile.open(sdist) as tf:
        tf.extractall(unpacked, filter="data")
    (source,) = unpacked.iterdir()
    rebuilt = work / "rebuilt"
    run([sys.executable, "-m", "build", "--wheel", "--outdir", rebuilt, source])
    (again,) = rebuilt.glob("*.whl")
    with zipfile.ZipFile(wheel) as a, zipfile.ZipFile(again) as b:
        names_a, names_b = sorted(a.namelist()), sorted(b.namelist())
        if names_a != names_b:
            only = sorted(set(names_a) ^ set(names_b))
            raise CheckFailed(f"the wheel built from the sdist has other files: {only[:20]}")
        differ = [n for n in names_a if a.read(n) != b.read(n)]
    if differ:
        raise CheckFailed(f"the wheel built from the sdist differs in: {differ[:20]}")
    say(f"the sdist rebuilds the same wheel ({len(names_a)} files, identical)")


# --- venvs ----------------------------------------------------------------------------------


def wheelhouse(work: Path, wheel: Path) -> Path:
    house = work / "wheelhouse"
    extras = ",".join(sorted(e for e, _, _ in VENVS.values() if e))
    run(
        [
            sys.executable,
            *PIP,
            "wheel",
            "--wheel-dir",
            house,
            f"{wheel}[{extras}]",
            "-r",
            USERPROJECT / "requirements.txt",
        ]
    )
    return house


def make_venv(work: Path, name: str, wheel: Path, house: Path) -> Path:
    extra, _, user = VENVS[name]
    venv = work / f"venv-{name}"
    # This pip installs into the new venv (--python): no pip bootstrap per venv.
    run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    target = f"{wheel}[{extra}]" if extra else str(wheel)
    reqs = ["-r", str(USERPROJECT / "requirements.txt")] if user else []
    # Dependencies resolved as usual (never --no-deps), from the wheelhouse built above.
    pip: list[str | Path] = [sys.executable, "-m", "pip", "--python", python, *PIP[2:]]
    # --no-compile: nothing here needs the .pyc files pip would write for every module.
    run([*pip, "install", "--no-compile", "--no-index", "--find-links", house, target, *reqs])
    return python


def tree_files(tree_name: str) -> list[Path]:
    """The .py files of a tree: its paths, less those another tree (an extra) covers."""
    files: set[Path] = set()
    for rel in TREES[tree_name]:
        path = ROOT / rel
        files.update([path] if path.is_file() else path.rglob("*.py"))
    if tree_name == "core":
        for other in ("emulator", "testing", "contract"):
            files -= set(tree_files(other))
    if tree_name == "generate":
        files -= set(tree_files("docs"))
    return sorted(files)


def _skipped_nodes(module: ast.Module) -> set[int]:
    """Imports a missing module cannot break: under ``if TYPE_CHECKING:``, or in a ``try``
    that handles ImportError (an optional feature that says what to install)."""
    skipped: set[int] = set()
    for node in ast.walk(module):
        type_checking = isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        optional = isinstance(node, ast.Try) and any(
            h.type is not None
            and re.search(r"\b(ImportError|ModuleNotFoundError)\b", ast.unparse(h.type))
            for h in node.handlers
        )
        body: list[ast.stmt] = node.body if type_checking or optional else []  # type: ignore[attr-defined]
        skipped.update(id(n) for stmt in body for n in ast.walk(stmt))
    return skipped


def third_party_imports(files: list[Path]) -> dict[str, str]:
    """Top-level names of the modules imported anywhere in ``files`` (function bodies too),
    but not the stdlib nor the project's own modules."""
    local = {"speechspec", "hamsa_client", "livepeer_client"} | {f.stem for f in files}
    found: dict[str, str] = {}
    for file in files:
        module = ast.parse(file.read_text(), str(file))
        skipped = _skipped_nodes(module)
        for node in ast.walk(module):
            if id(node) in skipped:
                continue
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.partition(".")[0]
                if top not in sys.stdlib_module_names and top not in local:
                    found.setdefault(top, str(file.relative_to(ROOT)))
    return found


def module_name(file: Path) -> str:
    """The import name of a file: packages from the wheel, or a script beside its folder."""
    rel = file.relative_to(ROOT)
    if rel.parts[0] in ("generated", "wrapper"):
        parts = rel.with_suffix("").parts[1:]
        return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
    return f"{rel.parent}:{file.stem}"  # a script (tools/, bench/): imported with its folder


IMPORT_ALL = """
import importlib, importlib.util, sys
root, needed, modules = sys.argv[1], sys.argv[2].split(","), sys.argv[3].split(",")
missing = [n for n in needed if n and importlib.util.find_spec(n) is None]
if missing:
    sys.exit("not installed: " + ", ".join(missing))
for name in modules:
    folder, _, name = name.rpartition(":")
    if folder:
        sys.path.insert(0, root + "/" + folder)
    importlib.import_module(name)
"""


def check_imports(python: Path, name: str) -> None:
    """Every module of the covered trees imports; every third-party module they use is there."""
    files = [f for tree in VENVS[name][1] for f in tree_files(tree)]
    needed = third_party_imports(files)
    if "testing" in VENVS[name][1]:
        from speechspec import testing  # the modules its fixtures import by name

        needed.update(dict.fromkeys(testing._EXTRA_MODULES, "speechspec/testing.py"))
    modules = [module_name(f) for f in files if f.stem != "__main__"]  # __main__ runs the CLI
    try:
        run(
            [python, "-c", IMPORT_ALL, ROOT, ",".join(sorted(needed)), ",".join(modules)],
            cwd=tempfile.gettempdir(),
        )
    except CheckFailed as exc:
        where = ", ".join(f"{n} ({f})" for n, f in sorted(needed.items()))
        message = str(exc).splitlines()[-1]
        raise CheckFailed(f"[{name}] imports: {message}\nthe trees import: {where}") from None
    say(f"[{name}] {len(modules)} modules import; {len(needed)} third-party modules installed")


# --- the user project -----------------------------------------------------------------------

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


def check_core_cli(python: Path) -> None:
    done = subprocess.run(
        [python.parent / "speechspec", "emulator", "--port", "0"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    if done.returncode != 2 or "pip install 'speechspec[emulator]'" not in done.stderr:
        raise CheckFailed(f"[core] `speechspec emulator` without the extra: {done}")


def check_contract(work: Path, python: Path) -> None:
    """The installed `speechspec contract`: clean against the emulator with nothing billed,
    exit 1 naming each drift of a drifted emulator, clean again once its suggested actions are
    in the overlay and regenerated, and --traffic on a recorded session (tests/contract_dist.py)."""
    done = subprocess.run(
        [python, ROOT / "tests" / "contract_dist.py", work / "contract"],
        capture_output=True,
        text=True,
        check=False,
        timeout=STEP_TIMEOUT,
        env=user_env({}),
    )
    if done.returncode != 0:
        raise CheckFailed(f"[contract] {done.stdout}{done.stderr}")
    for line in done.stdout.splitlines():
        say(f"[contract] {line}")


def check_contract_needs_its_extra(python: Path) -> None:
    done = subprocess.run(
        [python.parent / "speechspec", "contract", "livepeer", "--base-url", "http://127.0.0.1:9"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    if done.returncode != 2 or "pip install 'speechspec[contract]'" not in done.stderr:
        raise CheckFailed(f"[core] `speechspec contract` without the extra: {done}")


def keep_dist(wheel: Path, sdist: Path) -> None:
    """The checked wheel and sdist, in dist/ (replacing older builds of the same names)."""
    dist = ROOT / "dist"
    dist.mkdir(exist_ok=True)
    for built in (wheel, sdist):
        shutil.copy2(built, dist / built.name)
    say(f"left {wheel.name} and {sdist.name} in dist/")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="speechspec-dist-"))
    emulator_proc: subprocess.Popen[str] | None = None
    try:
        readme_examples()  # fail fast on an unmarked README example
        wheel, sdist = build(work)
        check_sdist_rebuilds_the_wheel(work, wheel, sdist)
        house = wheelhouse(work, wheel)

        def venv(name: str) -> Path:
            python = make_venv(work, name, wheel, house)
            check_imports(python, name)
            return python

        # Two at a time: the steps wait on pip and subprocesses as much as they compute.
        names = ("emulator", "core", "testing", "generate", "bench", "contract")
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            pythons = dict(zip(names, pool.map(venv, names), strict=True))
        check_core_cli(pythons["core"])
        emulator_proc, emulator = start_emulator(pythons["emulator"])
        projects = ("core", "emulator", "testing")
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            list(pool.map(lambda n: run_user_project(work, n, pythons[n], emulator), projects))
        check_contract(work, pythons["contract"])
        check_contract_needs_its_extra(pythons["core"])
        keep_dist(wheel, sdist)
    except CheckFailed as exc:
        print(f"dist-check: FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        if emulator_proc is not None:
            emulator_proc.terminate()
            emulator_proc.wait(10)
        if args.keep:
            say(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    say("passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
