"""The scaling recipes of docs/scaling.md, run as written: GNU parallel's line, and the
Kubernetes Indexed Job's container command once per completion index (as its pods would, at
the same time, over one shared directory). Every line must come out exactly once, with one
billed POST per line."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from speechspec.emulator import EmulatorServer

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "scaling.md"
LINES = 23  # not a multiple of 4: the last shard is shorter


def recipe(name: str) -> str:
    match = re.search(
        rf"<!-- recipe: {name} -->\n```\w+\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S
    )
    assert match, f"docs/scaling.md has no `{name}` recipe"
    return match.group(1)


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(job_delay=0.05, use_espeak=False) as srv:
        yield srv


def user_env(server: EmulatorServer) -> dict[str, str]:
    return {
        **os.environ,
        # `speechspec` on PATH, as in an image or a venv where it was pip-installed.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HAMSA_BASE_URL": server.hamsa_base_url,
        "HAMSA_API_KEY": server.hamsa_key,
    }


def corpus(directory: Path) -> Path:
    path = directory / "corpus.txt"
    path.write_text("".join(f"line {n} of the corpus\n" for n in range(LINES)), encoding="utf-8")
    return path


def assert_each_line_once(server: EmulatorServer, audio: Path) -> None:
    wavs = sorted(audio.glob("*.wav"))
    assert len(wavs) == LINES
    numbers = sorted(int(p.name.partition("-")[0]) for p in wavs)
    assert numbers == list(range(1, LINES + 1))
    posts = [r for r in server.requests() if r["method"] == "POST"]
    assert len(posts) == LINES  # one billed POST per line: no shard overlapped another


@pytest.mark.skipif(
    shutil.which("parallel") is None, reason="GNU parallel: apt-get install parallel"
)
def test_gnu_parallel_recipe(server: EmulatorServer, tmp_path: Path) -> None:
    command = recipe("gnu-parallel").strip()
    assert "--shard {}/4 ::: 1 2 3 4" in command
    corpus(tmp_path)
    server.clear_requests()
    done = subprocess.run(
        ["bash", "-c", command],
        cwd=tmp_path,
        env=user_env(server),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("failed 0") == 4
    assert_each_line_once(server, tmp_path / "audio")
    journals = sorted(p.name for p in (tmp_path / "audio" / ".speechspec-batch").iterdir())
    assert [j for j in journals if j.endswith(".journal")] == [
        f"{k}-of-4.journal" for k in range(1, 5)
    ]


def test_kubernetes_indexed_job_recipe(server: EmulatorServer, tmp_path: Path) -> None:
    job = yaml.safe_load(recipe("kubernetes-indexed-job"))
    spec = job["spec"]
    assert job["kind"] == "Job" and spec["completionMode"] == "Indexed"
    (container,) = spec["template"]["spec"]["containers"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["SHARDS"] == str(spec["completions"])
    assert container["command"] == ["sh", "-c"]
    (script,) = container["args"]
    mount = container["volumeMounts"][0]["mountPath"]
    data = tmp_path / "data"
    data.mkdir()
    corpus(data)
    server.clear_requests()
    # The pods: one process per completion index, all at once, sharing the volume.
    pods = [
        subprocess.Popen(
            ["sh", "-c", script.replace(mount, str(data))],
            env={**user_env(server), "SHARDS": env["SHARDS"], "JOB_COMPLETION_INDEX": str(i)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(spec["completions"])
    ]
    outputs = [pod.communicate(timeout=300) for pod in pods]
    for pod, (out, err) in zip(pods, outputs, strict=True):
        assert pod.returncode == 0, out + err
    assert_each_line_once(server, data / "audio")

    # A pod restarted after its shard finished (backoffLimitPerIndex) pays for nothing.
    server.clear_requests()
    again = subprocess.run(
        ["sh", "-c", script.replace(mount, str(data))],
        env={**user_env(server), "SHARDS": env["SHARDS"], "JOB_COMPLETION_INDEX": "2"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    assert "done 0, skipped 6" in again.stdout  # lines 3, 7, 11, 15, 19, 23
    assert server.requests() == []
