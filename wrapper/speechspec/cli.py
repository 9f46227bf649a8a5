"""The ``speechspec`` command line.

    speechspec speak hamsa TEXT --voice-id V -o out.wav
    speechspec speak livepeer TEXT [--model-id M] [--description D] -o out.wav
    speechspec batch {hamsa|livepeer} LINES.txt --out-dir DIR [--concurrency N] [--shard K/N]
    speechspec job JOB_ID [--wait] [-o out.wav]
    speechspec emulator [--host 127.0.0.1] [--port 8000] [--hamsa-key K] [--livepeer-token T]
                        [--livepeer-mode gateway|runner] [--livepeer-model M]

Exit codes: 0 success, 1 API or network error, 2 usage or input error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import _args, _batch_cli, _cli_messages, _contract_cli, _emulator_cli, _job_cli, _speak_flags
from ._config import HAMSA_ENV, LIVEPEER_ENV, resolve_key

# tcp_port was public here before the emulator command had its own module (0.3.0).
from ._emulator_cli import tcp_port as tcp_port
from ._progress import Progress
from ._transport import PROXY_HELP
from ._version import __version__
from .errors import ConfigurationError, InvalidRequestError, JobFailedError, SpeechspecError

EXIT_OK, EXIT_API, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class _Parser(argparse.ArgumentParser):
    def _print_message(self, message: str, file: Any = None) -> None:
        # argparse echoes bad arguments; one from undecodable argv bytes holds surrogates.
        if message:
            stream = file or sys.stderr
            encoding = getattr(stream, "encoding", None) or "utf-8"
            stream.write(message.encode(encoding, "backslashreplace").decode(encoding))


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="speechspec",
        description="Text to speech with Hamsa and Livepeer, through typed clients.",
        epilog="Keys come from HAMSA_API_KEY and LIVEPEER_API_TOKEN (or --api-key / --api-token). "
        "SPEECHSPEC_LOG=info|debug logs every HTTP request to stderr, keys redacted.",
    )
    parser.add_argument("--version", action="version", version=f"speechspec {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    speak = sub.add_parser("speak", help="synthesize one text to a WAV file")
    speak_sub = speak.add_subparsers(dest="vendor", required=True, metavar="VENDOR")
    hamsa = speak_sub.add_parser("hamsa", help="Hamsa (asynchronous job)")
    hamsa.add_argument("text", help="the text, or - to read standard input")
    _speak_flags.add(hamsa, "hamsa")
    hamsa.add_argument(
        "--job-timeout", type=float, default=300.0, help="seconds to wait for the job (300)"
    )
    livepeer = speak_sub.add_parser("livepeer", help="Livepeer AI Runner")
    livepeer.add_argument("text", help="the text, or - to read standard input")
    _speak_flags.add(livepeer, "livepeer")
    for p, env in ((hamsa, HAMSA_ENV), (livepeer, LIVEPEER_ENV)):
        p.add_argument("-o", "--output", required=True, type=Path, help="the WAV file to write")
        p.add_argument(
            "--base-url",
            help=f"API base URL (default: ${env.base_url_var}, then {env.default_base_url})",
        )
        p.add_argument("--proxy", help=PROXY_HELP)
    _add_key_flags(hamsa, "hamsa")
    _add_key_flags(livepeer, "livepeer")

    _add_key_flags(_batch_cli.add_parser(sub), None)
    _contract_cli.add_parser(sub)
    job = _job_cli.add_parser(sub)
    job.add_argument("--proxy", help=PROXY_HELP)
    _add_key_flags(job, "hamsa")

    _emulator_cli.add_parser(sub)
    return parser


def _add_key_flags(parser: argparse.ArgumentParser, vendor: str | None) -> None:
    """--api-key (Hamsa) / --api-token (Livepeer): the environment variable is safer (a flag is
    visible to other users in the process list), but a flag is what people try first."""
    if vendor in ("hamsa", None):
        parser.add_argument(
            "--api-key",
            metavar="KEY",
            help="Hamsa API key (default: $HAMSA_API_KEY, which keeps it out of the process list)",
        )
    if vendor in ("livepeer", None):
        parser.add_argument(
            "--api-token",
            metavar="TOKEN",
            help="Livepeer API token, optional on the community gateway "
            "(default: $LIVEPEER_API_TOKEN, which keeps it out of the process list)",
        )


def _key(args: argparse.Namespace, vendor: str) -> str | None:
    """The key from the flag or the environment; a missing one is named as a CLI user knows it."""
    if vendor == "hamsa":
        return resolve_key(
            getattr(args, "api_key", None), HAMSA_ENV, argument="api_key", flag="--api-key"
        )
    return resolve_key(
        getattr(args, "api_token", None), LIVEPEER_ENV, argument="api_token", flag="--api-token"
    )


def _text(value: str) -> str:
    """TEXT, or standard input for ``-``; either must be UTF-8, said in those words (a lone
    surrogate is how Python smuggles undecodable bytes, not something a user typed)."""
    if value != "-":
        source = "the TEXT argument"
        try:
            data = value.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError as exc:
            # Only U+DC80..U+DCFF stand for undecodable bytes; any other lone surrogate reached
            # main() from Python code, not from a terminal.
            raise InvalidRequestError(
                f"TEXT: {source} is not valid Unicode (a lone surrogate at character {exc.start})",
                param="text",
            ) from None
    else:
        stream = getattr(sys.stdin, "buffer", None)
        try:
            data = stream.read() if stream is not None else sys.stdin.read().encode()
        except (AttributeError, ValueError, OSError, UnicodeError) as exc:
            raise InvalidRequestError(
                f"TEXT: standard input cannot be read: {exc}", param="text"
            ) from None
        source = "standard input"
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidRequestError(
            f"TEXT: {source} is not valid UTF-8 ({exc.reason} at byte {exc.start}); "
            "convert it first, e.g. iconv -f LATIN1 -t UTF-8",
            param="text",
        ) from None


def _check_speak(args: argparse.Namespace, text: str) -> None:
    """Every argument, before the (billed) request: a bad one never follows a created job."""
    _speak_flags.check(args.vendor, text, _speak_flags.values(args, args.vendor))
    if args.vendor == "hamsa":
        _args.seconds(args.job_timeout, "job_timeout")
    _args.target_path(args.output, "output")


def _say(message: str, *, file: Any = None) -> None:
    """Print even what the terminal cannot encode (an undecodable file name from argv)."""
    stream = file or sys.stdout
    encoding = getattr(stream, "encoding", None) or "utf-8"
    print(message.encode(encoding, "backslashreplace").decode(encoding), file=stream)


def _speak(args: argparse.Namespace, progress: Progress) -> int:
    from . import Hamsa, Livepeer

    text = _text(args.text)
    _check_speak(args, text)
    if args.vendor == "hamsa":
        with Hamsa(_key(args, "hamsa"), base_url=args.base_url, proxy=args.proxy) as hamsa:
            try:
                job = hamsa.text_to_speech(text, **_speak_flags.values(args, "hamsa"))
            except KeyboardInterrupt:
                _say(
                    "speechspec: interrupted while the job was being created: it may exist "
                    "(and be billed) without its id having reached us; it was not sent again",
                    file=sys.stderr,
                )
                raise
            started = time.monotonic()

            def on_poll(current: Any) -> None:
                status = str(current.status)  # an enum member's value, or a status new to us
                progress.show(f"job {job.id}: {status} ({time.monotonic() - started:.0f}s)")

            try:
                done = hamsa.wait_for_job(job.id, timeout=args.job_timeout, on_poll=on_poll)
                path = hamsa.download(
                    hamsa.audio_url(done), args.output, on_progress=progress.download("audio")
                )
            except (KeyboardInterrupt, SpeechspecError) as exc:
                # The job exists and is billed: say how to get its audio without paying again.
                if not isinstance(exc, JobFailedError):
                    progress.done()
                    _say(
                        f"speechspec: job {job.id} was created (billed); get its audio with: "
                        f"speechspec job {job.id} -o {args.output}",
                        file=sys.stderr,
                    )
                raise
    else:
        with Livepeer(_key(args, "livepeer"), base_url=args.base_url, proxy=args.proxy) as livepeer:
            progress.show("synthesizing...", force=True)
            audio = livepeer.text_to_speech(text, **_speak_flags.values(args, "livepeer"))
            path = livepeer.download(
                livepeer.audio_url(audio), args.output, on_progress=progress.download("audio")
            )
    progress.done()
    _say(str(path))
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # usage errors, --help, --version: an exit code, like the rest
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    progress = Progress()
    vendor = "hamsa" if args.command == "job" else getattr(args, "vendor", "hamsa")
    try:
        if args.command == "speak":
            return _speak(args, progress)
        if args.command == "batch":
            return _batch_cli.command(args, progress, _key(args, args.vendor))
        if args.command == "contract":
            return _contract_cli.command(args)
        if args.command == "job":
            return _job_cli.command(args, progress, _key(args, "hamsa"))
        return _emulator_cli.command(args)
    except (InvalidRequestError, ConfigurationError) as exc:
        progress.done()
        message = _cli_messages.usage(exc, vendor, getattr(args, "base_url", None))
        _say(f"speechspec: error: {message}", file=sys.stderr)
        return EXIT_USAGE
    except SpeechspecError as exc:
        progress.done()
        message = _cli_messages.api(
            exc, vendor, getattr(args, "base_url", None), getattr(args, "job_id", None)
        )
        _say(f"speechspec: {message}", file=sys.stderr)
        return EXIT_API
    except OSError as exc:
        progress.done()
        _say(f"speechspec: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        progress.done()
        print("speechspec: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def run() -> None:
    sys.exit(main())
