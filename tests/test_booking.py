"""Booking rules the engine enforces: offered slots only, re-checked, idempotent, one winner."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest

from ava_core.models.base import ToolCall
from ava_core.tools import default_toolbox


def _call(ctx, name, **args):
    return default_toolbox().execute(ctx, ToolCall(id="c", name=name, args=args))


def test_free_slots_offer_a_few_times_on_different_days(context_for):
    result = _call(context_for("+1"), "get_free_slots")
    assert result.ok
    ids = [s["id"] for s in result.data["slots"]]
    assert ids == ["2026-12-01T13:00:00-06:00", "2026-12-02T09:00:00-06:00", "2026-12-03T09:00:00-06:00"]
    assert result.data["slots"][1]["label"] == "Wednesday, Dec 2 at 9:00 AM"


def test_booking_a_slot_that_was_not_offered_is_refused(context_for, store):
    ctx = context_for("+1")
    result = _call(ctx, "book_appointment", slot_id="2026-12-02T09:00:00-06:00")
    assert not result.ok
    assert "was not offered in this conversation" in result.error
    assert store.active_appointment(ctx.conversation_id) is None


def test_a_disqualified_lead_is_not_offered_times(context_for, store, clock):
    ctx = context_for("+1")
    store.record_answer(ctx.conversation_id, "homeowner", "no", "fail", clock.now())
    result = _call(ctx, "get_free_slots")
    assert not result.ok and "disqualified" in result.error


def test_rebooking_the_same_slot_is_idempotent(context_for, store):
    ctx = context_for("+1")
    slot = _call(ctx, "get_free_slots").data["slots"][0]["id"]
    first = _call(ctx, "book_appointment", slot_id=slot)
    again = _call(ctx, "book_appointment", slot_id=slot)
    assert first.ok and again.ok
    assert again.data["already_booked"] is True
    assert first.data["appointment_id"] == again.data["appointment_id"]


def test_two_conversations_booking_the_same_slot_exactly_one_wins(context_for, store):
    a, b = context_for("+1"), context_for("+2")
    slot = _call(a, "get_free_slots").data["slots"][0]["id"]
    assert _call(b, "get_free_slots").data["slots"][0]["id"] == slot
    results = {}
    barrier = threading.Barrier(2)

    def book(name, ctx):
        barrier.wait()
        results[name] = _call(ctx, "book_appointment", slot_id=slot)

    threads = [threading.Thread(target=book, args=(n, c)) for n, c in (("a", a), ("b", b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.ok for r in results.values()) == [False, True]
    loser = next(r for r in results.values() if not r.ok)
    assert "no longer free" in loser.error and loser.data["alternatives"]
    assert slot not in [alt["id"] for alt in loser.data["alternatives"]]


def test_slot_id_with_another_offset_for_the_same_instant_books(context_for):
    ctx = context_for("+1")
    slot = _call(ctx, "get_free_slots").data["slots"][0]["id"]
    in_utc = datetime.fromisoformat(slot).astimezone(__import__("datetime").UTC).isoformat()
    assert _call(ctx, "book_appointment", slot_id=in_utc).ok


def test_meeting_link_comes_from_the_profile_template(context_for):
    ctx = context_for("+1")
    _call(ctx, "book_appointment", slot_id=_call(ctx, "get_free_slots").data["slots"][0]["id"])
    result = _call(ctx, "send_meeting_link")
    assert result.data["link"].startswith("https://meet.lonestarsun.example/consult/")


def test_a_meeting_link_that_cannot_be_made_still_gives_the_model_the_confirmation(context_for, store, profile):
    ctx = context_for("+1")
    ctx.profile = profile.model_copy(update={"booking": profile.booking.model_copy(
        update={"link_template": "https://meet.example/{meeting_id}"})})
    booked = _call(ctx, "book_appointment", slot_id=_call(ctx, "get_free_slots").data["slots"][0]["id"])
    assert booked.data["confirmation"].startswith("You're booked for Tuesday, Dec 1 at 1:00 PM")
    result = _call(ctx, "send_meeting_link")
    assert not result.ok
    assert "meeting_id" in result.error
    assert result.data["confirmation"].startswith("You're booked for Tuesday, Dec 1 at 1:00 PM")
    appointment = store.active_appointment(ctx.conversation_id)
    assert appointment.link is None and not appointment.link_sent


def test_meeting_link_before_booking_is_an_error_the_model_can_read(context_for):
    result = _call(context_for("+1"), "send_meeting_link")
    assert not result.ok and "book a slot" in result.error


@pytest.mark.parametrize(
    ("name", "args", "raw", "message"),
    [
        ("lookup_crm", {}, None, "there is no tool named 'lookup_crm'"),
        ("book_appointment", {"slot": "x"}, None, "invalid arguments for book_appointment: slot_id: Field required"),
        ("get_free_slots", {}, "{from: tomorrow", "were not valid JSON"),
        ("get_free_slots", {"from": "next tuesday"}, None, "is not an ISO date"),
        ("record_qualification", {"field": "age", "value": "40"}, None, "unknown field 'age'"),
    ],
)
def test_bad_tool_calls_come_back_as_readable_errors(context_for, name, args, raw, message):
    result = default_toolbox().execute(context_for("+1"), ToolCall(id="c", name=name, args=args, raw_args=raw))
    assert not result.ok
    assert message in result.error
