"""Per-call request options (``timeout``, ``max_retries``, ``extra_headers``, ``extra_query``,
``extra_body``) and client-level ``default_headers``: their types, checks and merging.

Every value is checked when the call starts, before any request, and a bad one raises
InvalidRequestError naming the parameter (and the key), never echoing a value: headers and
bodies are where people put secrets.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal, TypeAlias

import httpx

from ._args import MAX_RETRIES, MAX_SECONDS, seconds_ok, string
from .errors import InvalidRequestError


class NotGiven:
    """The type of NOT_GIVEN: "this option was not passed", distinct from None (which, for
    ``timeout``, means "no timeout")."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __reduce__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()

Timeout: TypeAlias = float | int | httpx.Timeout
QueryValue: TypeAlias = str | int | float | bool
Headers: TypeAlias = Mapping[str, str]
Query: TypeAlias = Mapping[str, QueryValue]
Body: TypeAlias = Mapping[str, object]

# The key goes only in Authorization, and only from api_key / api_token: a header dict
# copied from elsewhere must not silently replace it (or send it twice). The framing headers
# are httpx's to compute; a wrong one desynchronises the connection.
PROTECTED_HEADERS: Final = frozenset(
    {"authorization", "host", "content-length", "transfer-encoding", "connection"}
)
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_NO_TIMEOUT = httpx.Timeout(None)


@dataclass(frozen=True)
class RequestOptions:
    """What one call (or a with_options client) changes from the client's defaults."""

    timeout: httpx.Timeout | NotGiven = NOT_GIVEN
    max_retries: int | NotGiven = NOT_GIVEN
    # Out of repr: people put credentials in headers, queries and bodies.
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    query: Mapping[str, QueryValue] = field(default_factory=dict, repr=False)
    body: Mapping[str, object] = field(default_factory=dict, repr=False)

    def merged(self, override: RequestOptions) -> RequestOptions:
        """``override`` on top of self: scalars replace, mappings merge key by key
        (header names case-insensitively)."""
        if override is NO_OPTIONS:
            return self
        return RequestOptions(
            timeout=self.timeout if isinstance(override.timeout, NotGiven) else override.timeout,
            max_retries=(
                self.max_retries
                if isinstance(override.max_retries, NotGiven)
                else override.max_retries
            ),
            headers=merge_headers(self.headers, override.headers),
            query={**self.query, **override.query},
            body={**self.body, **override.body},
        )

    def apply(
        self,
        headers: Mapping[str, str],
        params: Mapping[str, Any] | None,
        body: Any,
        timeout: httpx.Timeout,
    ) -> tuple[Mapping[str, str], Mapping[str, Any] | None, Any, httpx.Timeout]:
        """A request's parts with these options applied, after the typed ones (the extras
        were checked not to collide with them)."""
        if self.headers:
            headers = merge_headers(headers, self.headers)
        if self.query:
            params = {**(params or {}), **self.query}
        if self.body and isinstance(body, Mapping):
            body = {**body, **self.body}
        if not isinstance(self.timeout, NotGiven):
            timeout = self.timeout
        return headers, params, body, timeout


NO_OPTIONS: Final = RequestOptions()


def merge_headers(base: Mapping[str, str], extra: Mapping[str, str]) -> dict[str, str]:
    """``extra`` over ``base``, names compared case-insensitively."""
    lowered = {k.lower() for k in extra}
    return {**{k: v for k, v in base.items() if k.lower() not in lowered}, **extra}


def timeout_option(value: object, param: str = "timeout") -> httpx.Timeout:
    """Seconds (> 0), an httpx.Timeout, or None for no timeout at all."""
    if value is None:
        return _NO_TIMEOUT
    if isinstance(value, httpx.Timeout):
        parts = (value.connect, value.read, value.write, value.pool)
        if any(v is not None and not seconds_ok(v) for v in parts):
            raise InvalidRequestError(
                f"{param} values must be positive numbers of seconds, at most {MAX_SECONDS:g}",
                param=param,
            )
        return value
    if not seconds_ok(value):
        raise InvalidRequestError(
            f"{param} must be a positive number of seconds (at most {MAX_SECONDS:g}), "
            "an httpx.Timeout or None "
            f"(no timeout), got {type(value).__name__}",
            param=param,
        )
    return httpx.Timeout(float(value), connect=min(10.0, float(value)))


