"""A reply WhatsApp refused after accepting it: the 24-hour window had closed (error 131047).

Meta usually reports 131047 asynchronously, as a ``failed`` status for a message the send API
had already accepted, so the lead got nothing. Then the approved template goes out (the one
message WhatsApp allows outside the window, inviting the lead to write back), in the
conversation's language when the profile names one for it (``whatsapp.reengagement_templates``),
else the default one; or, with no template configured, the conversation goes to a person: AVA
pauses and the team is alerted.

Safe to run again for the same failure (Meta retries status webhooks, the durable runtime
retries activities): one template per lead message at most, and a paused conversation is
left to its person.
"""

from __future__ import annotations

from typing import Literal

from loguru import logger

from ava_core.agent.turn import TurnState
from ava_core.assistant import TEMPLATE_KIND, Assistant, template_text
from ava_core.channels.base import OutboundMessage
from ava_core.errors import ChannelError
from ava_core.language.detection import lead_language

Outcome = Literal["template_sent", "handed_off", "not_needed"]


def reengage(assistant: Assistant, conversation_id: int, message_id: int, *,
             template_failed: str | None = None) -> Outcome:
    """Answer a closed-window failure of the stored message ``message_id``.

    Raises ChannelError when the template could not be sent and trying again may help; once
    the retries are spent, ``template_failed`` (why) hands the conversation off instead.
    """
    store = assistant.store
    failed = store.message(conversation_id, message_id)
    if failed is None:
        return "not_needed"
    log = logger.bind(conversation_id=conversation_id)
    conversation = store.conversation(conversation_id)
    contact = store.contact(conversation.contact_id)
    if failed.role != "assistant" or failed.kind == TEMPLATE_KIND:
        # A template is never refused for the window; a failed one needs a person, not another template.
        log.bind(alert="channel").error("WhatsApp refused message {} ({}): not sent again", message_id, failed.kind)
        return "not_needed"
    if contact.opted_out or conversation.status != "active":
        return "not_needed"  # the lead said stop, or a person has the conversation already
    later = store.messages_after(conversation_id, failed.id)
    if any(m.role == "user" or m.kind == TEMPLATE_KIND for m in later):
        # The lead wrote again (the window is open, and that message gets its own turn), or a
        # template already went out after this message.
        return "not_needed"
    sender = assistant.channels.get(conversation.channel)
    # The template approved in the conversation's language, else the default one.
    profile = assistant.engine.profile
    language = profile.speaking(lead_language(store, profile, conversation_id))
    choose = getattr(sender, "template_for", None)
    chosen = choose(language) if choose is not None else None
    template = chosen.name if chosen is not None else None
    if sender is None or not template or template_failed:
        _hand_off(assistant, conversation_id, contact.id, failed.id, refused=template_failed)
        return "handed_off"
    # One template per lead message: every bubble of a turn can fail the same way.
    since = conversation.last_inbound_at.isoformat() if conversation.last_inbound_at else "never"
    text = template_text(template)
    claim = store.claim_delivery(conversation_id, f"reengage:{since}", text, at=assistant.engine.clock.now(),
                                 channel=conversation.channel)
    if claim is None:
        return "not_needed"
    try:
        receipt = sender.send(contact.external_id, OutboundMessage(text=text, template=template, language=language))
    except ChannelError as exc:
        if getattr(exc, "maybe_sent", False):
            log.bind(alert="channel").error("re-engagement template may not have reached the lead: {}", exc)
            return "template_sent"
        store.release_delivery(claim)
        if getattr(exc, "retryable", False):
            raise
        log.bind(alert="channel").error("re-engagement template refused: {}", exc)
        _hand_off(assistant, conversation_id, contact.id, failed.id, refused=str(exc))
        return "handed_off"
    store.confirm_delivery(claim, receipt.channel_message_id, text=text, kind=TEMPLATE_KIND)
    log.info("24-hour window closed: template {} sent after WhatsApp refused message {}", template, message_id)
    return "template_sent"


def _hand_off(assistant: Assistant, conversation_id: int, contact_id: int, failed_id: int, *,
              refused: str | None = None) -> None:
    """Pause AVA and alert the team. Nothing is sent: outside the window the lead would not get it."""
    why = (f"the approved template was refused too ({refused})" if refused else
           "no approved template is set (AVA_WHATSAPP_TEMPLATE_NAME)")
    reason = (f"WhatsApp did not deliver AVA's reply: more than 24 hours have passed since the lead last wrote "
              f"(error 131047), and {why}. Please contact the lead personally.")
    newest = assistant.store.messages(conversation_id, last=1)
    state = TurnState(turn_id=f"reengage-{failed_id}", conversation_id=conversation_id, contact_id=contact_id,
                      last_message_id=newest[-1].id if newest else failed_id)
    logger.bind(conversation_id=conversation_id, alert="handoff").error("closed window, handing off: {}", reason)
    assistant.engine.hand_off(state, reason)
