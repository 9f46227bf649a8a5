"""Contains all the data models used in inputs/outputs"""

from .error_schema import ErrorSchema
from .external_webhook_auth_scheme import ExternalWebhookAuthScheme
from .job_details_response import JobDetailsResponse
from .tts_request import TTSRequest
from .tts_response import TTSResponse
from .tts_response_data import TTSResponseData
from .tts_response_data_job_response import TTSResponseDataJobResponse
from .tts_response_data_status import TTSResponseDataStatus
from .tts_response_data_type import TTSResponseDataType

__all__ = (
    "ErrorSchema",
    "ExternalWebhookAuthScheme",
    "JobDetailsResponse",
    "TTSRequest",
    "TTSResponse",
    "TTSResponseData",
    "TTSResponseDataJobResponse",
    "TTSResponseDataStatus",
    "TTSResponseDataType",
)
