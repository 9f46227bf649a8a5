"""wait_for_job: the poll schedule, what it learns, failure reasons, and its deadline (every
sleep, retry and request inside it ends by then, as JobTimeoutError)."""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import httpx
import pytest
import respx
from helpers import HAMSA_KEY, HAMSA_URL, call, create_answer, job, make, run
from rawserver import Conn, RawServer
from speechspec import _deadline, _jobs, _schedule, errors
from speechspec._schedule import JobHistory, PollSchedule

MODES = ["sync", "async"]
LATENCY = 0.05  # seconds a simulated status request takes
JOBS = f"{HAMSA_URL}/v1/jobs"
CREATE = f"{HAMSA_URL}/v1/jobs/text-to-speech"


class VirtualClock:
    """time.monotonic as the job-wait code sees it, advanced by every (fake) sleep; with
    ``real``, also by the real time that passes (requests, the code's own work)."""

    def __init__(self, real: bool = True) -> None:
        self.real = real
        self.base = time.monotonic()
        self.offset = 0.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return (time.monotonic() if self.real else self.base) + self.offset

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.offset += seconds


def _install(monkeypatch: pytest.MonkeyPatch, c: VirtualClock) -> VirtualClock:
    async def async_sleep(seconds: float) -> None:
        c.sleep(seconds)

    for module in (_jobs, _deadline, _schedule):
        monkeypatch.setattr(module, "monotonic", c.now)
    monkeypatch.setattr(_jobs, "_RNG", random.Random(7))
    monkeypatch.setattr(time, "sleep", c.sleep)
    monkeypatch.setattr(anyio, "sleep", async_sleep)
    return c


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> VirtualClock:
    return _install(monkeypatch, VirtualClock())


@pytest.fixture
def still_clock(monkeypatch: pytest.MonkeyPatch) -> VirtualClock:
    """Time passes only by sleeps: schedules are asserted exactly, whatever the machine's
    load makes of the real time a request takes."""
    return _install(monkeypatch, VirtualClock(real=False))


@pytest.fixture
def mock() -> Iterator[Any]:
    with respx.mock(assert_all_called=False) as m:
        yield m


def answer(status: str, **extra: Any) -> httpx.Response:
    done = {"mediaUrl": "https://m.example.com/a.wav"} if status == "COMPLETED" else {}
    return httpx.Response(200, json={"message": "ok", "data": job(status, **done, **extra)})


def job_done_at(clock: VirtualClock, seconds: float) -> Callable[[httpx.Request], httpx.Response]:
    """A job-status route whose job completes ``seconds`` after this call (virtual time)."""
    done_at = clock.now() + seconds

    def respond(request: httpx.Request) -> httpx.Response:
        return answer("COMPLETED" if clock.now() >= done_at else "PENDING")

    return respond


def jobs_in_a_row(
    mock: Any, clock: VirtualClock, mode: str, jobs: int, seconds: float, **wait: Any
) -> tuple[list[int], list[float]]:
    """One client creates ``jobs`` jobs of ``seconds`` each and waits for each in turn: the
    polls each took, and how late each was noticed (seconds after its completion)."""
    mock.post(CREATE).mock(side_effect=lambda r: httpx.Response(200, json=create_answer()))
    client = make("hamsa", mode)
    polls: list[int] = []
    overheads: list[float] = []
    for _ in range(jobs):
        route = mock.get(JOBS).mock(side_effect=job_done_at(clock, seconds))
        route.reset()
        created = clock.now()
        call(client, "text_to_speech", "x" * 50, voice_id="Amjad")
        call(client, "wait_for_job", "job-123", **wait)
        overheads.append(clock.now() - created - seconds)
        polls.append(route.call_count)
    return polls, overheads


# -- the schedule --------------------------------------------------------------------------


def test_schedule_is_proportional_to_the_age_within_floor_and_ceiling() -> None:
    schedule = PollSchedule(floor=0.2, ceiling=10.0)
    rng = random.Random(1)
    for age in [0.0, 0.5, 1.0, 2.0, 5.0, 20.0, 60.0, 500.0]:
        for _ in range(50):
            delay = schedule.delay(age, None, rng)
            assert 0.2 <= delay <= 10.0
            expected = min(max(0.15 * age, 0.2), 10.0)
            assert expected * 0.9 - 1e-9 <= delay <= max(expected * 1.1, 0.2) + 1e-9


