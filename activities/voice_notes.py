"""Voice notes become text before the turn begins, when a transcriber is configured."""

from __future__ import annotations

from typing import TYPE_CHECKING

from loguru import logger

from ava_core.channels.voice import transcribed
from ava_core.errors import AvaError
from orchestrators.contracts import LeadMessage

if TYPE_CHECKING:
    from activities.runtime import Services


def transcribe_voice_notes(services: Services, notes: list[LeadMessage]) -> int:
    """Replace each voice note's placeholder by its transcript; returns how many were transcribed.

    A note that cannot be downloaded or transcribed keeps its placeholder, so the lead is asked
    to type instead of hearing nothing.
    """
    if not notes or services.transcriber is None or services.whatsapp is None:
        return 0
    done = 0
    for note in notes:
        if not note.media_id:
            continue
        try:
            audio, mime_type = services.whatsapp.download_media(note.media_id)
            text = services.transcriber.transcribe(audio, mime_type=mime_type)
        except AvaError as exc:
            logger.warning("voice note {} not transcribed: {}", note.channel_message_id, exc)
            continue
        if text.strip():
            services.assistant.store.set_message_text(note.message_id, transcribed(text))
            done += 1
    return done
