"""Shared test configuration."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The spec tools are scripts, not a package: make them importable for their tests.
sys.path.insert(0, str(ROOT / "tools"))
