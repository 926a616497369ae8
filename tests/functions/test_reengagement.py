"""A reply WhatsApp refuses after accepting it, because the 24-hour window had closed (131047 in
a ``failed`` status): the lead gets the approved template, or a person gets the conversation."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
from durable_fakes import FakeContext, FakeDurableClient
from whatsapp_requests import post

from activities.reengagement import reengage_lead
from ava_core.channels.whatsapp import Template, WhatsAppChannel
from orchestrators import reengagement
from webhooks import whatsapp

receive = whatsapp.whatsapp_webhook.build().get_user_function().client_function
activity = reengage_lead.build().get_user_function()
orchestrator = reengagement.reengage.build().get_user_function().orchestrator_function

REFUSED = "wamid.OUTBOUND_ID"  # the reply named by tests/fixtures/whatsapp/status_failed_131047.json


class Graph:
    """WhatsApp's Cloud API behind a mock transport: what the lead would receive."""

    def __init__(self, payload):
        self.ok = payload("send_ok.json")
        self.bodies: list[dict] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(json.loads(request.content))
        return httpx.Response(200, content=self.ok)


@pytest.fixture
def graph(payload):
    return Graph(payload)


@pytest.fixture
def world(services, lead, clock, graph):
    """A lead who wrote two days ago, and AVA's reply to them that WhatsApp accepted."""

    def make(*, template: str | None = "follow_up_v1", replies: tuple[str, ...] = (REFUSED,), templates=None,
             says: str = "is it still available?"):
        whatsapp_channel = WhatsAppChannel(
            client=httpx.Client(transport=httpx.MockTransport(graph)), access_token="token",
            phone_number_id="106540352242922", template=template, clock=clock, templates=templates,
        )
        s = services(channels={"whatsapp": whatsapp_channel})
        lead.writes(s.assistant, says)
        clock.advance(hours=48)
        for wamid in replies:
            s.assistant.store.add_message(lead.conversation_id, "assistant", "Yes! Want to book a visit?",
                                          at=clock.now(), channel="whatsapp", channel_message_id=wamid,
                                          status="sent")
        return s.assistant

    return make


def _refused(conversation_id: int = 1, message_id: int = 2) -> dict:
    return reengagement.Undelivered(conversation_id=conversation_id, message_id=message_id).model_dump(mode="json")


async def test_the_failed_status_starts_the_reengagement_and_answers_meta_at_once(world, client, payload, graph):
    assistant = world()
    response = await receive(post(payload("status_failed_131047.json")), client=client)
    assert response.status_code == 200
    [(name, instance, data)] = client.started
    assert (name, instance) == ("reengage", "reengage-whatsapp-1-2")
    assert data == {"conversation_id": 1, "message_id": 2, "channel": "whatsapp", "template_failed": None}
    assert REFUSED not in str(data)  # a WhatsApp message id encodes the lead's number
    assert graph.bodies == []  # nothing sent from the webhook itself
    assert assistant.store.messages(1)[-1].status == "failed"


async def test_a_failed_status_of_a_message_ava_never_stored_starts_nothing(services, client, payload):
    services()
    assert (await receive(post(payload("status_failed_131047.json")), client=client)).status_code == 200
    assert client.started == []


class Unreachable(FakeDurableClient):
    async def start_new(self, name, instance_id, client_input=None):
        raise Exception("Cannot connect to host localhost:7071")


async def test_when_the_reengagement_cannot_be_started_meta_is_asked_to_retry(world, payload):
    world()
    response = await receive(post(payload("status_failed_131047.json")), client=Unreachable(down=True))
    assert response.status_code == 500


async def test_a_reengagement_already_running_is_left_to_run(world, payload):
    world()
    client = FakeDurableClient(fail_start=True)  # another delivery of the same status started it
    assert (await receive(post(payload("status_failed_131047.json")), client=client)).status_code == 200


def test_the_orchestration_runs_the_activity_with_retries(clock):
    calls = []
    context = FakeContext(_refused(), start=clock.now(),
                          activities={"reengage_lead": lambda p: calls.append(p) or {"outcome": "template_sent"}})
    assert context.run(orchestrator) == {"outcome": "template_sent"}
    assert calls == [_refused()]
    assert context.actions[0][0] == "reengage_lead"