def max_retries_option(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_RETRIES:
        raise InvalidRequestError(
            f"max_retries must be an integer from 0 to {MAX_RETRIES}, got {value!r}",
            param="max_retries",
        )
    return value


def headers_option(value: object, param: str) -> dict[str, str]:
    """A mapping of header names to str values: valid names, no line breaks, ASCII, and none
    of PROTECTED_HEADERS."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidRequestError(
            f"{param} must be a mapping of header names to strings, got {type(value).__name__}",
            param=param,
        )
    headers: dict[str, str] = {}
    seen: set[str] = set()
    for name, text in value.items():
        if not isinstance(name, str) or not _TOKEN.match(name):
            raise InvalidRequestError(f"{param} has an invalid header name {name!r}", param=param)
        lower = name.lower()
        if lower in PROTECTED_HEADERS:
            hint = (
                "the client sends Authorization from its key (api_key= / api_token= or the environment variable)"
                if lower == "authorization"
                else "httpx sets it"
            )
            raise InvalidRequestError(
                f"{param} may not set {name!r}: {hint}; see 'Auth headers' in the README",
                param=param,
            )
        if lower in seen:
            raise InvalidRequestError(f"{param} gives {name!r} twice", param=param)
        seen.add(lower)
        # The value is never shown: it may be a credential.
        if not isinstance(text, str):
            raise InvalidRequestError(
                f"{param}[{name!r}] must be a str, got {type(text).__name__}", param=param
            )
        if not text.isascii() or any((ord(c) < 0x20 and c != "\t") or ord(c) == 0x7F for c in text):
            raise InvalidRequestError(
                f"{param}[{name!r}] must be ASCII without control characters or line breaks",
                param=param,
            )
        headers[name] = text
    return headers


def query_option(value: object) -> dict[str, QueryValue]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidRequestError(
            f"extra_query must be a mapping, got {type(value).__name__}", param="extra_query"
        )
    query: dict[str, QueryValue] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not key:
            raise InvalidRequestError(
                f"extra_query keys must be non-empty strings, got {type(key).__name__}",
                param="extra_query",
            )
        # A lone surrogate would escape from urlencode as UnicodeEncodeError.
        string(key, "extra_query")
        if not isinstance(item, str | int | float) or (
            isinstance(item, float) and not math.isfinite(item)
        ):
            raise InvalidRequestError(
                f"extra_query[{key!r}] must be a str, int, float or bool, "
                f"got {type(item).__name__}",
                param="extra_query",
            )
        if isinstance(item, str):
            string(item, "extra_query")
        query[key] = item
    return query


def body_option(value: object) -> dict[str, object]:
    """The shape only; the keys and values are checked against the operation's schema when
    the call is bound to its request (see _schema.check_extra_body), non-str keys included."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidRequestError(
            f"extra_body must be a mapping, got {type(value).__name__}", param="extra_body"
        )
    return dict(value)


def request_options(
    timeout: object = NOT_GIVEN,
    max_retries: object = NOT_GIVEN,
    extra_headers: object = None,
    extra_query: object = None,
    extra_body: object = None,
    *,
    timeout_param: str = "timeout",
) -> RequestOptions:
    """Check every per-call option; ``timeout_param`` names it in errors (Hamsa's
    wait_for_job/synthesize call it ``request_timeout``)."""
    if (
        isinstance(timeout, NotGiven)
        and isinstance(max_retries, NotGiven)
        and extra_headers is None
        and extra_query is None
        and extra_body is None
    ):
        return NO_OPTIONS  # the common case, kept cheap: the pipeline skips all merging
    return RequestOptions(
        timeout=NOT_GIVEN
        if isinstance(timeout, NotGiven)
        else timeout_option(timeout, timeout_param),
        max_retries=(
            NOT_GIVEN if isinstance(max_retries, NotGiven) else max_retries_option(max_retries)
        ),
        headers=headers_option(extra_headers, "extra_headers"),
        query=query_option(extra_query),
        body=body_option(extra_body),
    )
