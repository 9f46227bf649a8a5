"""The outermost middleware: records every request and applies configured or header faults."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import ClientDisconnect
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import _gojson
from ._faults import FAULT_HEADER, Fault
from ._state import EmulatorState

LIVEPEER_PREFIX = "/livepeer"
FAIL_JOB_SCOPE_KEY = "speechspec.fail_job"
PIPELINE_SCOPE_KEY = "speechspec.pipeline_fault"


def fault_response(fault: Fault, path: str, state: EmulatorState) -> Response:
    status = fault.status or 500
    headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
    if fault.html:
        page = f"<html><head><title>{status} Emulated Error</title></head><body>proxy</body></html>"
        return Response(page, status_code=status, headers=headers, media_type="text/html")
    body: dict[str, Any]
    if not path.startswith(LIVEPEER_PREFIX):
        body = {"code": status, "message": "emulated fault"}
    elif state.livepeer_mode == "runner":
        body = {"detail": {"msg": "emulated fault"}}
    else:
        body = _gojson.error_body(status, "emulated fault")
    return JSONResponse(body, status_code=status, headers=headers)


class Recorder:
    """Records (method, path, status) of every request but the emulator's own routes."""

    def __init__(self, app: ASGIApp, state: EmulatorState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/__emulator__"):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        entry: dict[str, Any] = {"method": scope["method"], "path": path, "status": None}
        self.state.requests.append(entry)
        fault = self._fault(scope)
        if fault is not None:
            if fault.latency:
                await asyncio.sleep(fault.latency)
            if fault.status is not None:
                entry["status"] = fault.status
                await fault_response(fault, path, self.state)(scope, receive, send)
                return
            if fault.fail_job:
                scope = {**scope, FAIL_JOB_SCOPE_KEY: True}
            if fault.pipeline is not None:
                scope = {**scope, PIPELINE_SCOPE_KEY: fault.pipeline}

        async def record(message: Message) -> None:
            if message["type"] == "http.response.start":
                entry["status"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record)
        except ClientDisconnect:
            # The client went away before its body arrived: nobody is left to answer, and a
            # real gateway just drops the request; no traceback in the emulator's log (the
            # request log keeps status None: no answer was sent).
            return

    def _fault(self, scope: Scope) -> Fault | None:
        path = scope["path"]
        specs = list(self.state.faults)
        for name, value in scope.get("headers", []):
            if name.decode("latin-1").lower() == FAULT_HEADER:
                try:
                    specs.append(Fault.parse(value.decode("latin-1")))
                except ValueError:
                    continue
        for fault in specs:
            if self.state.counter.fires(fault, path):
                return fault
        return None
