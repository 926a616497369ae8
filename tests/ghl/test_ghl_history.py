"""GoHighLevel conversations keep a rolling window in the store; GHL keeps the rest."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from ghl_recorded import answer
from hypothesis import given, settings
from hypothesis import strategies as st

from ava_core.ghl.conversations import GhlChannel
from ava_core.ghl.history import LINE_CHARS, OPENING, RAISED, RECENT, CrmHistory, clip, fold
from ava_core.state import EarlierLine
from ava_core.store import TEAM, Sealer, Store
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


# --- the running summary ---------------------------------------------------------------------

_speakers = st.sampled_from(["lead", "ava", "team", "business"])
_texts = st.text(min_size=0, max_size=900)
_lines = st.lists(st.builds(EarlierLine, who=_speakers, text=_texts.map(clip)), max_size=40)


@settings(max_examples=60, deadline=None)
@given(folds=st.lists(st.tuples(_lines, st.lists(_texts, max_size=12)), min_size=1, max_size=12))
def test_the_summary_stays_bounded_whatever_the_history(folds):
    summary = None
    for lines, raised in folds:
        summary = fold(summary, lines, raised, messages=len(lines))
    assert len(summary.opening) <= OPENING and len(summary.recent) <= RECENT and len(summary.raised) <= RAISED
    assert all(len(line.text) <= LINE_CHARS for line in summary.lines)
    assert all(len(text) <= LINE_CHARS for text in summary.raised)
    # Prompt-sized for any conversation: every line and concern at its longest, and the counts.
    bound = (OPENING + RECENT + RAISED) * (LINE_CHARS * 6 + 80) + 300  # \u escapes at worst
    assert len(summary.model_dump_json()) <= bound
    assert summary.messages == sum(len(lines) for lines, _ in folds)
    every = [line for lines, _ in folds for line in lines]
    assert summary.opening == every[:len(summary.opening)]  # how it began is never pushed out
    if every:
        assert summary.lines[-1] == every[-1]  # and the newest line is always there


def test_the_team_and_ava_keep_their_own_lines_and_the_leads_concerns_are_kept(store, profile, clock):
    contact = store.upsert_contact("ghl", "cI08i1Bls3iTB9bKgFJh", name="Jane Doe", phone=None, at=clock.now())
    cid = store.open_conversation(contact.id, "ghl", clock.now()).id
    store.add_message(cid, "user", "is this a scam? my neighbor got burned", at=clock.now())
    store.add_message(cid, "assistant", "", at=clock.now(), tool_calls=[
        {"id": "c1", "name": "search_knowledge", "args": {"query": "is this a scam", "kind": "objection"}}])
    store.add_message(cid, "tool", '{"ok": true}', at=clock.now(), tool_call_id="c1", tool_name="search_knowledge")
    store.add_message(cid, "assistant", "Totally fair question!", at=clock.now())
    store.add_message(cid, TEAM, "Hi Jane, Maria here: we are licensed in Texas since 2011.", at=clock.now(),
                      channel="ghl", channel_message_id="Hk2Lm3No4Pq5Rs6Tu7Vw", status="sent")
    for n in range(20):
        store.add_message(cid, "user" if n % 2 else "assistant", f"later {n}", at=clock.now())
    clock.advance(hours=3)
    assert CrmHistory(store, profile, clock).compact(cid) == 5
    summary = CrmHistory(store, profile, clock).summary(cid)
    assert [line.who for line in summary.lines] == ["lead", "ava", "team"]
    assert summary.raised == ["is this a scam? my neighbor got burned", "is this a scam"]


def test_the_summary_is_sealed_at_rest_like_the_messages(tmp_path, profile, clock):
    from cryptography.fernet import Fernet

    store = Store(tmp_path / "sealed.sqlite3", sealer=Sealer(Fernet.generate_key().decode()))
    contact = store.upsert_contact("ghl", "cI08i1Bls3iTB9bKgFJh", name=None, phone=None, at=clock.now())
    cid = store.open_conversation(contact.id, "ghl", clock.now()).id
    for n in range(24):
        store.add_message(cid, "user", f"my bill is $21{n} a month", at=clock.now())
    clock.advance(hours=3)
    CrmHistory(store, profile, clock).compact(cid)
    assert CrmHistory(store, profile, clock).summary(cid).lines[0].text == "my bill is $210 a month"
    raw = sqlite3.connect(store.path).execute("SELECT summary FROM crm_conversations").fetchone()[0]
    assert raw.startswith("enc:") and "$210" not in raw


def test_a_summary_in_the_first_format_is_still_read(store, profile, clock):
    contact = store.upsert_contact("ghl", "c1", name=None, phone=None, at=clock.now())
    cid = store.open_conversation(contact.id, "ghl", clock.now()).id
    CrmRecords(store).fold(cid, [], {"folded": 6, "since": "2026-11-30T10:00:00+00:00",
                                     "until": "2026-11-30T11:00:00+00:00", "lead_said": ["we own it", "about $200"],
                                     "brief": "Lead: unknown name (via ghl)"}, clock.now())
    summary = CrmHistory(store, profile, clock).summary(cid)
    assert summary.messages == 6 and [line.text for line in summary.recent] == ["we own it", "about $200"]
