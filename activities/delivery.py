"""Activities that reach the lead: the typing indicator, and one chat bubble at a time."""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df
from loguru import logger

from activities import turn_states
from activities.runtime import runtime
from ava_core.agent.guards import opted_out
from ava_core.agent.history import WINDOW
from ava_core.errors import ChannelError
from orchestrators.contracts import SendInput, SendResult, TypingInput

bp = df.Blueprint()


@bp.activity_trigger(input_name="payload")
def send_typing(payload: dict[str, Any]) -> dict[str, Any]:
    """Mark the lead's newest message read and show 'typing…'; cosmetic, so failures are only logged."""
    request = TypingInput.model_validate(payload)
    assistant = runtime.services().assistant
    store = assistant.store
    conversation = store.conversation(request.conversation_id)
    contact = store.contact(conversation.contact_id)
    channel = assistant.channels.get(conversation.channel)
    if channel is None or contact.opted_out:
        return {"ok": False}
    newest = next((m.channel_message_id for m in reversed(store.messages(conversation.id, last=WINDOW))
                   if m.role == "user" and m.channel_message_id), None)
    try:
        channel.typing(contact.external_id, newest)
    except ChannelError as exc:
        logger.bind(conversation_id=conversation.id).warning("typing indicator not shown: {}", exc)
        return {"ok": False}
    return {"ok": True}


@bp.activity_trigger(input_name="payload")
def send_reply(payload: dict[str, Any]) -> dict[str, Any]:
    """Send the turn's bubble ``index`` (read from the store) through ``Assistant.deliver``
    (which re-checks opt-out and takeover at send time, and never posts the same bubble twice,
    so the retry policy may run it again).

    With ``check_stale``, a bubble is not sent when the lead wrote after the turn began; the
    result also says whether they did by the time it went out, so the orchestrator can answer.
    """
    request = SendInput.model_validate(payload)
    assistant = runtime.services().assistant
    state = turn_states.load(assistant.store, request.conversation_id, request.turn_id).state
    newer = _newer_from_lead(assistant, state) if state.outcome != "opted_out" else []
    # A STOP written while this reply was on its way stops it even when staleness is not
    # checked any more; the next turn sends the one confirmation. (The confirmation itself
    # always goes out: it is the one message an opted-out lead gets.)
    if newer and (request.check_stale or any(opted_out(assistant.engine.profile, t) for t in newer)):
        return SendResult(stale=True).model_dump()
    try:
        sent = assistant.deliver(state, [state.bubbles[request.index]], first_index=request.index)
    except ChannelError as exc:
        if getattr(exc, "retryable", True):
            raise  # the durable retry policy tries again
        logger.bind(conversation_id=state.conversation_id, alert="channel").error("reply not sent: {}", exc)
        return SendResult(error=str(exc)).model_dump()
    if request.index == len(state.bubbles) - 1:  # the turn's last bubble: mirror its outcome into the CRM
        assistant.sync_crm(state.conversation_id)
    return SendResult(sent=len(sent), template_sent=sent.template is not None,
                      stale=bool(_newer_from_lead(assistant, state))).model_dump()


def _newer_from_lead(assistant, state) -> list[str]:
    """What the lead wrote after the turn began (the engine's staleness rule, with the texts)."""
    return [m.text for m in assistant.store.messages_after(state.conversation_id, state.last_message_id)
            if m.role == "user"]
