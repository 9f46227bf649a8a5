"""The one validation step at the public boundary: every argument of a call is checked (type,
encodability, range, and what the whole call needs) before any I/O, so a bad argument can
never follow a billed request. One function per public method; each raises
InvalidRequestError naming the parameter, and never echoes a secret's value."""

from __future__ import annotations

import contextlib
import math
import os
import stat
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeGuard

from ._answers import LONE_SURROGATE
from ._uri import parse_uri
from .errors import InvalidRequestError

# Far above any real wait, and below what time.sleep() and socket timeouts can represent.
MAX_SECONDS = 10_000_000.0
# Backoff doubles per attempt: far more retries than any caller means would overflow a float.
MAX_RETRIES = 100


def _fail(param: str, problem: str) -> InvalidRequestError:
    return InvalidRequestError(f"{param} {problem}", param=param)


# The only characters UTF-8 cannot encode. Searched for in place: value.encode() would copy
# the whole argument (an 85 MiB data: URL, a megabyte of text) just to look at it.


def unencodable(value: str) -> int | None:
    """The index of the first character UTF-8 cannot encode (a lone surrogate), else None.
    No copy of ``value`` is made: an ASCII string (the flag CPython keeps) has none, and
    the search otherwise scans the string where it lies."""
    if value.isascii():
        return None
    found = LONE_SURROGATE.search(value)
    return None if found is None else found.start()


def string(value: object, param: str, *, secret: bool = False, blank_ok: bool = True) -> str:
    """A str that UTF-8 can encode; ``secret`` keeps the value and its position out of errors."""
    if not isinstance(value, str):
        raise _fail(param, f"must be a string, got {type(value).__name__}")
    bad = unencodable(value)
    if bad is not None:
        where = "" if secret else f" (U+{ord(value[bad]):04X} at index {bad})"
        raise _fail(param, f"contains a lone surrogate that cannot be encoded as UTF-8{where}")
    # isspace() rather than strip(): strip() copies a string that has outer spaces.
    if not blank_ok and (not value or value.isspace()):
        raise _fail(param, "must not be empty or whitespace only")
    return value


def text(value: object, param: str) -> str:
    return string(value, param, blank_ok=False)


def header_value(value: object, param: str) -> str:
    """A secret that will travel in an HTTP header: visible ASCII and inner spaces only (what
    every HTTP stack sends unchanged). The value is never shown."""
    string(value, param, secret=True, blank_ok=False)
    assert isinstance(value, str)
    if value != value.strip() or any(not (0x20 <= ord(c) < 0x7F) for c in value):
        raise _fail(
            param,
            "must be printable ASCII (no control or non-ASCII characters, no surrounding spaces)",
        )
    return value


