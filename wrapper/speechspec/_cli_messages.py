"""What the command line says when something goes wrong: the library's message, reworded for a
CLI user (flags as typed, not keyword arguments), plus the next step to take.

The library names ``job_timeout`` and ``base_url=`` because that is what a Python caller wrote;
someone at a shell typed ``--job-timeout`` and ``--base-url``, so those are the names used here."""

from __future__ import annotations

import os
import re

from ._cli_common import ENVS, key_flag
from ._speak_flags import flag_fields
from .errors import (
    APIStatusError,
    AuthenticationError,
    ConfigurationError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    SpeechspecError,
)

# The library's parameter names, as the CLI user typed them: the plumbing's here, the speak
# flags' from the operations' field tables (a field the vendor adds is named as its flag too).
FLAGS = {
    "api_key": "--api-key",
    "api_token": "--api-token",
    "base_url": "--base-url",
    "concurrency": "--concurrency",
    "job_id": "JOB_ID",
    "job_timeout": "--job-timeout",
    "out_dir": "--out-dir",
    "output": "-o/--output",
    "path": "-o/--output",
    "text": "TEXT",
    "timeout": "--timeout",
} | {f.name: "--" + f.name.replace("_", "-") for v in ENVS for f in flag_fields(v)}


def _flagged(message: str, param: str | None, base_url_from: str) -> str:
    """``message`` with a leading parameter name, and every ``name=``, replaced by its flag."""
    if param in FLAGS and message.startswith(f"{param} "):
        message = FLAGS[param] + message[len(param) :]
    elif message.startswith("base_url "):
        message = base_url_from + message[len("base_url") :]
    # "(set via base_url= or LIVEPEER_BASE_URL)" and the like.
    return re.sub(
        r"\b([a-z_]+)=(?=[ ,;)]|$)",
        lambda m: FLAGS.get(m.group(1), m.group(0)),
        message,
    )


def usage(exc: InvalidRequestError | ConfigurationError, vendor: str, base_url: str | None) -> str:
    """A usage or configuration error, in the CLI's words; a bad base URL is named by where
    it came from (the flag, or the environment variable when no flag was given)."""
    env = ENVS[vendor]
    source = "--base-url" if base_url else f"${env.base_url_var}"
    return _flagged(str(exc), getattr(exc, "param", None), source)


def _url(exc: APIStatusError) -> str | None:
    try:
        return str(exc.response.request.url)
    except RuntimeError:  # a response built without its request
        return None


def base_url_source(vendor: str, given: str | None) -> str:
    """Where the base URL came from, so the user knows what to change."""
    env = ENVS[vendor]
    if given:
        return f"--base-url {given}"
    if os.environ.get(env.base_url_var):
        return f"${env.base_url_var}={os.environ[env.base_url_var]}"
    return f"the default {env.default_base_url}"


def api(exc: SpeechspecError, vendor: str, base_url: str | None, job_id: str | None = None) -> str:
    """An API or network error with the next step: which key, which URL, which flag."""
    line = f"{type(exc).__name__}: {exc}"
    if not isinstance(exc, APIStatusError):
        return line
    env = ENVS[vendor]
    url = _url(exc)
    where = f" from {url}" if url else ""
    if isinstance(exc, AuthenticationError | PermissionDeniedError):
        sent = (
            "the key was refused" if vendor == "hamsa" else "the token was refused (or none sent)"
        )
        return (
            f"{line}\n  {exc.status_code}{where}: {sent}; check the key: pass {key_flag(vendor)} "
            f"or set ${env.key_var} "
            f"(base URL: {base_url_source(vendor, base_url)})"
        )
    if isinstance(exc, NotFoundError) and job_id is not None:
        return (
            f"{line}\n  404{where}: no job {job_id} there; check JOB_ID, and the base URL "
            f"({base_url_source(vendor, base_url)}; --base-url or ${env.base_url_var})"
        )
    if isinstance(exc, NotFoundError):
        return (
            f"{line}\n  404{where}: is the base URL right? It is "
            f"{base_url_source(vendor, base_url)}; change it with --base-url or ${env.base_url_var}"
        )
    return line
