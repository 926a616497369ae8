"""GoHighLevel Calendars API as AVA's ``Calendar``: the calendar's free slots, and bookings made
for the lead's GHL contact.

Slot ids stay AVA's (the start in ISO 8601 with the business's offset). A booking is held in
the store before GHL is asked (two AVA conversations never race for one slot) and carries the
GHL appointment id once made; a retry finds that row, or the appointment GHL already has for
the contact at that time, and books nothing twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from loguru import logger

from ava_core.calendar.base import Slot
from ava_core.errors import ChannelError
from ava_core.ghl.http import CALENDARS, CONTACTS, GhlApi, GhlError
from ava_core.profile.models import Booking
from ava_core.store import Appointment, SlotTaken, Store
from ava_core.store.crm import CrmRecords

NAME = "ghl"
MAX_RANGE = timedelta(days=31)  # free-slots: "Date range cannot be more than 31 days"
_DATE_KEY = re.compile(r"^\d{4}-\d{2}-\d{2}$")  # real answers also carry traceId and the like
_CANCELLED = {"cancelled", "invalid"}


class GhlCalendar:
    name = NAME

    def __init__(self, api: GhlApi, *, calendar_id: str, booking: Booking, tz: ZoneInfo, store: Store,
                 contact_of: Callable[[int], str | None]):
        """``contact_of`` gives the GHL contact id of an AVA contact (None: not in GHL)."""
        self._api = api
        self._calendar_id = calendar_id
        self._booking = booking
        self._tz = tz
        self._store = store
        self._contact_of = contact_of
        self._calendar_link: str | None = None
        self._calendar_read = False  # the calendar's meeting location is read once, when first needed

    # --- the Calendar seam --------------------------------------------------------------------

    def free_slots(self, start: datetime, end: datetime) -> list[Slot]:
        """The calendar's free slots starting in [start, end), asked in the business's time zone."""
        length = timedelta(minutes=self._booking.meeting_minutes)
        found: dict[datetime, Slot] = {}
        cursor = start
        while cursor < end:
            until = min(end, cursor + MAX_RANGE)
            data = self._api.request("GET", f"/calendars/{self._calendar_id}/free-slots", version=CALENDARS,
                                     params={"startDate": _ms(cursor), "endDate": _ms(until),
                                             "timezone": self._tz.key},
                                     what="read the calendar's free slots")
            for key, day in data.items():
                if not _DATE_KEY.match(key) or not isinstance(day, dict):
                    continue
                for text in day.get("slots") or []:
                    when = _instant(text)
                    if when is not None and start <= when < end:
                        found[when] = Slot(start=when.astimezone(self._tz), end=when.astimezone(self._tz) + length)
            cursor = until
        return [found[k] for k in sorted(found)]

    def book(self, slot: Slot, *, slot_id: str, conversation_id: int, contact_id: int,
             at: datetime) -> tuple[Appointment, bool]:
        ghl_contact = self._contact_of(contact_id)
        if not ghl_contact:
            raise ChannelError(f"contact {contact_id} has no GoHighLevel contact to book for; turn on "
                               "AVA_GHL_CONTACTS or use AVA_CALENDAR_BACKEND=local")
        held, created = self._store.book_appointment(
            conversation_id=conversation_id, contact_id=contact_id, calendar=self.name, slot_id=slot_id,
            start=slot.start, end=slot.end, at=at)
        if held.external_id:
            return held, False
        event = self._existing(ghl_contact, slot.start)
        fresh = event is None
        if event is None:
            try:
                event = self._create(ghl_contact, slot)
            except GhlError as exc:
                self._store.cancel_appointment(held.id)  # GHL has nothing: free the hold
                if exc.status in (400, 409, 422) and not self._still_free(slot):
                    raise SlotTaken(f"slot {slot_id} was taken in GoHighLevel meanwhile") from None
                raise
        link = self._link(event)
        CrmRecords(self._store).set_appointment_external(held.id, str(event["id"]), link)
        logger.bind(conversation_id=conversation_id).info("GoHighLevel appointment {} booked for {}",
                                                          event["id"], slot_id)
        return self._store.active_appointment(conversation_id) or held, created and fresh

    def cancel(self, appointment: Appointment, *, at: datetime, reason: str | None = None) -> bool:
        """Cancel in GoHighLevel, then in the store (a retry sets GHL's status again, harmlessly)."""
        if appointment.external_id:
            self._api.request("PUT", f"/calendars/events/appointments/{appointment.external_id}", version=CALENDARS,
                              json={"appointmentStatus": "cancelled"}, what="cancel the appointment")
        return self._store.cancel_appointment(appointment.id, at=at, reason=reason)

    def reschedule(self, appointment: Appointment, slot: Slot, *, slot_id: str, at: datetime) -> Appointment:
        """Move a GHL appointment to another free slot. The store moves first, so no other AVA
        conversation can take the slot while GHL is asked; a move GHL refuses is put back."""
        if not appointment.external_id:
            raise ChannelError(f"appointment {appointment.id} was never made in GoHighLevel; book it instead")
        moved, created = self._store.move_appointment(appointment.id, slot_id=slot_id, start=slot.start,
                                                      end=slot.end, at=at, link=appointment.link)
        if moved.id == appointment.id:
            return moved  # it is at that time already
        try:
            event = self._api.request(
                "PUT", f"/calendars/events/appointments/{appointment.external_id}", version=CALENDARS,
                json={"calendarId": self._calendar_id, "startTime": slot.start.astimezone(self._tz).isoformat(),
                      "endTime": slot.end.astimezone(self._tz).isoformat(),
                      # GHL re-checks the slot itself: a slot taken since AVA offered it is refused.
                      "ignoreFreeSlotValidation": False},
                what="reschedule the appointment")
        except GhlError as exc:
            if created:
                self._store.undo_move(moved)
            if exc.status in (400, 409, 422) and not self._still_free(slot):
                raise SlotTaken(f"slot {slot_id} was taken in GoHighLevel meanwhile") from None
            raise
        # A new time may come with a new join URL; otherwise the meeting link stays the same.
        if isinstance(event, dict) and _is_url(event.get("address")) and event["address"] != moved.link:
            self._store.set_appointment_link(moved.id, event["address"])
        logger.bind(conversation_id=moved.conversation_id).info("GoHighLevel appointment {} moved to {}",
                                                                appointment.external_id, slot_id)
        return self._store.active_appointment(moved.conversation_id) or moved

    # --- GHL calls ------------------------------------------------------------------------------

    def _create(self, ghl_contact: str, slot: Slot) -> dict[str, Any]:
        body = {
            "calendarId": self._calendar_id, "locationId": self._api.location_id, "contactId": ghl_contact,
            "startTime": slot.start.astimezone(self._tz).isoformat(),
            "endTime": slot.end.astimezone(self._tz).isoformat(),
            "title": self._booking.meeting_title, "appointmentStatus": "confirmed",
            "description": "Booked by AVA", "toNotify": True,
            # GHL re-checks the slot itself: a slot taken since AVA offered it is refused.
            "ignoreFreeSlotValidation": False,
        }
        return self._api.request("POST", "/calendars/events/appointments", version=CALENDARS, json=body,
                                 what="book the appointment")

    def _existing(self, ghl_contact: str, start: datetime) -> dict[str, Any] | None:
        """The contact's live appointment on this calendar at ``start`` (an earlier attempt made it)."""
        data = self._api.request("GET", f"/contacts/{ghl_contact}/appointments", version=CONTACTS,
                                 what="look for the contact's appointments")
        for event in data.get("events") or []:
            if not isinstance(event, dict) or event.get("calendarId") != self._calendar_id:
                continue
            status = str(event.get("appointmentStatus") or event.get("status") or "").lower()
            if status in _CANCELLED:
                continue
            when = _instant(event.get("startTime"), self._tz)
            if when == start and event.get("id"):
                return event
        return None

    def _still_free(self, slot: Slot) -> bool:
        try:
            return any(s.start == slot.start for s in self.free_slots(slot.start, slot.start + timedelta(minutes=1)))
        except GhlError:
            return True

    def _link(self, event: dict[str, Any]) -> str | None:
        """The join URL GHL puts in the appointment's address, else the calendar's meeting location."""
        if _is_url(event.get("address")):
            return event["address"]
        try:
            fetched = self._api.request("GET", f"/calendars/events/appointments/{event['id']}", version=CALENDARS,
                                        what="read the appointment's meeting link")
        except GhlError as exc:
            logger.warning("no meeting link read for GoHighLevel appointment {}: {}", event["id"], exc)
            fetched = {}
        found = (fetched.get("event") or fetched.get("appointment") or fetched) if isinstance(fetched, dict) else {}
        if _is_url(found.get("address")):
            return found["address"]
        return self.calendar_link()

    def calendar_link(self) -> str | None:
        if not self._calendar_read:
            try:
                data = self._api.request("GET", f"/calendars/{self._calendar_id}", version=CALENDARS,
                                         what="read the calendar")
            except GhlError as exc:
                logger.warning("GoHighLevel calendar not read for its meeting location: {}", exc)
                return None
            where = (data.get("calendar") or {}).get("meetingLocation")
            self._calendar_link = where if isinstance(where, str) and _is_url(where) else None
            self._calendar_read = True
        return self._calendar_link


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _instant(text: Any, tz: ZoneInfo | None = None) -> datetime | None:
    """An ISO time; one without an offset ('2021-07-16 11:00:00', as the events list shows) is local."""
    if not isinstance(text, str):
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=tz or UTC)
    return when


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("https://", "http://"))
