"""The Python examples of the README and docs/ type-check as a user's project would check them: speechspec
installed (here: this venv), mypy --strict run on the examples alone, outside this repository's
configuration.

How a block is checked: each ```python block becomes its own module, its code the body of an
``async def`` (so a block may ``await``, as the webhook example does in a request handler),
after a preamble that declares the names a README example leaves to the reader's code or
continues from an earlier example: ``request`` (the web framework's request, ``Any``),
``SECRET`` and ``customer_key`` (``str``), ``hamsa`` (a ``Hamsa``) and ``lp`` (a
``Livepeer``). Nothing else is added: a block must import what it uses. pyright runs in strict mode on the same modules,
with reportUnusedFunction/Variable off (an example's top-level names look unused once wrapped)
and reportUnusedExpression off (an example may show values REPL-style).
pyright comes from PyPI with its JavaScript bundled and runs on the machine's Node; with
--outputjson and PYRIGHT_PYTHON_IGNORE_WARNINGS it makes no network request.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PREAMBLE = """\
from typing import Any, cast

from speechspec import Hamsa, Livepeer

request: Any = None
SECRET: str = "the webhook secret"
customer_key: str = "another key"
hamsa = cast(Hamsa, None)
lp = cast(Livepeer, None)


async def readme_example() -> None:
"""


def readme_blocks() -> list[str]:
    """The ```python blocks of the README and of every page of docs/."""
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    text = "\n".join(doc.read_text(encoding="utf-8") for doc in docs)
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)


def write_blocks(directory: Path) -> list[Path]:
    paths = []
    for number, block in enumerate(readme_blocks()):
        path = directory / f"readme_block_{number}.py"
        path.write_text(PREAMBLE + textwrap.indent(block, "    "), encoding="utf-8")
        paths.append(path)
    return paths


def test_the_readme_has_the_examples_this_test_checks() -> None:
    blocks = readme_blocks()
    assert len(blocks) >= 3
    assert any("hamsa.wait_for_job(job.id)" in block for block in blocks)
    assert any("audio.audio.url" in block for block in blocks)


def test_readme_examples_pass_mypy_strict(tmp_path: Path, mypy_cache: Path) -> None:
    files = write_blocks(tmp_path)
    # No config file in tmp_path: the user's own settings, --strict, nothing from this repo.
    # The cache outlives the run (conftest.py mypy_cache): the examples are re-checked, the
    # modules they import only when they changed.
    env = {k: v for k, v in os.environ.items() if k not in ("MYPYPATH", "PYTHONPATH")}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--cache-dir",
            str(mypy_cache),
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env=env,
    )
    listing = "\n".join(f"--- {p.name}\n{p.read_text()}" for p in files)
    assert proc.returncode == 0, f"{proc.stdout}{proc.stderr}\n{listing}"


def test_readme_examples_pass_pyright_strict(tmp_path: Path) -> None:
    files = write_blocks(tmp_path)
    (tmp_path / "pyrightconfig.json").write_text(
        json.dumps(
            {
                "typeCheckingMode": "strict",
                "pythonVersion": "3.11",
                # Wrapped in a function, an example's top-level names look unused.
                "reportUnusedFunction": "none",
                "reportUnusedVariable": "none",
                # An example may show values REPL-style: `raw.status_code, raw.headers[...]`.
                "reportUnusedExpression": "none",
            }
        )
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    env["PYRIGHT_PYTHON_IGNORE_WARNINGS"] = "1"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pyright",
            "--outputjson",
            "--pythonpath",
            sys.executable,
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env=env,
    )
    report = json.loads(proc.stdout)
    problems = [
        f"{Path(d['file']).name}:{d['range']['start']['line'] + 1}: {d['message']}"
        for d in report["generalDiagnostics"]
        if d["severity"] in ("error", "warning")
    ]
    assert report["summary"]["filesAnalyzed"] == len(files)
    assert not problems and proc.returncode == 0, "\n".join(problems) or proc.stderr
