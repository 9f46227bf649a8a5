"""Contains all the data models used in inputs/outputs"""

from .api_error import APIError
from .audio_response import AudioResponse
from .http_error import HTTPError
from .http_validation_error import HTTPValidationError
from .media_url import MediaURL
from .text_to_speech_params import TextToSpeechParams
from .validation_error import ValidationError

__all__ = (
    "APIError",
    "AudioResponse",
    "HTTPError",
    "HTTPValidationError",
    "MediaURL",
    "TextToSpeechParams",
    "ValidationError",
)
