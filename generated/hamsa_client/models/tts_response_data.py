from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.tts_response_data_status import TTSResponseDataStatus
from ..models.tts_response_data_type import TTSResponseDataType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.tts_response_data_job_response import TTSResponseDataJobResponse


T = TypeVar("T", bound="TTSResponseData")


@_attrs_define
class TTSResponseData:
    """
    Attributes:
        id (str | Unset):
        title (str | Unset):
        type_ (TTSResponseDataType | Unset):
        media_url (str | Unset):
        webhook_url (str | Unset):
        model (str | Unset):
        status (TTSResponseDataStatus | Unset):
        job_response (TTSResponseDataJobResponse | Unset):
        total_cost (float | Unset):
        api_key_id (str | Unset):
        user_id (str | Unset):
        tts_voice_id (str | Unset):
        created_at (datetime.datetime | Unset):
        updated_at (datetime.datetime | Unset):
    """

    id: str | Unset = UNSET
    title: str | Unset = UNSET
    type_: TTSResponseDataType | Unset = UNSET
    media_url: str | Unset = UNSET
    webhook_url: str | Unset = UNSET
    model: str | Unset = UNSET
    status: TTSResponseDataStatus | Unset = UNSET
    job_response: TTSResponseDataJobResponse | Unset = UNSET
    total_cost: float | Unset = UNSET
    api_key_id: str | Unset = UNSET
    user_id: str | Unset = UNSET
    tts_voice_id: str | Unset = UNSET
    created_at: datetime.datetime | Unset = UNSET
    updated_at: datetime.datetime | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        title = self.title

        type_: str | Unset = UNSET
        if not isinstance(self.type_, Unset):
            type_ = self.type_.value

        media_url = self.media_url

        webhook_url = self.webhook_url

        model = self.model

        status: str | Unset = UNSET
        if not isinstance(self.status, Unset):
            status = self.status.value

        job_response: dict[str, Any] | Unset = UNSET
        if not isinstance(self.job_response, Unset):
            job_response = self.job_response.to_dict()

        total_cost = self.total_cost

        api_key_id = self.api_key_id

        user_id = self.user_id

        tts_voice_id = self.tts_voice_id

        created_at: str | Unset = UNSET
        if not isinstance(self.created_at, Unset):
            created_at = self.created_at.isoformat()

        updated_at: str | Unset = UNSET
        if not isinstance(self.updated_at, Unset):
            updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if id is not UNSET:
            field_dict["id"] = id
        if title is not UNSET:
            field_dict["title"] = title
        if type_ is not UNSET:
            field_dict["type"] = type_
        if media_url is not UNSET:
            field_dict["mediaUrl"] = media_url
        if webhook_url is not UNSET:
            field_dict["webhookUrl"] = webhook_url
        if model is not UNSET:
            field_dict["model"] = model
        if status is not UNSET:
            field_dict["status"] = status
        if job_response is not UNSET:
            field_dict["jobResponse"] = job_response
        if total_cost is not UNSET:
            field_dict["totalCost"] = total_cost
        if api_key_id is not UNSET:
            field_dict["apiKeyId"] = api_key_id
        if user_id is not UNSET:
            field_dict["userId"] = user_id
        if tts_voice_id is not UNSET:
            field_dict["ttsVoiceId"] = tts_voice_id
        if created_at is not UNSET:
            field_dict["createdAt"] = created_at
        if updated_at is not UNSET:
            field_dict["updatedAt"] = updated_at

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.tts_response_data_job_response import TTSResponseDataJobResponse

        d = dict(src_dict)
        id = d.pop("id", UNSET)

        title = d.pop("title", UNSET)

        _type_ = d.pop("type", UNSET)
        type_: TTSResponseDataType | Unset
        if isinstance(_type_, Unset):
            type_ = UNSET
        else:
            type_ = TTSResponseDataType(_type_)

        media_url = d.pop("mediaUrl", UNSET)

        webhook_url = d.pop("webhookUrl", UNSET)

        model = d.pop("model", UNSET)

        _status = d.pop("status", UNSET)
        status: TTSResponseDataStatus | Unset
        if isinstance(_status, Unset):
            status = UNSET
        else:
            status = TTSResponseDataStatus(_status)

        _job_response = d.pop("jobResponse", UNSET)
        job_response: TTSResponseDataJobResponse | Unset
        if isinstance(_job_response, Unset):
            job_response = UNSET
        else:
            job_response = TTSResponseDataJobResponse.from_dict(_job_response)

        total_cost = d.pop("totalCost", UNSET)

        api_key_id = d.pop("apiKeyId", UNSET)

        user_id = d.pop("userId", UNSET)

        tts_voice_id = d.pop("ttsVoiceId", UNSET)

        _created_at = d.pop("createdAt", UNSET)
        created_at: datetime.datetime | Unset
        if isinstance(_created_at, Unset):
            created_at = UNSET
        else:
            created_at = datetime.datetime.fromisoformat(_created_at)

        _updated_at = d.pop("updatedAt", UNSET)
        updated_at: datetime.datetime | Unset
        if isinstance(_updated_at, Unset):
            updated_at = UNSET
        else:
            updated_at = datetime.datetime.fromisoformat(_updated_at)

        tts_response_data = cls(
            id=id,
            title=title,
            type_=type_,
            media_url=media_url,
            webhook_url=webhook_url,
            model=model,
            status=status,
            job_response=job_response,
            total_cost=total_cost,
            api_key_id=api_key_id,
            user_id=user_id,
            tts_voice_id=tts_voice_id,
            created_at=created_at,
            updated_at=updated_at,
        )

        tts_response_data.additional_properties = d
        return tts_response_data

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
