"""`make bench`: speechspec against raw httpx (and livepeer-ai), measured alternately in one run.

Prints one table and writes bench/results.json. Ratios are speechspec / raw httpx unless said."""

from __future__ import annotations

import asyncio
import json
import os
import platform
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


def row(
    scenario: str, variant: str, value: float, unit: str, baseline: float | None, target: str = ""
) -> None:
    ratio = value / baseline if baseline else None
    ROWS.append(
        {
            "scenario": scenario,
            "variant": variant,
            "value": round(value, 3),
            "unit": unit,
            "ratio_to_raw_httpx": round(ratio, 3) if ratio else None,
            "target": target,
        }
    )


def alternate(fns: dict[str, Callable[[], Any]], *, calls: int, rounds: int) -> dict[str, float]:
    """Median microseconds per call, each variant timed in turn, every round."""
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for fn in fns.values():  # warm up
        for _ in range(50):
            fn()
    for r in range(rounds):
        names = list(fns)
        names = names[r % len(names) :] + names[: r % len(names)]
        for name in names:
            fn = fns[name]
            started = time.perf_counter()
            for _ in range(calls):
                fn()
            samples[name].append((time.perf_counter() - started) / calls * 1e6)
    return {name: statistics.median(v) for name, v in samples.items()}


def mock_client(body: bytes, base_url: str = "") -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    return httpx.Client(transport=httpx.MockTransport(handler), base_url=base_url)


# -- 1. per-call overhead ------------------------------------------------------------------


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
        rounds=9,
    )
    base = results["raw httpx"]
    for name, us in results.items():
        target = {"speechspec": "<= 1.15x"}.get(name, "")
        row("per-call overhead, Livepeer (MockTransport)", name, us, "us/call", base, target)
    row(
        "per-call overhead, Livepeer (MockTransport)",
        "livepeer-ai / speechspec",
        results["livepeer-ai"] / results["speechspec"],
        "x",
        None,
        ">= 2x",
    )

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
        rounds=9,
    )
    base = results["raw httpx"]
    for name, us in results.items():
        row(
            "per-call overhead, Hamsa (MockTransport)",
            name,
            us,
            "us/call",
            base,
            "<= 1.15x" if name == "speechspec" else "",
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
        base = 1e6 / results["raw httpx"]
        for name, us in results.items():
            row("loopback sequential (emulator, uvicorn)", name, 1e6 / us, "calls/s", base)

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
                await asyncio.gather(*(one() for _ in range(2000)))
                return 2000 / (time.perf_counter() - started)

        samples: dict[str, list[float]] = {"raw httpx": [], "speechspec": []}
        for r in range(3):
            order = ["raw", "ours"] if r % 2 == 0 else ["ours", "raw"]
            for kind in order:
                samples["raw httpx" if kind == "raw" else "speechspec"].append(
                    asyncio.run(fan_out(kind))
                )
        base = statistics.median(samples["raw httpx"])
        for name, values in samples.items():
            row(
                "fan-out 2000 req, concurrency 64",
                name,
                statistics.median(values),
                "req/s",
                base,
                ">= 0.9x" if name == "speechspec" else "",
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
            samples: dict[str, list[dict[str, float]]] = {"raw": [], "speechspec": []}
            for r in range(5):
                for variant in ["raw", "speechspec"] if r % 2 == 0 else ["speechspec", "raw"]:
                    out = subprocess.run(
                        [PY, str(HERE / "_download_probe.py"), variant, source],
                        capture_output=True,
                        text=True,
                        check=True,
                    )
                    result = json.loads(out.stdout)
                    assert result["bytes"] == size, result
                    samples[variant].append(result)
            thr = {
                k: statistics.median(size / s["seconds"] / (1 << 20) for s in v)
                for k, v in samples.items()
            }
            rss = {k: max(s["rss_growth_mib"] for s in v) for k, v in samples.items()}
            raw_name = "raw httpx stream" if source.startswith("http") else "raw b64decode"
            row(label, f"{raw_name} throughput", thr["raw"], "MiB/s", thr["raw"])
            row(label, "speechspec throughput", thr["speechspec"], "MiB/s", thr["raw"], ">= 0.9x")
            row(label, f"{raw_name} peak RSS growth", rss["raw"], "MiB", None)
            row(label, "speechspec peak RSS growth", rss["speechspec"], "MiB", None, "<= 16 MiB")
    finally:
        server.terminate()
        server.wait()


# -- 5. import time --------------------------------------------------------------------------


def import_time() -> None:
    def measure(module: str) -> float:
        values = []
        for _ in range(7):
            out = subprocess.run(
                [PY, "-X", "importtime", "-c", f"import {module}"],
                capture_output=True,
                text=True,
                check=True,
            )
            for line in out.stderr.splitlines():
                parts = [p.strip() for p in line.split("|")]
                if len(parts) == 3 and parts[2] == module:
                    values.append(int(parts[1]) / 1000)
        return statistics.median(values)

    results = {m: measure(m) for m in ("httpx", "speechspec", "livepeer_ai")}
    for module, ms in results.items():
        row(
            "import time (-X importtime, cumulative)",
            f"import {module}",
            ms,
            "ms",
            results["httpx"],
            "<= 1.3x" if module == "speechspec" else "",
        )


def batch() -> None:
    """The batch throughput and corpus-scale scenarios: bench/batch_bench.py."""
    from batch_bench import run

    run(row)


def main() -> int:
    started = time.perf_counter()
    for step in (per_call, loopback, downloads, import_time, batch):
        print(f"bench: {step.__name__} ...", file=sys.stderr, flush=True)
        step()
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"
    widths = (44, 34, 12, 8, 10, 10)
    header = ("scenario", "variant", "value", "unit", "vs httpx", "target")
    print(f"\nspeechspec benchmark ({machine})\n")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for r in ROWS:
        ratio = f"{r['ratio_to_raw_httpx']:.2f}x" if r["ratio_to_raw_httpx"] else ""
        cells = (r["scenario"], r["variant"], f"{r['value']:.2f}", r["unit"], ratio, r["target"])
        print("  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)))
    print(f"\n({time.perf_counter() - started:.0f} s)")
    (HERE / "results.json").write_text(
        json.dumps({"machine": machine, "rows": ROWS}, indent=2) + "\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
