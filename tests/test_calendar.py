"""The local calendar: working hours, minimum notice, time zones and daylight saving."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from ava_core.calendar import LocalCalendar, slot_label
from ava_core.clock import FrozenClock

CHICAGO = ZoneInfo("America/Chicago")


def _calendar(profile, store, now):
    return LocalCalendar(profile.booking, profile.tz, store, FrozenClock(now))


def test_slots_respect_working_hours_and_the_lunch_break(profile, store):
    now = datetime(2026, 11, 30, 6, 0, tzinfo=CHICAGO)  # Monday, before opening
    slots = _calendar(profile, store, now).free_slots(now, now + timedelta(days=1))
    starts = [s.start.astimezone(CHICAGO).strftime("%H:%M") for s in slots]
    assert starts[0] == "09:00" and starts[-1] == "16:30"
    assert "12:00" not in starts and "12:30" not in starts
    assert len(slots) == 14


def test_minimum_notice_hides_slots_too_soon(profile, store):
    now = datetime(2026, 12, 1, 9, 30, tzinfo=CHICAGO)  # 3 h notice → 12:30, lunch → 13:00
    first = _calendar(profile, store, now).free_slots(now, now + timedelta(days=1))[0]
    assert first.id_in(CHICAGO) == "2026-12-01T13:00:00-06:00"


def test_no_slots_on_a_day_off_or_past_the_horizon(profile, store):
    now = datetime(2026, 12, 5, 14, 0, tzinfo=CHICAGO)  # Saturday after hours
    calendar = _calendar(profile, store, now)
    sunday = calendar.free_slots(now, datetime(2026, 12, 7, 0, 0, tzinfo=CHICAGO))
    assert sunday == []
    far = calendar.free_slots(now + timedelta(days=30), now + timedelta(days=40))
    assert far == []


def test_daylight_saving_change_keeps_local_hours_and_moves_the_offset(profile, store):
    # DST ends in Chicago on Sunday 2026-11-01: Friday is UTC-5, Monday UTC-6.
    now = datetime(2026, 10, 29, 8, 0, tzinfo=CHICAGO)
    slots = _calendar(profile, store, now).free_slots(now, now + timedelta(days=6))
    friday = next(s for s in slots if s.start.astimezone(CHICAGO).date().isoformat() == "2026-10-30")
    monday = next(s for s in slots if s.start.astimezone(CHICAGO).date().isoformat() == "2026-11-02")
    assert friday.id_in(CHICAGO) == "2026-10-30T09:00:00-05:00"
    assert monday.id_in(CHICAGO) == "2026-11-02T09:00:00-06:00"
    assert friday.start.astimezone(UTC).hour == 14 and monday.start.astimezone(UTC).hour == 15


def test_slots_are_the_same_instants_whatever_zone_asks(profile, store):
    now_tokyo = datetime(2026, 12, 2, 0, 30, tzinfo=ZoneInfo("Asia/Tokyo"))  # = Dec 1 09:30 Chicago
    now_chicago = now_tokyo.astimezone(CHICAGO)
    a = _calendar(profile, store, now_tokyo).free_slots(now_tokyo, now_tokyo + timedelta(days=2))
    b = _calendar(profile, store, now_chicago).free_slots(now_chicago, now_chicago + timedelta(days=2))
    assert [s.start for s in a] == [s.start for s in b]


def test_a_booked_slot_is_no_longer_free(profile, store):
    now = datetime(2026, 12, 1, 9, 30, tzinfo=CHICAGO)
    calendar = _calendar(profile, store, now)
    first = calendar.free_slots(now, now + timedelta(days=1))[0]
    contact = store.upsert_contact("web", "a", name=None, phone=None, at=now)
    conversation = store.open_conversation(contact.id, "web", now)
    calendar.book(first, slot_id=first.id_in(CHICAGO), conversation_id=conversation.id, contact_id=contact.id, at=now)
    assert first not in calendar.free_slots(now, now + timedelta(days=1))


def test_slot_labels_read_like_a_person_says_them():
    assert slot_label(datetime(2026, 12, 2, 16, 0, tzinfo=UTC), CHICAGO) == "Wednesday, Dec 2 at 10:00 AM"


def test_no_slots_on_the_businesss_closed_dates(profile, store):
    now = datetime(2026, 11, 25, 8, 0, tzinfo=CHICAGO)  # the day before Thanksgiving
    slots = _calendar(profile, store, now).free_slots(now, now + timedelta(days=4))
    days = {s.start.astimezone(CHICAGO).date().isoformat() for s in slots}
    assert "2026-11-25" in days and "2026-11-28" in days
    assert "2026-11-26" not in days and "2026-11-27" not in days
