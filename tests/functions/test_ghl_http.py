"""``/api/ghl`` called as the Functions host would, with recorded GoHighLevel payloads."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from durable_fakes import FakeContext
from ghl_requests import (
    ED25519_KEY,
    RSA_KEY,
    WORKFLOW_SECRET,
    ed25519_signature,
    post,
    public_pem,
    rsa_signature,
    spki_base64,
)
from pydantic import SecretStr
from test_conversation_orchestrator import ACTIVITIES, ORCHESTRATOR

from ava_core.errors import StoreError
from ava_core.ghl.conversations import GhlChannel
from ava_core.ghl.http import BASE_URL, GhlApi
from ava_core.models.replay import ReplayModel, ScriptedStep
from ava_core.recorded_http import Exchange, RecordedHttp
from ava_core.store import BUSINESS
from ava_core.store.crm import CrmRecords
from webhooks import ghl

receive = ghl.ghl_webhook.build().get_user_function().client_function
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ghl"
LOCATION = "l1C08ntBrFjLS0elLIYU"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def ghl_settings(wa_settings):
    return wa_settings.model_copy(update={
        "ghl_webhook_public_key": spki_base64(ED25519_KEY),
        "ghl_webhook_legacy_public_key": public_pem(RSA_KEY),
        "ghl_workflow_secret": SecretStr(WORKFLOW_SECRET),
        "ghl_location_id": LOCATION,
    })


@pytest.fixture
def hook(services, ghl_settings):
    def use(**overrides):
        overrides.setdefault("settings", ghl_settings)
        return services(**overrides)
    return use


async def test_a_signed_inbound_sms_is_stored_and_starts_its_conversation(hook, client):
    s = hook()
    response = await receive(post(fixture("inbound_sms.json")), client=client)
    assert response.status_code == 200
    [stored] = s.assistant.store.messages(1)
    assert (stored.text, stored.channel_message_id) == ("Hi, I saw your ad about solar panels", "t22c6DQcTDf3MjRhwf77")
    assert s.assistant.store.contact(1).external_id == "cI08i1Bls3iTB9bKgFJh"  # replies go to the GHL contact
    [(name, instance, start)] = client.started
    assert (name, instance, start["message_id"]) == ("conversation", "conv-ghl-1", stored.id)
    assert CrmRecords(s.assistant.store).conversation(1).reply_type == "SMS"


async def test_a_whatsapp_message_through_ghl_is_answered_on_whatsapp(hook, client):
    s = hook()
    await receive(post(fixture("inbound_whatsapp.json")), client=client)
    assert CrmRecords(s.assistant.store).reply_type("ghl", "cI08i1Bls3iTB9bKgFJh") == "WhatsApp"


async def test_the_legacy_rsa_signature_is_accepted_when_the_ed25519_header_is_absent(hook, client):
    hook()
    body = fixture("inbound_sms.json")
    response = await receive(post(body, signed=False, headers={"x-wh-signature": rsa_signature(body)}), client=client)
    assert response.status_code == 200


async def test_the_legacy_signature_is_not_consulted_when_the_ed25519_one_is_wrong(hook, client):
    hook()
    body = fixture("inbound_sms.json")
    other = ed25519_signature(body, key=ed25519.Ed25519PrivateKey.generate())
    response = await receive(post(body, headers={"x-ghl-signature": other, "x-wh-signature": rsa_signature(body)}),
                             client=client)
    assert response.status_code == 401


@pytest.mark.parametrize("headers", [
    {"x-ghl-signature": "bm90IGEgc2lnbmF0dXJl"},
    {"x-ghl-signature": "%%%not base64"},
    {"x-wh-signature": "bm90IGEgc2lnbmF0dXJl"},
])
async def test_a_wrong_signature_is_refused_and_nothing_is_stored(hook, client, headers):
    s = hook()
    response = await receive(post(fixture("inbound_sms.json"), signed=False, headers=headers), client=client)
    assert response.status_code == 401
    assert s.assistant.store.messages(1) == [] and client.started == []


async def test_a_body_changed_after_signing_is_refused(hook, client):
    hook()
    body = fixture("inbound_sms.json")
    tampered = body.replace(b"solar panels", b"free money")
    response = await receive(post(tampered, headers={"x-ghl-signature": ed25519_signature(body)}), client=client)
    assert response.status_code == 401


async def test_an_unsigned_request_without_the_workflow_secret_is_refused(hook, client):
    s = hook()
    response = await receive(post(fixture("inbound_sms.json"), signed=False), client=client)
    assert response.status_code == 401
    assert s.assistant.store.messages(1) == []


async def test_with_nothing_configured_webhooks_are_refused_not_trusted(hook, client, ghl_settings):
    s = hook(settings=ghl_settings.model_copy(update={
        "ghl_webhook_public_key": None, "ghl_webhook_legacy_public_key": None, "ghl_workflow_secret": None}))
    for request in (post(fixture("inbound_sms.json")),
                    post(fixture("workflow_customer_replied.json"), signed=False,
                         headers={"X-AVA-Secret": WORKFLOW_SECRET})):
        response = await receive(request, client=client)
        assert response.status_code == 503
        assert b"AVA_GHL_WEBHOOK_PUBLIC_KEY" in response.get_body()
    assert s.assistant.store.messages(1) == []


@pytest.mark.parametrize("where", ["header", "query"])
async def test_a_workflow_webhook_with_the_secret_is_stored(hook, client, where):
    s = hook()
    kwargs = {"headers": {"X-AVA-Secret": WORKFLOW_SECRET}} if where == "header" else {
        "params": {"secret": WORKFLOW_SECRET}}
    response = await receive(post(fixture("workflow_customer_replied.json"), signed=False, **kwargs), client=client)
    assert response.status_code == 200
    [stored] = s.assistant.store.messages(1)
    assert stored.text == "Do you install in Round Rock?"
    assert stored.channel_message_id.startswith("h:")  # no message id in a workflow webhook: a content hash
    assert s.assistant.store.contact(1).name == "Jane Doe"


async def test_a_workflow_webhook_with_a_wrong_secret_is_refused(hook, client):
    s = hook()
    response = await receive(post(fixture("workflow_customer_replied.json"), signed=False,
                                  headers={"X-AVA-Secret": "guessed"}), client=client)
    assert response.status_code == 401
    assert s.assistant.store.messages(1) == []


async def test_a_workflow_delivered_twice_stores_one_message(hook, client):
    s = hook()
    for _ in range(2):
        request = post(fixture("workflow_customer_replied.json"), signed=False, headers={"X-AVA-Secret": WORKFLOW_SECRET})
        assert (await receive(request, client=client)).status_code == 200
    assert len(s.assistant.store.messages(1)) == 1
    assert len(client.started) == 1


@pytest.mark.parametrize("body", [b'{"type": "InboundMessage", "locationId": ', b"[1, 2]", b'{"hello": "world"}',
                                  b'{"type": "InboundMessage", "locationId": "l1C08ntBrFjLS0elLIYU"}'])
async def test_a_malformed_body_is_a_400_that_says_why(hook, client, body):
    hook()
    response = await receive(post(body), client=client)
    assert response.status_code == 400
    assert b"expected a GoHighLevel" in response.get_body()


async def test_a_duplicate_delivery_stores_one_message_and_starts_one_conversation(hook, client):
    s = hook()
    for _ in range(3):
        assert (await receive(post(fixture("inbound_sms.json")), client=client)).status_code == 200
    assert len(s.assistant.store.messages(1)) == 1
    assert len(client.started) == 1 and client.events == []


async def test_when_the_store_fails_ghl_is_asked_to_retry_with_429(hook, client, monkeypatch):
    s = hook()

    def broken(*args, **kwargs):
        raise StoreError("database is locked")

    monkeypatch.setattr(s.assistant.store, "add_message", broken)
    response = await receive(post(fixture("inbound_sms.json")), client=client)
    assert response.status_code == 429  # the only status GHL retries a marketplace webhook on
    assert client.started == []
    monkeypatch.undo()
    assert (await receive(post(fixture("inbound_sms.json")), client=client)).status_code == 200
    assert len(s.assistant.store.messages(1)) == 1 and len(client.started) == 1


async def test_non_message_events_are_acknowledged_without_a_turn(hook, client):
    s = hook()
    response = await receive(post(fixture("appointment_create_event.json")), client=client)
    assert response.status_code == 200
    assert s.assistant.store.messages(1) == [] and client.started == []


async def test_another_locations_event_is_acknowledged_and_ignored(hook, client):
    s = hook()
    body = json.dumps({**json.loads(fixture("inbound_sms.json")), "locationId": "someOtherLocation00"}).encode()
    assert (await receive(post(body), client=client)).status_code == 200
    assert s.assistant.store.messages(1) == []


async def test_avas_own_message_echoed_back_is_ignored(hook, client):
    s = hook()
    await receive(post(fixture("inbound_sms.json")), client=client)
    store = s.assistant.store
    store.add_message(1, "assistant", "Hi! This is Ava with Lone Star Sun.", at=s.assistant.engine.clock.now(),
                      channel="ghl", channel_message_id="ABC12h2F6uBrIkfXYazb", status="sent")
    response = await receive(post(fixture("outbound_echo.json")), client=client)
    assert (response.status_code, response.get_body()) == (200, b"ignored: AVA's own message")
    assert store.conversation(1).status == "active"
    assert len(store.messages(1)) == 2 and len(client.started) == 1


async def test_a_persons_message_pauses_ava_and_the_pause_ends_after_the_profile_time(hook, client, clock):
    s = hook()
    store = s.assistant.store
    await receive(post(fixture("inbound_sms.json")), client=client)
    response = await receive(post(fixture("outbound_by_user.json")), client=client)
    assert (response.status_code, response.get_body()) == (200, b"paused")
    assert store.conversation(1).status == "paused"
    # The lead writes while a person has the conversation: stored, but AVA stays quiet.
    await receive(post(fixture("inbound_whatsapp.json")), client=client)
    assert store.conversation(1).status == "paused"
    state = s.assistant.engine.run(1)
    assert (state.outcome, state.bubbles) == ("paused", [])
    # After the profile's pause time the next message gives the conversation back to AVA.
    clock.advance(minutes=s.assistant.engine.profile.crm.pause_minutes + 1)
    later = json.loads(fixture("inbound_sms.json"))
    later.update(messageId="q8Zx7Yw6Vu5Ts4Rq3Po2", body="Hello? Still there?", dateAdded=clock.now().isoformat())
    body = json.dumps(later).encode()
    assert (await receive(post(body), client=client)).status_code == 200
    assert store.conversation(1).status == "active"
    assert s.assistant.engine.run(1).bubbles  # AVA answers again


async def test_removing_the_pause_tag_in_ghl_resumes_ava_at_once(hook, client):
    s = hook()
    store = s.assistant.store
    await receive(post(fixture("inbound_sms.json")), client=client)
    await receive(post(fixture("outbound_by_user.json")), client=client)
    assert store.conversation(1).status == "paused"
    response = await receive(post(fixture("contact_tag_update.json")), client=client)  # no ava-paused tag any more
    assert (response.status_code, response.get_body()) == (200, b"resumed")
    assert store.conversation(1).status == "active"
    assert CrmRecords(store).conversation(1).paused_until is None


async def test_a_workflow_for_a_removed_tag_resumes_ava(hook, client):
    s = hook()
    await receive(post(fixture("inbound_sms.json")), client=client)
    await receive(post(fixture("outbound_by_user.json")), client=client)
    response = await receive(post(fixture("workflow_tag_removed.json"), signed=False,
                                  params={"secret": WORKFLOW_SECRET}), client=client)
    assert response.get_body() == b"resumed"
    assert s.assistant.store.conversation(1).status == "active"


async def test_an_automated_message_is_kept_as_the_businesss_and_neither_pauses_ava_nor_answers_the_lead(
        hook, client):
    s = hook()
    store = s.assistant.store
    await receive(post(fixture("inbound_sms.json")), client=client)
    response = await receive(post(fixture("outbound_automated.json")), client=client)
    assert (response.status_code, response.get_body()) == (200, b"stored: automated message")
    [lead, automated] = store.messages(1)
    assert (automated.role, automated.channel_message_id) == (BUSINESS, "Wf9Au8To7Re6Sp5On4Se")
    assert automated.text.startswith("Thanks for reaching out to Lone Star Sun!")
    assert store.conversation(1).status == "active"
    assert not store.answered_after(1, lead.id)  # the lead still waits for AVA
    assert len(client.started) == 1 and client.events == []  # no turn of its own


async def test_an_automated_message_delivered_twice_is_kept_once(hook, client):
    s = hook()
    await receive(post(fixture("inbound_sms.json")), client=client)
    await receive(post(fixture("outbound_automated.json")), client=client)
    response = await receive(post(fixture("outbound_automated.json")), client=client)
    assert response.get_body() == b"duplicate"
    assert [m.role for m in s.assistant.store.messages(1)] == ["user", BUSINESS]


async def test_a_retried_automated_message_is_known_by_its_original_id(hook, client):
    s = hook()
    await receive(post(fixture("inbound_sms.json")), client=client)
    await receive(post(fixture("outbound_automated.json")), client=client)
    retried = json.loads(fixture("outbound_automated.json"))
    retried.update(messageId="Rz1Ab2Cd3Ef4Gh5Ij6Kl", originalMessageId="Wf9Au8To7Re6Sp5On4Se")
    response = await receive(post(json.dumps(retried).encode()), client=client)
    assert response.get_body() == b"duplicate"
    assert [m.role for m in s.assistant.store.messages(1)] == ["user", BUSINESS]


async def test_avas_own_send_echoed_before_its_id_is_recorded_is_not_taken_for_automation(hook, client, clock):
    s = hook()
    store = s.assistant.store
    await receive(post(fixture("inbound_sms.json")), client=client)
    # The bubble is claimed before it is posted; GHL's echo can arrive before the post returns its id.
    store.claim_delivery(1, "turn-1:0", "Hi! This is Ava with Lone Star Sun.", at=clock.now(), channel="ghl")
    response = await receive(post(fixture("outbound_echo.json")), client=client)
    assert response.get_body() == b"ignored: AVA's own message"
    assert [m.role for m in store.messages(1)] == ["user", "assistant"]


async def test_an_automated_message_to_a_lead_ava_never_talked_with_is_left_to_the_crm(hook, client):
    s = hook()
    response = await receive(post(fixture("outbound_automated.json")), client=client)
    assert response.get_body() == b"ignored: no conversation AVA has"
    assert s.assistant.store.messages(1) == [] and client.started == []


def test_a_takeover_pause_is_not_over_before_its_time(store, clock):
    from ava_core.store.crm import CrmRecords as Records
    contact = store.upsert_contact("ghl", "c1", name=None, phone=None, at=clock.now())
    conversation = store.open_conversation(contact.id, "ghl", clock.now())
    records = Records(store)
    records.pause(conversation.id, clock.now() + timedelta(minutes=30), clock.now(), reason=ghl.TAKEOVER)
    assert not records.resume_if_due(conversation.id, clock.now() + timedelta(minutes=29))
    assert records.resume_if_due(conversation.id, clock.now() + timedelta(minutes=30))
    assert store.conversation(conversation.id).status == "active"


async def test_a_delivery_sent_twice_gets_one_reply_through_ghl_and_its_echo_is_ignored(hook, client, clock,
                                                                                          store):
    recorded = RecordedHttp([Exchange.model_validate({
        "request": {"method": "POST", "url": f"{BASE_URL}/conversations/messages"},
        "response": {"json": json.loads(fixture("send_message.json"))}})])
    api = GhlApi(client=recorded.client(), token="pit-test-token", location_id=LOCATION)
    channel = GhlChannel(api, reply_type_of=lambda to: CrmRecords(store).reply_type("ghl", to))
    s = hook(model=ReplayModel([ScriptedStep(text="Hi Jane! Do you own your home?")]), channels={"ghl": channel})
    for _ in range(2):
        assert (await receive(post(fixture("inbound_sms.json")), client=client)).status_code == 200
    [(_, _, start)] = client.started
    FakeContext(start, start=clock.now(), activities=ACTIVITIES, on_time=clock.set).run(ORCHESTRATOR)
    [sent] = recorded.calls
    assert json.loads(sent.content) == {"type": "SMS", "contactId": "cI08i1Bls3iTB9bKgFJh",
                                        "message": "Hi Jane! Do you own your home?"}
    response = await receive(post(fixture("outbound_echo.json")), client=client)  # GHL reports AVA's own send
    assert response.get_body() == b"ignored: AVA's own message"
    assert s.assistant.store.conversation(1).status == "active"
