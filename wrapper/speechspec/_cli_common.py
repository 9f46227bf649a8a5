"""What every command that calls an API shares: its connection flags (``--base-url``,
``--proxy``, the vendor's key flag), the key from that flag or the environment, and the client
built from them. One place, so the four commands cannot disagree on a default or a message."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ._config import HAMSA_ENV, LIVEPEER_ENV, resolve_key
from ._progress import Progress
from ._transport import PROXY_HELP
from .hamsa import DEFAULT_JOB_TIMEOUT

ENVS = {"hamsa": HAMSA_ENV, "livepeer": LIVEPEER_ENV}

# The environment variable is safer than the flag (a flag is visible to other users in the
# process list), but a flag is what people try first: both, and the help says which is safer.
_KEY_HELP = {
    "hamsa": "Hamsa API key (default: $HAMSA_API_KEY, which keeps it out of the process list)",
    "livepeer": "Livepeer API token, optional on the community gateway "
    "(default: $LIVEPEER_API_TOKEN, which keeps it out of the process list)",
}


def key_flag(vendor: str) -> str:
    """``--api-key`` (Hamsa) or ``--api-token`` (Livepeer): the constructor's name, as a flag."""
    return "--" + ENVS[vendor].key_argument.replace("_", "-")


def add_connection_flags(parser: argparse.ArgumentParser, *vendors: str) -> None:
    envs = [ENVS[v] for v in vendors]
    variables = " / ".join(f"${env.base_url_var}" for env in envs)
    default = envs[0].default_base_url if len(envs) == 1 else "the vendor's"
    parser.add_argument("--base-url", help=f"API base URL (default: {variables}, then {default})")
    parser.add_argument("--proxy", help=PROXY_HELP)
    for vendor in vendors:
        metavar = ENVS[vendor].key_argument.removeprefix("api_").upper()
        parser.add_argument(key_flag(vendor), metavar=metavar, help=_KEY_HELP[vendor])


def add_job_timeout(parser: argparse.ArgumentParser, waits: str) -> None:
    """--job-timeout, defaulting to what wait_for_job waits when not told."""
    parser.add_argument(
        "--job-timeout",
        type=float,
        default=DEFAULT_JOB_TIMEOUT,
        metavar="SECONDS",
        help=f"seconds to wait {waits} (default {DEFAULT_JOB_TIMEOUT:g})",
    )


def client(args: argparse.Namespace, vendor: str, *, asynchronous: bool = False) -> Any:
    """The vendor's client from the command's flags; a missing key is named by its flag."""
    from . import AsyncHamsa, AsyncLivepeer, Hamsa, Livepeer

    env = ENVS[vendor]
    given = getattr(args, env.key_argument, None)
    key = resolve_key(given, env, argument=env.key_argument, flag=key_flag(vendor))
    kinds = {"hamsa": (Hamsa, AsyncHamsa), "livepeer": (Livepeer, AsyncLivepeer)}
    return kinds[vendor][asynchronous](key, base_url=args.base_url, proxy=args.proxy)


def download_audio(api: Any, answer: Any, output: Path, progress: Progress) -> Path:
    """The audio of a finished job or a synthesis answer, to ``output``, with a progress meter."""
    path: Path = api.download(api.audio_url(answer), output, on_progress=progress.download("audio"))
    progress.done()
    return path
