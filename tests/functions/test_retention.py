"""The nightly retention timer: archives idle conversations, forgets old turn states, and purges
the durable history of finished instances older than the retention period."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from durable_fakes import FakeDurableClient

from webhooks import retention

NOW = datetime(2026, 12, 1, 3, 30, tzinfo=UTC)


async def test_finished_instances_older_than_the_retention_period_lose_their_history(services):
    services()  # retention_days: 180
    client = FakeDurableClient()
    client.created = {
        "conv-whatsapp-1": ("Completed", NOW - timedelta(days=200)),
        "conv-whatsapp-2": ("Failed", NOW - timedelta(days=181)),
        "conv-whatsapp-3": ("Terminated", NOW - timedelta(days=365)),
        "conv-whatsapp-4": ("Running", NOW - timedelta(days=200)),  # a lead still being answered
        "conv-whatsapp-5": ("Completed", NOW - timedelta(days=10)),
    }
    assert await retention.retain(client, NOW) == 3
    assert sorted(client.created) == ["conv-whatsapp-4", "conv-whatsapp-5"]
    [(_, before, statuses)] = client.purges
    assert before == NOW - timedelta(days=180)
    assert sorted(statuses) == ["Completed", "Failed", "Terminated"]


async def test_old_turn_states_are_forgotten_and_the_store_work_runs_off_the_event_loop(services, lead, monkeypatch):
    assistant = services().assistant
    lead.writes(assistant, "hello?")
    store = assistant.store
    store.save_turn_state(1, "old", "{}", at=NOW - timedelta(days=3))
    store.save_turn_state(1, "current", "{}", at=NOW - timedelta(minutes=5))
    threads = []
    archive = retention.archive_idle_conversations

    def recording(*args, **kwargs):
        threads.append(threading.current_thread())
        return archive(*args, **kwargs)

    monkeypatch.setattr(retention, "archive_idle_conversations", recording)
    await retention.retain(FakeDurableClient(), NOW)
    assert threads and threading.main_thread() not in threads
    assert store.turn_state(1, "current") == "{}"
    assert store.prune_turn_states(NOW) == 1  # only "current" was left
