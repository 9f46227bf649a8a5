"""``batch`` input: lines streamed from the file (never loaded whole), numbered, sharded."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .errors import InvalidRequestError

# A line is one text to speak; a longer one is a binary file or a missing line break.
MAX_LINE_BYTES = 1 << 20
_SHARD = re.compile(r"([0-9]{1,9})/([0-9]{1,9})")


@dataclass(frozen=True)
class Line:
    number: int
    text: str

    @cached_property
    def key(self) -> str:
        """Stable across runs: the line number and a hash of its text (``00042-3fc4ccfe7458``).
        Names the output file and the line's journal records."""
        return line_key(self.number, self.text)

    @property
    def filename(self) -> str:
        return self.key + ".wav"


@dataclass(frozen=True)
class Shard:
    """Share ``index`` of ``count`` (1-based): the lines whose number is ``index`` modulo
    ``count``. Chosen by line number alone, so every process computes the same split."""

    index: int = 1
    count: int = 1

    @classmethod
    def parse(cls, value: str) -> Shard:
        match = _SHARD.fullmatch(value.strip())
        if match is None:
            raise InvalidRequestError(
                f"--shard must be K/N with 1 <= K <= N, e.g. 2/8 (got {value!r})", param="shard"
            )
        index, count = int(match.group(1)), int(match.group(2))
        if not 1 <= index <= count:
            raise InvalidRequestError(
                f"--shard {index}/{count}: K must be between 1 and N", param="shard"
            )
        return cls(index, count)

    @property
    def name(self) -> str:
        return f"{self.index}-of-{self.count}"


def _decode(path: Path, number: int, raw: bytes) -> str:
    try:
        return raw.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise InvalidRequestError(
            f"{path}: line {number} is not valid UTF-8 ({exc.reason} at byte {exc.start})",
            param="lines",
        ) from None


def check_lines(path: Path, shard: Shard) -> int:
    """Read the whole file once before anything is billed: every line must decode and fit
    MAX_LINE_BYTES (all of them, so every shard of a corpus refuses the same bad file), and
    some line must hold text. Returns how many non-blank lines the share has; constant memory."""
    count, every, index, texts = 0, shard.count, shard.index - 1, 0
    try:
        with path.open("rb") as fh:
            number = 0
            while raw := fh.readline(MAX_LINE_BYTES + 1):
                number += 1
                if len(raw) > MAX_LINE_BYTES:
                    raise InvalidRequestError(
                        f"{path}: line {number} is longer than {MAX_LINE_BYTES} bytes "
                        "(is it a text file, one text per line?)",
                        param="lines",
                    )
                if _decode(path, number, raw):
                    texts += 1
                    count += (number - 1) % every == index
    except OSError as exc:
        raise InvalidRequestError(
            f"{path}: cannot be read ({exc.strerror or exc})", param="lines"
        ) from None
    if not texts:
        raise InvalidRequestError(f"{path}: has no text (every line is blank)", param="lines")
    return count


def line_key(number: int, text: str) -> str:
    return f"{number:05d}-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:12]}"


def iter_texts(path: Path, shard: Shard) -> Iterator[tuple[int, str]]:
    """(number, text) of the non-blank lines of the share, read one at a time. Lines end at
    ``\\n`` (``\\r\\n`` works too) and are numbered from 1, as an editor shows them."""
    every, index = shard.count, shard.index - 1
    with path.open("rb") as fh:
        for number, raw in enumerate(fh):
            if number % every == index:
                text = _decode(path, number + 1, raw)
                if text:
                    yield number + 1, text
