"""GoHighLevel conversations keep a rolling window in the store; GHL keeps the rest."""

from __future__ import annotations

from datetime import timedelta

from ghl_recorded import answer

from ava_core.ghl.conversations import GhlChannel
from ava_core.ghl.history import CrmHistory
from ava_core.store.crm import CrmRecords

CONVERSATION = "fcanlLgpbQgQhderivVs"


def _conversation(store, clock, channel="ghl", count=30):
    contact = store.upsert_contact(channel, "cI08i1Bls3iTB9bKgFJh", name="Jane Doe", phone="+15125550142",
                                   at=clock.now())
    conversation = store.open_conversation(contact.id, channel, clock.now())
    for n in range(count):
        store.add_message(conversation.id, "user" if n % 2 == 0 else "assistant", f"message {n}",
                          at=clock.now() + timedelta(minutes=n))
    return conversation.id


def test_messages_that_leave_the_window_are_folded_into_a_running_summary(store, profile, clock):
    cid = _conversation(store, clock)
    clock.advance(hours=3)
    history = CrmHistory(store, profile, clock)
    assert history.compact(cid) == 30 - profile.crm.history_window
    kept = store.messages(cid)
    assert [m.text for m in kept] == [f"message {n}" for n in range(10, 30)]
    summary = history.summary(cid)
    assert summary.messages == 10
    assert [(line.who, line.text) for line in summary.lines] == [
        ("lead" if n % 2 == 0 else "ava", f"message {n}") for n in range(10)]
    # The window rolls on: the next fold adds to the summary; how it began stays.
    for n in range(30, 34):
        store.add_message(cid, "user", f"message {n}", at=clock.now())
    clock.advance(hours=3)
    assert history.compact(cid) == 4
    summary = history.summary(cid)
    assert summary.messages == 14
    assert [line.text for line in summary.opening] == [f"message {n}" for n in range(4)]
    assert [line.text for line in summary.recent] == [f"message {n}" for n in range(6, 14)]
    assert len(store.messages(cid)) == profile.crm.history_window


def test_recent_messages_stay_whatever_the_window_so_late_retries_are_still_duplicates(store, profile, clock):
    cid = _conversation(store, clock)
    assert CrmHistory(store, profile, clock).compact(cid) == 0
    assert len(store.messages(cid)) == 30


def test_other_channels_keep_their_whole_history(store, profile, clock):
    cid = _conversation(store, clock, channel="whatsapp")
    clock.advance(hours=3)
    assert CrmHistory(store, profile, clock).compact(cid) == 0


def test_older_history_is_read_back_from_ghl(ghl, store, profile, clock):
    api, recorded = ghl(answer("GET", f"/conversations/{CONVERSATION}/messages", "messages_page2.json",
                               query={"lastMessageId": "p1mRSHeLDhAms5q0LMr4"}),
                        answer("GET", f"/conversations/{CONVERSATION}/messages", "messages_page1.json"))
    cid = _conversation(store, clock, count=2)
    CrmRecords(store).note_conversation(cid, clock.now(), crm_conversation_id=CONVERSATION, reply_type="SMS")
    older = CrmHistory(store, profile, clock, GhlChannel(api)).older(cid, limit=10)
    assert [m.body for m in older][-1] == "Hi, I saw your ad about solar panels"
    assert len(recorded.calls) == 2


def test_a_ghl_conversation_is_archived_with_its_crm_record(store, profile, clock, tmp_path):
    from ava_core.archive import archive_idle_conversations, read_archive

    cid = _conversation(store, clock, count=4)
    CrmRecords(store).note_conversation(cid, clock.now(), crm_conversation_id=CONVERSATION, reply_type="SMS")
    report = archive_idle_conversations(store, tmp_path, now=clock.now() + timedelta(days=200), retention_days=180)
    assert report.conversations == 1
    [record] = read_archive(report.file)
    assert record["crm_conversations"][0]["crm_conversation_id"] == CONVERSATION
    assert CrmRecords(store).conversation(cid) is None
