"""A vendor's new request field reaches the user with no handwritten edit: in a copy of the
repository, add an optional and a required field to each vendor document, run the generators
(`make generate`), then type-check (mypy --strict) a user file passing them as keyword
arguments and send them through `speechspec speak`; remove one and see the type error."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import job

ROOT = Path(__file__).resolve().parent.parent
# The request schema of each vendor's text-to-speech operation, in its vendored document.
SCHEMAS = {"hamsa": "TTSRequest", "livepeer": "TextToSpeechParams"}
ADDED = {
    # optional, with limits and a server default the client must never send
    "speakingRate": {
        "type": "number",
        "minimum": 0.5,
        "maximum": 2,
        "default": 1,
        "description": "How fast the voice speaks.",
    },
    # required
    "styleName": {"type": "string", "minLength": 1, "description": "The speaking style."},
}
WAV = b"RIFF$\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00@\x1f\x00\x00\x80>\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00"

USER_FILE = """
from speechspec import Hamsa, Livepeer
from hamsa_client.models import TTSResponseData
from livepeer_client.models import AudioResponse


def use(hamsa: Hamsa, livepeer: Livepeer) -> None:
    job: TTSResponseData = hamsa.text_to_speech(
        "hi", voice_id="v", style_name="calm", speaking_rate=1.5
    )
    audio: AudioResponse = livepeer.text_to_speech("hi", style_name="calm", speaking_rate=1.5)
    print(job, audio)
