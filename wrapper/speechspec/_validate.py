"""Check a parsed generated model against its own type hints.

The generated ``from_dict`` assigns scalar fields without checking their type, so a
``{"audio": {"url": 5}}`` body would parse. Walking the attrs fields against the annotations
the generator wrote makes "wrong type" a ResponseValidationError, with no second copy of the
schema to keep in sync.
"""

from __future__ import annotations

import functools
import sys
import types
import typing
from typing import Any

import attrs


class ModelTypeError(Exception):
    """A field whose value does not have the declared type; ``path`` says where."""

    def __init__(self, path: str, expected: str, value: Any) -> None:
        super().__init__(f"{path}: expected {expected}, got {type(value).__name__}")
        self.path = path


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    module = sys.modules[cls.__module__]
    # Generated models import their siblings under TYPE_CHECKING only: resolve forward
    # references in the package's models namespace.
    package = cls.__module__.rsplit(".", 1)[0]
    models = vars(sys.modules[package]) if package in sys.modules else {}
    return typing.get_type_hints(cls, globalns=vars(module), localns=dict(models))


def _describe(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp)


def _check(value: Any, tp: Any, path: str) -> None:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        errors: list[ModelTypeError] = []
        for arm in typing.get_args(tp):
            try:
                _check(value, arm, path)
                return
            except ModelTypeError as exc:
                errors.append(exc)
        deeper = [e for e in errors if e.path != path]
        if deeper:
            raise deeper[0]
        raise ModelTypeError(path, " | ".join(_describe(a) for a in typing.get_args(tp)), value)
    if origin is list:
        if not isinstance(value, list):
            raise ModelTypeError(path, "list", value)
        (item_type,) = typing.get_args(tp) or (Any,)
        for i, item in enumerate(value):
            _check(item, item_type, f"{path}[{i}]")
        return
    if origin is dict or tp is Any or origin is not None:
        return
    if tp is type(None):
        if value is not None:
            raise ModelTypeError(path, "null", value)
        return
    if tp is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(tp, type) and attrs.has(tp):
        if not isinstance(value, tp):
            raise ModelTypeError(path, tp.__name__, value)
        check_model(value, path)
        return
    elif isinstance(tp, type):  # str, bool, datetime, Enum subclasses, Unset
        ok = isinstance(value, tp)
    else:  # pragma: no cover - every generated annotation is a type, a union or a list
        ok = True
    if not ok:
        raise ModelTypeError(path, _describe(tp), value)


def check_model(model: Any, path: str = "$") -> None:
    """Raise ModelTypeError when a field of ``model`` (recursively) breaks its annotation."""
    hints = _hints(type(model))  # type: ignore[arg-type]  # classes are hashable
    for f in attrs.fields(type(model)):
        if f.name == "additional_properties":
            continue
        _check(getattr(model, f.name), hints[f.name], f"{path}.{f.name}")
