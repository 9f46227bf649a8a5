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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import _args, _batch_cli, _cli_messages, _contract_cli, _emulator_cli, _job_cli, _speak_flags
from ._cli_common import add_connection_flags, add_job_timeout, client, download_audio

# tcp_port was public here before the emulator command had its own module (0.3.0).
from ._emulator_cli import tcp_port as tcp_port
from ._progress import Progress
from ._version import __version__
from .errors import ConfigurationError, InvalidRequestError, JobFailedError, SpeechspecError

EXIT_OK, EXIT_API, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def _say(message: str, *, file: Any = None, end: str = "\n") -> None:
    """Print even what the terminal cannot encode (an undecodable file name from argv)."""
    stream = file or sys.stdout
    encoding = getattr(stream, "encoding", None) or "utf-8"
    print(message.encode(encoding, "backslashreplace").decode(encoding), file=stream, end=end)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.one_value: list[argparse.Action] = []  # before super(): it adds -h
        super().__init__(*args, **kwargs)

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        action = super().add_argument(*args, **kwargs)
        if (
            action.option_strings
            and action.nargs is None
            and kwargs.get("action", "store") == "store"
        ):
            self.one_value.append(action)
        return action

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, rest = super().parse_known_args(args, namespace)
        # Python 3.11's argparse takes `--opt=--` as the end-of-options marker and stores []
        # without calling the flag's type: every command would then see a list, not its value.
        for action in self.one_value:
            if getattr(parsed, action.dest, None) == []:
                self.error(f"argument {'/'.join(action.option_strings)}: expected one value")
        return parsed, rest

    def _print_message(self, message: str, file: Any = None) -> None:
        # argparse echoes bad arguments; one from undecodable argv bytes holds surrogates.
        if message:
            _say(message, file=file or sys.stderr, end="")


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
    for vendor, about in (
        ("hamsa", "Hamsa (asynchronous job)"),
        ("livepeer", "Livepeer AI Runner"),
    ):
        one = speak_sub.add_parser(vendor, help=about)
        one.add_argument("text", help="the text, or - to read standard input")
        _speak_flags.add(one, vendor)
        if vendor == "hamsa":
            add_job_timeout(one, "for the job")
        one.add_argument("-o", "--output", required=True, type=Path, help="the WAV file to write")
        add_connection_flags(one, vendor)

    _batch_cli.add_parser(sub)
    _contract_cli.add_parser(sub)
    _job_cli.add_parser(sub)
    _emulator_cli.add_parser(sub)
    return parser


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


def _speak(args: argparse.Namespace, progress: Progress) -> int:
    text = _text(args.text)
    fields = _speak_flags.values(args, args.vendor)
    # Every argument, before the (billed) request: a bad one never follows a created job.
    _speak_flags.check(args.vendor, text, fields)
    if args.vendor == "hamsa":
        _args.seconds(args.job_timeout, "job_timeout")
    _args.target_path(args.output, "output")
    with client(args, args.vendor) as api:
        if args.vendor == "livepeer":
            progress.show("synthesizing...", force=True)
            audio = api.text_to_speech(text, **fields)
            _say(str(download_audio(api, audio, args.output, progress)))
            return EXIT_OK
        try:
            job = api.text_to_speech(text, **fields)
        except KeyboardInterrupt:
            _say(
                "speechspec: interrupted while the job was being created: it may exist "
                "(and be billed) without its id having reached us; it was not sent again",
                file=sys.stderr,
            )
            raise
        try:
            done = _job_cli.wait(api, job.id, args.job_timeout, progress)
            path = download_audio(api, done, args.output, progress)
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
            return _batch_cli.command(args, progress)
        if args.command == "contract":
            return _contract_cli.command(args)
        if args.command == "job":
            return _job_cli.command(args, progress)
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
