"""A local emulator of both vendors' APIs (``pip install speechspec[emulator]``).

from speechspec.emulator import create_app, EmulatorServer
"""

from __future__ import annotations

from ._app import EmulatorState, create_app
from ._faults import FAULT_HEADER, Fault
from ._server import EmulatorServer

__all__ = ["FAULT_HEADER", "EmulatorServer", "EmulatorState", "Fault", "create_app"]
