"""The lead's name from their GoHighLevel contact, when the webhook did not carry it: read once
before the turn, stored, and used to greet them; a contact that cannot be read never holds up
the reply."""

from __future__ import annotations

from ghl_recorded import CONTACT, answer
from hypothesis import given
from hypothesis import strategies as st

from ava_core.channels import InboundMessage, InProcessChannel
from ava_core.ghl.contacts import GhlContacts, contact_name
from ava_core.ghl.crm import CrmMirror
from ava_core.store.crm import CrmRecords

READ = f"/contacts/{CONTACT}"


def _mirror(ghl, store, profile, clock, *exchanges, write_contacts=True):
    api, recorded = ghl(*exchanges)
    return CrmMirror(GhlContacts(api), store, profile, clock, mirror_all=False, write_contacts=write_contacts), recorded


def _unnamed_lead(store, clock, channel="ghl", address=CONTACT):
    """A lead whose webhook gave no name (a marketplace InboundMessage never does)."""
    contact = store.upsert_contact(channel, address, name=None, phone=None, at=clock.now())
    return store.open_conversation(contact.id, channel, clock.now()).id


def test_a_nameless_leads_name_is_read_from_the_contact_once_and_kept(ghl, store, profile, clock):
    cid = _unnamed_lead(store, clock)
    crm, recorded = _mirror(ghl, store, profile, clock, answer("GET", READ, "contact_get.json"))
    crm.catch_up(cid)
    crm.catch_up(cid)  # the next turn asks nothing again
    [read] = recorded.requests("GET", READ)
    assert read.headers["Version"] == "2021-07-28"  # the Contacts API's version, not the conversations'
    assert read.headers["Authorization"] == "Bearer pit-test-token"
    assert store.contact(store.conversation(cid).contact_id).name == "Jane Doe"


def test_reading_the_name_needs_no_contact_writing(ghl, store, profile, clock):
    cid = _unnamed_lead(store, clock)
    crm, _ = _mirror(ghl, store, profile, clock, answer("GET", READ, "contact_get.json"), write_contacts=False)
    crm.catch_up(cid)
    assert store.contact(store.conversation(cid).contact_id).name == "Jane Doe"


def test_a_contact_without_a_name_is_asked_once(ghl, store, profile, clock):
    cid = _unnamed_lead(store, clock)
    crm, recorded = _mirror(ghl, store, profile, clock, answer("GET", READ, "contact_get_unnamed.json"))
    crm.catch_up(cid)
    crm.catch_up(cid)
    assert len(recorded.requests("GET", READ)) == 1
    assert store.contact(store.conversation(cid).contact_id).name is None
    assert CrmRecords(store).contact(store.conversation(cid).contact_id).name_read


def test_a_name_the_webhook_gave_is_not_asked_for(ghl, store, profile, clock):
    contact = store.upsert_contact("ghl", CONTACT, name="Jane Doe", phone=None, at=clock.now())
    cid = store.open_conversation(contact.id, "ghl", clock.now()).id
    crm, recorded = _mirror(ghl, store, profile, clock)
    crm.catch_up(cid)
    assert recorded.calls == []


def test_a_whatsapp_lead_is_not_looked_up_in_ghl_for_a_name(ghl, store, profile, clock):
    cid = _unnamed_lead(store, clock, channel="whatsapp", address="15125550142")
    crm, recorded = _mirror(ghl, store, profile, clock)
    crm.catch_up(cid)
    assert recorded.calls == []


def test_a_failed_read_is_logged_and_tried_again_next_turn(ghl, store, profile, clock, waits):
    cid = _unnamed_lead(store, clock)
    crm, recorded = _mirror(ghl, store, profile, clock,
                            answer("GET", READ, "unauthorized_401.json", status=401, times=1),
                            answer("GET", READ, "contact_get.json"))
    crm.catch_up(cid)  # never raises
    assert store.contact(store.conversation(cid).contact_id).name is None
    crm.catch_up(cid)
    assert store.contact(store.conversation(cid).contact_id).name == "Jane Doe"
    assert len(recorded.requests("GET", READ)) == 2


def test_a_contact_ghl_no_longer_has_is_not_asked_for_again(ghl, store, profile, clock):
    cid = _unnamed_lead(store, clock)
    crm, recorded = _mirror(ghl, store, profile, clock, answer("GET", READ, status=404))
    crm.catch_up(cid)
    crm.catch_up(cid)
    assert len(recorded.requests("GET", READ)) == 1


def test_a_returning_lead_is_greeted_by_the_name_ghl_knows(make_assistant, ghl, store, profile, clock):
    channel = InProcessChannel("ghl")
    assistant = make_assistant(channels={"ghl": channel})
    assistant.crm, recorded = _mirror(ghl, store, profile, clock, answer("GET", READ, "contact_get.json"),
                                      write_contacts=False)
    state = assistant.handle(InboundMessage(channel="ghl", message_id="t22c6DQcTDf3MjRhwf77", sender=CONTACT,
                                            text="hey sorry for the late reply, is the free consultation still a "
                                                 "thing? 🙂", received_at=clock.now()))
    assert state.bubbles[0].startswith("Hi Jane!")
    assert channel.sent[0][1].text.startswith("Hi Jane!")


def test_a_contact_that_cannot_be_read_never_holds_up_the_reply(make_assistant, ghl, store, profile, clock):
    channel = InProcessChannel("ghl")
    assistant = make_assistant(channels={"ghl": channel})
    assistant.crm, _ = _mirror(ghl, store, profile, clock, answer("GET", READ, "forbidden_403.json", status=403),
                               write_contacts=False)
    state = assistant.handle(InboundMessage(channel="ghl", message_id="in-1", sender=CONTACT,
                                            text="hola, me interesa lo de los paneles", received_at=clock.now()))
    assert state.bubbles and channel.sent  # answered, without a name


def test_a_contact_read_back_in_an_unexpected_shape_never_holds_up_the_reply(make_assistant, ghl, store, profile,
                                                                              clock):
    channel = InProcessChannel("ghl")
    assistant = make_assistant(channels={"ghl": channel})
    api, _ = ghl()
    api.request = lambda *a, **k: None  # not the JSON object every GHL answer is
    assistant.crm = CrmMirror(GhlContacts(api), store, profile, clock, mirror_all=False)
    state = assistant.handle(InboundMessage(channel="ghl", message_id="in-1", sender=CONTACT, text="hi",
                                            received_at=clock.now()))
    assert state.bubbles and channel.sent


@given(st.dictionaries(st.sampled_from(["name", "firstName", "lastName", "contactName", "email", "phone"]),
                       st.none() | st.integers() | st.text(max_size=30), max_size=6))
def test_a_name_read_from_any_contact_is_a_name_or_nothing(contact):
    name = contact_name(contact)
    assert name is None or (name == name.strip() and name and any(c.isalpha() for c in name) and "@" not in name)


def test_the_contacts_first_and_last_name_make_its_name():
    assert contact_name({"firstName": " Jane ", "lastName": "Doe"}) == "Jane Doe"
    assert contact_name({"name": "María José Pérez"}) == "María José Pérez"
    assert contact_name({"firstName": "", "name": "+15125550142"}) is None  # GHL shows the number when unnamed
    assert contact_name({"name": "jane@example.com"}) is None
