"""Receiving Hamsa's job webhook: check its Authorization header, parse the job."""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .errors import InvalidRequestError, ResponseValidationError, WebhookVerificationError

if TYPE_CHECKING:
    from hamsa_client.models import TTSResponseData

DEFAULT_MAX_BODY = 1024 * 1024

HeadersLike = Mapping[str, str] | Iterable[tuple[str, str]]


def _authorization(headers: HeadersLike) -> list[str]:
    items = headers.items() if isinstance(headers, Mapping) else headers
    values = []
    for name, value in items:
        name_s = name.decode("latin-1") if isinstance(name, bytes) else str(name)
        if name_s.lower() == "authorization":
            values.append(value.decode("latin-1") if isinstance(value, bytes) else str(value))
    return values


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

    if (
        not isinstance(auth_key, str)
        or not auth_key
        or not isinstance(auth_secret, str)
        or not auth_secret
    ):
        raise InvalidRequestError(
            "auth_key and auth_secret must be non-empty strings", param="auth_key"
        )
    expected = f"{auth_key} {auth_secret}".encode()
    given = _authorization(headers)
    if len(given) != 1:
        raise WebhookVerificationError(
            "missing Authorization header" if not given else "more than one Authorization header"
        )
    # compare_digest on bytes: constant time whatever the contents (str needs ASCII).
    if not hmac.compare_digest(given[0].encode("utf-8", "surrogateescape"), expected):
        raise WebhookVerificationError(
            "Authorization header does not match the webhook credentials"
        )

    data: Any
    if isinstance(body, Mapping):
        data = dict(body)
    else:
        raw = body.encode() if isinstance(body, str) else bytes(body)
        if len(raw) > max_body_bytes:
            raise ResponseValidationError(
                f"webhook body of {len(raw)} bytes exceeds max_body_bytes={max_body_bytes}"
            )
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ResponseValidationError(f"webhook body is not JSON: {exc}", body=raw) from exc
    if isinstance(data, dict) and isinstance(data.get("data"), dict) and "id" not in data:
        data = data["data"]
    try:
        job = TTSResponseData.from_dict(data)
    except ValueError as exc:  # the generated SpecValidationError, naming the field
        raise ResponseValidationError(f"webhook body is not a Hamsa job: {exc}", body=data) from exc
    if not job.id:
        raise ResponseValidationError("webhook body is not a Hamsa job: empty 'id'", body=data)
    return job
