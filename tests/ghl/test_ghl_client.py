"""The GoHighLevel client, channel and CRM mirror on recorded payloads."""

from __future__ import annotations

import json

import pytest
from ghl_recorded import CONTACT, answer

from ava_core.channels.base import Choice, OutboundMessage
from ava_core.clock import FrozenClock
from ava_core.ghl.contacts import GhlContacts
from ava_core.ghl.conversations import GhlChannel
from ava_core.ghl.crm import CrmMirror
from ava_core.ghl.http import GhlError
from ava_core.store.crm import CrmRecords

CONVERSATION = "fcanlLgpbQgQhderivVs"
SEND = "/conversations/messages"
TAGS = f"/contacts/{CONTACT}/tags"
UPDATE = f"/contacts/{CONTACT}"


def test_a_rate_limit_is_waited_out_then_the_call_succeeds(ghl, waits):
    api, recorded = ghl(answer("POST", SEND, "rate_limited_429.json", status=429, times=1,
                               headers={"Retry-After": "2", "X-RateLimit-Remaining": "0",
                                        "X-RateLimit-Interval-Milliseconds": "10000"}),
                        answer("POST", SEND, "send_message.json"))
    receipt = GhlChannel(api, reply_type_of=lambda _: "SMS").send(CONTACT, OutboundMessage(text="Hi!"))
    assert receipt.channel_message_id == "ABC12h2F6uBrIkfXYazb"
    assert waits == [2.0] and len(recorded.calls) == 2


