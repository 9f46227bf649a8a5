"""The spec-diff engine, @useoptic/optic 1.0.9 (tools/optic_diff.js), as one Node process kept
for the life of the Python process that uses it.

Loading optic takes about a second of CPU and one diff a tenth of that; `make specs`, the
release tools and the tests diff many document pairs in one process, so the bridge runs in
``--serve`` mode: one ``["BASE.json", "HEAD.json"]`` line in, one JSON line out. A bridge that
died is started again for the next diff; it is closed when the interpreter exits.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import selectors
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any

from _common import ROOT, ToolError, run_cache, write_atomic

NODE_BRIDGE = ROOT / "tools" / "optic_diff.js"
TIMEOUT = 300.0  # seconds for one diff, as the one-shot run allowed


class _Bridge:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._pid = 0  # the Python process that started it (a fork starts its own)
        self._stderr: IO[bytes] | None = None
        self._buffer = b""

    def _start(self) -> subprocess.Popen[bytes]:
        if not (ROOT / "tools" / "node_modules" / "@useoptic" / "optic").is_dir():
            raise ToolError("optic is not installed: run `make tools-node` (npm ci in tools/)")
        if shutil.which("node") is None:
            raise ToolError("node is not on PATH: the spec diff needs Node.js (20) for optic")
        # A file, not a pipe: it can never fill up; closed by close().
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115
        self._buffer = b""
        self._proc = subprocess.Popen(
            ["node", str(NODE_BRIDGE), "--serve"],  # noqa: S607
            cwd=tempfile.gettempdir(),
            env={**os.environ, "OPTIC_TELEMETRY_LEVEL": "off"},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            bufsize=0,
        )
        self._pid = os.getpid()
        return self._proc

    def _running(self) -> subprocess.Popen[bytes]:
        proc = self._proc
        if proc is None or proc.poll() is not None or self._pid != os.getpid():
            proc = self._start()
        return proc

    def _error(self, what: str) -> ToolError:
        text = ""
        if self._stderr is not None:
            self._stderr.seek(0)
            text = self._stderr.read().decode("utf-8", "replace").strip()
        self.close()
        return ToolError(f"optic failed: {what}\n{text}".rstrip())

    def _read_line(self, proc: subprocess.Popen[bytes]) -> bytes:
        assert proc.stdout is not None
        deadline = time.monotonic() + TIMEOUT
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stdout, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    raise self._error(f"no answer in {TIMEOUT:.0f} s")
                chunk = os.read(proc.stdout.fileno(), 1 << 20)
                if not chunk:
                    raise self._error("the Node process exited")
                self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line

    def diff(self, base: Path, head: Path) -> dict[str, Any]:
        with self._lock:
            proc = self._running()
            assert proc.stdin is not None
            try:
                proc.stdin.write(json.dumps([str(base), str(head)]).encode() + b"\n")
            except BrokenPipeError:
                raise self._error("the Node process exited") from None
            answer: dict[str, Any] = json.loads(self._read_line(proc))
        if "error" in answer:
            raise ToolError(f"optic failed:\n{answer['error']}")
        return answer

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and self._pid == os.getpid():
            if proc.stdin is not None:
                proc.stdin.close()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None


_BRIDGE = _Bridge()
atexit.register(_BRIDGE.close)


def _shared_answer(texts: list[str]) -> Path | None:
    """In the test suite's tools cache (tools/_common.py run_cache), where a pair already
    diffed keeps its answer, named by the two documents (the cache's directory is named by the
    bridge, optic's lockfile and Node: tests/conftest.py). The suite's release flow diffs one
    pair in five tool processes, each starting Node (~1 s of CPU) for it. None when no cache
    is set (users' runs: nothing hashed)."""
    if run_cache("") is None:
        return None
    digest = hashlib.sha256()
    for text in texts:
        digest.update(b"\0" + text.encode())
    return run_cache(f"optic-{digest.hexdigest()}.json")


def run_optic(base: dict[str, Any], head: dict[str, Any]) -> dict[str, Any]:
    """optic's changelog and failed checks for ``base`` -> ``head`` (tools/optic_diff.js)."""
    texts = [json.dumps(doc) for doc in (base, head)]
    shared = _shared_answer(texts)
    if shared is not None and shared.is_file():
        cached: dict[str, Any] = json.loads(shared.read_text(encoding="utf-8"))
        return cached
    with tempfile.TemporaryDirectory(prefix="speechspec-optic-") as tmp:
        paths = []
        for name, text in zip(("base", "head"), texts, strict=True):
            path = Path(tmp) / f"{name}.json"
            path.write_text(text, encoding="utf-8")
            paths.append(path)
        answer = _BRIDGE.diff(*paths)  # raises on optic's failures: never recorded
    if shared is not None:
        write_atomic(shared, json.dumps(answer))
    return answer
