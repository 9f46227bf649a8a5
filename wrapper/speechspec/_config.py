"""Client configuration: keys from arguments or the environment, base URLs, timeouts."""

from __future__ import annotations

import os
from typing import NamedTuple

import httpx

from ._options import NotGiven, Timeout, timeout_option
from ._redact import shown_url
from .errors import ConfigurationError

# Read by _base (to decide whether to load the recorder at all) and by _record.
RECORD_ENV = "SPEECHSPEC_RECORD"

HAMSA_DEFAULT_BASE_URL = "https://api.tryhamsa.com"
LIVEPEER_DEFAULT_BASE_URL = "https://dream-gateway.livepeer.cloud"
LIVEPEER_DEFAULT_MODEL_ID = "parler-tts/parler-tts-large-v1"

# Synthesis can take a while on a busy Livepeer gateway; connecting should not.
DEFAULT_TIMEOUT = httpx.Timeout(120.0, connect=10.0, pool=30.0)
DEFAULT_MAX_RETRIES = 2


class VendorEnv(NamedTuple):  # not a dataclass: creating one costs a millisecond of import
    key_var: str
    base_url_var: str
    default_base_url: str
    key_required: bool
    # The generated package, whose openapi.json is the effective spec (for extra_body).
    package: str = ""
    # The constructor's (and with_options') name for the key.
    key_argument: str = "api_key"


HAMSA_ENV = VendorEnv(
    "HAMSA_API_KEY", "HAMSA_BASE_URL", HAMSA_DEFAULT_BASE_URL, True, "hamsa_client"
)
LIVEPEER_ENV = VendorEnv(
    "LIVEPEER_API_TOKEN",
    "LIVEPEER_BASE_URL",
    LIVEPEER_DEFAULT_BASE_URL,
    False,
    "livepeer_client",
    "api_token",
)


def resolve_key(
    given: str | None, env: VendorEnv, *, argument: str, flag: str | None = None
) -> str | None:
    """The key from the argument, else from the environment (read now, not at import).
    ``flag`` is the CLI option that gave ``given``: messages then name it instead of
    ``argument=``, which a CLI user never typed."""
    if given is not None and not isinstance(given, str):
        raise ConfigurationError(f"{flag or argument} must be a string, got {type(given).__name__}")
    key = given if given is not None else os.environ.get(env.key_var)
    if key is not None:
        key = key.strip()
    if not key:
        if env.key_required:
            raise ConfigurationError(
                f"no API key: set the {env.key_var} environment variable "
                f"or pass {flag or argument + '='}"
            )
        return None
    # It travels in an HTTP header: visible ASCII only (a lone surrogate or any non-ASCII
    # character would break every call). Never echo the key: say what is wrong, and where.
    if any(not (0x21 <= ord(ch) < 0x7F) for ch in key):
        source = (flag or argument) if given is not None else env.key_var
        raise ConfigurationError(
            f"the key from {source} contains whitespace, control or non-ASCII characters "
            "(an API key is printable ASCII)"
        )
    return key


def resolve_base_url(given: str | None, env: VendorEnv) -> str:
    if given is not None and not isinstance(given, str | httpx.URL):
        raise ConfigurationError(f"base_url must be a string, got {type(given).__name__}")
    url = (
        str(given)
        if given is not None
        else os.environ.get(env.base_url_var) or env.default_base_url
    )
    try:
        url.encode("ascii")
        parsed = httpx.URL(url)
    except UnicodeError:
        raise ConfigurationError(
            f"base_url {shown_url(url).encode('ascii', 'backslashreplace').decode()} must be ASCII "
            "(percent-encode the path; write an international host name in its xn-- form)"
        ) from None
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise ConfigurationError(f"base_url {shown_url(url)!r} is not a valid URL: {exc}") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ConfigurationError(
            f"base_url {shown_url(url)!r} must be an absolute http(s) URL (set via base_url= or {env.base_url_var})"
        )
    # An empty "?" or "#" too: httpx keeps it, and every path joined to it would go wrong.
    if parsed.query or parsed.fragment or "?" in url or "#" in url:
        raise ConfigurationError(f"base_url {shown_url(url)!r} must not have a query or fragment")
    if parsed.username or parsed.password:
        raise ConfigurationError("base_url must not carry credentials; pass the key separately")
    return str(parsed).rstrip("/")


def resolve_timeout(timeout: Timeout | NotGiven | None) -> httpx.Timeout:
    """NOT_GIVEN: the default; None: no timeout at all (as per call and in with_options)."""
    if isinstance(timeout, NotGiven):
        return DEFAULT_TIMEOUT
    return timeout_option(timeout)
