"""dist-check, building: the sdist and the wheel (twine-checked, licensed, the sdist
rebuilding the same wheel), the wheelhouse, and one fresh venv per extra."""

from __future__ import annotations

import shutil
import sys
import tarfile
import zipfile
from pathlib import Path

from _dist_base import PIP, ROOT, USERPROJECT, VENVS, CheckFailed, run, say


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


def keep_dist(wheel: Path, sdist: Path) -> None:
    """The checked wheel and sdist, in dist/ (replacing older builds of the same names)."""
    dist = ROOT / "dist"
    dist.mkdir(exist_ok=True)
    for built in (wheel, sdist):
        shutil.copy2(built, dist / built.name)
    say(f"left {wheel.name} and {sdist.name} in dist/")
