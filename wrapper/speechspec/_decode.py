"""Content-Encoding decoded in bounded steps, so that a size cap holds on decoded bytes.

httpx's ``iter_bytes()`` hands each network chunk to its decoders whole: one 3 KB chunk of
``Content-Encoding: gzip, gzip`` expands to gigabytes in a single call, before any cap can be
checked. Here every stage of the chain produces at most ``step`` bytes per call (zlib's
``max_length``), and a stage is given more input only when it has used up what it had, so
memory stays bounded by a few steps per stage whatever the ratio or the nesting.

Decoded: gzip (and x-gzip), deflate (zlib-wrapped, or raw as some servers send it) and
identity, in any order and repetition. Other codings that httpx might decode with optional
packages (br, zstd) cannot be bounded this way; they are refused as undecodable, and the
clients speechspec builds do not advertise them in Accept-Encoding. Unknown tokens are
skipped, as httpx skips them.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

# Decoded bytes per step: small enough to bound memory, big enough to cost nothing.
STEP = 64 * 1024
ACCEPT_ENCODING = "gzip, deflate"

# Each stage holds a zlib state and a step of output: a header listing thousands of codings
# would cost memory before a byte of body arrived. No server applies more than two.
MAX_CODINGS = 8
_UNBOUNDED = frozenset({"br", "zstd", "compress", "x-compress"})


class DecodeError(ValueError):
    """The body does not decode as its Content-Encoding says (or uses a refused coding)."""


class _Zlib:
    """One gzip or deflate stage: input pushed in, output pulled out at most ``limit`` at a time."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self.pending = b""
        self._head = b""
        self._d: zlib._Decompress | None = None
        if coding != "deflate":
            self._d = zlib.decompressobj(zlib.MAX_WBITS | 16)

    def push(self, data: bytes) -> None:
        if self._d is None:
            # deflate means zlib-wrapped (RFC 9110), but servers send raw deflate too: the
            # two-byte zlib header tells them apart (as httpx tells them apart by failing).
            self._head += data
            if len(self._head) < 2:
                return
            cmf, flg = self._head[0], self._head[1]
            wrapped = cmf & 0x0F == 8 and (cmf << 8 | flg) % 31 == 0
            self._d = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
            data, self._head = self._head, b""
        self.pending += data

    def pull(self, limit: int) -> bytes:
        """Up to ``limit`` decoded bytes; b"" when more input is needed (or the stream ended)."""
        d = self._d
        if d is None or d.eof:
            self.pending = b""  # after the end: ignored, as zlib and httpx ignore it
            return b""
        try:
            while True:
                out = d.decompress(self.pending, limit)
                self.pending = d.unconsumed_tail
                if out or not self.pending or d.eof:
                    return out
        except zlib.error as exc:
            raise DecodeError(f"{self.coding}: {exc}") from None

    @property
    def buffered(self) -> int:
        return len(self.pending) + len(self._head)

    @property
    def done(self) -> bool:
        return self._d is not None and self._d.eof


def codings(content_encoding: str | None) -> list[str]:
    """The codings to undo, in the order to undo them (the last one applied first)."""
    if not content_encoding:
        return []
    found = []
    for token in content_encoding.split(","):
        name = token.strip().lower()
        if name in _UNBOUNDED:
            raise DecodeError(
                f"Content-Encoding {name!r} is not decoded (speechspec asks for {ACCEPT_ENCODING})"
            )
        if name in ("gzip", "x-gzip", "deflate"):
            found.append("deflate" if name == "deflate" else "gzip")
        # Anything else (identity, unknown tokens) is skipped, as httpx skips it.
    if len(found) > MAX_CODINGS:
        raise DecodeError(f"{len(found)} content codings (at most {MAX_CODINGS} are decoded)")
    return found[::-1]


class Decoder:
    """Undo a Content-Encoding chain, ``step`` decoded bytes at most per piece.

    ``feed(raw)`` yields the decoded body in pieces (every stage drained each time: a stream cut
    short simply ends, as in httpx); whoever consumes them checks its cap after each piece, so a
    bomb is stopped after at most one step past it."""

    def __init__(self, content_encoding: str | None, step: int = STEP) -> None:
        self.stages = [_Zlib(c) for c in codings(content_encoding)]
        self.step = step

    def feed(self, raw: bytes) -> Iterator[bytes]:
        if not self.stages:
            if raw:
                yield raw  # identity: the network's chunks as they are, no copy
            return
        if any(stage.done for stage in self.stages):
            return  # a stage has ended: nothing fed from now on can come out of the chain
        self.stages[0].push(raw)
        while piece := self._next(len(self.stages) - 1):
            yield piece

    def _next(self, i: int) -> bytes:
        stage = self.stages[i]
        while True:
            out = stage.pull(self.step)
            if out or i == 0 or stage.done:
                return out
            # Stage i has used all its input: give it one piece of the stage before it.
            piece = self._next(i - 1)
            if not piece:
                return b""
            stage.push(piece)

    @property
    def buffered(self) -> int:
        """Bytes held between stages (not counting zlib's own 32 KiB windows)."""
        return sum(stage.buffered for stage in self.stages)