def seconds_ok(value: object) -> TypeGuard[float]:
    """Finite and bounded: socket timeouts and sleeps cannot represent more (OverflowError)."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and 0 < value <= MAX_SECONDS
    )


def seconds(value: object, param: str) -> float:
    if not seconds_ok(value):
        raise _fail(
            param, f"must be a number of seconds above 0 and at most {MAX_SECONDS:g}, got {value!r}"
        )
    return float(value)


def positive_int(value: object, param: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise _fail(param, f"must be a positive integer, got {value!r}")
    return value


def flag(value: object, param: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(param, f"must be True or False, got {type(value).__name__}")
    return value


def callback(value: object, param: str) -> Callable[..., Any] | None:
    if value is not None and not callable(value):
        raise _fail(param, f"must be callable or None, got {type(value).__name__}")
    return value


def model(value: object, expected: type, param: str) -> None:
    if not isinstance(value, expected):
        raise _fail(param, f"must be a {expected.__name__}, got {type(value).__name__}")


# -- RFC 3986 -----------------------------------------------------------------------------


def webhook_url(value: object, param: str) -> str:
    """An absolute http(s) URI exactly as RFC 3986 writes one. Anything else is refused, not
    repaired: encoding spaces or non-ASCII on the caller's behalf could change which URL the
    vendor calls (is a ``%`` already an escape?), so the caller must send the URI itself."""
    url = text(value, param)
    match = parse_uri(url)
    if match is None:
        raise _fail(
            param,
            "is not an RFC 3986 URI: percent-encode spaces, non-ASCII and the characters "
            '<>"{}|\\^` and write every % as %XX',
        )
    if match["scheme"].lower() not in ("http", "https") or not match["host"]:
        raise _fail(param, "must be an http or https URI")
    if match["userinfo"] is not None:
        # Credentials belong in webhook_auth: a URL's user:password is echoed and logged.
        raise _fail(param, "must not carry user:password (use webhook_auth)")
    port = match["port"]
    if port and int(port) > 65535:
        raise _fail(param, "has a port above 65535")
    return url


# -- files --------------------------------------------------------------------------------


def target_path(value: object, param: str = "path") -> Path:
    """A file path download() can write: its directory exists and is writable, it is not a
    directory, and its name fits the file system."""
    if not isinstance(value, str | os.PathLike):
        raise _fail(param, f"must be a str or os.PathLike, got {type(value).__name__}")
    try:
        raw = os.fspath(value)
        if not isinstance(raw, str):
            raise _fail(param, "must be a text path, not bytes")
        os.fsencode(raw)
        if "\x00" in raw:
            raise _fail(param, "contains a NUL character")
        target = Path(raw)
        if not raw.strip() or not target.name:
            raise _fail(param, "must name a file")
        parent = target.parent
        if not parent.is_dir():
            raise _fail(param, f"directory {parent} does not exist")
        name_max = _name_max(parent)
        if len(os.fsencode(target.name)) > name_max:
            raise _fail(param, f"file name is longer than {name_max} bytes")
        try:
            mode: int | None = os.stat(target).st_mode  # one stat, links followed
        except (FileNotFoundError, NotADirectoryError):
            mode = None  # a new file (or a dangling link, which the rename replaces)
        if mode is not None and stat.S_ISDIR(mode):
            raise _fail(param, f"is a directory: {target}; give a file path")
        if mode is not None and not stat.S_ISREG(mode):
            # A FIFO, device or socket would be replaced by the rename into place.
            raise _fail(param, f"exists and is not a regular file: {target}")
        _probe_writable(parent, param)
    except UnicodeError:
        raise _fail(param, "cannot be encoded for the file system") from None
    except (OSError, ValueError) as exc:
        if isinstance(exc, InvalidRequestError):
            raise
        raise _fail(param, f"cannot be used: {exc}") from None
    return target


# Directories a probe found writable, and until when (time.monotonic()) that answer is reused:
# a batch downloads thousands of files into one directory, and each probe is a file created
# and removed (milliseconds on a busy disk) that only repeats the last one's answer. A probe is
# a point-in-time check anyway: the download's own temporary file is the final word.
_WRITABLE: dict[str, float] = {}
_WRITABLE_FOR = 1.0
_WRITABLE_MAX = 64


def _probe_writable(directory: Path, param: str) -> None:
    """Create and remove a file where the download will write: os.access() says yes to root
    everywhere, even on /proc, and a billed job must not be created for a file that cannot be."""
    import tempfile
    import time

    key = os.fspath(directory)
    now = time.monotonic()
    if _WRITABLE.get(key, 0.0) > now:
        return
    try:
        fd, probe = tempfile.mkstemp(dir=directory, prefix=".speechspec-", suffix=".probe")
    except OSError:
        _WRITABLE.pop(key, None)
        raise _fail(param, f"directory {directory} is not writable") from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(probe)
    if len(_WRITABLE) >= _WRITABLE_MAX:
        _WRITABLE.clear()
    _WRITABLE[key] = now + _WRITABLE_FOR


def _name_max(directory: Path) -> int:
    try:
        return int(os.pathconf(directory, "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):
        return 255


def extra_body_fields(extra: Mapping[str, object]) -> None:
    """The typed arguments' own rules for the same fields sent through extra_body: a webhook
    URL is an RFC 3986 http(s) URI and webhook credentials travel in a header, so they must be
    header-safe. The schema has already checked the types; nothing here echoes a secret."""
    try:
        if "webhookUrl" in extra:
            webhook_url(extra["webhookUrl"], "extra_body['webhookUrl']")
        auth = extra.get("webhookAuth")
        if isinstance(auth, Mapping):
            for field in ("authKey", "authSecret"):
                if field in auth:
                    header_value(auth[field], f"extra_body['webhookAuth']['{field}']")
    except InvalidRequestError as exc:
        raise InvalidRequestError(str(exc), param="extra_body") from None


def job_id(value: object) -> str:
    return text(value, "job_id")


def download(
    url: object, path: object, max_bytes: object, allow_http: object, on_progress: object
) -> tuple[str, Path, int]:
    u = text(url, "url")
    target = target_path(path)
    cap = positive_int(max_bytes, "max_bytes")
    flag(allow_http, "allow_http")
    callback(on_progress, "on_progress")
    return u, target, cap
