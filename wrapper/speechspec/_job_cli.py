"""The ``speechspec job`` command: a Hamsa job created elsewhere (another program, the web
console, a ``speak`` interrupted after the job was billed): its status, a wait for it, its audio.
Nothing here creates a job, so nothing here is billed."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from . import _args
from ._cli_common import add_connection_flags, add_job_timeout, client, download_audio
from ._progress import Progress

EPILOG = """\
Examples:
  speechspec job 5f0c...e1                      # status (and the audio URL once COMPLETED)
  speechspec job 5f0c...e1 --wait               # poll until the job ends
  speechspec job 5f0c...e1 -o hello.wav         # wait if needed, then download the audio

Exit codes: 0 the job is PENDING or COMPLETED (downloaded with -o); 1 the job FAILED, was not
found, or an API or network error; 2 bad input; 130 interrupted (the job is not affected)."""


def add_parser(sub: Any) -> argparse.ArgumentParser:
    job: argparse.ArgumentParser = sub.add_parser(
        "job",
        help="show, wait for or download an existing Hamsa job (never creates one)",
        description="Look up a Hamsa job by its id: its status, and with -o its audio.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    job.add_argument("job_id", metavar="JOB_ID", help="the job's id, as speak or the API printed")
    job.add_argument("--wait", action="store_true", help="poll until the job is done")
    job.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE",
        help="download the job's audio to this WAV file (waits for the job first)",
    )
    add_job_timeout(job, "with --wait or -o")
    add_connection_flags(job, "hamsa")
    return job


def wait(hamsa: Any, job_id: str, timeout: float, progress: Progress) -> Any:
    """Poll the job until it ends, its status and the time waited on the progress line."""
    started = time.monotonic()

    def on_poll(current: Any) -> None:
        # str(): an enum member's value, or a status new to us.
        progress.show(f"job {job_id}: {current.status!s} ({time.monotonic() - started:.0f}s)")

    return hamsa.wait_for_job(job_id, timeout=timeout, on_poll=on_poll)


def command(args: argparse.Namespace, progress: Progress) -> int:
    job_id = _args.job_id(args.job_id)
    _args.seconds(args.job_timeout, "job_timeout")
    if args.output is not None:
        _args.target_path(args.output, "output")
    with client(args, "hamsa") as hamsa:
        if args.wait or args.output is not None:
            job = wait(hamsa, job_id, args.job_timeout, progress)
            progress.done()
        else:
            job = hamsa.get_job(job_id)
        status = str(job.status)
        print(f"job {job.id}: {status}", flush=True)
        if status == "COMPLETED":
            print(f"audio: {hamsa.audio_url(job)}", flush=True)
            if args.output is not None:
                print(str(download_audio(hamsa, job, args.output, progress)), flush=True)
        elif status == "PENDING" and not args.wait:
            print(f"  not finished yet: speechspec job {job_id} --wait (or -o FILE)", flush=True)
    return 1 if status == "FAILED" else 0
