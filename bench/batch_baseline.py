"""The baseline for the batch throughput bench: what a user would write with asyncio + httpx.

    python bench/batch_baseline.py {hamsa|livepeer} LINES OUT_DIR CONCURRENCY

The same work as ``speechspec batch``: per non-blank line, the POST, (Hamsa) polls of the job
until COMPLETED, and a streamed download to a temporary file renamed into place; the same
concurrency, one connection pool, and the same socket option as speechspec (TCP_NODELAY: without
it, plain httpx waits on delayed ACKs and is the easier bar). No journal, no fsync, no checks.
Reads the base URLs and keys from the environment like the CLI."""

from __future__ import annotations

import asyncio
import hashlib
import os
import socket
import sys
from pathlib import Path

import httpx

MODEL = "parler-tts/parler-tts-large-v1"
POLL = 0.1


async def main(vendor: str, lines: Path, out: Path, concurrency: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    sem = asyncio.Semaphore(concurrency)
    if vendor == "hamsa":
        base = os.environ["HAMSA_BASE_URL"]
        auth = {"Authorization": f"Token {os.environ['HAMSA_API_KEY']}"}
    else:
        base = os.environ["LIVEPEER_BASE_URL"]
        auth = {"Authorization": f"Bearer {os.environ['LIVEPEER_API_TOKEN']}"}

    nodelay = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
    transport = httpx.AsyncHTTPTransport(socket_options=nodelay)
    async with httpx.AsyncClient(timeout=120, transport=transport) as client:

        async def audio_url(text: str) -> str:
            if vendor == "livepeer":
                r = await client.post(
                    f"{base}/text-to-speech", json={"model_id": MODEL, "text": text}, headers=auth
                )
                r.raise_for_status()
                url: str = r.json()["audio"]["url"]
                # A gateway's host-less /stream/ path is relative to the base URL, prefix
                # included (as Livepeer.audio_url resolves it).
                return base + url if url.startswith("/") else url
            r = await client.post(
                f"{base}/v1/jobs/text-to-speech",
                json={"text": text, "voiceId": "Amjad"},
                headers=auth,
            )
            r.raise_for_status()
            job_id = r.json()["data"]["id"]
            while True:
                r = await client.get(f"{base}/v1/jobs", params={"jobId": job_id}, headers=auth)
                r.raise_for_status()
                job = r.json()["data"]
                if job["status"] == "COMPLETED":
                    return str(job["mediaUrl"])
                await asyncio.sleep(POLL)

        async def one(number: int, text: str) -> None:
            async with sem:
                url = await audio_url(text)
                digest = hashlib.sha256(text.encode()).hexdigest()[:12]
                target = out / f"{number:05d}-{digest}.wav"
                tmp = target.with_suffix(".part")
                async with client.stream("GET", url) as r:
                    r.raise_for_status()
                    with tmp.open("wb") as fh:
                        async for chunk in r.aiter_bytes():
                            fh.write(chunk)
                os.replace(tmp, target)

        with lines.open(encoding="utf-8") as fh:
            todo = [(n, t.strip()) for n, t in enumerate(fh, start=1) if t.strip()]
        await asyncio.gather(*(one(n, t) for n, t in todo))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])))
