"""dist-check's settings and plumbing: where things are, which venvs it builds with which
extras, and how it runs a step and reports it (tools/dist_check.py)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
USERPROJECT = ROOT / "tests" / "userproject"
HINT = "pip install 'speechspec[testing]'"
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
