"""`make demo`: the emulator on a free loopback port, one Arabic line through Hamsa (job,
polling, download) and one English line through Livepeer, both checked as WAV files."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "demo-output"
BIN = Path(sys.executable).parent


def start_emulator() -> tuple[subprocess.Popen[str], dict[str, str]]:
    proc = subprocess.Popen(
        [str(BIN / "speechspec"), "emulator", "--port", "0", "--job-delay", "1.5"],
        stdout=subprocess.PIPE,
        text=True,
    )
    env: dict[str, str] = {}
    deadline = time.monotonic() + 30
    assert proc.stdout is not None
    while len(env) < 4:
        line = proc.stdout.readline()
        if not line or time.monotonic() > deadline:
            proc.kill()
            raise SystemExit("demo: the emulator did not start")
        name, _, value = line.strip().partition("=")
        env[name] = value
    return proc, env


def describe(path: Path) -> str:
    from speechspec.emulator._audio import zero_crossing_variation

    with wave.open(str(path)) as w:
        seconds = w.getnframes() / w.getframerate()
        shape = f"{seconds:.2f} s, {w.getframerate()} Hz, {8 * w.getsampwidth()}-bit, {w.getnchannels()} channel"
    # Speech alternates voiced sounds and fricatives; the fallback tone does not.
    kind = "speech" if zero_crossing_variation(path.read_bytes()) > 0.3 else "a tone"
    return f"{shape}, {kind}"


def main() -> int:
    OUT.mkdir(exist_ok=True)
    proc, emulator_env = start_emulator()
    try:
        print(
            f"demo: emulator at {emulator_env['HAMSA_BASE_URL']} (Livepeer at {emulator_env['LIVEPEER_BASE_URL']})"
        )
        env = {**os.environ, **emulator_env}
        runs = [
            (
                "hamsa",
                ["speak", "hamsa", "أهلاً و سهلاً بكم في همسة!", "--voice-id", "Amjad"],
                OUT / "hamsa.wav",
            ),
            (
                "livepeer",
                [
                    "speak",
                    "livepeer",
                    "Hello from speechspec, through the Livepeer AI Runner.",
                    "--description",
                    "A calm female voice",
                ],
                OUT / "livepeer.wav",
            ),
        ]
        for vendor, args, path in runs:
            path.unlink(missing_ok=True)
            result = subprocess.run(
                [str(BIN / "speechspec"), *args, "-o", str(path)],
                env=env,
                check=False,
                stdout=subprocess.DEVNULL,
            )
            if result.returncode != 0:
                print(f"demo: {vendor} failed (exit {result.returncode})", file=sys.stderr)
                return 1
            print(f"demo: {vendor:8} -> {path.relative_to(ROOT)}: {describe(path)}")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    from speechspec.emulator._speech import available

    spoken = (
        "spoken by espeak-ng" if available() else "a generated tone: espeak-ng could not be loaded"
    )
    print(f"demo: both files are valid WAV ({spoken}); play them with any audio player.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
