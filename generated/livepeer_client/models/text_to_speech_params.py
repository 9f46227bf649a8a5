from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="TextToSpeechParams")


@_attrs_define
class TextToSpeechParams:
    """
    Attributes:
        text (str): Text input for speech generation.
        model_id (str | Unset): Hugging Face model ID used for text to speech generation.
        description (str | Unset): Description of speaker to steer text to speech generation. Default: 'A male speaker
            delivers a slightly expressive and animated speech with a moderate speed and pitch.'.
    """

    text: str
    model_id: str | Unset = UNSET
    description: str | Unset = (
        "A male speaker delivers a slightly expressive and animated speech with a moderate speed and pitch."
    )
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        text = self.text

        model_id = self.model_id

        description = self.description

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "text": text,
            }
        )
        if model_id is not UNSET:
            field_dict["model_id"] = model_id
        if description is not UNSET:
            field_dict["description"] = description

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        text = d.pop("text")

        model_id = d.pop("model_id", UNSET)

        description = d.pop("description", UNSET)

        text_to_speech_params = cls(
            text=text,
            model_id=model_id,
            description=description,
        )

        text_to_speech_params.additional_properties = d
        return text_to_speech_params

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
