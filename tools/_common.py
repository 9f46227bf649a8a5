"""Helpers shared by the spec tools: atomic writes, YAML/JSON loading, validation."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
VENDORS = ("hamsa", "livepeer")


class ToolError(Exception):
    """A failure the tool reports as one clear line, without a traceback."""


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file in the same directory and rename: never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# libyaml's loader when PyYAML has it: the pure-Python one takes most of a second on ai-runner's
# ten-operation document, and ~15 ms on an overlay, which the tools read again for every
# effective document they build (the history replay: hundreds of times). Both build the same
# plain data (the safe constructor; libyaml only parses).
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """``yaml.safe_load`` through libyaml when available."""
    return yaml.load(text, _SAFE_LOADER)  # noqa: S506


def load_document(text: str, origin: str) -> dict[str, Any]:
    """Parse an OpenAPI document given as JSON or YAML text."""
    try:
        doc = json.loads(text) if text.lstrip().startswith("{") else safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ToolError(f"{origin}: not valid JSON or YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise ToolError(f"{origin}: the document is not a mapping")
    return doc


# Documents already found valid, by content hash: validating ai-runner's ten-operation document
# takes over a second, and one `make specs` builds the same document several times.
_VALID: set[str] = set()

# A directory that the tool processes of one run share (SPEECHSPEC_TOOLS_RUN_CACHE; `make test`
# sets one kept across runs while the code and versions it depends on stay the same:
# tests/conftest.py), holding what only depends on content: the
# documents found valid (an empty file per content hash) and optic's answers (tools/_optic.py).
# The suite starts ~40 tool processes on the same few documents; each paid ~0.4 s of CPU to
# import the validator and ~0.35 s to validate them again. Unset (users' runs): not used.
RUN_CACHE_ENV = "SPEECHSPEC_TOOLS_RUN_CACHE"


def run_cache(name: str) -> Path | None:
    """The path of entry ``name`` in the run's shared cache directory, or None when unset."""
    folder = os.environ.get(RUN_CACHE_ENV)
    return Path(folder) / name if folder else None


def validate(doc: dict[str, Any], origin: str) -> None:
    """Fail with a readable message when ``doc`` is not a valid OpenAPI 3.0/3.1 document."""
    key = hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()
    if key in _VALID:
        return
    shared = run_cache(f"valid-{key}")
    if shared is None or not shared.is_file():
        _validate_uncached(doc, origin)  # raises on an invalid document: never recorded
        if shared is not None:
            shared.touch()
    _VALID.add(key)


def _validate_uncached(doc: dict[str, Any], origin: str) -> None:
    from openapi_spec_validator import validate as _validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    if "openapi" not in doc:
        raise ToolError(f"{origin}: not an OpenAPI 3 document (no 'openapi' field)")
    try:
        _validate(doc)
    except OpenAPIValidationError as exc:
        where = "/".join(str(p) for p in getattr(exc, "path", ()) or ())
        raise ToolError(f"{origin}: invalid OpenAPI document at '{where}': {exc.message}") from exc
    except Exception as exc:  # the validator raises assorted types on unresolvable refs
        raise ToolError(f"{origin}: invalid OpenAPI document: {exc}") from exc
