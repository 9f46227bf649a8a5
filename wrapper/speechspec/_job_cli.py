"""The ``speechspec job`` command: a Hamsa job created elsewhere (another program, the web
console, a ``speak`` interrupted after the job was billed): its status, a wait for it, its audio.
Nothing here creates a job, so nothing here is billed."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from . import _args
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
    job.add_argument(
        "--job-timeout",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="seconds to wait with --wait or -o (default 300)",
    )
    job.add_argument(
        "--base-url",
        help="API base URL (default: $HAMSA_BASE_URL, then https://api.tryhamsa.com)",
    )
    return job


def command(args: argparse.Namespace, progress: Progress, key: str | None) -> int:
    from . import Hamsa

    job_id = _args.job_id(args.job_id)
    _args.seconds(args.job_timeout, "job_timeout")
    if args.output is not None:
        _args.target_path(args.output, "output")
    with Hamsa(key, base_url=args.base_url, proxy=args.proxy) as hamsa:
        if args.wait or args.output is not None:
            started = time.monotonic()

            def on_poll(current: Any) -> None:
                elapsed = time.monotonic() - started
                progress.show(f"job {job_id}: {current.status} ({elapsed:.0f}s)")

            job = hamsa.wait_for_job(job_id, timeout=args.job_timeout, on_poll=on_poll)
            progress.done()
        else:
            job = hamsa.get_job(job_id)
        status = str(job.status)
        print(f"job {job.id}: {status}", flush=True)
        if status == "COMPLETED":
            url = hamsa.audio_url(job)
            print(f"audio: {url}", flush=True)
            if args.output is not None:
                path = hamsa.download(url, args.output, on_progress=progress.download("audio"))
                progress.done()
                print(str(path), flush=True)
        elif status == "PENDING" and not args.wait:
            print(f"  not finished yet: speechspec job {job_id} --wait (or -o FILE)", flush=True)
    return 1 if status == "FAILED" else 0
