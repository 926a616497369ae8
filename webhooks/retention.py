"""A nightly timer that archives conversations idle past the retention period (``ava_core.archive``)."""

from __future__ import annotations

from datetime import UTC, datetime

import azure.durable_functions as df
import azure.functions as func
from loguru import logger

from activities.runtime import runtime
from ava_core.archive import archive_idle_conversations

bp = df.Blueprint()


@bp.timer_trigger(schedule="0 30 3 * * *", arg_name="timer", run_on_startup=False)
def archive_idle(timer: func.TimerRequest) -> None:
    """Move idle conversations to compressed JSON lines on the share, in batches until none are left."""
    services = runtime.services()
    settings = services.settings
    while True:
        report = archive_idle_conversations(
            services.assistant.store, settings.archive_dir, now=datetime.now(UTC),
            retention_days=settings.retention_days,
        )
        if report.conversations == 0:
            break
        logger.info("retention: {} conversations archived to {}", report.conversations, report.file)
