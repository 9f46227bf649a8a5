from enum import StrEnum


class TTSResponseDataType(StrEnum):
    AI_CONTENT = "AI_CONTENT"
    TRANSCRIPTION = "TRANSCRIPTION"
    TRANSLATION = "TRANSLATION"
    TTS = "TTS"

    def __str__(self) -> str:
        return str(self.value)
