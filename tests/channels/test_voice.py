"""Voice notes: transcription through an injected endpoint, or a polite request to type."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr

from ava_core.channels.voice import PLACEHOLDER, build_transcriber, transcribed, untranscribed_only
from ava_core.errors import ConfigError
from ava_core.settings import Settings


def test_voice_notes_alone_ask_the_lead_to_type():
    assert untranscribed_only(PLACEHOLDER)
    assert untranscribed_only(f"{PLACEHOLDER}\n{PLACEHOLDER}")
    assert not untranscribed_only(f"{PLACEHOLDER}\nalso my zip is 78704")
    assert not untranscribed_only(transcribed("I own my home"))
    assert not untranscribed_only("")


def test_without_a_transcription_model_there_is_no_transcriber():
    assert build_transcriber(Settings(), httpx.Client()) is None


def test_azure_transcription_needs_its_endpoint():
    with pytest.raises(ConfigError, match="AVA_AZURE_OPENAI_ENDPOINT"):
        build_transcriber(Settings(transcription_model="whisper"), httpx.Client())


def test_azure_transcription_uploads_the_audio_to_the_deployment():
    seen: list[httpx.Request] = []

    def azure(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"text": "I own my home and my bill is about 180"})

    settings = Settings(transcription_model="whisper", azure_openai_endpoint="https://ava.openai.azure.com/",
                        azure_openai_api_key=SecretStr("azure-key"))
    transcriber = build_transcriber(settings, httpx.Client(transport=httpx.MockTransport(azure)))
    text = transcriber.transcribe(b"OggS...", mime_type="audio/ogg; codecs=opus")
    assert text == "I own my home and my bill is about 180"
    request = seen[0]
    assert str(request.url) == (
        "https://ava.openai.azure.com/openai/deployments/whisper/audio/transcriptions?api-version=2024-10-21")
    assert request.headers["api-key"] == "azure-key"
    assert b'filename="voice.ogg"' in request.content
    assert "azure-key" not in repr(transcriber)