def test_schedule_sleeps_until_the_predicted_completion_within_the_ceiling() -> None:
    schedule = PollSchedule(floor=0.2, ceiling=10.0)
    rng = random.Random(1)
    assert schedule.delay(1.0, 3.0, rng) == pytest.approx(2.0)
    assert schedule.delay(1.0, 30.0, rng) == 10.0  # never longer than max_poll_interval
    assert schedule.delay(2.95, 3.0, rng) == 0.2  # never shorter than poll_interval
    # Past the prediction: back to proportional intervals.
    assert 0.9 * 0.15 * 4.0 <= schedule.delay(4.0, 3.0, rng) <= 1.1 * 0.15 * 4.0


def test_history_learns_seconds_per_character_and_probes_downwards() -> None:
    history = JobHistory()
    assert history.predict(100) is None
    history.created("a", 100)
    history.completed("a", upper=2.0, saw_pending=True)
    assert history.predict(100) == pytest.approx(2.0)
    assert history.predict(50) == pytest.approx(1.0)
    assert history.lookup("a") is None  # finished jobs are forgotten
    # Found COMPLETED at the first (predicted) poll, again and again: keep, then probe lower,
    # faster each time (x1, x0.9, x0.81 ...): the probe is the next job's first poll (None: at
    # the prediction), the prediction what the last completion confirmed.
    first_poll = 2.0
    for i, name in enumerate("bcde"):
        history.created(name, 100)
        if i < 2:  # no streak yet: only the small step below the prediction (see STEP)
            assert history.probe(100) == pytest.approx(first_poll * (1 - _schedule.STEP))
        else:
            assert history.probe(100) == pytest.approx(first_poll)
        history.completed(name, upper=first_poll, saw_pending=False)
        assert history.predict(100) == pytest.approx(first_poll)
        first_poll *= 0.9**i
    assert history.probe(100) == pytest.approx(first_poll)
    # Never closer to the prediction than one poll_interval, nor above it.
    assert history.probe(100, floor=0.5) == pytest.approx(2.0 * 0.9 * 0.81 - 0.5)
    # A probe answered PENDING (at 1.0 s), then the poll at the prediction COMPLETED (sent a
    # little late): the prediction stands, the probe's time is a lower bound, and the next
    # probe bisects between them.
    confirmed = history.predict(100)
    assert confirmed is not None
    history.created("p", 100)
    history.completed("p", upper=confirmed + 0.01, saw_pending=True, probe_missed=1.0)
    assert history.predict(100) == pytest.approx(confirmed)
    assert history.probe(100) == pytest.approx((1.0 + confirmed) / 2)
    # No probe fits a poll_interval below the prediction and above the bound: the small step
    # below it; once one such probe missed, none for HOLD jobs.
    assert history.probe(100, floor=confirmed - 1.0) == pytest.approx(
        confirmed * (1 - _schedule.STEP)
    )
    history.created("s", 100)
    history.completed(
        "s", upper=confirmed, saw_pending=True, probe_missed=confirmed * 0.95, costly=True
    )
    assert history.probe(100, floor=0.1) is None
    # Completions at the first poll let the bound decay (x0.9 each), so a faster workload is
    # followed down.
    history.created("q", 100)
    history.completed("q", upper=confirmed, saw_pending=False)
    assert history.probe(100) == pytest.approx((0.9 * confirmed * 0.95 + confirmed) / 2)
    expected = confirmed
    # A PENDING answer before completion: the bracket's top, averaged in.
    history.created("f", 100)
    history.completed("f", upper=2.0, saw_pending=True)
    assert history.predict(100) == pytest.approx(expected + 0.5 * (2.0 - expected))
    before = history.predict(100)
    history.completed("unknown", upper=50.0, saw_pending=True)  # not ours: nothing learned
    assert history.predict(100) == before


