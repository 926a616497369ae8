"""``/api/whatsapp`` keeps the worker's event loop free: store work and building the services run
in a thread, so a store waiting on its lock never stalls the other requests of the worker."""

from __future__ import annotations

import asyncio
import threading

from whatsapp_requests import post

from activities.runtime import Runtime
from webhooks import whatsapp

receive = whatsapp.whatsapp_webhook.build().get_user_function().client_function


async def _while_blocked(webhook, blocker: threading.Event) -> bool:
    """Run the webhook while another request on the same loop sets ``blocker``; True when that
    request got to run while the webhook was blocked."""
    async def another_request():
        await asyncio.sleep(0)
        blocker.set()

    await asyncio.gather(webhook, another_request())
    return blocker.is_set()


async def test_a_store_waiting_on_its_lock_does_not_stall_other_requests(services, client, payload):
    store = services().assistant.store
    add_message = store.add_message
    loop_ran = threading.Event()
    waited: list[bool] = []

    def busy_store(*args, **kwargs):  # a lock held by another worker, released when the loop runs
        waited.append(loop_ran.wait(timeout=2))
        return add_message(*args, **kwargs)

    store.add_message = busy_store
    response = receive(post(payload("text.json")), client=client)
    assert await _while_blocked(response, loop_ran)
    assert waited == [True], "the store call held the event loop: no other request could run"
    assert len(client.started) == 1


async def test_building_the_services_does_not_stall_other_requests(services, client, payload, monkeypatch):
    ready = services()
    loop_ran = threading.Event()
    waited: list[bool] = []

    def slow_build(settings):  # opening the store, loading the profile and the knowledge base
        waited.append(loop_ran.wait(timeout=2))
        return ready

    slow = Runtime(slow_build)
    slow._settings = ready.settings
    monkeypatch.setattr(whatsapp, "runtime", slow)
    assert await _while_blocked(receive(post(payload("text.json")), client=client), loop_ran)
    assert waited == [True], "building the services held the event loop"
