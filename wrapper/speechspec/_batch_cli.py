"""The ``speechspec batch`` command: its options, its checks, its report."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from typing import Any

from . import _batch_args
from ._batch import Summary
from ._batch_input import check_lines
from ._cli_common import add_connection_flags, add_job_timeout, client
from ._config import LIVEPEER_DEFAULT_MODEL_ID
from ._progress import Progress
from .errors import InvalidRequestError

EPILOG = """\
Each non-blank line becomes OUT_DIR/<line number>-<text hash>.wav. Rerun the same command to
resume: lines whose file exists are skipped without a request; a Hamsa job created by an
interrupted run is polled and downloaded, not created again (the journal in
OUT_DIR/.speechspec-batch/ records every job before it is waited for). A line whose POST was
in flight when the run died may have been billed: it is reported as uncertain and not sent
again unless you pass --retry-uncertain. The run stops early when the first answers all say
every line will fail (401/403, 404 on the route, connection refused).

Split a corpus over N processes or machines sharing OUT_DIR:
  speechspec batch hamsa corpus.txt --voice-id Amjad --out-dir audio --shard 1/4
  ...
  speechspec batch hamsa corpus.txt --voice-id Amjad --out-dir audio --shard 4/4

Every option and the whole file are checked before the first request: a line that is not
UTF-8 or is over 1 MiB, a file with no text, --concurrency outside 1..1000, or an --out-dir
that cannot be written is refused with exit code 2, and nothing is sent.

Exit codes: 0 every line done or skipped; 1 a line failed, is uncertain, or the run stopped
early; 2 bad input; 130 interrupted: Ctrl-C or SIGTERM (rerun to resume)."""


def add_parser(sub: Any) -> argparse.ArgumentParser:
    batch: argparse.ArgumentParser = sub.add_parser(
        "batch",
        help="synthesize every line of a file, resumably",
        description="Synthesize every line of a UTF-8 text file to its own WAV file.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    batch.add_argument("vendor", choices=("hamsa", "livepeer"), help="which API to use")
    batch.add_argument("lines", help="a UTF-8 text file, one text per line")
    batch.add_argument(
        "--out-dir", required=True, help="where the WAV files go (created if missing)"
    )
    batch.add_argument(
        "--concurrency", type=int, default=4, help="lines in flight at once (default 4)"
    )
    batch.add_argument("--voice-id", help="Hamsa voice, e.g. Amjad (required for hamsa)")
    add_job_timeout(batch, "for each job (hamsa)")
    batch.add_argument(
        "--model-id",
        default=LIVEPEER_DEFAULT_MODEL_ID,
        help=f"livepeer: the model (default {LIVEPEER_DEFAULT_MODEL_ID})",
    )
    batch.add_argument("--description", help="livepeer: the speaker, e.g. 'A calm female voice'")
    batch.add_argument(
        "--shard",
        metavar="K/N",
        help="process only share K of N (lines numbered K, K+N, K+2N, ...), so N processes "
        "can split one corpus over the same --out-dir without overlap",
    )
    batch.add_argument(
        "--fail-fast",
        action="store_true",
        help="send no new line after the first failure (lines in flight finish)",
    )
    batch.add_argument(
        "--retry-uncertain",
        action="store_true",
        help="send again the lines whose earlier POST may have been billed (see below)",
    )
    add_connection_flags(batch, "hamsa", "livepeer")
    return batch


def command(args: argparse.Namespace, progress: Progress) -> int:
    from ._batch import run_batch
    from ._batch_vendor import HamsaVendor, LivepeerVendor, Vendor

    shard = _batch_args.check(args)  # every option, before the key, the file or a request
    summary = Summary(total=check_lines(args.lines, shard))  # every line read before a POST
    api = client(args, args.vendor, asynchronous=True)
    vendor: Vendor
    if args.vendor == "hamsa":
        vendor = HamsaVendor(api, voice_id=args.voice_id, job_timeout=args.job_timeout)
    else:
        vendor = LivepeerVendor(api, model_id=args.model_id, description=args.description)
    try:
        args.out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a read-only mount, a race: what os.access cannot foresee
        raise InvalidRequestError(
            f"--out-dir {args.out_dir} cannot be created ({exc.strerror or exc})", param="out_dir"
        ) from None

    async def main() -> Summary:
        # SIGTERM (a job runner stopping us) is a Ctrl-C: in-flight POSTs get journaled.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            task = asyncio.current_task()
            if task is not None:
                asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        async with api:
            return await run_batch(
                vendor,
                args.lines,
                args.out_dir,
                shard=shard,
                concurrency=args.concurrency,
                retry_uncertain=args.retry_uncertain,
                fail_fast=args.fail_fast,
                progress=progress,
                summary=summary,
            )

    try:
        asyncio.run(main())
    except (KeyboardInterrupt, asyncio.CancelledError):
        progress.done()
        report(summary, interrupted=True)
        raise KeyboardInterrupt from None
    report(summary)
    return 0 if summary.ok else 1


def report(summary: Summary, *, interrupted: bool = False) -> None:
    s = summary
    counts = f"done {s.done}, skipped {s.skipped}, failed {s.failed_count}"
    if s.uncertain:
        counts += f", uncertain {len(s.uncertain)}"
    if interrupted:
        # Lines the workers never took are counted nowhere else: they are the rest.
        finished = s.done + s.skipped + s.failed_count + len(s.uncertain)
        s.not_attempted = max(0, s.total - finished - s.in_flight)
        if s.in_flight:
            counts += f", interrupted {s.in_flight}"
    if s.not_attempted or interrupted:
        counts += f", not attempted {s.not_attempted}"
    if s.resumed:
        counts += f" ({s.resumed} done from jobs journaled by an earlier run)"
    print(counts, flush=True)
    err = sys.stderr
    if s.stopped:
        print(f"speechspec: {s.stopped}", file=err)
    for number, message in s.failed:
        print(f"  line {number}: {message}", file=err)
    if s.failed_count > len(s.failed):
        print(f"  ... and {s.failed_count - len(s.failed)} more failures", file=err)
    for number, message in s.uncertain:
        print(f"  line {number}: uncertain: {message}", file=err)
    if interrupted and s.journal is not None:
        print(
            f"speechspec: jobs in flight are journaled in {s.journal}; "
            "rerun the same command to finish them without paying twice",
            file=err,
        )
    elif interrupted:
        print("speechspec: rerun the same command to finish the rest", file=err)
