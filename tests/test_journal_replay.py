"""The journal replay (a resume's start-up) against the rule it implements, written plainly:
the last record of each key wins, D and X forget the key, damaged and torn records count for
nothing, and only the shard's own lines are kept."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from speechspec._batch_input import Shard
from speechspec._journal import _read

_KEY = re.compile(r"([0-9]+)-\S+")


def reference(text: str, shard: Shard) -> tuple[dict[str, tuple[str, str]], int]:
    state: dict[str, tuple[str, str]] = {}
    records = 0
    for record in text.splitlines(keepends=True):
        if not record.endswith("\n") or record.startswith("#"):
            continue
        records += 1
        kind, _, rest = record[:-1].partition("\t")
        if kind in ("D", "X"):
            state.pop(rest, None)
            continue
        key, _, value = rest.partition("\t")
        match = _KEY.fullmatch(key)
        if (
            kind in ("I", "U", "C")
            and match
            and (int(match[1]) - 1) % shard.count == shard.index - 1
        ):
            state[key] = (kind, value)
    return state, records


def _record(rng: random.Random) -> str:
    key = rng.choice(["00001-ab", "00002-cd", "00003-ef", "00004-01", "7-x", "-y", "a-b", "00005-"])
    kind = rng.choice(["I", "C", "U", "D", "X", "IX", "", "#", "Z"])
    value = rng.choice(["", "job-1", "APIConnectionError (ConnectError)", "a\tb"])
    sep = rng.choice(["\t", "\t", "\t", " "])
    return f"{kind}{sep}{key}" + (f"\t{value}" if value else "") + "\n"


@pytest.mark.parametrize("seed", range(40))
def test_replay_matches_the_plain_rule(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    text = "".join(_record(rng) for _ in range(rng.randint(0, 60)))
    if rng.random() < 0.5:
        text += _record(rng)[:-1]  # torn last record
    path = tmp_path / "1-of-1.journal"
    path.write_text(text, encoding="utf-8", newline="\n")
    for shard in (Shard(1, 1), Shard(1, 2), Shard(2, 2), Shard(3, 3)):
        assert _read(path, shard) == reference(text, shard)
