"""Voice notes: what the engine reads when a lead sends audio, and how audio becomes text.

A voice note is stored as ``PLACEHOLDER``. When a transcription model is configured, the
turn's first step replaces it by ``"[voice note] <transcript>"`` before the engine reads
it; when none is, or transcription fails, and the lead said nothing else, AVA asks them to
type it instead of guessing what was said (``type_it_please``, in the lead's language).
"""

from __future__ import annotations

from typing import Protocol

import httpx

from ava_core.errors import ChannelError, ConfigError
from ava_core.language.phrases import said
from ava_core.settings import Settings

PLACEHOLDER = "[voice note]"


class Transcriber(Protocol):
    def transcribe(self, audio: bytes, *, mime_type: str) -> str:
        """The words spoken in ``audio``."""
        ...


def transcribed(transcript: str) -> str:
    """The stored text of a voice note once transcribed."""
    return f"{PLACEHOLDER} {transcript.strip()}"


def type_it_please(language: str) -> str:
    """The answer to voice notes AVA cannot listen to, in ``language``: please type it."""
    return said(language).type_it_please


def untranscribed_only(read_text: str) -> bool:
    """True when everything the lead said this turn is voice notes AVA could not listen to."""
    lines = [line for line in read_text.splitlines() if line.strip()]
    return bool(lines) and all(line.strip() == PLACEHOLDER for line in lines)


class HttpTranscriber:
    """An ``/audio/transcriptions`` endpoint (Azure OpenAI or OpenAI-compatible), multipart upload."""

    def __init__(self, *, client: httpx.Client, url: str, headers: dict[str, str], model: str | None = None):
        self._client = client
        self._url = url
        self._headers = headers
        self._model = model

    def __repr__(self) -> str:  # the headers hold a key
        return f"HttpTranscriber({self._url!r})"

    def transcribe(self, audio: bytes, *, mime_type: str) -> str:
        # WhatsApp voice notes are OGG/Opus, which Whisper-family models accept as they are.
        extension = "ogg" if "ogg" in mime_type else (mime_type.split("/")[-1].split(";")[0] or "bin")
        data = {"response_format": "json"}
        if self._model:
            data["model"] = self._model
        try:
            response = self._client.post(
                self._url, headers=self._headers, data=data,
                files={"file": (f"voice.{extension}", audio, mime_type or "application/octet-stream")},
            )
        except httpx.HTTPError as exc:
            raise ChannelError(f"could not reach the transcription endpoint: {exc}") from None
        if response.status_code >= 400:
            raise ChannelError(f"transcription failed with HTTP {response.status_code}: {response.text[:200]}")
        try:
            return str(response.json()["text"])
        except (ValueError, KeyError, TypeError):
            raise ChannelError("the transcription endpoint answered without a `text` field") from None


def build_transcriber(settings: Settings, client: httpx.Client) -> Transcriber | None:
    """The configured transcriber, or None when ``AVA_TRANSCRIPTION_MODEL`` is unset."""
    model = settings.transcription_model
    if not model:
        return None
    if settings.transcription_provider == "azure":
        if not (settings.azure_openai_endpoint and settings.azure_openai_api_key):
            raise ConfigError(
                "AVA_TRANSCRIPTION_MODEL is set for Azure: also set AVA_AZURE_OPENAI_ENDPOINT and "
                "AVA_AZURE_OPENAI_API_KEY, or unset AVA_TRANSCRIPTION_MODEL"
            )
        url = (f"{settings.azure_openai_endpoint.rstrip('/')}/openai/deployments/{model}/audio/transcriptions"
               f"?api-version={settings.azure_openai_api_version}")
        headers = {"api-key": settings.azure_openai_api_key.get_secret_value()}
        return HttpTranscriber(client=client, url=url, headers=headers)
    if not settings.openai_compatible_base_url:
        raise ConfigError(
            "AVA_TRANSCRIPTION_PROVIDER=openai_compatible needs AVA_OPENAI_COMPATIBLE_BASE_URL"
        )
    key = settings.openai_compatible_api_key
    headers = {"Authorization": f"Bearer {key.get_secret_value()}"} if key else {}
    url = f"{settings.openai_compatible_base_url.rstrip('/')}/audio/transcriptions"
    return HttpTranscriber(client=client, url=url, headers=headers, model=model)
