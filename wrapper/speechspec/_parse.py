"""Turn a 2xx response into the generated model, or a ResponseValidationError.

The generated models check every field themselves (specs/templates/): a body that breaks the
spec raises the package's ``errors.SpecValidationError``, naming the field's path, which this
module maps to ResponseValidationError.
"""

from __future__ import annotations

import functools
import importlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from ._answers import check_depth
from ._errors_map import decode_body, validation_error
from .errors import ResponseValidationError

T = TypeVar("T")


@functools.cache
def generated(module: str, name: str) -> Any:
    """``from module import name`` for the generated packages, which speechspec imports on
    first use rather than with itself: an import statement in a hot function costs a call
    into importlib each time (a package's fromlist is handled in Python), this a dict lookup."""
    return getattr(importlib.import_module(module), name)


def parse_success(
    response: httpx.Response,
    expected: type[T],
    parse_200: Callable[[httpx.Response], object],
) -> T:
    """Parse a 2xx with the generated operation's public ``parse_response`` (for 200, the
    documented status) or the model's own ``from_dict`` (any other 2xx). JSON nested deeper
    than any answer should is refused first (json and from_dict would recurse)."""
    try:
        check_depth(response.content)
        if response.status_code == 200:
            parsed = parse_200(response)
        else:
            # The generated from_dict raises its SpecValidationError on a mismatch.
            parsed = expected.from_dict(json.loads(response.content))  # type: ignore[attr-defined]
    except json.JSONDecodeError as exc:
        raise invalid(response, f"body is not JSON ({exc.msg} at position {exc.pos})") from exc
    except ValueError as exc:
        # Both packages' SpecValidationError are ValueErrors, as are undecodable bytes.
        raise invalid(response, str(exc)) from exc
    except RecursionError as exc:  # a backstop behind check_depth
        raise invalid(response, "nested too deeply") from exc
    if not isinstance(parsed, expected):
        raise invalid(response, f"parsed as {type(parsed).__name__}, not {expected.__name__}")
    return parsed


def invalid(
    response: httpx.Response, reason: str, *, verdict: str = "does not match the spec"
) -> ResponseValidationError:
    ctype = response.headers.get("content-type", "no content type")
    return validation_error(
        f"{response.status_code} answer {verdict}: {reason} ({ctype})",
        response,
        body=decode_body(response),
    )
