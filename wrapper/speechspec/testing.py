"""pytest plugin for apps built on speechspec (``pip install 'speechspec[testing]'``).

Fixtures:

- ``speechspec_emulator``: the emulator of both vendors running on loopback for the session
  (``.hamsa_base_url``, ``.livepeer_base_url``, ``.hamsa_key``, ``.livepeer_token``,
  ``.requests()``); its request log is cleared before each test.
- ``hamsa_mock`` / ``livepeer_mock``: respx mocks of the vendors' default base URLs answering
  spec-valid bodies; ``queue_error(status, ...)`` makes the next call(s) fail.

    def test_my_app(hamsa_mock):
        hamsa_mock.queue_error(429, headers={"Retry-After": "0"})
        ...

The fixtures cannot be fooled by the environment: for the test's duration each pins the
variables a client reads when it is built (``HAMSA_BASE_URL`` and ``HAMSA_API_KEY``, or the
Livepeer pair) to what it serves: the mocks to the vendor's default URL and a fake key
(``.api_key``), the emulator to its own URLs and keys. So a bare ``Hamsa()`` in a test talks to
the fixture even in a shell where ``speechspec emulator``'s lines, or a real key, were exported.

``async def`` tests need an asyncio plugin: the ``testing`` extra brings pytest-asyncio; mark
them ``@pytest.mark.asyncio`` or set ``asyncio_mode = "auto"`` in your pytest configuration.

The plugin is registered by the package's ``pytest11`` entry point, so it loads in every pytest
run of a project that installed speechspec, with or without the extra. It therefore imports
nothing beyond the core at load time: respx and the emulator's server are imported when a
fixture that needs them is set up, and a missing extra fails that test alone, saying what to
install, never the collection of a run that does not use the fixtures.
"""

from __future__ import annotations

import base64
import contextlib
import importlib
import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol

import httpx
import pytest

from ._config import HAMSA_DEFAULT_BASE_URL, HAMSA_ENV, LIVEPEER_DEFAULT_BASE_URL, LIVEPEER_ENV

if TYPE_CHECKING:
    import respx

    from .emulator import EmulatorServer

_INSTALL_HINT = "pip install 'speechspec[testing]'"

# The fake keys the mocks pin (they accept any key; these only make a bare client buildable).
MOCK_HAMSA_KEY = "test-hamsa-key"
MOCK_LIVEPEER_TOKEN = "test-livepeer-token"  # noqa: S105 (a fake, by design)

# The third-party modules each fixture needs, all installed by the `testing` extra.
_EXTRA_MODULES = frozenset({"respx", "starlette", "uvicorn", "jsonschema", "rfc3339_validator"})


class Emulator(Protocol):
    """What the ``speechspec_emulator`` fixture gives: a running
    ``speechspec.emulator.EmulatorServer``. For annotations in your tests, importable without
    the extra (``from speechspec.testing import Emulator``), so a test module that annotates
    with it still imports in a core-only install."""

    @property
    def base_url(self) -> str: ...
    @property
    def hamsa_base_url(self) -> str: ...
    @property
    def livepeer_base_url(self) -> str: ...
    @property
    def hamsa_key(self) -> str: ...
    @property
    def livepeer_token(self) -> str | None: ...
    def requests(self) -> list[dict[str, Any]]:
        """The requests received so far (method, path, status), in order."""
        ...

    def clear_requests(self) -> None: ...


if TYPE_CHECKING:

    def _is_an_emulator(server: EmulatorServer) -> Emulator:
        return server  # mypy checks here that the Protocol matches the real server


