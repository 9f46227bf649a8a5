from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.tts_response_data import TTSResponseData


T = TypeVar("T", bound="JobDetailsResponse")


@_attrs_define
class JobDetailsResponse:
    """Answer of GET /v1/jobs: {message, previewUrl, data} where data is the job (docs.tryhamsa.com/api-
    reference/endpoint/get-job-by-id, "Get Job Details By Id").

        Attributes:
            message (str | Unset):
            preview_url (str | Unset):
            data (TTSResponseData | Unset):
    """

    message: str | Unset = UNSET
    preview_url: str | Unset = UNSET
    data: TTSResponseData | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        message = self.message

        preview_url = self.preview_url

        data: dict[str, Any] | Unset = UNSET
        if not isinstance(self.data, Unset):
            data = self.data.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if message is not UNSET:
            field_dict["message"] = message
        if preview_url is not UNSET:
            field_dict["previewUrl"] = preview_url
        if data is not UNSET:
            field_dict["data"] = data

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.tts_response_data import TTSResponseData

        d = dict(src_dict)
        message = d.pop("message", UNSET)

        preview_url = d.pop("previewUrl", UNSET)

        _data = d.pop("data", UNSET)
        data: TTSResponseData | Unset
        if isinstance(_data, Unset):
            data = UNSET
        else:
            data = TTSResponseData.from_dict(_data)

        job_details_response = cls(
            message=message,
            preview_url=preview_url,
            data=data,
        )

        job_details_response.additional_properties = d
        return job_details_response

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
