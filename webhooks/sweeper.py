"""A timer that restarts conversations a lead is still waiting on, so no message goes unanswered.

Events are hints and the store holds the truth, but a hint can be lost: an event raised
in the instant an instance completes is dropped by the durable runtime, and a webhook can
store a message and then fail to reach the durable client. Every minute this sweep starts
the instance of any active conversation whose newest lead message has no reply and no
running instance.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import azure.durable_functions as df
import azure.functions as func
from loguru import logger

from activities.runtime import runtime
from ava_core.assistant import Assistant
from orchestrators.contracts import LeadMessage
from orchestrators.instances import active, instance_id, start_or_signal

bp = df.Blueprint()
# Longer than a webhook's store-then-start gap; a running instance is never disturbed anyway.
GRACE = timedelta(minutes=2)
# Beyond WhatsApp's 24-hour window a free-form answer could not be sent anyway.
HORIZON = timedelta(hours=24)


@bp.timer_trigger(schedule="0 * * * * *", arg_name="timer", run_on_startup=False)
@bp.durable_client_input(client_name="client")
async def sweep_conversations(timer: func.TimerRequest, client) -> None:
    """Start the instance of every conversation left waiting for a reply."""
    services = await asyncio.to_thread(runtime.services)  # the first call opens the store
    started = await sweep(client, services.assistant, datetime.now(UTC))
    if started:
        logger.bind(alert="sweeper").warning("restarted {} waiting conversation(s): {}", len(started), started)


async def sweep(client: Any, assistant: Assistant, now: datetime) -> list[str]:
    """The instance ids it started: waiting conversations on a channel this app serves."""
    started = []
    # SQLite blocks: off the event loop, which also serves the webhooks.
    waiting = await asyncio.to_thread(assistant.store.awaiting_reply, since=now - HORIZON, before=now - GRACE)
    for conversation_id, channel, message_id, _ in waiting:
        if channel not in assistant.channels:
            continue
        iid = instance_id(channel, conversation_id)
        if active(await client.get_status(iid)):
            continue
        await start_or_signal(client, channel=channel, conversation_id=conversation_id,
                              message=LeadMessage(message_id=message_id),
                              pacing=assistant.engine.profile.pacing)
        started.append(iid)
    return started
