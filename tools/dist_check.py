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

Dependencies are resolved once (uv pip compile) into pins that every venv installs under;
the venvs are made and filled by uv (the dist extra).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _dist_base import ROOT, STEP_TIMEOUT, VENVS, WORKERS, CheckFailed, say
from _dist_build import build, check_sdist_rebuilds_the_wheel, keep_dist, make_venv, resolve
from _dist_imports import check_imports, third_party_imports, tree_files
from _dist_userproject import (
    EXPECTED,
    RUN_EXAMPLES,
    WEBHOOK,
    readme_examples,
    run_user_project,
    start_emulator,
    user_env,
)

# What tests/test_extras.py and tests/test_packaging.py read from here.
__all__ = [
    "EXPECTED",
    "RUN_EXAMPLES",
    "VENVS",
    "WEBHOOK",
    "CheckFailed",
    "readme_examples",
    "third_party_imports",
    "tree_files",
]


def check_needs_extra(python: Path, extra: str, *args: str) -> None:
    """`speechspec <extra> ...` in the core venv: exit 2 saying which extra to install."""
    done = subprocess.run(
        [python.parent / "speechspec", extra, *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    if done.returncode != 2 or f"pip install 'speechspec[{extra}]'" not in done.stderr:
        raise CheckFailed(f"[core] `speechspec {extra}` without the extra: {done}")


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="speechspec-dist-"))
    emulator_proc: subprocess.Popen[str] | None = None
    # Deleting a venv is seconds of disk waits (tens of thousands of files; ~10 s for all at
    # the end): each venv and project goes as soon as no later step needs it, on a thread of
    # its own, while the other checks run. --keep keeps everything.
    cleaner = ThreadPoolExecutor(max_workers=1)

    def done_with(*names: str) -> None:
        if not args.keep:
            for name in names:
                cleaner.submit(shutil.rmtree, work / name, ignore_errors=True)

    try:
        readme_examples()  # fail fast on an unmarked README example
        wheel, sdist = build(work)
        check_sdist_rebuilds_the_wheel(work, wheel, sdist)
        pins = resolve(work, wheel)

        def venv(name: str) -> Path:
            python = make_venv(work, name, wheel, pins)
            check_imports(python, name)
            if name in ("generate", "bench"):  # checked by their imports alone
                done_with(f"venv-{name}")
            return python

        # Two at a time: the steps wait on installs and subprocesses as much as they compute.
        names = ("emulator", "core", "testing", "generate", "bench", "contract")
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            pythons = dict(zip(names, pool.map(venv, names), strict=True))
        check_needs_extra(pythons["core"], "emulator", "--port", "0")
        check_needs_extra(
            pythons["core"], "contract", "livepeer", "--base-url", "http://127.0.0.1:9"
        )
        emulator_proc, emulator = start_emulator(pythons["emulator"])

        def check(name: str) -> None:
            if name == "contract":
                check_contract(work, pythons["contract"])
                done_with("venv-contract", "contract")
            else:
                run_user_project(work, name, pythons[name], emulator)
                # The emulator's venv runs the emulator until the end.
                done_with(f"userproject-{name}", *([f"venv-{name}"] if name != "emulator" else []))

        # The contract check is independent of the user projects (its own venv, emulators and
        # copy of the project): in the same pool, first, as it is the longest (~20 s); run after
        # them it left a worker idle while the last project ran, then ran alone.
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            list(pool.map(check, ("contract", "core", "emulator", "testing")))
        keep_dist(wheel, sdist)
    except CheckFailed as exc:
        print(f"dist-check: FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        if emulator_proc is not None:
            emulator_proc.terminate()
            emulator_proc.wait(10)
        cleaner.shutdown(wait=True)
        if args.keep:
            say(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    say("passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
