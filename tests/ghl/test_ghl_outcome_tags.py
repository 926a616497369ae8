"""The CRM's outcome tags follow the appointment: a cancel takes the booked tag off the contact
and puts the cancelled one on, a move keeps it booked; only ever through the tag endpoints."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from ghl_recorded import CONTACT, answer
from pydantic import ValidationError

from ava_core.ghl.contacts import GhlContacts
from ava_core.ghl.crm import CrmMirror
from ava_core.profile.models import Crm
from ava_core.store.crm import CrmRecords

TAGS = f"/contacts/{CONTACT}/tags"
NOTES = f"/contacts/{CONTACT}/notes"
MIRRORED = "seD4PfOuKoVMLkEZqohJ"  # the contact GHL's upsert answers for a WhatsApp lead


def _tagging(contact: str = CONTACT, *, remove: str = "tags_added.json", remove_status: int = 200):
    return (answer("POST", f"/contacts/{contact}/tags", "tags_added.json", status=201),
            answer("DELETE", f"/contacts/{contact}/tags", remove, status=remove_status),
            answer("POST", f"/contacts/{contact}/notes", "note_created.json", status=201))


def _sent(recorded, method: str, contact: str = CONTACT) -> list[list[str]]:
    return [json.loads(r.content)["tags"] for r in recorded.requests(method, f"/contacts/{contact}/tags")]


@pytest.fixture
def lead(store, clock):
    """A GHL lead with a booked call: returns (conversation id, appointment)."""
    contact = store.upsert_contact("ghl", CONTACT, name="Jane Doe", phone="+15125550142", at=clock.now())
    conversation = store.open_conversation(contact.id, "ghl", clock.now())
    start = clock.now() + timedelta(days=2)
    appointment, _ = store.book_appointment(conversation_id=conversation.id, contact_id=contact.id, calendar="local",
                                            slot_id=start.isoformat(), start=start, end=start + timedelta(hours=1),
                                            at=clock.now())
    return conversation.id, appointment


def _mirror(ghl, store, profile, clock, *exchanges):
    api, recorded = ghl(*exchanges)
    return CrmMirror(GhlContacts(api), store, profile, clock, mirror_all=True), recorded


def test_a_cancel_takes_the_booked_tag_off_and_puts_the_cancelled_one_on(ghl, store, profile, clock, lead):
    cid, appointment = lead
    crm, recorded = _mirror(ghl, store, profile, clock, *_tagging())
    crm.sync(cid)
    assert _sent(recorded, "POST") == [["ava-booked"]]
    clock.advance(hours=3)
    store.cancel_appointment(appointment.id, at=clock.now(), reason="schedule conflict")
    crm.sync(cid)
    crm.sync(cid)  # nothing changed since: nothing sent again
    assert _sent(recorded, "DELETE") == [["ava-booked"]]
    assert _sent(recorded, "POST") == [["ava-booked"], ["ava-cancelled"]]
    [remove] = recorded.requests("DELETE", TAGS)
    assert remove.headers["Version"] == "2021-07-28"
    # Never an upsert or update carrying `tags`: that replaces the sales team's own tags.
    assert not [r for r in recorded.calls if r.method == "PUT" or r.url.path == "/contacts/upsert"]
    # The team reads why in the note that comes with the new tag.
    note = json.loads(recorded.requests("POST", NOTES)[-1].content)["body"]
    assert note.startswith("AVA: ava-cancelled\n")
    assert "Cancelled by the lead: " in note and "(schedule conflict)" in note


def test_what_the_store_remembers_of_the_contacts_tags_follows_the_cancel(ghl, store, profile, clock, lead):
    cid, appointment = lead
    crm, _ = _mirror(ghl, store, profile, clock, *_tagging())
    crm.sync(cid)
    store.cancel_appointment(appointment.id, at=clock.now(), reason="changed my mind")
    crm.sync(cid)
    assert CrmRecords(store).contact(store.conversation(cid).contact_id).tags == ("ava-cancelled",)


def test_a_move_keeps_the_booked_tag(ghl, store, profile, clock, lead):
    cid, appointment = lead
    crm, recorded = _mirror(ghl, store, profile, clock, *_tagging())
    crm.sync(cid)
    later = appointment.start + timedelta(days=1)
    store.move_appointment(appointment.id, slot_id=later.isoformat(), start=later, end=later + timedelta(hours=1),
                           at=clock.now())
    crm.sync(cid)
    assert _sent(recorded, "POST") == [["ava-booked"]]
    assert recorded.requests("DELETE", TAGS) == []


def test_booking_again_after_a_cancel_swaps_the_tags_back(ghl, store, profile, clock, lead):
    cid, appointment = lead
    crm, recorded = _mirror(ghl, store, profile, clock, *_tagging())
    crm.sync(cid)
    store.cancel_appointment(appointment.id, at=clock.now(), reason="schedule conflict")
    crm.sync(cid)
    start = appointment.start + timedelta(days=3)
    store.book_appointment(conversation_id=cid, contact_id=appointment.contact_id, calendar="local",
                           slot_id=start.isoformat(), start=start, end=start + timedelta(hours=1), at=clock.now())
    crm.sync(cid)
    assert _sent(recorded, "DELETE") == [["ava-booked"], ["ava-cancelled"]]
    assert _sent(recorded, "POST") == [["ava-booked"], ["ava-cancelled"], ["ava-booked"]]


def test_a_hold_released_without_a_booking_is_not_a_cancel(ghl, store, profile, clock, lead):
    cid, appointment = lead
    crm, recorded = _mirror(ghl, store, profile, clock, *_tagging())
    store.cancel_appointment(appointment.id)  # no time: a hold let go, nobody cancelled anything
    crm.sync(cid)
    assert recorded.calls == []


def test_the_profile_names_the_cancelled_tag(ghl, store, profile, clock, lead):
    cid, appointment = lead
    named = profile.model_copy(update={"crm": profile.crm.model_copy(update={
        "tags": profile.crm.tags.model_copy(update={"cancelled": "appointment-cancelled"})})})
    crm, recorded = _mirror(ghl, store, named, clock, *_tagging())
    crm.sync(cid)
    store.cancel_appointment(appointment.id, at=clock.now(), reason="schedule conflict")
    crm.sync(cid)
    assert _sent(recorded, "POST")[-1] == ["appointment-cancelled"]


def test_a_refused_untagging_is_tried_again_on_the_next_sync(ghl, store, profile, clock, lead):
    cid, appointment = lead
    crm, recorded = _mirror(ghl, store, profile, clock,
                            answer("DELETE", TAGS, "unauthorized_401.json", status=401, times=1), *_tagging())
    crm.sync(cid)
    store.cancel_appointment(appointment.id, at=clock.now(), reason="schedule conflict")
    crm.sync(cid)  # logged, never raised
    assert "ava-booked" in CrmRecords(store).contact(store.conversation(cid).contact_id).tags
    crm.sync(cid)
    assert _sent(recorded, "DELETE") == [["ava-booked"], ["ava-booked"]]
    assert CrmRecords(store).contact(store.conversation(cid).contact_id).tags == ("ava-cancelled",)


def test_a_whatsapp_lead_mirrored_into_ghl_is_untagged_the_same_way(ghl, store, profile, clock):
    contact = store.upsert_contact("whatsapp", "15125550142", name="Lead One", phone="+15125550142", at=clock.now())
    cid = store.open_conversation(contact.id, "whatsapp", clock.now()).id
    start = clock.now() + timedelta(days=2)
    appointment, _ = store.book_appointment(conversation_id=cid, contact_id=contact.id, calendar="local",
                                            slot_id=start.isoformat(), start=start, end=start + timedelta(hours=1),
                                            at=clock.now())
    crm, recorded = _mirror(ghl, store, profile, clock, answer("POST", "/contacts/upsert", "upsert_contact.json"),
                            *_tagging(MIRRORED))
    crm.sync(cid)
    store.cancel_appointment(appointment.id, at=clock.now(), reason="found another installer")
    crm.sync(cid)
    assert _sent(recorded, "DELETE", MIRRORED) == [["ava-booked"]]
    assert _sent(recorded, "POST", MIRRORED) == [["ava-booked"], ["ava-cancelled"]]
    assert len(recorded.requests("POST", "/contacts/upsert")) == 1  # found once, by phone, without tags
    assert "tags" not in json.loads(recorded.requests("POST", "/contacts/upsert")[0].content)


@pytest.mark.parametrize("crm, says", [
    ({"tags": {"cancelled": "ava-booked"}}, "each outcome needs its own tag"),
    ({"tags": {"cancelled": "cancelled, lost"}}, "without commas"),
    ({"tags": {"cancelled": "  "}}, "non-blank"),
    ({"pause_tag": "ava-cancelled"}, "also an outcome tag"),
])
def test_outcome_tags_that_could_not_be_told_apart_are_refused(crm, says):
    with pytest.raises(ValidationError) as caught:
        Crm.model_validate(crm)
    assert says in str(caught.value)


def test_the_cancelled_tag_has_a_default():
    assert Crm().tags.cancelled == "ava-cancelled"


def test_a_whatsapp_lead_who_books_then_cancels_in_spanish_is_retagged_in_ghl(make_assistant, say, ghl, store,
                                                                               profile, clock):
    """The whole way: qualified and booked in the conversation, then cancelled, each turn mirrored."""
    assistant = make_assistant()
    assistant.crm, recorded = _mirror(ghl, store, profile, clock,
                                      answer("POST", "/contacts/upsert", "upsert_contact.json"), *_tagging(MIRRORED))
    for text in ("hola", "sí, soy dueño", "unos 200 dólares", "5 años", "sol todo el día", "78704", "la primera"):
        state = say(assistant, text)  # each turn ends with the CRM sync
    assert store.active_appointment(state.conversation_id) is not None
    for text in ("perdón, me salió algo, tengo que cancelar la cita", "sí"):
        state = say(assistant, text)
    assert store.active_appointment(state.conversation_id) is None
    assert _sent(recorded, "POST", MIRRORED) == [["ava-qualified"], ["ava-booked"], ["ava-cancelled"]]
    assert _sent(recorded, "DELETE", MIRRORED) == [["ava-booked"]]
