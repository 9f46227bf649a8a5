"""RFC 3986 (section 3, with the ABNF of appendix A): what ``format: uri`` means. One grammar
for the wrapper's argument checks, extra_body checks and the emulator's request validation.
Spaces, <>"{}|\\^`, bad %-escapes and unencoded non-ASCII are all outside it."""

from __future__ import annotations

import functools
import ipaddress
import re

_UNRESERVED = r"A-Za-z0-9\-._~"
_SUB_DELIMS = r"!$&'()*+,;="
_PCT = r"%[0-9A-Fa-f]{2}"
_PCHAR = rf"(?:[{_UNRESERVED}{_SUB_DELIMS}:@]|{_PCT})"
_URI = rf"""
    (?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*):
    (?:
      //(?:(?P<userinfo>(?:[{_UNRESERVED}{_SUB_DELIMS}:]|{_PCT})*)@)?
        (?P<host>\[[^\]/?#@]*\]|(?:[{_UNRESERVED}{_SUB_DELIMS}]|{_PCT})*)
        (?::(?P<port>[0-9]*))?
        (?:/{_PCHAR}*)*                                            # path-abempty
      | /(?:{_PCHAR}+(?:/{_PCHAR}*)*)?                             # path-absolute
      | {_PCHAR}+(?:/{_PCHAR}*)*                                   # path-rootless
      |                                                            # path-empty
    )
    (?:\?(?:{_PCHAR}|[/?])*)?                                      # query
    (?:\#(?:{_PCHAR}|[/?])*)?                                      # fragment
    """
_IPVFUTURE = re.compile(rf"v[0-9A-Fa-f]+\.[{_UNRESERVED}{_SUB_DELIMS}:]+")


@functools.cache
def _grammar() -> re.Pattern[str]:
    # Compiled on first use: a millisecond that `import speechspec` need not pay.
    return re.compile(_URI, re.VERBOSE)


def parse_uri(value: str) -> re.Match[str] | None:
    """The match (groups scheme, userinfo, host, port) of an absolute RFC 3986 URI, else None."""
    match = _grammar().fullmatch(value)
    if match is None:
        return None
    host = match.group("host")
    if host and host.startswith("["):
        literal = host[1:-1]
        if _IPVFUTURE.fullmatch(literal):
            return match
        try:
            ipaddress.IPv6Address(literal)
        except ValueError:
            return None
    return match


def is_uri(value: str) -> bool:
    return parse_uri(value) is not None