def test_without_retry_after_the_rate_limit_window_is_waited(ghl, waits):
    api, _ = ghl(answer("POST", SEND, "rate_limited_429.json", status=429, times=1,
                        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Interval-Milliseconds": "10000"}),
                 answer("POST", SEND, "send_message.json"))
    GhlChannel(api, reply_type_of=lambda _: "SMS").send(CONTACT, OutboundMessage(text="Hi!"))
    assert waits == [10.0]


def test_a_rejected_token_is_a_configuration_error_naming_the_setting(ghl):
    api, _ = ghl(answer("POST", SEND, "unauthorized_401.json", status=401))
    with pytest.raises(GhlError) as caught:
        GhlChannel(api, reply_type_of=lambda _: "SMS").send(CONTACT, OutboundMessage(text="Hi!"))
    assert "AVA_GHL_ACCESS_TOKEN" in str(caught.value) and "Invalid token" in str(caught.value)
    assert not caught.value.retryable


@pytest.mark.parametrize("status, names", [(403, "scope"), (404, "AVA_GHL_LOCATION_ID"),
                                           (422, "The slot you have selected is no longer available")])
def test_refusals_say_what_to_fix(ghl, status, names):
    api, _ = ghl(answer("POST", SEND, "slot_unavailable_422.json", status=status))
    with pytest.raises(GhlError) as caught:
        GhlChannel(api, reply_type_of=lambda _: "SMS").send(CONTACT, OutboundMessage(text="Hi!"))
    assert names in str(caught.value)


def test_a_reply_goes_out_on_the_channel_the_lead_wrote_on_with_the_conversations_version(ghl):
    api, recorded = ghl(answer("POST", SEND, "send_message.json"))
    channel = GhlChannel(api, reply_type_of=lambda _: "WhatsApp")
    channel.send(CONTACT, OutboundMessage(text="Which works?", choices=[Choice(id="a", title="Wed 9:00 AM"),
                                                                         Choice(id="b", title="Thu 9:00 AM")]))
    [request] = recorded.calls
    assert request.headers["Version"] == "2021-04-15"
    assert request.headers["Authorization"] == "Bearer pit-test-token"
    assert json.loads(request.content) == {"type": "WhatsApp", "contactId": CONTACT,
                                           "message": "Which works?\n1. Wed 9:00 AM\n2. Thu 9:00 AM"}


def test_history_is_read_across_two_pages_and_kept_to_the_window(ghl):
    api, recorded = ghl(answer("GET", f"/conversations/{CONVERSATION}/messages", "messages_page2.json",
                               query={"lastMessageId": "p1mRSHeLDhAms5q0LMr4"}),
                        answer("GET", f"/conversations/{CONVERSATION}/messages", "messages_page1.json"))
    history = GhlChannel(api).history(CONVERSATION, limit=3)
    assert [m.body for m in history] == ["Great, what times do you have?", "You qualify for a free consultation.",
                                         "About $180 a month"]
    assert [m.direction for m in history] == ["inbound", "outbound", "inbound"]
    assert [r.url.params.get("lastMessageId") for r in recorded.calls] == [None, "p1mRSHeLDhAms5q0LMr4"]
    assert recorded.calls[1].url.params["limit"] == "1"  # only what the window still needs


@pytest.fixture
def mirrored(ghl, profile, store, clock):
    """A GoHighLevel lead whose conversation AVA has had; ``mirror(*exchanges)`` syncs it."""
    contact = store.upsert_contact("ghl", CONTACT, name="Jane Doe", phone="+15125550142", at=clock.now())
    conversation = store.open_conversation(contact.id, "ghl", clock.now())

    def mirror(*exchanges, profile=profile):
        api, recorded = ghl(*exchanges)
        return CrmMirror(GhlContacts(api), store, profile, FrozenClock(clock.now()), mirror_all=True), recorded

    mirror.conversation_id = conversation.id
    return mirror


def _qualify(store, profile, conversation_id, clock):
    for question in profile.qualification.questions:
        store.record_answer(conversation_id, question.field, "180" if question.kind == "amount" else "yes", "pass",
                            clock.now())


def test_outcome_tags_are_added_without_touching_the_contacts_other_tags(mirrored, store, profile, clock):
    crm, recorded = mirrored(answer("POST", TAGS, "tags_added.json", status=201),
                             answer("POST", f"/contacts/{CONTACT}/notes", "note_created.json", status=201))
    _qualify(store, profile, mirrored.conversation_id, clock)
    crm.sync(mirrored.conversation_id)
    crm.sync(mirrored.conversation_id)  # nothing new: nothing sent again
    [request] = recorded.requests("POST", TAGS)
    assert (request.method, request.headers["Version"]) == ("POST", "2021-07-28")
    assert json.loads(request.content) == {"tags": ["ava-qualified"]}
    # Never an upsert or update carrying `tags`: that replaces the sales team's tags.
    assert not [r for r in recorded.calls if r.method in ("PUT", "POST") and r.url.path in (UPDATE, "/contacts/upsert")]
    [note] = recorded.requests("POST", f"/contacts/{CONTACT}/notes")  # the team sees the lead's brief
    assert json.loads(note.content)["body"].startswith("AVA: ava-qualified\nLead: Jane Doe")


def test_qualification_answers_are_written_to_the_mapped_custom_fields(mirrored, store, profile, clock):
    mapped = profile.model_copy(update={"crm": profile.crm.model_copy(update={
        "custom_fields": {"monthly_bill": "6dvNaf7VhkQ9snc5vnjJ"}})})
    crm, recorded = mirrored(answer("PUT", UPDATE, "contact_updated.json"),
                             answer("POST", TAGS, "tags_added.json", status=201), profile=mapped)
    store.record_answer(mirrored.conversation_id, "monthly_bill", "180", "pass", clock.now())
    crm.sync(mirrored.conversation_id)
    [update] = recorded.requests("PUT", UPDATE)
    assert json.loads(update.content) == {"customFields": [{"id": "6dvNaf7VhkQ9snc5vnjJ", "field_value": "180"}]}


def test_an_opt_out_is_tagged_and_sets_dnd_for_the_leads_channel(mirrored, store, clock):
    crm, recorded = mirrored(answer("POST", TAGS, "tags_added.json", status=201),
                             answer("PUT", UPDATE, "contact_updated.json"))
    CrmRecords(store).note_conversation(mirrored.conversation_id, clock.now(), reply_type="WhatsApp")
    store.set_opted_out(store.conversation(mirrored.conversation_id).contact_id, clock.now())
    crm.sync(mirrored.conversation_id)
    assert json.loads(recorded.requests("POST", TAGS)[0].content) == {"tags": ["ava-opted-out"]}
    assert json.loads(recorded.requests("PUT", UPDATE)[0].content) == {
        "dndSettings": {"WhatsApp": {"status": "active", "message": "opted out via AVA"}}}


def test_a_handoff_assigns_tags_and_leaves_a_task_and_a_note_with_context(mirrored, store, profile, clock):
    handing = profile.model_copy(update={"crm": profile.crm.model_copy(update={
        "handoff_user_id": "GCs5KuzPqTls7vWclkEV"})})
    crm, recorded = mirrored(answer("PUT", UPDATE, "contact_updated.json"),
                             answer("POST", TAGS, "tags_added.json", status=201),
                             answer("POST", f"/contacts/{CONTACT}/tasks", "task_created.json", status=201),
                             answer("POST", f"/contacts/{CONTACT}/notes", "note_created.json", status=201),
                             profile=handing)
    cid = mirrored.conversation_id
    store.add_message(cid, "user", "Can I talk to a real person about financing?", at=clock.now())
    store.record_answer(cid, "homeowner", "yes", "pass", clock.now())
    store.record_tool_call(cid, "t1", "search_knowledge", {"query": "is solar too expensive"}, {"ok": True},
                           ok=True, latency_ms=1, at=clock.now())
    store.record_tool_call(cid, "t1", "handoff_to_human", {"reason": "asked for a person about financing"}, {"ok": True},
                           ok=True, latency_ms=1, at=clock.now())
    store.set_conversation_status(cid, "paused", clock.now(), reason="asked for a person about financing")
    crm.sync(cid)
    crm.sync(cid)  # written once
    assert json.loads(recorded.requests("PUT", UPDATE)[0].content) == {"assignedTo": "GCs5KuzPqTls7vWclkEV"}
    assert json.loads(recorded.requests("POST", TAGS)[-1].content) == {"tags": ["ava-handoff", "ava-paused"]}
    [task] = recorded.requests("POST", f"/contacts/{CONTACT}/tasks")
    task = json.loads(task.content)
    assert task["title"] == "Follow up with Jane Doe: AVA handed this lead over"
    assert task["completed"] is False and task["assignedTo"] == "GCs5KuzPqTls7vWclkEV"
    assert task["dueDate"] == "2026-12-01T16:30:00Z"  # an hour after 9:30 AM in Austin
    [note] = recorded.requests("POST", f"/contacts/{CONTACT}/notes")
    summary = json.loads(note.content)["body"]
    assert "Lead: Jane Doe, +15125550142 (via ghl)" in summary
    assert "Why AVA handed over: asked for a person about financing" in summary
    assert "- homeowner: yes (pass)" in summary
    assert "Objections raised: is solar too expensive" in summary
    assert "Can I talk to a real person about financing?" in summary


def test_a_whatsapp_lead_is_mirrored_into_a_ghl_contact_found_by_phone(ghl, profile, store, clock):
    api, recorded = ghl(answer("POST", "/contacts/upsert", "upsert_contact.json"),
                        answer("POST", "/contacts/seD4PfOuKoVMLkEZqohJ/tags", "tags_added.json", status=201),
                        answer("POST", "/contacts/seD4PfOuKoVMLkEZqohJ/notes", "note_created.json", status=201))
    contact = store.upsert_contact("whatsapp", "15125550142", name="Lead One", phone="+15125550142", at=clock.now())
    conversation = store.open_conversation(contact.id, "whatsapp", clock.now())
    _qualify(store, profile, conversation.id, clock)
    CrmMirror(GhlContacts(api), store, profile, clock, mirror_all=True).sync(conversation.id)
    upsert = json.loads(recorded.requests("POST", "/contacts/upsert")[0].content)
    assert upsert == {"locationId": "l1C08ntBrFjLS0elLIYU", "source": "AVA", "phone": "+15125550142",
                      "firstName": "Lead", "lastName": "One"}
    assert "tags" not in upsert
    assert CrmRecords(store).contact(contact.id).crm_contact_id == "seD4PfOuKoVMLkEZqohJ"
    assert json.loads(recorded.requests("POST", "/contacts/seD4PfOuKoVMLkEZqohJ/tags")[0].content) == {
        "tags": ["ava-qualified"]}
    assert "(via whatsapp)" in json.loads(recorded.requests("POST", "/contacts/seD4PfOuKoVMLkEZqohJ/notes")[0].content)[
        "body"]


def test_a_crm_failure_is_logged_and_never_reaches_the_conversation(mirrored, store, profile, clock):
    crm, _ = mirrored(answer("POST", TAGS, "unauthorized_401.json", status=401))
    _qualify(store, profile, mirrored.conversation_id, clock)
    crm.sync(mirrored.conversation_id)  # does not raise
    assert CrmRecords(store).contact(store.conversation(mirrored.conversation_id).contact_id).tags == ()


def test_without_a_known_channel_the_conversations_last_message_type_is_used(ghl):
    api, recorded = ghl(answer("GET", "/conversations/search", "conversations_search_whatsapp.json",
                               query={"contactId": CONTACT, "locationId": "l1C08ntBrFjLS0elLIYU"}),
                        answer("POST", SEND, "send_message.json"))
    GhlChannel(api, reply_type_of=lambda _: None).send(CONTACT, OutboundMessage(text="Hi!"))
    assert json.loads(recorded.requests("POST", SEND)[0].content)["type"] == "WhatsApp"


def test_a_channel_the_send_api_cannot_reply_on_is_refused_with_what_to_do(ghl):
    api, recorded = ghl()
    with pytest.raises(GhlError) as caught:
        GhlChannel(api, reply_type_of=lambda _: "GMB").send(CONTACT, OutboundMessage(text="Hi!"))
    assert "answer this lead in GoHighLevel" in str(caught.value) and recorded.calls == []


def test_a_person_taking_over_later_is_not_written_as_another_handoff(mirrored, store, clock):
    crm, recorded = mirrored(answer("POST", TAGS, "tags_added.json", status=201))
    cid = mirrored.conversation_id
    store.record_tool_call(cid, "t1", "handoff_to_human", {"reason": "asked for a person"}, {"ok": True},
                           ok=True, latency_ms=1, at=clock.now())
    records = CrmRecords(store)
    records.pause(cid, clock.now(), clock.now(), reason="a person replied in GoHighLevel")
    crm.sync(cid)
    assert recorded.calls == []  # no assignment, hand-off tag, task or note
