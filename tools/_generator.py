"""openapi-python-client's ``generate`` command, several runs in one process.

Importing the generator costs ~0.4 s of CPU, about as much as generating one of our packages,
and every regeneration makes two (``make generate``, ``--check``; the tests make more). Each run
keeps what a separate ``openapi-python-client generate ...`` had: its arguments, its own working
directory, its own exit status and its own output (stdout and stderr, its post hooks' included,
captured at the file-descriptor level). The runs are sequential, in the order given.

    python tools/_generator.py RUNS.json   (the child: [{"args", "cwd", "log"}, ...]; prints
                                            the exit statuses as one JSON list)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class GeneratorRun:
    args: list[str]  # after `openapi-python-client`: "generate", "--path", ...
    cwd: Path


@dataclass(frozen=True)
class GeneratorResult:
    returncode: int
    output: str  # stdout and stderr, interleaved as written


def run_generator(runs: list[GeneratorRun], env: dict[str, str]) -> list[GeneratorResult]:
    """Run each of ``runs`` in one child process with ``env``; its status and output each."""
    with tempfile.TemporaryDirectory(prefix="speechspec-generator-") as tmp:
        plan = [
            {"args": run.args, "cwd": str(run.cwd), "log": str(Path(tmp) / f"{n}.log")}
            for n, run in enumerate(runs)
        ]
        plan_path = Path(tmp) / "runs.json"
        plan_path.write_text(json.dumps(plan), encoding="utf-8")
        proc = subprocess.run(
            [sys.executable, __file__, str(plan_path)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        try:
            codes = json.loads(proc.stdout.strip().splitlines()[-1])
        except (IndexError, ValueError):
            codes = None
        if proc.returncode != 0 or not isinstance(codes, list) or len(codes) != len(runs):
            raise RuntimeError(
                f"the openapi-python-client runner exited {proc.returncode}:\n"
                f"{proc.stdout}{proc.stderr}"
            )
        return [
            GeneratorResult(int(code), Path(str(step["log"])).read_text("utf-8", "replace"))
            for code, step in zip(codes, plan, strict=True)
        ]


def _run_one(args: list[str]) -> int:
    from openapi_python_client.cli import app

    try:
        # Not standalone: a typer.Exit comes back as its code instead of leaving the process.
        code = app(args, prog_name="openapi-python-client", standalone_mode=False)
    except SystemExit as exc:
        code = exc.code
    except Exception as exc:
        show, exit_code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(exit_code, int):  # a usage error: as the CLI says it
            show()
            code = exit_code
        else:  # what the CLI would have printed before exiting 1
            traceback.print_exc()
            code = 1
    return code if isinstance(code, int) else (0 if code is None else 1)


def _child(plan_path: str) -> int:
    plan = json.loads(Path(plan_path).read_text(encoding="utf-8"))
    codes = []
    saved = os.dup(1), os.dup(2)
    try:
        for step in plan:
            with open(step["log"], "wb") as log:
                sys.stdout.flush()
                sys.stderr.flush()
                os.dup2(log.fileno(), 1)
                os.dup2(log.fileno(), 2)
                os.chdir(step["cwd"])
                try:
                    codes.append(_run_one(step["args"]))
                finally:
                    sys.stdout.flush()
                    sys.stderr.flush()
                    os.dup2(saved[0], 1)
                    os.dup2(saved[1], 2)
    finally:
        os.close(saved[0])
        os.close(saved[1])
    print(json.dumps(codes))
    return 0


if __name__ == "__main__":
    # As the console script has it: tools/ (this file's directory) is not on the path.
    if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
        del sys.path[0]
    sys.exit(_child(sys.argv[1]))
