"""`make bench`: speechspec against raw httpx (and livepeer-ai), measured alternately in one run.

Prints one table, every scenario with its target and PASS/MISS, and writes bench/results.json.
Ratios are against the scenario's baseline (raw httpx unless said) in the same run.
`bench.py NAME...` runs only the named steps (per_call, job_wait, loopback, downloads,
import_time, batch). Other modules add scenarios with ``run(row)``: bench/batch_bench.py's
``run`` is called when that module exists, with this module's ``row``."""

from __future__ import annotations

import asyncio
import cProfile
import io
import json
import os
import platform
import pstats
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
PY = sys.executable
BIN = Path(PY).parent
LP_BODY = json.dumps({"audio": {"url": "https://cdn.example.com/a.wav"}}).encode()
HAMSA_BODY = json.dumps(
    {
        "success": True,
        "message": "success",
        "data": {
            "id": "job-1",
            "type": "TTS",
            "status": "PENDING",
            "createdAt": "2026-11-22T10:00:00Z",
        },
    }
).encode()
ROWS: list[dict[str, Any]] = []
PROFILES: list[str] = []
_TARGET = re.compile(r"^(<=|>=)\s*([0-9.]+)\s*(x|%|/s|MiB|s)?$")


def verdict(target: str, value: float, ratio: float | None) -> str:
    """PASS or MISS for a target such as "<= 1.10x" (on the ratio when the row has one),
    ">= 0.95x", "<= 16 MiB", "<= 10%" or "<= 1/s" (on the value); "" without a target."""
    match = _TARGET.match(target.strip())
    if not match:
        return ""
    op, number, unit = match.group(1), float(match.group(2)), match.group(3)
    subject = ratio if unit == "x" and ratio is not None else value
    ok = subject <= number if op == "<=" else subject >= number
    return "PASS" if ok else "MISS"


def row(
    scenario: str, variant: str, value: float, unit: str, baseline: float | None, target: str = ""
) -> None:
    ratio = value / baseline if baseline else None
    # A scenario may decide its verdict itself ("<= 3 s PASS"): it knows what it measured.
    given = ""
    if target.endswith((" PASS", " MISS")):
        target, given = target[:-5], target[-4:]
    ROWS.append(
        {
            "scenario": scenario,
            "variant": variant,
            "value": round(value, 3),
            "unit": unit,
            "ratio": round(ratio, 3) if ratio else None,
            "target": target,
            "verdict": given or verdict(target, value, ratio),
        }
    )


