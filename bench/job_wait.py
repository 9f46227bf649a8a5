"""Job-wait bench (issue 16.2): how late wait_for_job notices a finished Hamsa job, and how
many polls it spends, for today's schedule and the new default, against the emulator.

Time is scaled per duration (SCALE: a 30 s job takes 3 s; every interval of each schedule is
scaled the same way), so overhead fractions and polls per job are what they would be unscaled,
but for the request latency, which does not scale (hence scaled jobs of >= 1 s); poll rates are
per unscaled second. One emulator process per duration (its ``--job-delay``)."""

from __future__ import annotations

import asyncio
import datetime
import statistics
import subprocess
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import speechspec

SCALE = {1.0: 1.0, 3.0: 0.5, 10.0: 0.2, 30.0: 0.1}
DURATIONS = tuple(SCALE)
JOBS = 7  # measured per duration and variant
WARM_UP = 3  # jobs a client completes before the "learned" ones are measured
TEXT = "مرحبا بكم في اختبار سرعة انتظار المهام"
# Today's schedule (before issue 16): first poll at once, 1 s, growing 1.5x up to 10 s.
OLD_FIRST, OLD_GROWTH, OLD_MAX = 1.0, 1.5, 10.0
# The new default, as hamsa.py sets it.
NEW_FLOOR, NEW_CEILING = 0.2, 10.0

Sample = tuple[float, int]  # (overhead as a fraction of the duration, polls)


def start_emulator(binary: Path, delay: float) -> tuple[subprocess.Popen[str], dict[str, str]]:
    proc = subprocess.Popen(
        [str(binary), "emulator", "--port", "0", "--job-delay", f"{delay:.6f}"],
        stdout=subprocess.PIPE,
        text=True,
    )
    env: dict[str, str] = {}
    assert proc.stdout is not None
    while len(env) < 4:
        name, _, value = proc.stdout.readline().strip().partition("=")
        env[name] = value
    return proc, env


async def one_job(
    client: speechspec.AsyncHamsa,
    duration: float,
    wait: Callable[[str], Awaitable[int]],
    delay: float = 0.0,
) -> Sample:
    await asyncio.sleep(delay)
    job = await client.text_to_speech(TEXT, voice_id="Amjad")
    assert isinstance(job.id, str)
    assert isinstance(job.created_at, datetime.datetime)
    polls = await wait(job.id)
    returned = time.time()
    # The emulator stamps createdAt (same machine, same wall clock) and completes the job
    # exactly its job delay later.
    scaled = duration * SCALE[duration]
    completed = job.created_at.timestamp() + scaled
    return (returned - completed) / scaled, polls


def old_wait(client: speechspec.AsyncHamsa, scale: float) -> Callable[[str], Awaitable[int]]:
    async def wait(job_id: str) -> int:
        interval, polls = OLD_FIRST * scale, 0
        while True:
            polls += 1
            job = await client.get_job(job_id)
            if getattr(job.status, "value", None) == "COMPLETED":
                return polls
            await asyncio.sleep(interval)
            interval = min(interval * OLD_GROWTH, OLD_MAX * scale)

    return wait


def new_wait(client: speechspec.AsyncHamsa, scale: float) -> Callable[[str], Awaitable[int]]:
    async def wait(job_id: str) -> int:
        polls = 0

        def count(_: Any) -> None:
            nonlocal polls
            polls += 1

        await client.wait_for_job(
            job_id,
            poll_interval=NEW_FLOOR * scale,
            max_poll_interval=NEW_CEILING * scale,
            on_poll=count,
        )
        return polls

    return wait


async def measure(env: dict[str, str], duration: float) -> dict[str, list[Sample]]:
    def client() -> speechspec.AsyncHamsa:
        return speechspec.AsyncHamsa(env["HAMSA_API_KEY"], base_url=env["HAMSA_BASE_URL"])

    scale = SCALE[duration]

    async def fresh(
        make_wait: Callable[[speechspec.AsyncHamsa, float], Any], delay: float = 0.0
    ) -> Sample:
        async with client() as c:
            return await one_job(c, duration, make_wait(c, scale), delay)

    async def learned() -> list[Sample]:
        async with client() as c:
            samples = [
                await one_job(c, duration, new_wait(c, scale)) for _ in range(WARM_UP + JOBS)
            ]
        return samples[WARM_UP:]

    # Warm both sides up (lazy imports, first connections) before anything is timed.
    await fresh(new_wait)
    # Fresh clients' jobs start staggered over one duration: less queueing, varied phases.
    step = duration * scale / JOBS
    today = asyncio.gather(*(fresh(old_wait, i * step) for i in range(JOBS)))
    cold = asyncio.gather(*(fresh(new_wait, (i + 0.5) * step) for i in range(JOBS)))
    results = await asyncio.gather(today, cold, learned())
    return {
        "today's schedule": list(results[0]),
        "new default, first job": list(results[1]),
        "new default, learned": list(results[2]),
    }


def run(binary: Path, row: Callable[..., None]) -> None:
    procs = [start_emulator(binary, d * SCALE[d]) for d in DURATIONS]
    try:

        async def everything() -> list[dict[str, list[Sample]]]:
            return list(
                await asyncio.gather(
                    *(measure(env, d) for (_, env), d in zip(procs, DURATIONS, strict=True))
                )
            )

        per_duration = asyncio.run(everything())
    finally:
        for proc, _ in procs:
            proc.terminate()
            proc.wait()
    totals: dict[str, list[float]] = {}
    for duration, variants in zip(DURATIONS, per_duration, strict=True):
        scenario = f"job wait, {duration:g} s job (time x{SCALE[duration]:g})"
        for name, samples in variants.items():
            new = name.startswith("new")
            overhead = statistics.median(s[0] for s in samples) * 100
            polls = statistics.mean(s[1] for s in samples)
            row(scenario, f"{name}: overhead", overhead, "% of dur.", None, "<= 10%" if new else "")
            row(scenario, f"{name}: polls", polls, "per job", None)
            total = totals.setdefault(name, [0.0, 0.0])
            total[0] += polls
            total[1] += duration
    for name, (polls, seconds) in totals.items():
        row(
            "job wait, all durations",
            f"{name}: polls per second",
            polls / seconds,
            "polls/s",
            None,
            "<= 1/s" if name.startswith("new") else "",
        )