"""


def _edit_documents(root: Path, fields: dict[str, Any], required: list[str]) -> None:
    for vendor, schema_name in SCHEMAS.items():
        path = root / "specs" / vendor / "openapi.yaml"
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        schema = document["components"]["schemas"][schema_name]
        for name in ADDED:
            schema["properties"].pop(name, None)
        schema["properties"].update(fields)
        schema["required"] = [
            *(r for r in schema.get("required", []) if r not in ADDED),
            *required,
        ]
        path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")


def _env(root: Path) -> dict[str, str]:
    paths = [str(root / "wrapper"), str(root / "generated")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths), "MYPYPATH": os.pathsep.join(paths)}


def _run(root: Path, *cmd: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd,
        cwd=cwd or root,
        env=_env(root),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _generate(root: Path) -> None:
    # What `make generate` runs: tools/generate.py renders the typed surface (surface.py) and its
    # sync twin (unasync.py) itself, so running those two again after it only redid their work.
    proc = _run(root, sys.executable, "tools/generate.py")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _mypy(root: Path, user_dir: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    mypy = Path(sys.executable).parent / "mypy"
    return _run(
        root,
        str(mypy),
        "--strict",
        # One cache for the module, kept across runs (conftest.py mypy_cache: mypy checks each
        # file's size and hash against it): a later run re-checks only the files that differ
        # and what depends on them.
        "--cache-dir",
        str(cache),
        "--config-file",
        os.devnull,
        "user.py",
        cwd=user_dir,
    )


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("repo")
    ignore = shutil.ignore_patterns("__pycache__", "node_modules", "*.pyc", ".mypy_cache")
    for part in ("specs", "tools", "wrapper", "generated"):
        shutil.copytree(ROOT / part, root / part, ignore=ignore)
    _edit_documents(root, ADDED, ["styleName"])
    _generate(root)
    return root


class _Recorder(http.server.BaseHTTPRequestHandler):
    bodies: list[dict[str, Any]] = []  # noqa: RUF012 (one server per test)

    def log_message(self, *args: Any) -> None:
        pass

    def _answer(self, payload: Any, content_type: str = "application/json") -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.bodies.append(json.loads(self.rfile.read(length)))
        media = f"http://127.0.0.1:{self.server.server_address[1]}/audio.wav"
        if self.path.endswith("/v1/jobs/text-to-speech"):
            self._answer({"success": True, "message": "ok", "data": job("PENDING")})
        else:
            self._answer({"audio": {"url": media}})

    def do_GET(self) -> None:
        media = f"http://127.0.0.1:{self.server.server_address[1]}/audio.wav"
        if self.path.startswith("/v1/jobs?"):
            self._answer({"message": "ok", "data": job("COMPLETED", mediaUrl=media)})
        else:
            self._answer(WAV, "audio/wav")


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    bodies: list[dict[str, Any]] = []
    handler = type("Handler", (_Recorder,), {"bodies": bodies})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", bodies
    finally:
        server.shutdown()
        server.server_close()


def test_new_fields_are_typed_keyword_arguments(
    repo: Path, tmp_path: Path, mypy_cache: Path
) -> None:
    (tmp_path / "user.py").write_text(USER_FILE, encoding="utf-8")
    proc = _mypy(repo, tmp_path, mypy_cache)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # A wrong type for the new field is a type error too: the argument is really typed.
    (tmp_path / "user.py").write_text(
        USER_FILE.replace("speaking_rate=1.5)", 'speaking_rate="fast")'), encoding="utf-8"
    )
    proc = _mypy(repo, tmp_path, mypy_cache)
    assert proc.returncode == 1
    assert 'Argument "speaking_rate"' in proc.stdout


def test_new_fields_are_documented(repo: Path) -> None:
    source = (repo / "wrapper/speechspec/_generated/livepeer.py").read_text(encoding="utf-8")
    assert "speaking_rate: How fast the voice speaks. At least 0.5; at most 2." in source
    assert "The server's default: 1." in source
    assert "style_name: The speaking style. At least 1 character(s). Required." in source


@pytest.mark.parametrize("vendor", ["hamsa", "livepeer"])
def test_new_fields_are_speak_flags(
    repo: Path, tmp_path: Path, vendor: str, recorder: tuple[str, list[dict[str, Any]]]
) -> None:
    base_url, bodies = recorder
    out = tmp_path / "out.wav"
    key = ["--api-key", "k"] if vendor == "hamsa" else ["--api-token", "t"]
    voice = ["--voice-id", "v"] if vendor == "hamsa" else []
    command = [sys.executable, "-m", "speechspec", "speak", vendor, "hi", *voice, *key]
    command += ["--base-url", base_url, "-o", str(out)]
    # The required field is a required flag: refused before anything is sent.
    proc = _run(repo, *command)
    assert proc.returncode == 2
    assert "--style-name" in proc.stderr
    assert bodies == []
    proc = _run(repo, *command, "--style-name", "calm", "--speaking-rate", "1.5")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert out.read_bytes() == WAV
    assert bodies[0]["styleName"] == "calm"
    assert bodies[0]["speakingRate"] == 1.5
    # Out of the field's range: refused by the client, naming the flag as typed, nothing sent.
    proc = _run(repo, *command, "--style-name", "calm", "--speaking-rate", "9")
    assert proc.returncode == 2
    assert "--speaking-rate must be" in proc.stderr
    assert len(bodies) == 1


def test_server_default_is_never_sent(
    repo: Path, tmp_path: Path, recorder: tuple[str, list[dict[str, Any]]]
) -> None:
    base_url, bodies = recorder
    command = [sys.executable, "-m", "speechspec", "speak", "livepeer", "hi", "--style-name", "x"]
    proc = _run(repo, *command, "--base-url", base_url, "-o", str(tmp_path / "a.wav"))
    assert proc.returncode == 0, proc.stderr
    assert "speakingRate" not in bodies[0]
    assert "description" not in bodies[0]


def test_removed_field_is_a_type_error(repo: Path, tmp_path: Path, mypy_cache: Path) -> None:
    # Its own copy: the other tests (maybe in another worker) keep the field.
    repo = shutil.copytree(repo, tmp_path / "repo", ignore=shutil.ignore_patterns("__pycache__"))
    _edit_documents(repo, {"styleName": ADDED["styleName"]}, ["styleName"])
    _generate(repo)
    (tmp_path / "user.py").write_text(USER_FILE, encoding="utf-8")
    proc = _mypy(repo, tmp_path, mypy_cache)
    assert proc.returncode == 1
    assert 'Unexpected keyword argument "speaking_rate"' in proc.stdout
    proc = _run(repo, sys.executable, "-m", "speechspec", "speak", "livepeer", "--help")
    assert "--style-name" in proc.stdout
    assert "--speaking-rate" not in proc.stdout
