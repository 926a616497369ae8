"""Voice notes become text before the turn begins, when a transcriber is configured."""

from __future__ import annotations

from typing import TYPE_CHECKING

from loguru import logger

from ava_core.agent.history import WINDOW
from ava_core.channels.voice import PLACEHOLDER, transcribed
from ava_core.errors import AvaError

if TYPE_CHECKING:
    from activities.runtime import Services
    from ava_core.store import StoredMessage


def transcribe_voice_notes(services: Services, conversation_id: int) -> int:
    """Replace the placeholder of each voice note the lead is waiting on by its transcript;
    returns how many were transcribed.

    The store, not the event that announced a message, says which notes need it: a
    conversation restarted by the sweeper carries no event payload. A note that cannot be
    downloaded or transcribed keeps its placeholder, so the lead is asked to type instead of
    hearing nothing.
    """
    if services.transcriber is None or services.whatsapp is None:
        return 0
    store = services.assistant.store
    done = 0
    for note in untranscribed(store.messages(conversation_id, last=WINDOW)):
        try:
            audio, mime_type = services.whatsapp.download_media(note.media_id)
            text = services.transcriber.transcribe(audio, mime_type=mime_type)
        except AvaError as exc:
            logger.warning("voice note {} not transcribed: {}", note.channel_message_id, exc)
            continue
        if text.strip():
            store.set_message_text(note.id, transcribed(text))
            done += 1
    return done


def untranscribed(messages: list[StoredMessage]) -> list[StoredMessage]:
    """The lead's voice notes since AVA last spoke that still read as the bare placeholder.

    Older ones were answered already (by a request to type): downloading them again each
    turn would only repeat that failure.
    """
    waiting = []
    for m in reversed(messages):
        if m.role == "assistant" and m.text and not m.tool_calls:
            break
        if m.role == "user" and m.kind == "audio" and m.media_id and m.text.strip() == PLACEHOLDER:
            waiting.append(m)
    return list(reversed(waiting))
