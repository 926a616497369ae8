"""A nightly timer for retention: idle conversations are archived (``ava_core.archive``), and
what the durable task hub keeps of finished instances is purged.

The task hub keeps each instance's history (inputs, outputs, events) in plain text until it is
purged; since the turn stays in the store, that history holds ids and lengths only, and the
purge keeps it from growing forever. Running instances are never purged: only completed,
failed and terminated ones created before the retention period.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import azure.durable_functions as df
import azure.functions as func
from azure.durable_functions.models.OrchestrationRuntimeStatus import OrchestrationRuntimeStatus
from loguru import logger

from activities.runtime import Services, runtime
from ava_core.archive import archive_idle_conversations

bp = df.Blueprint()
FINISHED = [OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed,
            OrchestrationRuntimeStatus.Terminated]
# The purge API wants a lower bound: before any AVA instance existed.
BEGINNING = datetime(2020, 1, 1, tzinfo=UTC)
# A turn lasts minutes; its working state is only kept to survive retries and restarts.
TURN_STATE_TTL = timedelta(days=2)


@bp.timer_trigger(schedule="0 30 3 * * *", arg_name="timer", run_on_startup=False)
@bp.durable_client_input(client_name="client")
async def archive_idle(timer: func.TimerRequest, client) -> None:
    """Archive idle conversations, forget old turn states, purge finished instances' histories."""
    await retain(client, datetime.now(UTC))


async def retain(client: Any, now: datetime) -> int:
    """One retention run; returns how many instance histories were purged.

    The store work (SQLite, the archive file on the share) runs in a worker thread: it blocks,
    and the Functions worker's event loop also serves the webhooks."""
    services = await asyncio.to_thread(runtime.services)
    await asyncio.to_thread(archive_store, services, now)
    cutoff = now - timedelta(days=services.settings.retention_days)
    result = await client.purge_instance_history_by(
        created_time_from=BEGINNING, created_time_to=cutoff, runtime_status=FINISHED)
    purged = result.instances_deleted
    logger.info("retention: purged the durable history of {} finished instances created before {}", purged,
                cutoff.date())
    return purged


def archive_store(services: Services, now: datetime) -> None:
    """Move idle conversations to compressed JSON lines on the share, in batches until none are left."""
    settings = services.settings
    store = services.assistant.store
    pruned = store.prune_turn_states(now - TURN_STATE_TTL)
    if pruned:
        logger.info("retention: forgot the working state of {} finished turns", pruned)
    while True:
        report = archive_idle_conversations(store, settings.archive_dir, now=now,
                                            retention_days=settings.retention_days)
        if report.conversations == 0:
            break
        logger.info("retention: {} conversations archived to {}", report.conversations, report.file)
