"""Job-wait bench (issue 16.2): how late wait_for_job notices a finished Hamsa job, and how
many polls it spends, for today's schedule and the new default, against the emulator.

Time is scaled per duration (SCALE: a 30 s job takes 3 s; every interval of each schedule is
scaled the same way), so overhead fractions and polls per job are what they would be unscaled,
but for the request latency, which does not scale (hence scaled jobs of >= 1 s); poll rates are
per unscaled second. One emulator process per duration (its ``--job-delay``)."""

from __future__ import annotations

import asyncio
import datetime
import math
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
# A client's first job: nothing tells it the duration (Hamsa's job has no progress or estimate,
# no Retry-After), so no schedule can be <= 10% late at every duration at <= 1 poll/s (the
# bound rows below; docs/performance.md, "Waiting for jobs"). The targets are what the shipped
# schedule guarantees: at most RATIO x (1 + JITTER) = 16.5% of the duration late, plus one
# request's latency; and its poll count at zero latency (the "shipped schedule" row), 1.57/s.
FIRST_LATE, FIRST_RATE = "<= 20%", "<= 1.6/s"
LEARNED_LATE, LEARNED_RATE = "<= 10%", "<= 1/s"


def polls_for_worst_lateness(late: float, shortest: float = 1.0) -> int:
    """The fewest polls any schedule spends over the bench's durations (summed) to be at most
    ``late`` late at every duration from ``shortest`` up. A job that completes just after a
    poll at t is noticed at the next poll, so each poll may come at most (1 + late) times the
    previous one's time, and the first at most (1 + late) x shortest: a job of D seconds takes
    at least 1 + ceil(log(D / ((1 + late) shortest)) / log(1 + late)) polls."""
    growth = 1.0 + late
    total = 0
    for duration in DURATIONS:
        first = growth * shortest
        extra = math.ceil(math.log(duration / first) / math.log(growth)) if duration > first else 0
        total += 1 + extra
    return total


def shipped_schedule(duration: float) -> tuple[int, float]:
    """Polls and lateness (fraction of ``duration``) of the shipped schedule on a first job,
    with no request latency and no jitter: first poll at the floor, then every
    max(floor, RATIO x age), at most the ceiling."""
    from speechspec._schedule import RATIO

    at, polls = NEW_FLOOR, 1
    while at < duration:
        at += min(max(RATIO * at, NEW_FLOOR), NEW_CEILING)
        polls += 1
    return polls, (at - duration) / duration


def bound(row: Callable[..., None]) -> None:
    from speechspec._schedule import JITTER, RATIO

    seconds = sum(DURATIONS)
    scenario = "job wait, first job: what any schedule can do"
    row(
        scenario,
        "<= 10% late at every duration >= 1 s: fewest polls/s",
        polls_for_worst_lateness(0.10) / seconds,
        "polls/s",
        None,
    )
    late = next(r / 1000 for r in range(100, 1000) if polls_for_worst_lateness(r / 1000) <= seconds)
    row(scenario, "<= 1 poll/s: least worst-case lateness", late * 100, "% of dur.", None)
    shipped = [shipped_schedule(d) for d in DURATIONS]
    row(
        scenario,
        "shipped schedule, no latency: polls/s",
        sum(p for p, _ in shipped) / seconds,
        "polls/s",
        None,
    )
    row(
        scenario,
        "shipped schedule: worst-case lateness (15% x 1.1)",
        RATIO * (1 + JITTER) * 100,
        "% of dur.",
        None,
    )


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
            late = "" if not new else LEARNED_LATE if "learned" in name else FIRST_LATE
            row(scenario, f"{name}: overhead", overhead, "% of dur.", None, late)
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
            "" if not name.startswith("new") else LEARNED_RATE if "learned" in name else FIRST_RATE,
        )
    bound(row)
