"""Client configuration: keys from arguments or the environment, base URLs, timeouts."""

from __future__ import annotations

import os
from dataclasses import dataclass

import httpx

from ._args import MAX_SECONDS
from ._redact import shown_url
from .errors import ConfigurationError, InvalidRequestError

HAMSA_DEFAULT_BASE_URL = "https://api.tryhamsa.com"
LIVEPEER_DEFAULT_BASE_URL = "https://dream-gateway.livepeer.cloud"
LIVEPEER_STUDIO_BASE_URL = "https://livepeer.studio/api/beta/generate"
LIVEPEER_DEFAULT_MODEL_ID = "parler-tts/parler-tts-large-v1"

# Synthesis can take a while on a busy Livepeer gateway; connecting should not.
DEFAULT_TIMEOUT = httpx.Timeout(120.0, connect=10.0, pool=30.0)
DEFAULT_MAX_RETRIES = 2
# Backoff doubles per attempt: far more retries than any caller means would overflow a float.
MAX_RETRIES = 100

TimeoutTypes = float | int | httpx.Timeout


@dataclass(frozen=True)
class VendorEnv:
    key_var: str
    base_url_var: str
    default_base_url: str
    key_required: bool


HAMSA_ENV = VendorEnv("HAMSA_API_KEY", "HAMSA_BASE_URL", HAMSA_DEFAULT_BASE_URL, key_required=True)
LIVEPEER_ENV = VendorEnv(
    "LIVEPEER_API_TOKEN", "LIVEPEER_BASE_URL", LIVEPEER_DEFAULT_BASE_URL, key_required=False
)


def resolve_key(given: str | None, env: VendorEnv, *, argument: str) -> str | None:
    """The key from the argument, else from the environment (read now, not at import)."""
    if given is not None and not isinstance(given, str):
        raise ConfigurationError(f"{argument} must be a string, got {type(given).__name__}")
    source = argument if given is not None else f"{env.key_var} environment variable"
    key = given if given is not None else os.environ.get(env.key_var)
    if key is not None:
        key = key.strip()
    if not key:
        if env.key_required:
            raise ConfigurationError(
                f"no API key: pass {argument}= or set the {env.key_var} environment variable"
            )
        return None
    # It travels in an HTTP header: visible ASCII only. Never echo the key itself.
    if any(not (0x21 <= ord(ch) < 0x7F) for ch in key):
        raise ConfigurationError(
            f"the {source} contains whitespace, control or non-ASCII characters "
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
    if parsed.query or parsed.fragment:
        raise ConfigurationError(f"base_url {shown_url(url)!r} must not have a query or fragment")
    if parsed.username or parsed.password:
        raise ConfigurationError("base_url must not carry credentials; pass the key separately")
    return str(parsed).rstrip("/")


def resolve_timeout(timeout: TimeoutTypes | None) -> httpx.Timeout:
    if timeout is None:
        return DEFAULT_TIMEOUT
    if isinstance(timeout, httpx.Timeout):
        values = (timeout.connect, timeout.read, timeout.write, timeout.pool)
        if any(
            v is not None and (not isinstance(v, int | float) or not 0 < v <= MAX_SECONDS)
            for v in values
        ):
            raise InvalidRequestError("timeout values must be positive", param="timeout")
        return timeout
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float)
        or not 0 < timeout <= MAX_SECONDS  # NaN fails both comparisons
    ):
        raise InvalidRequestError(
            f"timeout must be a positive number of seconds or an httpx.Timeout, got {timeout!r}",
            param="timeout",
        )
    return httpx.Timeout(float(timeout), connect=min(10.0, float(timeout)))


def resolve_max_retries(max_retries: int) -> int:
    if (
        isinstance(max_retries, bool)
        or not isinstance(max_retries, int)
        or not 0 <= max_retries <= MAX_RETRIES
    ):
        raise InvalidRequestError(
            f"max_retries must be an integer from 0 to {MAX_RETRIES}, got {max_retries!r}",
            param="max_retries",
        )
    return max_retries
