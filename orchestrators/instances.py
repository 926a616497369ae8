"""Which durable instance runs a conversation, and how a new message reaches it.

One instance per conversation, its id derived from the channel and the conversation (no
phone number or name in it: instance ids show up in storage tables and logs). A message
for a running instance becomes a ``lead_message`` event; otherwise it starts the instance.
"""

from __future__ import annotations

from typing import Any, Literal

from loguru import logger

from ava_core.profile.models import Pacing
from orchestrators.contracts import LEAD_MESSAGE, ORCHESTRATOR, ConversationStart, LeadMessage

# Pending: started but not yet picked up; Suspended: paused by an operator. Events sent to
# either wait in its queue and are read when it runs, and neither can be replaced by a new
# start (host.json overrides only NonRunningStates: Completed, Failed, Terminated).
_ACTIVE = {"Running", "Pending", "ContinuedAsNew", "Suspended"}


def instance_id(channel: str, conversation_id: int) -> str:
    return f"conv-{channel}-{conversation_id}"


async def start_or_signal(
    client: Any, *, channel: str, conversation_id: int, message: LeadMessage, pacing: Pacing
) -> Literal["started", "signalled"]:
    """Deliver ``message`` to the conversation's instance, starting the instance if none runs.

    ``client`` is the durable orchestration client (get_status, raise_event, start_new).
    """
    iid = instance_id(channel, conversation_id)
    if active(await client.get_status(iid)):
        try:
            await client.raise_event(iid, LEAD_MESSAGE, message.model_dump(mode="json"))
            return "signalled"
        except Exception as exc:  # it completed between the status read and the event (HTTP 410)
            logger.bind(instance_id=iid).info("instance ended before the event; starting it again: {}", exc)
    start = ConversationStart(conversation_id=conversation_id, pacing=pacing, message_id=message.message_id)
    try:
        await client.start_new(ORCHESTRATOR, iid, start.model_dump(mode="json"))
        return "started"
    except Exception as exc:
        # Another delivery started it a moment ago: host.json keeps running instances from being
        # replaced (overridableExistingInstanceStates: NonRunningStates), so signal that one.
        logger.bind(instance_id=iid).info("instance already started; signalling it: {}", exc)
        await client.raise_event(iid, LEAD_MESSAGE, message.model_dump(mode="json"))
        return "signalled"


def active(status: Any) -> bool:
    """True when a status from ``client.get_status`` is of an instance that will still read events."""
    value = getattr(status, "runtime_status", None)
    return getattr(value, "value", value) in _ACTIVE
