from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ExternalWebhookAuthScheme")


@_attrs_define
class ExternalWebhookAuthScheme:
    """Authorization header to be sent in this format: `Authorization: [authKey] [authSecret]`

    Attributes:
        auth_key (None | str | Unset):  Example: Token.
        auth_secret (None | str | Unset):  Example: Secret.
    """

    auth_key: None | str | Unset = UNSET
    auth_secret: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        auth_key: None | str | Unset
        if isinstance(self.auth_key, Unset):
            auth_key = UNSET
        else:
            auth_key = self.auth_key

        auth_secret: None | str | Unset
        if isinstance(self.auth_secret, Unset):
            auth_secret = UNSET
        else:
            auth_secret = self.auth_secret

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if auth_key is not UNSET:
            field_dict["authKey"] = auth_key
        if auth_secret is not UNSET:
            field_dict["authSecret"] = auth_secret

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_auth_key(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        auth_key = _parse_auth_key(d.pop("authKey", UNSET))

        def _parse_auth_secret(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        auth_secret = _parse_auth_secret(d.pop("authSecret", UNSET))

        external_webhook_auth_scheme = cls(
            auth_key=auth_key,
            auth_secret=auth_secret,
        )

        external_webhook_auth_scheme.additional_properties = d
        return external_webhook_auth_scheme

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
