"""Check a parsed generated model against its own type hints.

The generated ``from_dict`` assigns scalar fields without checking their type, so a
``{"audio": {"url": 5}}`` body would parse. Walking the attrs fields against the annotations
the generator wrote makes "wrong type" a ResponseValidationError, with no second copy of the
schema to keep in sync. Checkers are compiled once per model class: this runs on every call.
"""

from __future__ import annotations

import functools
import sys
import types
import typing
from collections.abc import Callable
from typing import Any

import attrs

Checker = Callable[[Any, str], None]


class ModelTypeError(Exception):
    """A field whose value does not have the declared type; ``path`` says where."""

    def __init__(self, path: str, expected: str, value: Any) -> None:
        super().__init__(f"{path}: expected {expected}, got {type(value).__name__}")
        self.path = path


def _describe(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp)


def _accept(value: Any, path: str) -> None:
    return None


def _compile(tp: Any) -> Checker:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return _compile_union(typing.get_args(tp))
    if origin is list:
        (item_type,) = typing.get_args(tp) or (Any,)
        check_item = _compile(item_type)

        def check_list(value: Any, path: str) -> None:
            if not isinstance(value, list):
                raise ModelTypeError(path, "list", value)
            for i, item in enumerate(value):
                check_item(item, f"{path}[{i}]")

        return check_list
    if tp is Any or origin is not None or not isinstance(tp, type):
        return _accept
    if attrs.has(tp):
        model: type = tp

        def check_nested(value: Any, path: str) -> None:
            if not isinstance(value, model):
                raise ModelTypeError(path, model.__name__, value)
            check_model(value, path)

        return check_nested
    return _compile_union((tp,))


def _compile_union(arms: tuple[Any, ...]) -> Checker:
    """Plain types are checked with one isinstance; models and lists are tried in turn."""
    plain: list[type] = []
    numbers = False
    complex_arms: list[Checker] = []
    for arm in arms:
        if arm is float:
            numbers = True
        elif isinstance(arm, type) and typing.get_origin(arm) is None and not attrs.has(arm):
            plain.append(type(None) if arm is type(None) else arm)
        else:
            complex_arms.append(_compile(arm))
    simple = tuple(plain)
    bool_ok = bool in simple  # JSON true is not a number, though Python's bool is an int
    expected = " | ".join(_describe(a) for a in arms)

    def check(value: Any, path: str) -> None:
        if isinstance(value, bool):
            if bool_ok:
                return
        elif isinstance(value, simple) or (numbers and isinstance(value, int | float)):
            return
        deeper: ModelTypeError | None = None
        for arm_check in complex_arms:
            try:
                arm_check(value, path)
                return
            except ModelTypeError as exc:
                if exc.path != path and deeper is None:
                    deeper = exc
        raise deeper or ModelTypeError(path, expected, value)

    return check


@functools.cache
def _compiled(cls: type) -> tuple[tuple[str, Checker], ...]:
    module = sys.modules[cls.__module__]
    # Generated models import their siblings under TYPE_CHECKING only: resolve forward
    # references in the package's models namespace.
    package = cls.__module__.rsplit(".", 1)[0]
    models = vars(sys.modules[package]) if package in sys.modules else {}
    hints = typing.get_type_hints(cls, globalns=vars(module), localns=dict(models))
    return tuple(
        (f.name, _compile(hints[f.name]))
        for f in attrs.fields(cls)
        if f.name != "additional_properties"
    )


def check_model(model: Any, path: str = "$") -> None:
    """Raise ModelTypeError when a field of ``model`` (recursively) breaks its annotation."""
    for name, check in _compiled(type(model)):  # type: ignore[arg-type]  # classes are hashable
        check(getattr(model, name), f"{path}.{name}")
