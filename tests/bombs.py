"""Compression bombs built in milliseconds: gzip of any number of zero bytes, without
compressing them (after a full flush, deflate's output for another block of zeros repeats)."""

from __future__ import annotations

import gzip
import struct
import zlib

_BLOCK = 1 << 20


def zeros_gzip(total: int) -> bytes:
    """A valid gzip member of ``total`` zero bytes (``total`` a multiple of 1 MiB)."""
    assert total % _BLOCK == 0 and total >= 2 * _BLOCK
    zeros = bytes(_BLOCK)
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    first = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
    again = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
    end = c.flush()[:-8]  # the final empty block; the trailer is written below
    crc = 0
    for _ in range(total // _BLOCK):
        crc = zlib.crc32(zeros, crc)
    body = first + again * (total // _BLOCK - 1) + end
    return body + struct.pack("<II", crc, total & 0xFFFFFFFF)


def nested_bomb(total: int, layers: int = 2) -> tuple[bytes, str]:
    """A body of ``layers`` gzip codings that expands to ``total`` zero bytes, and its
    Content-Encoding header."""
    body = zeros_gzip(total)
    for _ in range(layers - 1):
        body = gzip.compress(body, 9)
    return body, ", ".join(["gzip"] * layers)
