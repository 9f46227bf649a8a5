"""``data:`` URLs (RFC 2397), decoded in slices into an AtomicFile."""

from __future__ import annotations

import binascii
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

from ._atomic import AtomicFile, ProgressCallback
from .errors import DownloadError

# Base64 decodes 4 characters to 3 bytes: decode in slices of a multiple of 4.
_B64_SLICE = 4 * 256 * 1024


def _data_url_parts(url: str) -> tuple[str, bool, str, int]:
    """(media type and parameters, is base64, text holding the data, where the data starts in
    it) of an RFC 2397 URL. The data is left in the URL (slicing it out would copy 85 MiB for
    a 64 MiB answer), unless it holds percent escapes (RFC 2397 data is a URL's, so it may):
    then the decoded copy is returned, starting at 0."""
    comma = url.find(",")
    if comma < 0:
        raise DownloadError("malformed data: URL (no comma)")
    header = url[5:comma]
    is_base64 = header.split(";")[-1].strip().lower() == "base64"
    if is_base64 and url.find("%", comma + 1) >= 0:
        try:
            return header, True, urllib.parse.unquote(url[comma + 1 :], errors="strict"), 0
        except UnicodeDecodeError as exc:
            raise DownloadError(f"malformed data: URL: {exc}", url=f"data:{header},...") from None
    return header, is_base64, url, comma + 1


def _squeezed(piece: str) -> str:
    """``piece`` without whitespace (the decoder drops it; base64 text rarely has any)."""
    return piece if piece.isalnum() else "".join(piece.split())


def _b64_slices(data: str, start: int = 0) -> Iterator[bytes]:
    """Strict base64 decoding in slices of ``data[start:]``: whitespace is dropped, padding may
    appear only at the very end of the whole data, whitespace aside (never inside it, where a
    per-slice decode would accept it)."""
    carry = ""
    padded = False  # padding seen: the data has ended, only whitespace may follow
    for i in range(start, len(data), _B64_SLICE):
        piece = _squeezed(carry + data[i : i + _B64_SLICE])
        if padded and piece:
            raise ValueError("padding '=' inside the data")
        usable = len(piece) - len(piece) % 4
        carry = piece[usable:]
        chunk = piece[:usable]
        pad = chunk.find("=")
        if pad >= 0:
            if carry or pad < len(chunk) - 2:
                raise ValueError("padding '=' inside the data")
            padded = True
        yield binascii.a2b_base64(chunk, strict_mode=True) if chunk else b""
    if carry:
        raise ValueError("incorrect padding (length is not a multiple of 4)")


def _b64_size(data: str, start: int) -> int:
    """The most bytes ``data[start:]`` can decode to, whitespace not counted (in slices: the
    data may be most of a large URL, never copied whole)."""
    chars = sum(
        len(_squeezed(data[i : i + _B64_SLICE])) for i in range(start, len(data), _B64_SLICE)
    )
    return chars // 4 * 3


def write_data_url(
    url: str, target: Path, max_bytes: int, progress: ProgressCallback | None = None
) -> Path:
    """Decode a ``data:[<mediatype>][;base64],<data>`` URL (RFC 2397) into ``target``, atomically.

    The URL is read in slices: a 64 MiB answer is already an 85 MiB string in memory, and
    decoding must not make another copy of it."""
    header, is_base64, data, start = _data_url_parts(url)
    shown = f"data:{header},..."
    # Refused before a byte is written when even its length says so (at most two of its
    # bytes are padding); whitespace, dropped by the decoder, is counted out only then, as
    # that takes a pass over the data. The decoded size is held exactly as it is written.
    if (
        is_base64
        and (len(data) - start) // 4 * 3 > max_bytes + 2
        and _b64_size(data, start) > max_bytes + 2
    ):
        raise DownloadError(f"audio exceeds max_bytes={max_bytes}", url=shown)
    chunks = (
        _b64_slices(data, start)
        if is_base64
        else iter((urllib.parse.unquote_to_bytes(data[start:]),))
    )
    with AtomicFile(target, max_bytes, shown, progress) as out:
        while True:
            # Only decoding is guarded: an exception from on_progress (inside write) is the
            # caller's own and reaches it unchanged.
            try:
                chunk = next(chunks, None)
            except (binascii.Error, ValueError) as exc:
                raise DownloadError(f"malformed data: URL: {exc}", url=shown) from exc
            if chunk is None:
                break
            out.write(chunk)
        out.commit()
    return target
