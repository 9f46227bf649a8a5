"""dist-check, building: the sdist and the wheel (twine-checked, licensed, the sdist
rebuilding the same wheel), the dependencies resolved once, and one fresh venv per extra."""

from __future__ import annotations

import shutil
import sys
import tarfile
import zipfile
from pathlib import Path

from _dist_base import ROOT, USERPROJECT, VENVS, CheckFailed, run, say

# uv from the dist extra, run as a module of this venv (`python -m uv`): no PATH lookup, so the
# pinned one whatever else the machine has.
UV: list[str | Path] = [sys.executable, "-m", "uv"]
# The build backend goes into build's isolated environments with uv (build finds the installed
# one) rather than pip: the isolation stays, each of the two builds loses ~1.5 s.
BUILD = ["--installer", "uv"]


def build(work: Path) -> tuple[Path, Path]:
    dist = work / "dist"
    run([sys.executable, "-m", "build", *BUILD, "--sdist", "--wheel", "--outdir", dist, ROOT])
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
    run([sys.executable, "-m", "build", *BUILD, "--wheel", "--outdir", rebuilt, source])
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


def resolve(work: Path, wheel: Path) -> Path:
    """Every dependency of the wheel (all extras) and of the user project, resolved once from
    the index into pins: every venv installs under them (as a constraint), so all the venvs
    hold the same versions. (pip built a wheelhouse of them instead: ~7 s of the critical path,
    where uv resolves in ~1 s from its cache.)"""
    pins = work / "pins.txt"
    extras = ",".join(sorted(e for e, _, _ in VENVS.values() if e))
    wanted = work / "wanted.txt"
    wanted.write_text(f"speechspec[{extras}] @ {wheel.as_uri()}\n")
    reqs = USERPROJECT / "requirements.txt"
    run([*UV, "pip", "compile", "--quiet", "--python", sys.executable, wanted, reqs, "-o", pins])
    return pins


def make_venv(work: Path, name: str, wheel: Path, pins: Path) -> Path:
    extra, _, user = VENVS[name]
    venv = work / f"venv-{name}"
    # uv (the dist extra) makes the venv from this Python, without pip as `python -m venv
    # --without-pip` did, and installs into it: ~1 s a venv where pip took 3-6 s of CPU.
    run([*UV, "venv", "--quiet", "--python", sys.executable, venv])
    python = venv / "bin" / "python"
    target = f"speechspec[{extra}] @ {wheel.as_uri()}" if extra else str(wheel)
    reqs = ["-r", str(USERPROJECT / "requirements.txt")] if user else []
    # Dependencies resolved as usual (never --no-deps), held to the versions resolved above.
    # No .pyc compiled (uv's default, pip's --no-compile): nothing here needs them.
    install = [*UV, "pip", "install", "--quiet", "--python", python, "--constraint", pins]
    run([*install, target, *reqs])
    return python


def keep_dist(wheel: Path, sdist: Path) -> None:
    """The checked wheel and sdist, in dist/ (replacing older builds of the same names)."""
    dist = ROOT / "dist"
    dist.mkdir(exist_ok=True)
    for built in (wheel, sdist):
        shutil.copy2(built, dist / built.name)
    say(f"left {wheel.name} and {sdist.name} in dist/")
