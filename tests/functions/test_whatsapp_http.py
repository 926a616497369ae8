"""``/api/whatsapp`` called directly, as the Functions host would, with recorded payloads."""

from __future__ import annotations

import azure.functions as func
import pytest
from durable_fakes import FakeDurableClient
from pydantic import SecretStr
from whatsapp_requests import VERIFY_TOKEN, post, sign

from ava_core.channels.voice import PLACEHOLDER
from ava_core.errors import StoreError
from webhooks import whatsapp

receive = whatsapp.whatsapp_webhook.build().get_user_function().client_function
verify = whatsapp.whatsapp_verify.build().get_user_function()


def _handshake(token: str, mode: str = "subscribe") -> func.HttpRequest:
    return func.HttpRequest(method="GET", url="http://localhost:7071/api/whatsapp", body=b"", params={
        "hub.mode": mode, "hub.challenge": "1158201444", "hub.verify_token": token})


def _stored(services_) -> list:
    return services_.assistant.store.messages(1)


def test_meta_verification_echoes_the_challenge(services):
    services()
    response = verify(_handshake(VERIFY_TOKEN))
    assert (response.status_code, response.get_body()) == (200, b"1158201444")


@pytest.mark.parametrize("token, mode", [("wrong-token", "subscribe"), (VERIFY_TOKEN, "unsubscribe")])
def test_meta_verification_with_a_wrong_token_or_mode_is_forbidden(services, token, mode):
    services()
    assert verify(_handshake(token, mode)).status_code == 403


def test_verification_is_refused_when_no_verify_token_is_configured(services, wa_settings):
    services(settings=wa_settings.model_copy(update={"whatsapp_verify_token": None}))
    response = verify(_handshake(VERIFY_TOKEN))
    assert response.status_code == 503
    assert b"AVA_WHATSAPP_VERIFY_TOKEN" in response.get_body()


async def test_a_signed_message_is_stored_and_starts_its_conversation(services, client, payload):
    s = services()
    response = await receive(post(payload("text.json")), client=client)
    assert response.status_code == 200
    [stored] = s.assistant.store.messages(1)
    assert (stored.role, stored.text, stored.channel_message_id) == (
        "user", "Does it come in another color?", "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=")
    [(name, instance, start)] = client.started
    assert (name, instance) == ("conversation", "conv-whatsapp-1")
    assert start["conversation_id"] == 1
    assert start["message_id"] == stored.id  # an id only: a WhatsApp message id encodes the phone number
    assert start["pacing"]["debounce_seconds"] == 6


@pytest.mark.parametrize("signature", ["sha256=" + "0" * 64, "wrong", None])
async def test_a_wrong_or_missing_signature_is_refused_and_nothing_is_stored(services, client, payload, signature):
    s = services()
    response = await receive(post(payload("text.json"), signature=signature), client=client)
    assert response.status_code == 401
    assert _stored(s) == [] and client.started == []


async def test_a_signature_made_with_another_secret_is_refused(services, client, payload):
    services()
    body = payload("text.json")
    response = await receive(post(body, signature=sign(body, "someone-elses-secret")), client=client)
    assert response.status_code == 401


async def test_without_an_app_secret_webhooks_are_refused_not_trusted(services, client, payload, wa_settings):
    s = services(settings=wa_settings.model_copy(update={"whatsapp_app_secret": None}))
    response = await receive(post(payload("text.json"), signature=None), client=client)
    assert response.status_code == 503
    assert b"AVA_WHATSAPP_APP_SECRET" in response.get_body()
    assert _stored(s) == []
    s = services(settings=wa_settings.model_copy(update={"whatsapp_app_secret": SecretStr("")}))
    assert (await receive(post(payload("text.json"), signature=None), client=client)).status_code == 503


async def test_malformed_json_is_a_400_that_says_why(services, client):
    services()
    response = await receive(post(b'{"object": "whatsapp_business_account", "entry": [{'), client=client)
    assert response.status_code == 400
    assert b"not valid JSON" in response.get_body()


@pytest.mark.parametrize("fixture, kind, text", [
    ("text.json", "text", "Does it come in another color?"),
    ("button_reply.json", "button", "Wed 9:00 AM"),
    ("list_reply.json", "list", "Thu 2:00 PM"),
    ("template_button.json", "button", "Yes, interested"),
    ("location.json", "location", "[location] Home, 1200 Barton Springs Rd, Austin, TX 78704 (30.250000, -97.766700)"),
    ("voice_note.json", "audio", PLACEHOLDER),
    ("image.json", "image", "[image] my roof"),
    ("document.json", "document", "[document: power-bill.pdf] last month's bill"),
    ("unsupported.json", "unsupported", "[unsupported]"),
])
async def test_every_message_type_is_stored_and_answered(services, client, payload, fixture, kind, text):
    s = services()
    response = await receive(post(payload(fixture)), client=client)
    assert response.status_code == 200
    [stored] = s.assistant.store.messages(1)
    assert (stored.kind, stored.text) == (kind, text)
    assert len(client.started) == 1


async def test_a_voice_note_starts_the_orchestration_with_its_media_id_in_the_store(services, client, payload):
    s = services()
    await receive(post(payload("voice_note.json")), client=client)
    [stored] = s.assistant.store.messages(1)
    assert client.started[0][2]["message_id"] == stored.id
    assert (stored.kind, stored.media_id) == ("audio", "1234567890987654321")


