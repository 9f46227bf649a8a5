"""Receiving Hamsa's job webhook: check its Authorization header, parse the job."""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ._args import header_value, positive_int
from .errors import InvalidRequestError, ResponseValidationError, WebhookVerificationError

if TYPE_CHECKING:
    from hamsa_client.models import TTSResponseData

DEFAULT_MAX_BODY = 1024 * 1024

HeadersLike = Mapping[str, str] | Iterable[tuple[str, str]]


def _authorization(headers: object) -> list[str]:
    if isinstance(headers, Mapping):
        items: Any = headers.items()
    elif isinstance(headers, Iterable) and not isinstance(headers, str | bytes):
        items = headers
    else:
        raise InvalidRequestError(
            f"headers must be a mapping or (name, value) pairs, got {type(headers).__name__}",
            param="headers",
        )
    values = []
    try:
        for item in items:
            name, value = item
            if not isinstance(name, str | bytes) or not isinstance(value, str | bytes):
                raise TypeError("header names and values are str or bytes")
            name_s = name.decode("latin-1") if isinstance(name, bytes) else name
            if name_s.lower() == "authorization":
                values.append(value.decode("latin-1") if isinstance(value, bytes) else value)
    except (TypeError, ValueError) as exc:
        raise InvalidRequestError(
            f"headers must be (name, value) pairs of str or bytes: {exc}", param="headers"
        ) from None
    return values


def _body(body: bytes | str | Mapping[str, Any], max_body_bytes: int) -> Any:
    """The decoded JSON of the body (ResponseValidationError when it is not JSON)."""
    from ._answers import check_text, check_value_depth, loads

    if isinstance(body, Mapping):
        data = dict(body)
        try:
            check_value_depth(data)
            check_text(data)
        except ValueError as exc:
            raise ResponseValidationError(f"webhook body: {exc}") from None
        return data
    if isinstance(body, str):
        try:
            raw = body.encode("utf-8")
        except UnicodeEncodeError as exc:
            # A framework that decoded the bytes with surrogateescape: they were not UTF-8.
            raise ResponseValidationError(
                f"webhook body is not valid UTF-8 text (lone surrogate at position {exc.start})"
            ) from None
    else:  # bytes, bytearray or memoryview: verify_hamsa_webhook refused anything else
        raw = bytes(body)
    if len(raw) > max_body_bytes:
        raise ResponseValidationError(
            f"webhook body of {len(raw)} bytes exceeds max_body_bytes={max_body_bytes}"
        )
    try:
        data = loads(raw.decode(json.detect_encoding(raw)))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ResponseValidationError(f"webhook body is not JSON: {exc}", body=raw) from exc
    try:
        check_text(data)
    except ValueError as exc:
        raise ResponseValidationError(f"webhook body: {exc}", body=raw) from None
    return data


def verify_hamsa_webhook(
    headers: HeadersLike,
    body: bytes | str | Mapping[str, Any],
    *,
    auth_key: str,
    auth_secret: str,
    max_body_bytes: int = DEFAULT_MAX_BODY,
) -> TTSResponseData:
    """Check ``Authorization: <auth_key> <auth_secret>`` (exactly, in constant time) and return
    the job the body carries: the job object itself, or the ``{success, message, data}``
    envelope around it. WebhookVerificationError on a wrong or missing header;
    ResponseValidationError on a malformed body."""
    from hamsa_client.models import TTSResponseData

    auth_key = header_value(auth_key, "auth_key")
    auth_secret = header_value(auth_secret, "auth_secret")
    max_body_bytes = positive_int(max_body_bytes, "max_body_bytes")
    if not isinstance(body, Mapping | str | bytes | bytearray | memoryview):
        raise InvalidRequestError(
            f"body must be bytes, str or a mapping, got {type(body).__name__}", param="body"
        )
    expected = f"{auth_key} {auth_secret}".encode()
    given = _authorization(headers)
    if len(given) != 1:
        raise WebhookVerificationError(
            "missing Authorization header" if not given else "more than one Authorization header"
        )
    # compare_digest on bytes: constant time whatever the contents (str needs ASCII);
    # surrogatepass: any str a caller holds encodes, and cannot equal the ASCII expected.
    if not hmac.compare_digest(given[0].encode("utf-8", "surrogatepass"), expected):
        raise WebhookVerificationError(
            "Authorization header does not match the webhook credentials"
        )

    data = _body(body, max_body_bytes)
    if isinstance(data, dict) and isinstance(data.get("data"), dict) and "id" not in data:
        data = data["data"]
    try:
        job = TTSResponseData.from_dict(data)
    # ValueError: the generated SpecValidationError, naming the field; RecursionError: a
    # backstop behind the depth check of the body.
    except (ValueError, RecursionError) as exc:
        raise ResponseValidationError(f"webhook body is not a Hamsa job: {exc}", body=data) from exc
    if not job.id:
        raise ResponseValidationError("webhook body is not a Hamsa job: empty 'id'", body=data)
    return job
