"""A GoHighLevel conversation that reaches AVA with history in GHL (a form, a campaign SMS, the
sales team): the earlier messages are read once, bounded, into the conversation's summary."""

from __future__ import annotations

from datetime import datetime

import pytest
from ghl_recorded import CONTACT, answer
from loguru import logger

from ava_core.clock import FrozenClock
from ava_core.ghl.contacts import GhlContacts
from ava_core.ghl.conversations import GhlChannel
from ava_core.ghl.crm import CrmMirror
from ava_core.ghl.history import CrmHistory
from ava_core.store.crm import CrmRecords

CONVERSATION = "fcanlLgpbQgQhderivVs"
MESSAGES = f"/conversations/{CONVERSATION}/messages"
NOW = datetime.fromisoformat("2026-12-01T15:29:30+00:00")
RETURNING = "hey sorry for the late reply, is the free consultation still a thing? 🙂"


def _pages(times: int | None = 1):
    """GHL's history of the conversation, newest first over two pages (``lastMessageId``)."""
    return (answer("GET", MESSAGES, "messages_before_ava_page2.json", query={"lastMessageId": "Jk3Lw8Qe2Rt6Yu1Io4Pz"},
                   times=times),
            answer("GET", MESSAGES, "messages_before_ava_page1.json", times=times))


@pytest.fixture
def now():
    return FrozenClock(NOW)


@pytest.fixture
def lead_wrote(store, now):
    """The lead's message, stored as ``/api/ghl`` stores it; ``crm_id`` as the webhook named it."""

    def write(*, crm_id: str | None = CONVERSATION, text: str = RETURNING, message_id: str = "Rt5Yu7Io9Pa1Sd3Fg5Hj"):
        contact = store.upsert_contact("ghl", CONTACT, name=None, phone=None, at=now.now())
        conversation = store.open_conversation(contact.id, "ghl", now.now())
        store.add_message(conversation.id, "user", text, at=datetime.fromisoformat("2026-12-01T15:29:00+00:00"),
                          channel="ghl", channel_message_id=message_id, status="received")
        CrmRecords(store).note_conversation(conversation.id, now.now(), crm_conversation_id=crm_id, reply_type="SMS")
        return conversation.id

    return write


def test_the_messages_ghl_held_before_ava_are_read_into_the_summary_with_who_wrote_them(
        ghl, store, profile, now, lead_wrote):
    api, recorded = ghl(*_pages())
    cid = lead_wrote()
    assert CrmHistory(store, profile, now, GhlChannel(api)).catch_up(cid) == 4
    summary = CrmHistory(store, profile, now).summary(cid)
    assert [(line.who, line.text[:40]) for line in summary.lines] == [
        ("lead", "Free solar savings estimate form. Name: "),    # the form that brought them
        ("business", "Thanks for your interest in solar with L"),  # the workflow's SMS: automated
        ("lead", "yes we own it! bill is like $210 a month"),
        ("team", "Hi Jane, this is Maria from Lone Star Su"),    # a person: a GHL user wrote it
    ]
    # Neither the missed call, nor the team's internal comment, nor the message AVA already has.
    texts = " ".join(line.text for line in summary.lines)
    assert "hot lead" not in texts and RETURNING not in texts
    assert (summary.messages, summary.from_crm) == (4, 4)
    assert summary.since.isoformat() == "2026-11-24T18:00:12+00:00"
    assert [r.url.params.get("lastMessageId") for r in recorded.calls] == [None, "Jk3Lw8Qe2Rt6Yu1Io4Pz"]
    assert CrmRecords(store).conversation(cid).history_read
    assert store.messages(cid)[-1].text == RETURNING  # the store keeps what it had; nothing is added to it


def test_the_reading_is_bounded_by_the_profile(ghl, store, profile, now, lead_wrote):
    api, recorded = ghl(answer("GET", MESSAGES, "messages_before_ava_page1.json", query={"limit": "3"}))
    cid = lead_wrote()
    bounded = profile.model_copy(update={"crm": profile.crm.model_copy(update={"read_history": 3})})
    CrmHistory(store, bounded, now, GhlChannel(api)).catch_up(cid)
    assert len(recorded.calls) == 1  # three messages asked for, one page read


def test_a_conversation_is_read_once(ghl, store, profile, now, lead_wrote):
    api, recorded = ghl(*_pages())
    cid = lead_wrote()
    history = CrmHistory(store, profile, now, GhlChannel(api))
    history.catch_up(cid)
    assert history.catch_up(cid) == 0
    assert len(recorded.calls) == 2 and recorded.unmatched == []


def test_a_workflow_lead_without_a_conversation_id_is_looked_up_first(ghl, store, profile, now, lead_wrote):
    api, recorded = ghl(answer("GET", "/conversations/search", "conversations_search_whatsapp.json",
                               query={"contactId": CONTACT}), *_pages())
    cid = lead_wrote(crm_id=None, message_id="h:0f3c9a")  # a workflow webhook: a hashed id, GHL's id unknown
    assert CrmHistory(store, profile, now, GhlChannel(api)).catch_up(cid) == 4  # the same words are not read twice
    assert CrmRecords(store).conversation(cid).crm_conversation_id == CONVERSATION
    assert recorded.calls[0].url.path == "/conversations/search"


def test_nothing_is_read_once_ava_has_spoken_in_the_conversation(ghl, store, profile, now, lead_wrote):
    api, recorded = ghl(*_pages())
    cid = lead_wrote()
    store.add_message(cid, "assistant", "Hi! This is Ava with Lone Star Sun Solar.", at=now.now(), channel="ghl",
                      channel_message_id="ABC12h2F6uBrIkfXYazb", status="sent")
    assert CrmHistory(store, profile, now, GhlChannel(api)).catch_up(cid) == 0
    assert recorded.calls == []


def test_a_ghl_that_cannot_be_read_never_blocks_the_reply_and_is_tried_again(ghl, store, profile, now, lead_wrote):
    api, recorded = ghl(answer("GET", MESSAGES, "unauthorized_401.json", status=401, times=1), *_pages())
    cid = lead_wrote()
    mirror = CrmMirror(GhlContacts(api), store, profile, now, mirror_all=False, write_contacts=False,
                       history=CrmHistory(store, profile, now, GhlChannel(api)))
    logged: list[str] = []
    sink = logger.add(lambda m: logged.append(m), level="WARNING")
    try:
        mirror.catch_up(cid)  # raises nothing
    finally:
        logger.remove(sink)
    assert any("AVA_GHL_ACCESS_TOKEN" in line for line in logged)
    assert not CrmRecords(store).conversation(cid).history_read
    mirror.catch_up(cid)  # the turn's retry reads it
    assert CrmRecords(store).conversation(cid).history_read