@pytest.mark.parametrize("mode", MODES)
def test_a_probe_that_misses_costs_a_poll_not_lateness(
    mock: Any, still_clock: VirtualClock, mode: str
) -> None:
    """Jobs of a steady 1 s with poll_interval 0.2: the client probes below its estimate;
    a probe answered PENDING is followed by a poll at the estimate itself (before: a
    poll_interval after the probe, on every probe), so learned jobs are noticed when the
    estimate says; only a probe less than a poll_interval below it (STEP), tried once in
    HOLD jobs, may cost lateness, a poll_interval at most."""
    jobs = 13
    polls, overheads = jobs_in_a_row(mock, still_clock, mode, jobs, 1.0, poll_interval=0.2)
    learned = overheads[1:]
    assert all(0.0 <= o <= 0.2 + 1e-9 for o in learned), overheads
    assert sorted(learned)[len(learned) // 2] <= 1e-9, overheads
    assert sum(o > 1e-9 for o in learned) <= 1 + len(learned) // _schedule.HOLD, overheads
    assert all(p <= 2 for p in polls[1:]), polls
    assert 2 in polls[1:], polls  # it did probe, and miss
    assert sum(polls[1:]) <= 1.5 * len(polls[1:]), polls


@pytest.mark.parametrize("mode", MODES)
def test_an_estimate_within_a_poll_interval_still_falls(
    mock: Any, still_clock: VirtualClock, mode: str
) -> None:
    """Jobs of 1.3 s with poll_interval 0.6: the first is found done at 1.8 s, and no probe
    fits a poll_interval below the estimate (1.2 s is too early). Probes 5% below it bring the
    estimate down to within 5% of the duration; one found PENDING costs up to a poll_interval
    of lateness, so such a probe is tried again only HOLD jobs later."""
    jobs = 24
    _, overheads = jobs_in_a_row(mock, still_clock, mode, jobs, 1.3, poll_interval=0.6)
    assert overheads[0] == pytest.approx(0.5)
    assert all(0.0 <= o <= 0.6 + 1e-9 for o in overheads), overheads
    settled = overheads[jobs // 2 :]
    assert sorted(settled)[len(settled) // 2] <= 1.3 * _schedule.STEP / (1 - _schedule.STEP), (
        overheads
    )
    assert sum(o > 0.1 for o in settled) <= 1 + len(settled) // _schedule.HOLD, overheads


def test_history_is_bounded() -> None:
    history = JobHistory(max_jobs=3)
    for i in range(10):
        history.created(f"j{i}", 10)
    assert [history.lookup(f"j{i}") is not None for i in range(10)] == [False] * 7 + [True] * 3


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("duration", [1.0, 3.0, 10.0, 30.0])
def test_overhead_is_bounded_by_the_ratio_of_the_duration(
    mock: Any, still_clock: VirtualClock, mode: str, duration: float
) -> None:
    client = make("hamsa", mode)
    started = still_clock.now()
    respond, sent = job_done_at(still_clock, duration), []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(still_clock.now())
        still_clock.offset += LATENCY  # the request's way to the server, on the virtual clock
        return respond(request)

    route = mock.get(JOBS).mock(side_effect=record)
    call(client, "wait_for_job", "job-123", timeout=120)
    waited = still_clock.now() - started
    # Return no later than one interval (<= 16.5% of the age, or the 0.2 s floor) after
    # completion, plus one request's latency: intervals run send to send, so latencies do not
    # add up over the polls (they did, when each interval ran from the previous answer).
    assert duration <= waited <= duration + max(0.165 * duration, 0.2) + LATENCY + 1e-9
    # Polls are sent within [floor, ceiling] of each other.
    gaps = [b - a for a, b in itertools.pairwise(sent)]
    assert all(0.2 - 1e-9 <= g <= 10.0 + 1e-9 for g in gaps), gaps
    assert gaps[0] == pytest.approx(0.2), gaps  # a young job: the floor, not a latency more
    # Logarithmic in the duration: 0.2 s steps up to 1.33 s, then +>=13.5% per poll.
    assert route.call_count <= 8 + 1 + (duration / 1.33 > 1) * 1.1 * (
        __import__("math").log(max(duration / 1.33, 1)) / __import__("math").log(1.135)
    )


@pytest.mark.parametrize("mode", MODES)
def test_jobs_this_client_created_count_from_creation_and_learn_their_pace(
    mock: Any, clock: VirtualClock, mode: str
) -> None:
    polls, overheads = jobs_in_a_row(mock, clock, mode, 6, 5.0)
    # The first job: never polled at once (the create answer said PENDING), floor first.
    assert 0.15 <= clock.sleeps[0] <= 0.2
    # Later jobs: a few polls each (the prediction is kept, then probed lower: x0.9, x0.81,
    # a missed probe followed by a poll at the prediction), overhead within one proportional
    # interval.
    assert polls[0] >= 8, polls
    assert all(p <= 4 for p in polls[1:]), polls
    assert sum(polls[1:]) <= 2 * len(polls[1:]), polls
    assert all(-0.01 <= o <= 0.165 * 5.0 + 0.05 for o in overheads), overheads


# -- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_max_poll_interval_below_poll_interval_is_refused_before_any_request(
    mock: Any, mode: str
) -> None:
    route = mock.get(JOBS).respond(200, json={"data": job("COMPLETED")})
    with pytest.raises(errors.InvalidRequestError, match="max_poll_interval") as info:
        call(make("hamsa", mode), "wait_for_job", "j", poll_interval=5, max_poll_interval=1)
    assert info.value.param == "max_poll_interval"
    assert route.call_count == 0


# -- failure reasons -----------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("answer_json", "reason"),
    [
        ({"message": "ok", "data": job("FAILED", error="voice not found")}, "voice not found"),
        (
            {"message": "ok", "data": job("FAILED", failureReason="text too long")},
            "text too long",
        ),
        (
            {
                "message": "ok",
                "data": job(
                    "FAILED", jobResponse={"text": "t", "error": {"message": "TTS crashed"}}
                ),
            },
            "TTS crashed",
        ),
        (
            {"message": "Job failed: quota exceeded", "data": job("FAILED")},
            "Job failed: quota exceeded",
        ),
        ({"message": "success", "data": job("FAILED")}, None),
    ],
)
def test_job_failed_keeps_the_vendors_reason(
    mock: Any, clock: VirtualClock, mode: str, answer_json: dict[str, Any], reason: str | None
) -> None:
    mock.get(JOBS).mock(side_effect=[answer("PENDING"), httpx.Response(200, json=answer_json)])
    with pytest.raises(errors.JobFailedError) as info:
        call(make("hamsa", mode), "wait_for_job", "job-123")
    assert info.value.reason == reason
    assert info.value.job.status.value == "FAILED"
    if reason:
        assert str(info.value) == f"Hamsa job job-123 failed: {reason}"
    else:
        assert "no reason given" in str(info.value)