@pytest.mark.parametrize("fixture", ["reaction.json", "unknown_type.json", "account_update.json", "app_error.json"])
async def test_reactions_and_unknown_payloads_are_acknowledged_without_a_turn(services, client, payload, fixture):
    s = services()
    response = await receive(post(payload(fixture)), client=client)
    assert response.status_code == 200
    assert _stored(s) == [] and client.started == [] and client.events == []


async def test_delivery_receipts_update_the_sent_message(services, client, payload):
    s = services()
    await receive(post(payload("text.json")), client=client)
    store = s.assistant.store
    store.add_message(1, "assistant", "Yes, in blue.", at=s.assistant.engine.clock.now(), channel="whatsapp",
                      channel_message_id="wamid.OUTBOUND_ID", status="sent")
    assert (await receive(post(payload("status_read.json")), client=client)).status_code == 200
    assert store.messages(1)[-1].status == "read"
    assert (await receive(post(payload("status_failed_131047.json")), client=client)).status_code == 200
    assert store.messages(1)[-1].status == "failed"
    # Receipts start no turn (the 131047 failure starts its re-engagement: test_reengagement.py).
    assert [name for name, _, _ in client.started] == ["conversation", "reengage"]


async def test_the_same_delivery_three_times_stores_one_message_and_starts_once(services, client, payload):
    s = services()
    for _ in range(3):
        assert (await receive(post(payload("text.json")), client=client)).status_code == 200
    assert len(s.assistant.store.messages(1)) == 1
    assert len(client.started) == 1
    assert client.events == []


async def test_a_new_message_for_a_running_conversation_is_an_event_not_a_second_instance(
        services, client, payload):
    services()
    await receive(post(payload("text.json")), client=client)
    await receive(post(payload("forwarded.json")), client=client)
    assert len(client.started) == 1
    [(instance, event, data)] = client.events
    assert (instance, event, data) == ("conv-whatsapp-1", "lead_message", {"message_id": 2})


async def test_a_batched_delivery_reaches_each_leads_own_conversation(services, client, payload):
    services()
    await receive(post(payload("batched.json")), client=client)
    assert [instance for _, instance, _ in client.started] == ["conv-whatsapp-1", "conv-whatsapp-2"]


async def test_an_instance_that_just_completed_is_started_again(services, payload):
    services()
    client = FakeDurableClient(gone_on_event=True)
    client.status["conv-whatsapp-1"] = "Running"
    await receive(post(payload("text.json")), client=client)
    assert [instance for _, instance, _ in client.started] == ["conv-whatsapp-1"]


async def test_two_deliveries_racing_to_start_end_in_one_instance_and_an_event(services, payload):
    services()
    client = FakeDurableClient(fail_start=True)  # another webhook started it a moment ago
    await receive(post(payload("text.json")), client=client)
    assert client.started == []
    assert [event for _, event, _ in client.events] == ["lead_message"]


async def test_an_unreachable_durable_backend_still_acknowledges_the_stored_message(services, payload):
    s = services()
    response = await receive(post(payload("text.json")), client=FakeDurableClient(down=True))
    assert response.status_code == 200  # stored; the sweeper starts the conversation
    assert len(s.assistant.store.messages(1)) == 1


async def test_a_non_ascii_signature_header_is_a_401_not_a_crash(services, client):
    services()
    request = post(b'{"object":"whatsapp_business_account","entry":[]}', signature="sha256=\u00e9")
    assert (await receive(request, client=client)).status_code == 401


async def test_a_batch_stored_in_part_starts_what_was_stored_and_the_retry_starts_the_rest(services, client, payload):
    store = services().assistant.store
    add_message = store.add_message
    attempts = []

    def locked_on_the_second_lead_once(conversation_id, role, text, **kwargs):
        attempts.append(text)
        if text == "second, another lead" and attempts.count(text) == 1:
            raise StoreError("store ava.sqlite3: database is locked")
        return add_message(conversation_id, role, text, **kwargs)

    store.add_message = locked_on_the_second_lead_once
    body = payload("batched.json")
    assert (await receive(post(body), client=client)).status_code == 500  # Meta will retry
    def started_by():
        return [next(m.channel_message_id for m in store.messages(start["conversation_id"]) if m.id == start["message_id"])
                for _, _, start in client.started]

    assert started_by() == ["wamid.BATCH_1"]
    assert (await receive(post(body), client=client)).status_code == 200  # the retry
    started = started_by()
    assert started == ["wamid.BATCH_1", "wamid.BATCH_2"]
    assert client.events == []  # the running instance already has the first message


async def test_a_retried_delivery_stored_before_the_worker_died_starts_its_conversation(services, payload):
    services()
    await receive(post(payload("text.json")), client=FakeDurableClient(down=True))  # stored, never started
    client = FakeDurableClient()
    assert (await receive(post(payload("text.json")), client=client)).status_code == 200  # Meta retries
    assert [instance for _, instance, _ in client.started] == ["conv-whatsapp-1"]


async def test_a_retried_delivery_that_was_answered_starts_nothing(services, client, payload):
    s = services()
    await receive(post(payload("text.json")), client=client)
    s.assistant.store.add_message(1, "assistant", "Yes, in blue.", at=s.assistant.engine.clock.now(),
                                  channel="whatsapp", channel_message_id="wamid.OUT", status="sent")
    client.status.clear()  # that instance completed
    await receive(post(payload("text.json")), client=client)
    assert len(client.started) == 1 and client.events == []