def test_the_lead_gets_the_approved_template_once_though_meta_repeats_the_status(world, graph):
    assistant = world()
    assert activity(_refused()) == {"outcome": "template_sent"}
    assert activity(_refused()) == {"outcome": "not_needed"}  # Meta retried the status webhook
    assert graph.bodies == [{
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "15125550142", "type": "template",
        "template": {"name": "follow_up_v1", "language": {"code": "en_US"}},
    }]
    stored = assistant.store.messages(1)[-1]
    assert (stored.role, stored.text, stored.kind, stored.status) == (
        "assistant", "[template: follow_up_v1]", "template", "sent")
    assert assistant.store.conversation(1).status == "active"  # AVA answers when the lead writes back


def test_a_spanish_speaking_lead_gets_the_template_approved_in_spanish(world, graph):
    assistant = world(templates={"es": Template("seguimiento_v1", "es_MX")},
                      says="hola, todavía tienen disponibilidad para la instalación? gracias")
    assert activity(_refused()) == {"outcome": "template_sent"}
    assert [b["template"] for b in graph.bodies] == [{"name": "seguimiento_v1", "language": {"code": "es_MX"}}]
    assert assistant.store.messages(1)[-1].text == "[template: seguimiento_v1]"


def test_an_english_speaking_lead_keeps_the_default_template(world, graph):
    world(templates={"es": Template("seguimiento_v1", "es_MX")})
    assert activity(_refused()) == {"outcome": "template_sent"}
    assert [b["template"] for b in graph.bodies] == [{"name": "follow_up_v1", "language": {"code": "en_US"}}]


def test_every_refused_bubble_of_a_turn_brings_one_template(world, graph):
    world(replies=("wamid.BUBBLE_1", "wamid.BUBBLE_2"))
    assert activity(_refused(message_id=2)) == {"outcome": "template_sent"}
    assert activity(_refused(message_id=3)) == {"outcome": "not_needed"}
    assert len(graph.bodies) == 1


def test_without_a_template_the_conversation_goes_to_a_person_and_the_lead_gets_nothing(world, graph):
    assistant = world(template=None)
    assert activity(_refused()) == {"outcome": "handed_off"}
    conversation = assistant.store.conversation(1)
    assert conversation.status == "paused"
    assert "131047" in conversation.handoff_reason and "AVA_WHATSAPP_TEMPLATE_NAME" in conversation.handoff_reason
    assert [c.name for c in assistant.store.tool_calls(1)] == ["handoff_to_human"]
    assert graph.bodies == []  # outside the window the hand-off message could not reach the lead either
    assert activity(_refused()) == {"outcome": "not_needed"}  # a person has it now
    assert len(assistant.store.tool_calls(1)) == 1


def test_a_lead_who_wrote_again_is_answered_by_their_own_turn_not_a_template(world, graph, lead, clock):
    assistant = world()
    clock.advance(minutes=5)
    lead.writes(assistant, "hello?")
    assert activity(_refused()) == {"outcome": "not_needed"}
    assert graph.bodies == []


def test_an_opted_out_lead_gets_no_template(world, graph, clock):
    assistant = world()
    assistant.store.set_opted_out(1, clock.now() + timedelta(seconds=1))
    assert activity(_refused()) == {"outcome": "not_needed"}
    assert graph.bodies == []


def test_a_template_that_keeps_failing_hands_the_conversation_off(world, graph, clock):
    assistant = world()

    def whatsapp_down(payload):
        if payload.get("template_failed"):
            return activity(payload)
        raise RuntimeError("WhatsApp rate limit (code 130429); AVA will try again later")

    context = FakeContext(_refused(), start=clock.now(), activities={"reengage_lead": whatsapp_down})
    assert context.run(orchestrator) == {"outcome": "handed_off"}
    conversation = assistant.store.conversation(1)
    assert conversation.status == "paused" and "130429" in conversation.handoff_reason
    assert graph.bodies == []
