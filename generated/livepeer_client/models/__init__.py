"""Contains all the data models used in inputs/outputs"""

from .api_error import APIError
from .audio_response import AudioResponse
from .gateway_error import GatewayError
from .gateway_error_error import GatewayErrorError
from .http_error import HTTPError
from .http_exception_error import HTTPExceptionError
from .http_validation_error import HTTPValidationError
from .media_url import MediaURL
from .text_to_speech_params import TextToSpeechParams
from .validation_error import ValidationError

__all__ = (
    "APIError",
    "AudioResponse",
    "GatewayError",
    "GatewayErrorError",
    "HTTPError",
    "HTTPExceptionError",
    "HTTPValidationError",
    "MediaURL",
    "TextToSpeechParams",
    "ValidationError",
)