def profile(title: str, fn: Callable[[], Any], calls: int = 2000, top: int = 10) -> None:
    """A cProfile summary of ``calls`` calls of ``fn``, kept for the output: the top functions
    by own time (where the CPU goes), then speechspec's and the generated code's by cumulative
    time (what each layer of ours costs, httpx included below it)."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        fn()
    profiler.disable()
    sections = []
    for order, restriction in (("tottime", ()), ("cumulative", (r"speechspec|_client/",))):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats(order).print_stats(*restriction, top)
        lines = [ln for ln in out.getvalue().splitlines() if ln.strip()]
        start = next((i for i, ln in enumerate(lines) if ln.lstrip().startswith("ncalls")), 0)
        sections.append(f"by {order}:\n" + "\n".join(_short(ln) for ln in lines[start:]))
    PROFILES.append(f"{title} ({calls} calls)\n" + "\n".join(sections))


def _short(line: str) -> str:
    # Site-packages paths are long and say little: keep the package-relative part.
    return re.sub(r"\S*/(site-packages|wrapper|generated)/", "", line)


def alternate(
    fns: dict[str, Callable[[], Any]],
    *,
    calls: int,
    rounds: int,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, list[float]]:
    """Microseconds per call of each variant, one sample a round, the variants timed in turn
    (in a rotating order) every round. ``clock`` time.process_time counts only this
    process's CPU time: on a shared machine, other processes' load then shows much less in
    CPU-bound scenarios."""
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for fn in fns.values():  # warm up
        for _ in range(50):
            fn()
    for r in range(rounds):
        names = list(fns)
        names = names[r % len(names) :] + names[: r % len(names)]
        for name in names:
            fn = fns[name]
            started = clock()
            for _ in range(calls):
                fn()
            samples[name].append((clock() - started) / calls * 1e6)
    return samples


def medians(samples: dict[str, list[float]]) -> dict[str, float]:
    return {name: statistics.median(v) for name, v in samples.items()}


def paired_ratio(samples: dict[str, list[float]], name: str, base: str) -> float:
    """The median of each round's own ratio of ``name`` to ``base``. A round's two timings
    are a fraction of a second apart, so load that comes and goes over seconds moves both;
    the ratio of two medians can pair a quiet moment with a busy one."""
    return statistics.median(a / b for a, b in zip(samples[name], samples[base], strict=True))


def per_variant_rows(
    scenario: str, samples: dict[str, list[float]], unit: str, targets: dict[str, str]
) -> None:
    """One row per variant: its median, and its ratio to the first variant (the baseline)
    as the median of paired rounds."""
    base = next(iter(samples))
    for name, values in samples.items():
        value = statistics.median(values)
        ratio = paired_ratio(samples, name, base)
        row(scenario, name, value, unit, value / ratio, targets.get(name, ""))


def mock_client(body: bytes, base_url: str = "") -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    return httpx.Client(transport=httpx.MockTransport(handler), base_url=base_url)


# -- 1. per-call overhead ------------------------------------------------------------------


# Rounds of the per-call scenarios, each variant timed once a round: the verdict is the median
# of the rounds' own ratios. With nine, the Hamsa row read 1.05-1.08x in most runs here and
# 1.11x and 1.16x in two whose raw httpx rounds were disturbed (in one, its layer row read 147
# us against 90): more rounds let fewer busy moments move the median.
PER_CALL_ROUNDS = 15


def per_call() -> None:
    import livepeer_ai
    import speechspec
    from hamsa_client import AuthenticatedClient as HamsaGen
    from hamsa_client.api.default import create_tts_job
    from hamsa_client.models import TTSRequest
    from livepeer_client import AuthenticatedClient as LivepeerGen
    from livepeer_client.api.generate import gen_text_to_speech
    from livepeer_client.models import TextToSpeechParams

    lp_url = "https://dream-gateway.livepeer.cloud/text-to-speech"
    raw = mock_client(LP_BODY)
    gen = LivepeerGen(base_url="https://dream-gateway.livepeer.cloud", token="t")
    gen.set_httpx_client(mock_client(LP_BODY, "https://dream-gateway.livepeer.cloud"))
    ours = speechspec.Livepeer("t", http_client=mock_client(LP_BODY))
    peer = livepeer_ai.Livepeer(http_bearer="t", client=mock_client(LP_BODY))
    body = {"model_id": "parler-tts/parler-tts-large-v1", "text": "Hello"}
    results = alternate(
        {
            "raw httpx": lambda: raw.post(
                lp_url, json=body, headers={"Authorization": "Bearer t"}
            ).json(),
            "generated sync_detailed": lambda: gen_text_to_speech.sync_detailed(
                client=gen, body=TextToSpeechParams(model_id=body["model_id"], text="Hello")
            ),
            "speechspec": lambda: ours.text_to_speech("Hello"),
            "livepeer-ai": lambda: peer.generate.text_to_speech(request=body),
        },
        calls=500,
        rounds=PER_CALL_ROUNDS,
        clock=time.process_time,
    )
    per_variant_rows(
        "per-call CPU, Livepeer (MockTransport)", results, "us/call", {"speechspec": "<= 1.10x"}
    )
    row(
        "per-call CPU, Livepeer (MockTransport)",
        "livepeer-ai / speechspec",
        paired_ratio(results, "livepeer-ai", "speechspec"),
        "x",
        None,
        ">= 7x",  # issue 16's aim (it was 5.8x)
    )
    profile("speechspec Livepeer.text_to_speech", lambda: ours.text_to_speech("Hello"))

    h_url = "https://api.tryhamsa.com/v1/jobs/text-to-speech"
    raw_h = mock_client(HAMSA_BODY)
    gen_h = HamsaGen(base_url="https://api.tryhamsa.com", token="k", prefix="Token")
    gen_h.set_httpx_client(mock_client(HAMSA_BODY, "https://api.tryhamsa.com"))
    ours_h = speechspec.Hamsa("k", http_client=mock_client(HAMSA_BODY))
    hbody = {"text": "مرحبا", "voiceId": "Amjad"}
    results = alternate(
        {
            "raw httpx": lambda: raw_h.post(
                h_url, json=hbody, headers={"Authorization": "Token k"}
            ).json(),
            "generated sync_detailed": lambda: create_tts_job.sync_detailed(
                client=gen_h, body=TTSRequest(text="مرحبا", voice_id="Amjad")
            ),
            "speechspec": lambda: ours_h.text_to_speech("مرحبا", voice_id="Amjad"),
        },
        calls=500,
        rounds=PER_CALL_ROUNDS,
        clock=time.process_time,
    )
    per_variant_rows(
        "per-call CPU, Hamsa (MockTransport)", results, "us/call", {"speechspec": "<= 1.10x"}
    )
    # Where a speechspec call's time goes, layer by layer (same run, same clock).
    from speechspec._generated.hamsa import CREATE_TTS_JOB
    from speechspec._options import NO_OPTIONS

    hargs = {"text": "مرحبا", "voice_id": "Amjad"}
    call = ours_h._operation_call(CREATE_TTS_JOB, hargs, NO_OPTIONS)
    answer = ours_h._sender.send(call)
    parts = alternate(
        {
            "raw httpx: build + send + read": lambda: raw_h.send(
                raw_h.build_request("POST", h_url, json=hbody, headers={"Authorization": "Token k"})
            ),
            "raw httpx: json.loads of the answer": lambda: json.loads(answer.content),
            "speechspec: arguments -> request (field table)": lambda: ours_h._operation_call(
                CREATE_TTS_JOB, hargs, NO_OPTIONS
            ),
            "speechspec: send (pipeline + httpx)": lambda: ours_h._sender.send(call),
            "speechspec: answer -> model (generated from_dict)": lambda: ours_h._operation_result(
                CREATE_TTS_JOB, call, answer
            ),
        },
        calls=500,
        rounds=7,
        clock=time.process_time,
    )
    for name, us in medians(parts).items():
        row("per-call CPU, Hamsa, by layer", name, us, "us/call", None)
    profile(
        "speechspec Hamsa.text_to_speech",
        lambda: ours_h.text_to_speech("مرحبا", voice_id="Amjad"),
    )


# -- 2 and 3. loopback against the emulator --------------------------------------------------


def start(cmd: list[str]) -> tuple[subprocess.Popen[str], dict[str, str]]:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    env: dict[str, str] = {}
    assert proc.stdout is not None
    while len(env) < 4:
        name, _, value = proc.stdout.readline().strip().partition("=")
        env[name] = value
    return proc, env


FAN_OUT = 500  # requests a round, per variant


def loopback() -> None:
    import speechspec

    proc, env = start([str(BIN / "speechspec"), "emulator", "--port", "0"])
    try:
        url = env["LIVEPEER_BASE_URL"] + "/text-to-speech"
        token = env["LIVEPEER_API_TOKEN"]
        raw = httpx.Client()
        ours = speechspec.Livepeer(token, base_url=env["LIVEPEER_BASE_URL"])
        body = {"model_id": "parler-tts/parler-tts-large-v1", "text": "Hello"}
        results = alternate(
            {
                "raw httpx": lambda: raw.post(
                    url, json=body, headers={"Authorization": f"Bearer {token}"}
                ).json(),
                "speechspec": lambda: ours.text_to_speech("Hello"),
            },
            calls=200,
            rounds=5,
        )
        rates = {name: [1e6 / us for us in values] for name, values in results.items()}
        per_variant_rows("loopback sequential (emulator, uvicorn)", rates, "calls/s", {})

        async def fan_out(kind: str) -> float:
            limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
            sem = asyncio.Semaphore(64)
            async with httpx.AsyncClient(limits=limits, timeout=60) as client:
                lp = speechspec.AsyncLivepeer(
                    token, base_url=env["LIVEPEER_BASE_URL"], http_client=client
                )

                async def one() -> None:
                    async with sem:
                        if kind == "raw":
                            r = await client.post(
                                url, json=body, headers={"Authorization": f"Bearer {token}"}
                            )
                            r.raise_for_status()
                            r.json()
                        else:
                            await lp.text_to_speech("Hello")

                started = time.perf_counter()
                await asyncio.gather(*(one() for _ in range(FAN_OUT)))
                return FAN_OUT / (time.perf_counter() - started)

        # Nine short rounds rather than three long ones: the rate is wall time against the
        # emulator, and on a loaded machine the load moves within a round of 2,000 requests
        # (15-30 s); the verdict pairs each round's two runs, seconds apart.
        samples: dict[str, list[float]] = {"raw httpx": [], "speechspec": []}
        for r in range(9):
            order = ["raw", "ours"] if r % 2 == 0 else ["ours", "raw"]
            for kind in order:
                samples["raw httpx" if kind == "raw" else "speechspec"].append(
                    asyncio.run(fan_out(kind))
                )
        per_variant_rows(
            f"fan-out {FAN_OUT} req, concurrency 64", samples, "req/s", {"speechspec": ">= 0.9x"}
        )
    finally:
        proc.terminate()
        proc.wait()


# -- 4. downloads ----------------------------------------------------------------------------


def downloads() -> None:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = subprocess.Popen([PY, str(HERE / "blobserver.py"), str(port)])
    try:
        deadline = time.time() + 20
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/blob/1")
                break
            except httpx.HTTPError:
                if time.time() > deadline:
                    raise
                time.sleep(0.1)
        for label, source, size in (
            (
                "download 256 MiB over loopback",
                f"http://127.0.0.1:{port}/blob/{256 << 20}",
                256 << 20,
            ),
            ("download 64 MiB data: URL", f"data:{64 << 20}", 64 << 20),
        ):
            names = ["raw", "speechspec"] + (["raw+fsync"] if source.startswith("http") else [])
            samples: dict[str, list[dict[str, float]]] = {name: [] for name in names}
            # 11 rounds: a round's two downloads can differ by a tenth (the heap's page faults
            # come and go with its layout, in every variant), and the verdict is their median.
            for r in range(11):
                for variant in names[r % len(names) :] + names[: r % len(names)]:
                    out = subprocess.run(
                        [PY, str(HERE / "_download_probe.py"), variant, source],
                        capture_output=True,
                        text=True,
                        check=True,
                    )
                    result = json.loads(out.stdout)
                    assert result["bytes"] == size, result
                    samples[variant].append(result)
            # MiB/s of every round, and each variant's ratio to raw as the median of its rounds'
            # own ratios (per_variant_rows).
            thr = {k: [size / s["seconds"] / (1 << 20) for s in v] for k, v in samples.items()}
            rss = {k: max(s["rss_growth_mib"] for s in v) for k, v in samples.items()}
            raw_name = "raw httpx stream" if source.startswith("http") else "raw b64decode"
            names_shown = {
                "raw": f"{raw_name} throughput",
                "speechspec": "speechspec throughput",
                "raw+fsync": "raw httpx stream + fsync throughput",
            }
            per_variant_rows(
                label,
                {names_shown[k]: v for k, v in thr.items()},
                "MiB/s",
                {"speechspec throughput": ">= 0.95x"},
            )
            row(label, f"{raw_name} peak RSS growth", rss["raw"], "MiB", None)
            row(label, "speechspec peak RSS growth", rss["speechspec"], "MiB", None, "<= 16 MiB")
    finally:
        server.terminate()
        server.wait()


# -- 5. import time --------------------------------------------------------------------------


def import_time() -> None:
    modules = ("httpx", "speechspec", "livepeer_ai")

    def measure(module: str) -> float:
        # CPU time of the import in a fresh interpreter: on a shared machine, wall-clock
        # import times (-X importtime) mostly measure when the scheduler ran someone else.
        code = (
            f"import time; t = time.process_time(); import {module}; print(time.process_time() - t)"
        )
        out = subprocess.run([PY, "-c", code], capture_output=True, text=True, check=True)
        return float(out.stdout) * 1000

    # Interleaved, in a rotating order: the machine's load drifts between runs.
    samples: dict[str, list[float]] = {m: [] for m in modules}
    for r in range(9):
        for module in modules[r % 3 :] + modules[: r % 3]:
            samples[module].append(measure(module))
    per_variant_rows(
        "import time (CPU, fresh interpreter)",
        {f"import {m}": v for m, v in samples.items()},
        "ms",
        {"import speechspec": "<= 1.2x"},
    )


def job_wait() -> None:
    import job_wait as scenario

    scenario.run(BIN / "speechspec", row)


def batch() -> None:
    """The batch throughput and corpus-scale scenarios: bench/batch_bench.py."""
    from batch_bench import run

    run(row)


STEPS: dict[str, Callable[[], None]] = {
    "per_call": per_call,
    "job_wait": job_wait,
    "loopback": loopback,
    "downloads": downloads,
    "import_time": import_time,
    "batch": batch,
}


def print_table(machine: str) -> None:
    header = ("scenario", "variant", "value", "unit", "ratio", "target", "result")
    table = [
        (
            r["scenario"],
            r["variant"],
            f"{r['value']:.2f}",
            r["unit"],
            f"{r['ratio']:.2f}x" if r["ratio"] else "",
            r["target"],
            r["verdict"],
        )
        for r in ROWS
    ]
    # Columns as wide as their widest cell: the dashes under the header give each column's
    # span, which is how tools/docs_hooks.py reads the table back for the chart.
    widths = [max([10, len(h)] + [len(c[i]) for c in table]) for i, h in enumerate(header)]
    print(f"\nspeechspec benchmark ({machine})\n")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    print("  ".join("-" * w for w in widths))
    for cells in table:
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
    verdicts = [r["verdict"] for r in ROWS if r["verdict"]]
    print(f"\n{verdicts.count('PASS')} PASS, {verdicts.count('MISS')} MISS")


def main(argv: list[str]) -> int:
    started = time.perf_counter()
    names = argv or list(STEPS)
    unknown = [n for n in names if n not in STEPS]
    if unknown:
        print(f"bench: unknown step(s) {unknown}; choose from {list(STEPS)}", file=sys.stderr)
        return 2
    sys.path.insert(0, str(HERE))
    for name in names:
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        STEPS[name]()
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"
    print_table(machine)
    for text in PROFILES:
        print(f"\nprofile: {text}")
    print(f"\n({time.perf_counter() - started:.0f} s)")
    (HERE / "results.json").write_text(
        json.dumps({"machine": machine, "rows": ROWS, "profiles": PROFILES}, indent=2) + "\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
