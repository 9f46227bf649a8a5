from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="TTSResponseDataJobResponse")


@_attrs_define
class TTSResponseDataJobResponse:
    """
    Attributes:
        text (str | Unset):
        tts_media_file (str | Unset):
    """

    text: str | Unset = UNSET
    tts_media_file: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        text = self.text

        tts_media_file = self.tts_media_file

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if text is not UNSET:
            field_dict["text"] = text
        if tts_media_file is not UNSET:
            field_dict["ttsMediaFile"] = tts_media_file

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        text = d.pop("text", UNSET)

        tts_media_file = d.pop("ttsMediaFile", UNSET)

        tts_response_data_job_response = cls(
            text=text,
            tts_media_file=tts_media_file,
        )

        tts_response_data_job_response.additional_properties = d
        return tts_response_data_job_response

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
