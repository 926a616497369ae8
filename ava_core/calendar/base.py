"""The ``Calendar`` seam: free slots in a range; book a slot idempotently; cancel; move a booking."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime
from pydantic import BaseModel

from ava_core.store import Appointment


class Slot(BaseModel):
    start: datetime
    end: datetime

    def id_in(self, tz: ZoneInfo) -> str:
        """The slot's id: its start in ISO 8601 with the business's UTC offset."""
        return self.start.astimezone(tz).isoformat()


class Calendar(Protocol):
    name: str

    def free_slots(self, start: datetime, end: datetime) -> list[Slot]:
        """Bookable slots starting inside [start, end), in time order."""
        ...

    def book(self, slot: Slot, *, slot_id: str, conversation_id: int, contact_id: int, at: datetime) -> tuple[Appointment, bool]:
        """Book the slot; (appointment, created). Booking the same slot again for the same
        conversation returns the existing appointment. Raises SlotTaken when it is gone."""
        ...

    def cancel(self, appointment: Appointment, *, at: datetime, reason: str | None = None) -> bool:
        """Cancel the appointment; False when it was already cancelled (a retry changes nothing)."""
        ...

    def reschedule(self, appointment: Appointment, slot: Slot, *, slot_id: str, at: datetime) -> Appointment:
        """Move the appointment to ``slot``; returns the booking at the new time (the old one stays,
        cancelled, pointing at it). Moving it there again returns that booking. Raises SlotTaken
        when the slot is gone, and then the appointment stays where it was."""
        ...


def slot_label(start: datetime, tz: ZoneInfo, *, now: datetime | None = None, language: str = "en") -> str:
    """How a person would say the slot: 'Tuesday, Dec 1 at 10:00 AM'; with ``now``, today's and
    tomorrow's slots by those words ('tomorrow at 9:00 AM'). Other languages are babel-formatted
    so dateparser reads them back ('miércoles 2 de diciembre a las 9:00', 'mañana a las 9:00')."""
    local = start.astimezone(tz)
    ahead = (local.date() - now.astimezone(tz).date()).days if now is not None else None
    relative = _relative_day(ahead, language) if ahead in (0, 1) else None
    if language == "en":
        hour = local.strftime("%I:%M %p").lstrip("0")
        return f"{relative or f'{local:%A}, {local:%b} {local.day}'} at {hour}"
    time = format_datetime(local, "'a las' H:mm", locale=language)
    if relative:
        return f"{relative} {time}"
    return format_datetime(local, "EEEE d 'de' MMMM", locale=language) + f" {time}"


def short_slot_label(start: datetime, tz: ZoneInfo, language: str = "en") -> str:
    """A slot in at most 20 characters, WhatsApp's limit for a reply button: 'Wed Dec 2, 9:00 AM'."""
    local = start.astimezone(tz)
    if language != "en":
        return format_datetime(local, "EEE d MMM, H:mm", locale=language)
    return f"{local:%a %b} {local.day}, {local.hour % 12 or 12}:{local:%M %p}"


def _relative_day(ahead: int, language: str) -> str:
    """'today' / 'tomorrow' in the language, from the CLDR data babel ships."""
    return Locale.parse(language)._data["date_fields"]["day"]["relative"][ahead]
