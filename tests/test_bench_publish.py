"""The README's performance table is the last `make bench` run's, pasted whole by
bench/publish.py, never typed by hand: it matches bench/LAST_RUN.md, and publishing replaces
only the README's marked section."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _publish() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_publish", ROOT / "bench" / "publish.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


publish = _publish()

LAST_RUN = """# Last full `make bench` run

Written by `make bench` (bench/publish.py): the whole output of one run, verbatim.

- started 2026-12-08 01:00:00 UTC; `uptime`: 01:00:00 up 1:00,  load average: 4.10, 3.00, 2.00
- ended 2026-12-08 01:09:00 UTC; `uptime`: 01:09:00 up 1:09,  load average: 4.20, 3.10, 2.10

```text
.venv/bin/python bench/bench.py
bench: per_call ...

speechspec benchmark (x86_64, 2 cores, Python 3.11.7, Linux)

scenario  variant     value  unit     ratio  target    verdict
--------  ----------  -----  -------  -----  --------  -------
per-call  raw httpx   90.00  us/call  1.00x
per-call  speechspec  95.00  us/call  1.05x  <= 1.10x  PASS

1 PASS, 0 MISS

profile: speechspec Livepeer.text_to_speech (2000 calls)
by tottime:
```
"""


def test_the_readme_holds_the_last_runs_table_whole() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    last_run = (ROOT / "bench" / "LAST_RUN.md").read_text(encoding="utf-8")
    block = publish.readme_block(last_run)
    assert block in readme, "README.md's bench table is not bench/LAST_RUN.md's: run make bench"
    assert readme.count(publish.BEGIN) == readme.count(publish.END) == 1


def test_the_block_is_the_table_from_its_title_to_its_verdicts_with_the_dates() -> None:
    block = publish.readme_block(LAST_RUN).splitlines()
    assert block[0] == publish.BEGIN and block[-1] == publish.END
    assert (
        "- started 2026-12-08 01:00:00 UTC; `uptime`: 01:00:00 up 1:00,  load average: 4.10, 3.00, 2.00"
        in block
    )
    assert (
        "- ended 2026-12-08 01:09:00 UTC; `uptime`: 01:09:00 up 1:09,  load average: 4.20, 3.10, 2.10"
        in block
    )
    table = block[block.index("```text") + 1 : block.index("```")]
    assert table[0] == "speechspec benchmark (x86_64, 2 cores, Python 3.11.7, Linux)"
    assert table[-1] == "1 PASS, 0 MISS"
    assert "per-call  speechspec  95.00  us/call  1.05x  <= 1.10x  PASS" in table
    assert not any("profile" in line or "bench: per_call" in line for line in table)


def test_publishing_replaces_only_the_marked_section() -> None:
    readme = f"# x\n\nbefore\n\n{publish.BEGIN}\nold table\n{publish.END}\n\nafter\n"
    block = publish.readme_block(LAST_RUN)
    updated = publish.with_block(readme, block)
    assert updated == f"# x\n\nbefore\n\n{block}\n\nafter\n"
    assert "old table" not in updated
    assert publish.with_block(updated, block) == updated  # a second run changes nothing more


@pytest.mark.parametrize(
    "readme", ["# no markers\n", f"{publish.END}\n{publish.BEGIN}\n", f"{publish.BEGIN}\n"]
)
def test_a_readme_without_its_section_is_refused(readme: str) -> None:
    with pytest.raises(ValueError, match="bench-table"):
        publish.with_block(readme, publish.readme_block(LAST_RUN))
