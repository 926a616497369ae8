"""Cancelling and moving a booking on the local calendar: only the lead's own booking, only to an
offered and still free slot, a retry changes nothing, the history stays in the store, and each
change leaves its business event."""

from __future__ import annotations

import sqlite3

import pytest
from loguru import logger

from ava_core.models.base import ToolCall
from ava_core.store import Store
from ava_core.store.migrations import MIGRATIONS
from ava_core.tools import default_toolbox

TUESDAY_1PM, WEDNESDAY_9AM, THURSDAY_9AM = ("2026-12-01T13:00:00-06:00", "2026-12-02T09:00:00-06:00",
                                            "2026-12-03T09:00:00-06:00")




@pytest.fixture
def events():
    """The business events logged while the test runs: (action, fields)."""
    seen: list[tuple[str, dict]] = []
    sink = logger.add(lambda m: seen.append((m.record["extra"]["event_action"], m.record["extra"]["event_fields"]))
                      if "event_action" in m.record["extra"] else None, level="DEBUG")
    yield seen
    logger.remove(sink)


def _call(ctx, name, **args):
    return default_toolbox().execute(ctx, ToolCall(id="c", name=name, args=args))


def _booked(ctx, slot_id=TUESDAY_1PM):
    offered = [s["id"] for s in _call(ctx, "get_free_slots").data["slots"]]
    assert slot_id in offered
    assert _call(ctx, "book_appointment", slot_id=slot_id).ok
    return ctx


# --- cancel --------------------------------------------------------------------------------------


def test_cancelling_frees_the_slot_keeps_the_row_and_tells_the_lead(context_for, store, clock, events):
    ctx = _booked(context_for("+1"))
    booked = store.active_appointment(ctx.conversation_id)
    result = _call(ctx, "cancel_appointment", reason="something came up")
    assert result.ok, result.error
    assert result.data["confirmation"] == "Your solar consultation on Tuesday, Dec 1 at 1:00 PM is cancelled."
    assert store.active_appointment(ctx.conversation_id) is None
    [row] = store.appointments(ctx.conversation_id)
    assert (row.id, row.status, row.cancelled_at, row.cancel_reason) == (
        booked.id, "cancelled", clock.now(), "something came up")
    other = context_for("+2")
    assert TUESDAY_1PM in [s["id"] for s in _call(other, "get_free_slots").data["slots"]]
    assert ("cancelled", {"appointment_id": booked.id, "calendar": "local", "reason": "something came up"}) in events


def test_a_retried_cancel_changes_nothing_and_answers_the_same(context_for, store, events):
    ctx = _booked(context_for("+1"))
    first = _call(ctx, "cancel_appointment")
    again = _call(ctx, "cancel_appointment")
    assert again.ok and again.data["already_cancelled"] is True
    assert {k: v for k, v in again.data.items() if k != "already_cancelled"} == \
        {k: v for k, v in first.data.items() if k != "already_cancelled"}
    assert [a for a, _ in events].count("cancelled") == 1
    assert len(store.appointments(ctx.conversation_id)) == 1


def test_cancelling_with_nothing_booked_says_so(context_for):
    result = _call(context_for("+1"), "cancel_appointment")
    assert not result.ok and "nothing is booked" in result.error


def test_a_slot_released_by_a_failed_booking_is_not_a_cancellation(context_for, store, clock):
    ctx = context_for("+1")
    _call(ctx, "get_free_slots")
    held, _ = store.book_appointment(conversation_id=ctx.conversation_id, contact_id=ctx.contact_id, calendar="local",
                                     slot_id=TUESDAY_1PM, start=store.offered_slots(ctx.conversation_id)[0].start,
                                     end=store.offered_slots(ctx.conversation_id)[0].end, at=clock.now())
    store.cancel_appointment(held.id)  # a hold given back, as GoHighLevel's booking does when GHL refuses
    result = _call(ctx, "cancel_appointment")
    assert not result.ok and "nothing is booked" in result.error


# --- reschedule ----------------------------------------------------------------------------------


def test_moving_a_booking_to_an_offered_slot_sends_the_link_for_the_new_time(context_for, store, events):
    ctx = _booked(context_for("+1"))
    before = store.active_appointment(ctx.conversation_id)
    assert _call(ctx, "send_meeting_link").ok
    thursday = _call(ctx, "get_free_slots", **{"from": "2026-12-03", "to": "2026-12-03"}).data["slots"]
    assert thursday[0]["id"] == THURSDAY_9AM
    result = _call(ctx, "reschedule_appointment", slot_id=THURSDAY_9AM)
    assert result.ok, result.error
    moved = store.active_appointment(ctx.conversation_id)
    assert moved.slot_id == THURSDAY_9AM and moved.id != before.id
    assert moved.link == f"https://meet.lonestarsun.example/consult/{moved.id}" and moved.link_sent
    assert result.data["confirmation"] == (
        "Your solar consultation is moved from Tuesday, Dec 1 at 1:00 PM to Thursday, Dec 3 at 9:00 AM. "
        f"Here's your meeting link: {moved.link}")
    old = store.appointments(ctx.conversation_id)[0]
    assert (old.status, old.moved_to, old.cancel_reason) == ("cancelled", moved.id, "moved")
    assert ("rescheduled", {"appointment_id": moved.id, "calendar": "local"}) in events
    assert "cancelled" not in [a for a, _ in events]  # a move is not a lost booking
    other = context_for("+2")
    assert TUESDAY_1PM in [s["id"] for s in _call(other, "get_free_slots").data["slots"]]


