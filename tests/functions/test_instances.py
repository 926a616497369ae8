"""Which instance states still read a conversation's events, and what a new message does to them."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from azure.durable_functions.models.OrchestrationRuntimeStatus import (
    OrchestrationRuntimeStatus as Status,
)
from durable_fakes import FakeDurableClient

from orchestrators.contracts import LeadMessage
from orchestrators.instances import active, start_or_signal


@pytest.mark.parametrize("state, reads_events", [
    (Status.Running, True), (Status.Pending, True), (Status.ContinuedAsNew, True), (Status.Suspended, True),
    (Status.Completed, False), (Status.Failed, False), (Status.Terminated, False), (Status.Canceled, False),
    (None, False),
])
def test_an_instance_is_active_while_it_will_still_read_events(state, reads_events):
    assert active(SimpleNamespace(runtime_status=state)) is reads_events


async def test_a_message_for_a_suspended_conversation_waits_in_its_queue(profile):
    client = FakeDurableClient()
    client.status["conv-whatsapp-1"] = "Suspended"  # an operator paused it; resuming reads the queue
    outcome = await start_or_signal(client, channel="whatsapp", conversation_id=1, pacing=profile.pacing,
                                    message=LeadMessage(message_id=7, channel_message_id="wamid.7"))
    assert outcome == "signalled"
    assert client.started == [] and [event for _, event, _ in client.events] == ["lead_message"]
