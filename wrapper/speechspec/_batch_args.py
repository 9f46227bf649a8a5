"""``speechspec batch``: every option checked before the first (billed) request, each refusal
naming its flag or file. Per-line problems would otherwise show up once per line, after the
first lines were already paid for."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from . import _args
from ._batch_input import Shard
from .errors import InvalidRequestError

# Far beyond any vendor's rate limit; above it a typo (an extra 0) would start that many tasks.
MAX_CONCURRENCY = 1000


def _fail(param: str, message: str) -> InvalidRequestError:
    return InvalidRequestError(message, param=param)


def _path(raw: str, flag: str, param: str) -> Path:
    """A path the OS can take: no NUL, encodable (a lone surrogate passed in-process)."""
    if not raw.strip():
        raise _fail(param, f"{flag} must name a path")
    if "\x00" in raw:
        raise _fail(param, f"{flag} contains a NUL character")
    try:
        os.fsencode(raw)
    except UnicodeError:
        raise _fail(param, f"{flag} cannot be encoded for the file system") from None
    return Path(raw)


def lines_file(value: str) -> Path:
    path = _path(value, "LINES", "lines")
    try:
        if path.is_dir():
            raise _fail("lines", f"{path}: is a directory; give a text file")
        if not path.exists():
            raise _fail("lines", f"{path}: no such file")
        if not path.is_file():
            raise _fail("lines", f"{path}: not a regular file (a pipe or device cannot be resumed)")
        with path.open("rb"):
            pass
    except OSError as exc:
        raise _fail("lines", f"{path}: cannot be read ({exc.strerror or exc})") from None
    return path


def out_dir(value: str) -> Path:
    """A directory that exists and is writable, or one that can be created in a writable one."""
    path = _path(value, "--out-dir", "out_dir")
    try:
        if path.exists():
            if not path.is_dir():
                raise _fail("out_dir", f"--out-dir {path} is not a directory")
            existing = path
        else:
            existing = path.absolute().parent
            while not existing.exists() and existing != existing.parent:
                existing = existing.parent
            if not existing.is_dir():
                raise _fail("out_dir", f"--out-dir {path}: {existing} is not a directory")
        if not os.access(existing, os.W_OK | os.X_OK):
            raise _fail("out_dir", f"--out-dir {path}: {existing} is not writable")
    except OSError as exc:
        raise _fail("out_dir", f"--out-dir {path} cannot be used ({exc.strerror or exc})") from None
    return path


def check(args: argparse.Namespace) -> Shard:
    """Every option of the command (argparse has made --concurrency an int, --job-timeout a
    float); returns the parsed ``--shard``, and leaves ``lines`` and ``out_dir`` as Paths."""
    concurrency = args.concurrency
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise _fail(
            "concurrency",
            f"--concurrency must be between 1 and {MAX_CONCURRENCY}, got {concurrency}",
        )
    _args.seconds(args.job_timeout, "job_timeout")
    shard = Shard.parse(args.shard) if args.shard is not None else Shard()
    # Kept as typed until here: Path("") would be ".", the current directory.
    args.lines = lines_file(args.lines)
    args.out_dir = out_dir(args.out_dir)
    # Each refusal names its param; main() words it as the flag (_cli_messages.FLAGS).
    if args.vendor == "hamsa":
        if args.voice_id is None:
            raise _fail("voice_id", "--voice-id is required for hamsa")
        _args.text(args.voice_id, "voice_id")
    else:
        _args.text(args.model_id, "model_id")
        if args.description is not None:
            _args.string(args.description, "description")
    if args.base_url is not None:
        _args.text(args.base_url, "base_url")
    return shard
