"""The offline ``Calendar``: the profile's working hours minus appointments booked in SQLite."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ava_core.calendar.base import Slot
from ava_core.clock import Clock
from ava_core.profile.models import Booking
from ava_core.store import Appointment, Store


class LocalCalendar:
    name = "local"

    def __init__(self, booking: Booking, tz: ZoneInfo, store: Store, clock: Clock):
        self._booking = booking
        self._tz = tz
        self._store = store
        self._clock = clock

    def free_slots(self, start: datetime, end: datetime) -> list[Slot]:
        now = self._clock.now()
        earliest = max(start, now + timedelta(hours=self._booking.min_notice_hours))
        latest = min(end, now + timedelta(days=self._booking.days_ahead))
        if earliest >= latest:
            return []
        busy = self._store.booked_between(self.name, earliest, latest + timedelta(minutes=self._booking.meeting_minutes))
        slots = []
        for slot in working_slots(self._booking, self._tz, earliest.astimezone(self._tz).date(),
                                  latest.astimezone(self._tz).date()):
            if slot.start < earliest or slot.start >= latest:
                continue
            if any(b_start < slot.end and b_end > slot.start for b_start, b_end in busy):
                continue
            slots.append(slot)
        return slots

    def book(self, slot: Slot, *, slot_id: str, conversation_id: int, contact_id: int, at: datetime) -> tuple[Appointment, bool]:
        return self._store.book_appointment(
            conversation_id=conversation_id, contact_id=contact_id, calendar=self.name, slot_id=slot_id,
            start=slot.start, end=slot.end, at=at,
        )

    def cancel(self, appointment: Appointment, *, at: datetime, reason: str | None = None) -> bool:
        return self._store.cancel_appointment(appointment.id, at=at, reason=reason)

    def reschedule(self, appointment: Appointment, slot: Slot, *, slot_id: str, at: datetime) -> Appointment:
        # The store moves it in one transaction and refuses a slot another booking holds.
        moved, _ = self._store.move_appointment(appointment.id, slot_id=slot_id, start=slot.start, end=slot.end,
                                                at=at)
        return moved


def working_slots(booking: Booking, tz: ZoneInfo, first: date, last: date) -> list[Slot]:
    """Every meeting-length slot inside working hours, from ``first`` to ``last`` (local dates).

    Wall-clock times are built in the business's zone, so a DST change moves the UTC offset,
    not the hours the team works. A local time that does not exist (spring forward) is skipped.
    """
    length = timedelta(minutes=booking.meeting_minutes)
    slots: list[Slot] = []
    day = first
    closed = set(booking.closed_dates)
    while day <= last:
        for open_at, close_at in [] if day in closed else booking.ranges(day.weekday()):
            cursor = datetime.combine(day, open_at)
            closing = datetime.combine(day, close_at)
            while cursor + length <= closing:
                start = cursor.replace(tzinfo=tz)
                if _exists(start, tz):
                    slots.append(Slot(start=start, end=start + length))
                cursor += length
        day += timedelta(days=1)
    return slots


def _exists(local: datetime, tz: ZoneInfo) -> bool:
    round_trip = local.astimezone(ZoneInfo("UTC")).astimezone(tz)
    return round_trip.replace(tzinfo=None) == local.replace(tzinfo=None)
