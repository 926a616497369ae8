"""The re-engagement orchestration: one activity that answers a reply WhatsApp refused because
the 24-hour window had closed (error 131047 in a ``failed`` status).

The status webhook starts it and answers Meta at once; the template send (or the hand-off)
happens in ``reengage_lead``, retried here when WhatsApp is busy. One instance per refused
message; what it does is idempotent (``ava_core.reengagement``), so Meta retrying the status
webhook, or the instance being started again once complete, sends nothing twice.
"""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df
from loguru import logger
from pydantic import BaseModel, Field

from orchestrators.instances import active

bp = df.Blueprint()

ORCHESTRATOR = "reengage"
ACTIVITY = "reengage_lead"
RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=5_000, max_number_of_attempts=4)


class Undelivered(BaseModel):
    """A stored reply WhatsApp reported as failed with 131047: the input of the orchestration and its activity.

    Store ids only: a WhatsApp message id encodes the lead's phone number, and nothing that
    identifies a lead is kept in the durable task hub."""

    conversation_id: int
    message_id: int = Field(description="the store's id of the refused message")
    channel: str = "whatsapp"
    template_failed: str | None = Field(
        None, description="the template kept failing after its retries: hand the conversation off instead")


def instance_id(undelivered: Undelivered) -> str:
    # Store ids only: a WhatsApp message id can hold characters instance ids may not ('/').
    return f"reengage-{undelivered.channel}-{undelivered.conversation_id}-{undelivered.message_id}"


@bp.orchestration_trigger(context_name="context", orchestration=ORCHESTRATOR)
def reengage(context: df.DurableOrchestrationContext):
    """Send the approved template, or hand off; the activity decides against the store.

    Never silence: when WhatsApp keeps failing the template through every retry, the activity
    runs once more to hand the conversation to a person."""
    undelivered = Undelivered.model_validate(context.get_input(expected_type=dict))
    try:
        result = yield context.call_activity_with_retry(ACTIVITY, RETRY, undelivered.model_dump(mode="json"),
                                                        expected_type=dict)
    except Exception as exc:  # the activity failed after its retries
        failed = undelivered.model_copy(update={"template_failed": _first_line(exc)})
        result = yield context.call_activity_with_retry(ACTIVITY, RETRY, failed.model_dump(mode="json"),
                                                        expected_type=dict)
    return result


async def start(client: Any, undelivered: Undelivered) -> bool:
    """Start the instance for this refused message; False when none runs for it afterwards."""
    iid = instance_id(undelivered)
    try:
        await client.start_new(ORCHESTRATOR, iid, undelivered.model_dump(mode="json"))
        return True
    except Exception as exc:
        # Already running (Meta delivered the status twice at once): that instance has it.
        try:
            if active(await client.get_status(iid)):
                return True
        except Exception:  # noqa: BLE001 - the backend is down: report the first error
            pass
        logger.bind(conversation_id=undelivered.conversation_id, alert="durable").error(
            "re-engagement of message {} not started: {}", undelivered.message_id, exc)
        return False


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
