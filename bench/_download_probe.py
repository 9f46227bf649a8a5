"""One download in a fresh process: prints seconds and peak RSS growth (MiB) as JSON.

The peak is the kernel's own high-water mark (VmHWM), reset to the current RSS just before the
download (writing 5 to /proc/self/clear_refs), so the growth is measured against the RSS just
before it (ru_maxrss would hide it under an earlier peak). Nothing samples while the download
runs: a sampling thread takes the GIL every few milliseconds, and it cost the variant with
more threads of its own (speechspec's writeback) more than the other."""

from __future__ import annotations

import base64
import gc
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * PAGE


def reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")


def peak() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def make_data_url(size: int) -> str:
    """Built from 768 KiB blocks (a multiple of 3: no padding inside), without a full-size
    bytes copy that would raise the RSS baseline."""
    raw_block = bytes(range(256)) * 3 * 1024
    block = base64.b64encode(raw_block).decode()
    full, rest = divmod(size, len(raw_block))
    return "".join(
        ["data:audio/wav;base64,", *([block] * full), base64.b64encode(raw_block[:rest]).decode()]
    )


def main() -> None:
    variant, source = sys.argv[1], sys.argv[2]
    workdir = Path(tempfile.mkdtemp())
    try:
        measure(variant, source, workdir / "out.wav")
    finally:
        # The output goes with the probe: a variant that leaves 256 MiB of dirty pages behind
        # (raw httpx never fsyncs) would otherwise hand its writeback to the next variant timed.
        shutil.rmtree(workdir, ignore_errors=True)


def measure(variant: str, source: str, out: Path) -> None:
    import httpx
    import speechspec

    url = make_data_url(int(source[5:])) if source.startswith("data:") else source
    client = speechspec.Livepeer()
    # Built before the clock starts, as speechspec's is: the client's SSL context alone costs
    # about 30 ms of a 0.6 s download (httpx.stream() would build one inside the timing).
    raw = httpx.Client()
    gc.collect()
    os.sync()  # every variant starts with no other process's writeback pending
    before = rss()
    reset_peak()
    started = time.perf_counter()
    if variant == "raw" and url.startswith("data:"):
        out.write_bytes(base64.b64decode(url.partition(",")[2]))
    elif variant in ("raw", "raw+fsync"):
        with raw.stream("GET", url) as response, out.open("wb") as fh:
            for chunk in response.iter_bytes(64 * 1024):
                fh.write(chunk)
            if variant == "raw+fsync":  # what durability costs, on its own
                fh.flush()
                os.fsync(fh.fileno())
    else:
        client.download(url, out, max_bytes=1 << 40)
    seconds = time.perf_counter() - started
    growth = (max(peak(), rss()) - before) / (1 << 20)
    print(json.dumps({"seconds": seconds, "rss_growth_mib": growth, "bytes": out.stat().st_size}))


if __name__ == "__main__":
    main()
