"""`speechspec speak <vendor>` flags, made from the generated field table of the operation the
command calls (speechspec._generated.<vendor>.SPEAK): a field the vendor adds to its document
becomes a flag at the next `make generate`, typed from its schema, required when the spec says
so. TEXT is the command's positional argument; fields in _coverage.CLI_NOT_EXPOSED have no flag.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from ._coverage import CLI_NOT_EXPOSED
from ._operations import Field, Operation, build_call

_SCALARS: dict[str, Callable[[str], object]] = {"string": str, "integer": int, "number": float}


def _json(value: str) -> object:
    try:
        return json.loads(value)
    except ValueError:
        raise argparse.ArgumentTypeError("must be JSON") from None


def speak_operation(vendor: str) -> Operation:
    if vendor == "hamsa":
        from ._generated.hamsa import SPEAK
    else:
        from ._generated.livepeer import SPEAK
    assert SPEAK is not None  # both surface.yaml files name the operation speak calls
    return SPEAK


def flag_fields(vendor: str) -> list[Field]:
    op = speak_operation(vendor)
    return [
        f
        for f in op.fields
        if f.name != "text" and (vendor, op.operation_id, f.wire) not in CLI_NOT_EXPOSED
    ]


def add(parser: argparse.ArgumentParser, vendor: str) -> None:
    """One flag per field: ``voiceId`` -> ``--voice-id`` (dest ``voice_id``)."""
    for f in flag_fields(vendor):
        kind = f.schema.get("type")
        options: dict[str, Any] = {"dest": f.name, "help": f.help or None}
        if f.required:
            options["required"] = True
        if f.client_default is not None:
            options["default"] = f.client_default
            options["help"] = f"{f.help} (default: {f.client_default})"
        if "enum" in f.schema:
            options["choices"] = f.schema["enum"]
        if kind == "boolean":
            options["action"] = argparse.BooleanOptionalAction
        elif kind in _SCALARS:
            options["type"] = _SCALARS[str(kind)]
        elif kind == "array":
            items = (f.schema.get("items") or {}).get("type")
            options["type"] = _SCALARS.get(str(items), _json)
            options["nargs"] = "+"
        else:
            options["type"] = _json
            options["metavar"] = "JSON"
        parser.add_argument("--" + f.name.replace("_", "-"), **options)


def values(args: argparse.Namespace, vendor: str) -> dict[str, Any]:
    """The flags given, as keyword arguments of the vendor's method (absent ones left out)."""
    return {
        f.name: getattr(args, f.name)
        for f in flag_fields(vendor)
        if getattr(args, f.name, None) is not None
    }


def check(vendor: str, text: str, kwargs: dict[str, Any]) -> None:
    """Every field, as the client will check it, before anything is sent."""
    from . import Hamsa, Livepeer

    client = Hamsa if vendor == "hamsa" else Livepeer
    op = speak_operation(vendor)
    build_call(op, {"text": text, **kwargs}, client._field_rules)
