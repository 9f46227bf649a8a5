from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.external_webhook_auth_scheme import ExternalWebhookAuthScheme


T = TypeVar("T", bound="TTSRequest")


@_attrs_define
class TTSRequest:
    """
    Attributes:
        voice_id (str): The voice id you wish to use. If you are using a cloned voice, you need to preload it first
            using [preload cloned TTS voice API](/api-reference/endpoint/preload-cloned-tts-voice)
        text (str): The text you want to convert to speech. Example: أهلاً و سهلاً بكم في همسة!.
        webhook_url (str | Unset): The webhook url to which the TTS job result will be sent.
        webhook_auth (ExternalWebhookAuthScheme | Unset): Authorization header to be sent in this format:
            `Authorization: [authKey] [authSecret]`
    """

    voice_id: str
    text: str
    webhook_url: str | Unset = UNSET
    webhook_auth: ExternalWebhookAuthScheme | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        voice_id = self.voice_id

        text = self.text

        webhook_url = self.webhook_url

        webhook_auth: dict[str, Any] | Unset = UNSET
        if not isinstance(self.webhook_auth, Unset):
            webhook_auth = self.webhook_auth.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "voiceId": voice_id,
                "text": text,
            }
        )
        if webhook_url is not UNSET:
            field_dict["webhookUrl"] = webhook_url
        if webhook_auth is not UNSET:
            field_dict["webhookAuth"] = webhook_auth

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.external_webhook_auth_scheme import ExternalWebhookAuthScheme

        d = dict(src_dict)
        voice_id = d.pop("voiceId")

        text = d.pop("text")

        webhook_url = d.pop("webhookUrl", UNSET)

        _webhook_auth = d.pop("webhookAuth", UNSET)
        webhook_auth: ExternalWebhookAuthScheme | Unset
        if isinstance(_webhook_auth, Unset):
            webhook_auth = UNSET
        else:
            webhook_auth = ExternalWebhookAuthScheme.from_dict(_webhook_auth)

        tts_request = cls(
            voice_id=voice_id,
            text=text,
            webhook_url=webhook_url,
            webhook_auth=webhook_auth,
        )

        tts_request.additional_properties = d
        return tts_request

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
