"""The README's webhook handler, served by uvicorn and called by the emulator's webhook."""

from __future__ import annotations

import importlib
import socket
import threading
import time
from collections.abc import Iterator
from types import ModuleType

import pytest

pytest.importorskip("starlette", reason="the webhook example is a Starlette route")

import httpx
import speechspec
import uvicorn
from speechspec.emulator import EmulatorServer
from starlette.applications import Starlette
from starlette.routing import Route

SECRET = "whsec-userproject"


@pytest.fixture
def handler(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("HAMSA_WEBHOOK_SECRET", SECRET)
    return importlib.import_module("readme_webhook")


@pytest.fixture
def webhook_url(handler: ModuleType) -> Iterator[str]:
    app = Starlette(routes=[Route("/hamsa", handler.hamsa_webhook, methods=["POST"])])
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started, "the webhook server did not start"
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/hamsa"
    server.should_exit = True
    thread.join(10)


def test_the_readme_handler_accepts_the_real_webhook(
    speechspec_emulator: EmulatorServer, webhook_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    emu = speechspec_emulator
    with speechspec.Hamsa(emu.hamsa_key, base_url=emu.hamsa_base_url) as hamsa:
        job = hamsa.text_to_speech(
            "مرحبا", voice_id="Amjad", webhook_url=webhook_url, webhook_auth=("Token", SECRET)
        )
    deadline = time.monotonic() + 20
    printed = ""
    while time.monotonic() < deadline and "COMPLETED" not in printed:
        time.sleep(0.05)
        printed += capsys.readouterr().out
    assert f"job {job.id} COMPLETED" in printed


def test_the_readme_handler_refuses_a_forged_call(webhook_url: str) -> None:
    forged = httpx.post(webhook_url, json={"id": "x"}, headers={"Authorization": "Token guess"})
    assert forged.status_code == 401