@pytest.mark.parametrize("mode", MODES)
def test_failure_reason_is_redacted_and_shortened(
    mock: Any, clock: VirtualClock, mode: str
) -> None:
    text = f"bad key Token {HAMSA_KEY} " + "x" * 2000
    mock.get(JOBS).respond(200, json={"message": "ok", "data": job("FAILED", error=text)})
    with pytest.raises(errors.JobFailedError) as info:
        call(make("hamsa", mode), "wait_for_job", "job-123")
    assert HAMSA_KEY not in str(info.value)
    assert info.value.reason is not None
    assert HAMSA_KEY not in info.value.reason
    assert "[REDACTED]" in info.value.reason
    assert len(info.value.reason) <= 500


# -- the deadline --------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_poll_sleeps_never_pass_the_deadline(mock: Any, clock: VirtualClock, mode: str) -> None:
    mock.get(JOBS).mock(side_effect=lambda r: answer("PENDING"))
    started = clock.now()
    with pytest.raises(errors.JobTimeoutError, match=r"did not finish within 7s") as info:
        call(make("hamsa", mode), "wait_for_job", "job-123", timeout=7, poll_interval=3)
    assert sum(clock.sleeps) <= 7.0
    assert clock.now() - started >= 7.0 - 3.0  # it did wait, up to the last poll it could fit
    assert info.value.job_id == "job-123"
    assert info.value.job.status.value == "PENDING"


@pytest.mark.parametrize("mode", MODES)
def test_retry_after_longer_than_the_time_left_ends_in_job_timeout(
    mock: Any, clock: VirtualClock, mode: str
) -> None:
    route = mock.get(JOBS).mock(
        side_effect=[answer("PENDING"), httpx.Response(429, headers={"Retry-After": "120"})]
    )
    with pytest.raises(
        errors.JobTimeoutError, match=r"after status 429 would wait 60s, past the deadline"
    ) as info:
        call(make("hamsa", mode), "wait_for_job", "job-123", timeout=5)
    assert sum(clock.sleeps) <= 5.0  # the virtual part: never sleeps past the deadline
    assert all(s < 5.0 for s in clock.sleeps)
    assert route.call_count == 2
    assert info.value.job.status.value == "PENDING"
    assert isinstance(info.value.__cause__, _deadline.DeadlineReached)


@pytest.mark.parametrize("mode", MODES)
def test_retries_inside_a_status_request_stop_at_the_deadline(
    mock: Any, clock: VirtualClock, mode: str
) -> None:
    # A short Retry-After is honoured while it fits, then the deadline ends the wait.
    route = mock.get(JOBS).mock(
        side_effect=lambda r: httpx.Response(503, headers={"Retry-After": "2"})
    )
    client = make("hamsa", mode, max_retries=100)
    with pytest.raises(errors.JobTimeoutError):
        call(client, "wait_for_job", "job-123", timeout=5)
    assert clock.sleeps == [2.0, 2.0]
    assert route.call_count == 3


