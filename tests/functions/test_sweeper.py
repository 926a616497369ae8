"""The sweeper: a conversation left waiting (its event lost) is started again; others are left alone."""

from __future__ import annotations

import threading
from datetime import timedelta

from durable_fakes import FakeDurableClient

from webhooks.sweeper import sweep


async def test_a_waiting_conversation_without_an_instance_is_started(services, lead, clock):
    assistant = services().assistant
    lead.writes(assistant, "hello?")
    client = FakeDurableClient()
    started = await sweep(client, assistant, clock.now() + timedelta(minutes=5))
    assert started == ["conv-whatsapp-1"]
    [(_, _, start)] = client.started
    assert start["message_id"] == assistant.store.messages(1)[0].id


async def test_recent_answered_running_paused_or_opted_out_conversations_are_left_alone(services, lead, clock):
    assistant = services().assistant
    store = assistant.store
    lead.writes(assistant, "just now")
    client = FakeDurableClient()
    assert await sweep(client, assistant, clock.now() + timedelta(seconds=30)) == []  # still within the grace
    client.status["conv-whatsapp-1"] = "Running"
    assert await sweep(client, assistant, clock.now() + timedelta(minutes=5)) == []  # its instance has it
    client.status.clear()
    store.add_message(1, "assistant", "Hi!", at=clock.now(), channel="whatsapp", channel_message_id="wamid.out-1",
                      status="sent")
    assert await sweep(client, assistant, clock.now() + timedelta(minutes=5)) == []  # answered
    lead.writes(assistant, "are you there?")
    store.set_conversation_status(1, "paused", clock.now())
    assert await sweep(client, assistant, clock.now() + timedelta(minutes=5)) == []  # a person has it
    store.set_conversation_status(1, "active", clock.now())
    store.set_opted_out(store.conversation(1).contact_id, clock.now())
    assert await sweep(client, assistant, clock.now() + timedelta(minutes=5)) == []  # opted out
    assert await sweep(client, assistant, clock.now() + timedelta(days=2)) == []  # beyond the 24-hour window
    assert client.started == []


async def test_the_sweep_reads_the_store_off_the_event_loop(services, lead, clock):
    assistant = services().assistant
    lead.writes(assistant, "hello?")
    threads = []
    awaiting = assistant.store.awaiting_reply

    def recording(**kwargs):
        threads.append(threading.current_thread())
        return awaiting(**kwargs)

    assistant.store.awaiting_reply = recording
    assert await sweep(FakeDurableClient(), assistant, clock.now() + timedelta(minutes=5)) == ["conv-whatsapp-1"]
    assert threads and threading.main_thread() not in threads