def _require(fixture: str, module: str) -> ModuleType:
    """Import ``module`` for ``fixture``, or fail the test naming the extra to install.
    Only a missing third-party module of the extra is reported so; any other import error
    is a bug and propagates as it is."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] not in _EXTRA_MODULES:
            raise
        missing = exc.name
    # Outside the handler: one message, no chained traceback.
    pytest.fail(
        f"speechspec's `{fixture}` fixture needs the `testing` extra "
        f"(No module named {missing!r}): {_INSTALL_HINT}",
        pytrace=False,
    )


def _tone_wav(fixture: str) -> bytes:
    wav: bytes = _require(fixture, "speechspec.emulator._audio").tone_wav("speechspec")
    return wav


class VendorMock:
    """A respx router for one vendor, with errors to serve before the normal answers."""

    def __init__(self, router: respx.MockRouter, base_url: str, api_key: str = "") -> None:
        self.router = router
        self.base_url = base_url
        #: The fake key pinned in the environment for the test (any key is accepted).
        self.api_key = api_key
        self._queue: list[httpx.Response] = []

    def queue_error(
        self,
        status: int,
        json: Any = None,
        *,
        text: str | None = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """The next ``times`` API calls answer ``status`` (with a JSON or text body)."""
        for _ in range(times):
            if text is not None:
                self._queue.append(httpx.Response(status, text=text, headers=headers))
            else:
                body = json if json is not None else {"message": f"queued error {status}"}
                self._queue.append(httpx.Response(status, json=body, headers=headers))

    def _next(self, normal: httpx.Response) -> httpx.Response:
        return self._queue.pop(0) if self._queue else normal

    @property
    def calls(self) -> respx.models.CallList:
        return self.router.calls


def _job(job_id: str, status: str, media: str | None) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    data: dict[str, Any] = {
        "id": job_id,
        "type": "TTS",
        "status": status,
        "createdAt": now,
        "updatedAt": now,
    }
    if media:
        data["mediaUrl"] = media
        data["jobResponse"] = {"text": "", "ttsMediaFile": media}
    return data


@pytest.fixture(scope="session")
def _speechspec_emulator_server() -> Iterator[EmulatorServer]:
    emulator = _require("speechspec_emulator", "speechspec.emulator")
    with emulator.EmulatorServer(job_delay=0.05, use_espeak=False) as server:
        yield server


@contextlib.contextmanager
def _pinned(settings: Mapping[str, str | None]) -> Iterator[None]:
    """For the block: the given variables set (or removed, for None); restored after."""
    patch = pytest.MonkeyPatch()
    try:
        for name, value in settings.items():
            if value is None:
                patch.delenv(name, raising=False)
            else:
                patch.setenv(name, value)
        yield
    finally:
        patch.undo()


@pytest.fixture
def speechspec_emulator(_speechspec_emulator_server: EmulatorServer) -> Iterator[EmulatorServer]:
    """The emulator of both vendors on loopback (shared by the session, log cleared per test).
    For the test, HAMSA_/LIVEPEER_ BASE_URL and keys point at it: a bare client talks to it."""
    server = _speechspec_emulator_server
    server.clear_requests()
    with _pinned(
        {
            HAMSA_ENV.base_url_var: server.hamsa_base_url,
            HAMSA_ENV.key_var: server.hamsa_key,
            LIVEPEER_ENV.base_url_var: server.livepeer_base_url,
            LIVEPEER_ENV.key_var: server.livepeer_token,
        }
    ):
        yield server


@pytest.fixture
def hamsa_mock() -> Iterator[VendorMock]:
    """respx mock of https://api.tryhamsa.com: jobs complete at once, media is a real WAV.
    For the test, HAMSA_BASE_URL is that URL and HAMSA_API_KEY a fake key, whatever was set."""
    respx = _require("hamsa_mock", "respx")
    wav = _tone_wav("hamsa_mock")
    pinned = {HAMSA_ENV.base_url_var: HAMSA_DEFAULT_BASE_URL, HAMSA_ENV.key_var: MOCK_HAMSA_KEY}
    with (
        _pinned(pinned),
        respx.mock(base_url=HAMSA_DEFAULT_BASE_URL, assert_all_called=False) as router,
    ):
        mock = VendorMock(router, HAMSA_DEFAULT_BASE_URL, MOCK_HAMSA_KEY)

        def create(request: httpx.Request) -> httpx.Response:
            job = _job(str(uuid.uuid4()), "PENDING", None)
            return mock._next(
                httpx.Response(200, json={"success": True, "message": "success", "data": job})
            )

        def get_job(request: httpx.Request) -> httpx.Response:
            job_id = request.url.params.get("jobId", "")
            media = f"{HAMSA_DEFAULT_BASE_URL}/media/{job_id}.wav"
            return mock._next(
                httpx.Response(
                    200, json={"message": "success", "data": _job(job_id, "COMPLETED", media)}
                )
            )

        router.post("/v1/jobs/text-to-speech").mock(side_effect=create)
        router.get("/v1/jobs").mock(side_effect=get_job)
        router.get(path__startswith="/media/").respond(
            200, content=wav, headers={"content-type": "audio/wav"}
        )
        yield mock


@pytest.fixture
def livepeer_mock() -> Iterator[VendorMock]:
    """respx mock of the Livepeer community gateway, answering a ``data:`` URL of a real WAV.
    For the test, LIVEPEER_BASE_URL is that URL and LIVEPEER_API_TOKEN a fake token."""
    respx = _require("livepeer_mock", "respx")
    url = "data:audio/wav;base64," + base64.b64encode(_tone_wav("livepeer_mock")).decode()
    pinned = {
        LIVEPEER_ENV.base_url_var: LIVEPEER_DEFAULT_BASE_URL,
        LIVEPEER_ENV.key_var: MOCK_LIVEPEER_TOKEN,
    }
    with (
        _pinned(pinned),
        respx.mock(base_url=LIVEPEER_DEFAULT_BASE_URL, assert_all_called=False) as router,
    ):
        mock = VendorMock(router, LIVEPEER_DEFAULT_BASE_URL, MOCK_LIVEPEER_TOKEN)
        router.post("/text-to-speech").mock(
            side_effect=lambda request: mock._next(
                httpx.Response(200, json={"audio": {"url": url}})
            )
        )
        yield mock
