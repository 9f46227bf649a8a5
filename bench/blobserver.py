"""A loopback server of large bodies for the download benchmark: GET /blob/<bytes>."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

_BLOCK = bytes(range(256)) * 4096  # 1 MiB


async def blob(request: Request) -> StreamingResponse:
    size = int(request.path_params["size"])

    async def body() -> AsyncIterator[bytes]:
        left = size
        while left > 0:
            piece = _BLOCK[: min(left, len(_BLOCK))]
            left -= len(piece)
            yield piece

    return StreamingResponse(body(), media_type="audio/wav", headers={"content-length": str(size)})


app = Starlette(routes=[Route("/blob/{size:int}", blob)])

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