def stall_forever(stop: threading.Event) -> Callable[[Conn], None]:
    def behaviour(conn: Conn) -> None:
        stop.wait(10)

    return behaviour


@pytest.mark.parametrize("mode", MODES)
def test_a_stalled_status_request_ends_at_the_deadline_as_job_timeout(mode: str) -> None:
    """A real loopback server that reads the request and never answers: the client's own
    timeout is 120 s, the wait's is 0.5 s."""
    stop = threading.Event()
    with RawServer(stall_forever(stop)) as server:
        client = make("hamsa", mode, base_url=server.url, max_retries=3)
        started = time.monotonic()
        try:
            with pytest.raises(errors.JobTimeoutError) as info:
                call(client, "wait_for_job", "job-123", timeout=0.5)
        finally:
            stop.set()
        elapsed = time.monotonic() - started
    assert 0.45 <= elapsed < 3.0
    assert not isinstance(info.value, errors.APIConnectionError)
    assert info.value.job is None
    assert len(server.requests) == 1  # the cut timeout ends the wait; no retry after it


@pytest.mark.parametrize("mode", MODES)
def test_a_slow_answer_after_pending_polls_ends_at_the_deadline(mode: str) -> None:
    """PENDING answers, then a status request that stalls: the wait still ends by its
    deadline, with the last job seen."""
    stop = threading.Event()
    body = httpx.Response(200, json={"message": "ok", "data": job("PENDING")}).content

    def behaviour(conn: Conn) -> None:
        if conn.attempt <= 2:
            conn.respond("200 OK", body)
        else:
            stop.wait(10)

    with RawServer(behaviour) as server:
        client = make("hamsa", mode, base_url=server.url)
        started = time.monotonic()
        try:
            with pytest.raises(errors.JobTimeoutError) as info:
                call(client, "wait_for_job", "job-123", timeout=1.0, poll_interval=0.1)
        finally:
            stop.set()
        elapsed = time.monotonic() - started
    assert 0.95 <= elapsed < 3.5
    assert info.value.job is not None
    assert info.value.job.status.value == "PENDING"
    assert len(server.requests) >= 3


@pytest.mark.parametrize("mode", MODES)
def test_a_job_created_long_ago_is_polled_at_once(
    mock: Any, clock: VirtualClock, mode: str
) -> None:
    mock.post(CREATE).respond(200, json=create_answer())
    route = mock.get(JOBS).mock(side_effect=lambda r: answer("COMPLETED"))
    client = make("hamsa", mode)
    call(client, "text_to_speech", "x" * 50, voice_id="Amjad")
    clock.sleep(120)  # the caller did other things (a batch creating its other jobs)
    clock.sleeps.clear()
    call(client, "wait_for_job", "job-123")
    assert clock.sleeps == []
    assert route.call_count == 1


@pytest.mark.parametrize("mode", MODES)
def test_the_emulators_failed_job_reason_reaches_job_failed_error(mode: str) -> None:
    """End to end, real HTTP: the emulator fails a job whose text carries its marker and says
    why in jobResponse.error and the answer's message."""
    from speechspec.emulator import EmulatorServer
    from speechspec.emulator._hamsa import FAIL_MARKER, FAILURE_REASON

    def create_and_wait(client: Any, text: str) -> Any:
        if mode == "sync":
            return client.wait_for_job(client.text_to_speech(text, voice_id="Amjad").id)

        async def both() -> Any:
            # One event loop for the create and the wait: the pool's connection belongs to it.
            try:
                created = await client.text_to_speech(text, voice_id="Amjad")
                return await client.wait_for_job(created.id)
            finally:
                await client.aclose()

        return run(both())

    with EmulatorServer(job_delay=0.05, use_espeak=False) as server:
        client = make("hamsa", mode, api_key=server.hamsa_key, base_url=server.hamsa_base_url)
        with pytest.raises(errors.JobFailedError) as info:
            create_and_wait(client, f"hello {FAIL_MARKER}")
    assert info.value.reason == FAILURE_REASON
    assert str(info.value) == f"Hamsa job {info.value.job.id} failed: {FAILURE_REASON}"
    assert info.value.job.status.value == "FAILED"