def test_a_retried_move_changes_nothing(context_for, store, events):
    ctx = _booked(context_for("+1"))
    _call(ctx, "get_free_slots", **{"from": "2026-12-03", "to": "2026-12-03"})
    first = _call(ctx, "reschedule_appointment", slot_id=THURSDAY_9AM)
    again = _call(ctx, "reschedule_appointment", slot_id=THURSDAY_9AM)
    assert again.ok and again.data["already_rescheduled"] is True
    assert again.data["appointment_id"] == first.data["appointment_id"]
    assert again.data["confirmation"] == first.data["confirmation"]
    assert len(store.appointments(ctx.conversation_id)) == 2
    assert [a for a, _ in events].count("rescheduled") == 1


def test_a_move_to_a_time_never_offered_is_refused(context_for, store):
    ctx = _booked(context_for("+1"))
    result = _call(ctx, "reschedule_appointment", slot_id="2026-12-03T15:00:00-06:00")
    assert not result.ok and "was not offered" in result.error
    assert store.active_appointment(ctx.conversation_id).slot_id == TUESDAY_1PM


def test_a_move_to_the_booked_time_itself_moves_nothing(context_for, store):
    ctx = _booked(context_for("+1"))
    result = _call(ctx, "reschedule_appointment", slot_id=TUESDAY_1PM)
    assert not result.ok and "already booked" in result.error
    assert len(store.appointments(ctx.conversation_id)) == 1


def test_a_move_without_a_booking_points_to_booking(context_for):
    ctx = context_for("+1")
    _call(ctx, "get_free_slots")
    result = _call(ctx, "reschedule_appointment", slot_id=WEDNESDAY_9AM)
    assert not result.ok and "book_appointment" in result.error


def test_when_the_new_slot_was_taken_meanwhile_the_booking_stays_and_a_retry_takes_another(context_for, store,
                                                                                            events):
    mine, theirs = _booked(context_for("+1")), context_for("+2")
    offered = _call(mine, "get_free_slots", **{"from": "2026-12-03", "to": "2026-12-03"}).data["slots"]
    _call(theirs, "get_free_slots", **{"from": "2026-12-03", "to": "2026-12-03"})
    assert _call(theirs, "book_appointment", slot_id=THURSDAY_9AM).ok  # another lead took it first
    taken = _call(mine, "reschedule_appointment", slot_id=THURSDAY_9AM)
    assert not taken.ok and "no longer free" in taken.error
    assert taken.data["booked_label"] == "Tuesday, Dec 1 at 1:00 PM"
    assert THURSDAY_9AM not in [s["id"] for s in taken.data["alternatives"]]
    assert store.active_appointment(mine.conversation_id).slot_id == TUESDAY_1PM
    assert ("booking_failed", {"reason": "slot no longer free"}) in events
    retry = _call(mine, "reschedule_appointment", slot_id=offered[1]["id"])
    assert retry.ok, retry.error
    assert store.active_appointment(mine.conversation_id).slot_id == offered[1]["id"]


def test_a_disqualified_lead_cannot_move_a_booking(context_for, store, clock):
    ctx = _booked(context_for("+1"))
    _call(ctx, "get_free_slots", **{"from": "2026-12-03", "to": "2026-12-03"})
    store.record_answer(ctx.conversation_id, "homeowner", "no", "fail", clock.now())
    result = _call(ctx, "reschedule_appointment", slot_id=THURSDAY_9AM)
    assert not result.ok and "disqualified" in result.error


def test_book_appointment_on_a_booked_lead_points_to_rescheduling(context_for):
    ctx = _booked(context_for("+1"))
    result = _call(ctx, "book_appointment", slot_id=WEDNESDAY_9AM)
    assert not result.ok and "reschedule_appointment" in result.error


# --- the store ------------------------------------------------------------------------------------


def test_a_store_with_bookings_from_before_moves_were_kept_is_migrated_without_losing_them(tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    for script in MIGRATIONS[:5]:  # the store as the release before cancel and move left it
        conn.executescript(script)
    conn.executescript(
        "PRAGMA user_version = 5;"
        "INSERT INTO contacts (channel, external_key, address, created_at) VALUES ('whatsapp','k','+1','t');"
        "INSERT INTO conversations (contact_id, channel, created_at, updated_at) VALUES (1,'whatsapp','t','t');"
        "INSERT INTO appointments (conversation_id, contact_id, calendar, slot_id, start_utc, end_utc, status, link, "
        "created_at) VALUES (1, 1, 'local', 's1', '2026-12-01T19:00:00+00:00', '2026-12-01T19:30:00+00:00', "
        "'booked', 'https://meet.example/1', '2026-11-30T15:00:00+00:00'),"
        "(1, 1, 'local', 's0', '2026-12-01T15:00:00+00:00', '2026-12-01T15:30:00+00:00', 'cancelled', NULL, "
        "'2026-11-30T14:00:00+00:00');")
    conn.close()
    store = Store(path)
    assert store.schema_version() == len(MIGRATIONS)
    booked, released = store.appointments(1)
    assert (booked.status, booked.link, booked.cancelled_at, booked.moved_to) == (
        "booked", "https://meet.example/1", None, None)
    assert (released.status, released.cancelled_at) == ("cancelled", None)  # a hold, not the lead's cancel
