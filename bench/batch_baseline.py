"""The baseline for the batch throughput bench: what a user would write with asyncio + httpx.

    python bench/batch_baseline.py {hamsa|livepeer} LINES OUT_DIR CONCURRENCY [--durable]

The same work as ``speechspec batch``: per non-blank line, the POST, (Hamsa) polls of the job
until COMPLETED, and a streamed download to a temporary file renamed into place; the same
concurrency, one connection pool, and the same socket option as speechspec (TCP_NODELAY: without
it, plain httpx waits on delayed ACKs and is the easier bar). No journal, no fsync, no checks.
Reads the base URLs and keys from the environment like the CLI.

``--durable`` adds speechspec's durability guarantees and nothing else (no checks, no group
commit): an intent record appended to OUT_DIR/batch.journal and fsync'd before each POST, each
file fsync'd before its rename, the directory fsync'd after it, then a done record appended
(not fsync'd: the next intent's fsync, or the run's end, makes it durable, as in speechspec).
Each fsync runs in ``asyncio.to_thread``: a careful asyncio user does not block the event
loop, and the 15 other lines' requests with it, for the milliseconds an fsync takes."""

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


def fsync_path(path: Path) -> None:
    """fsync a file (by a new descriptor: the download's is closed, its connection back in the
    pool, before this blocking call) or a directory (after a rename into it)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


async def main(vendor: str, lines: Path, out: Path, concurrency: int, durable: bool) -> None:
    out.mkdir(parents=True, exist_ok=True)
    # Unbuffered O_APPEND: each record is one write, whole, in the order the loop wrote it.
    journal = (out / "batch.journal").open("ab", buffering=0) if durable else None
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
                digest = hashlib.sha256(text.encode()).hexdigest()[:12]
                key = f"{number:05d}-{digest}"
                if journal is not None:
                    journal.write(f"I\t{key}\n".encode())
                    await asyncio.to_thread(os.fsync, journal.fileno())
                url = await audio_url(text)
                target = out / f"{key}.wav"
                tmp = target.with_suffix(".part")
                async with client.stream("GET", url) as r:
                    r.raise_for_status()
                    with tmp.open("wb") as fh:
                        async for chunk in r.aiter_bytes():
                            fh.write(chunk)
                if journal is not None:
                    await asyncio.to_thread(fsync_path, tmp)
                os.replace(tmp, target)
                if journal is not None:
                    await asyncio.to_thread(fsync_path, out)
                    journal.write(f"D\t{key}\n".encode())

        with lines.open(encoding="utf-8") as fh:
            todo = [(n, t.strip()) for n, t in enumerate(fh, start=1) if t.strip()]
        try:
            await asyncio.gather(*(one(n, t) for n, t in todo))
        finally:
            if journal is not None:
                os.fsync(journal.fileno())  # the last done records, at the run's end
                journal.close()


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--durable"]
    durable = "--durable" in sys.argv[1:]
    asyncio.run(main(args[0], Path(args[1]), Path(args[2]), int(args[3]), durable))
