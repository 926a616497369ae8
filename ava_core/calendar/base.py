"""The ``Calendar`` seam: free slots in a range; book a slot idempotently; cancel."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

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

    def cancel(self, appointment: Appointment) -> None:
        ...


def slot_label(start: datetime, tz: ZoneInfo) -> str:
    """How a person would say the slot: 'Tuesday, Dec 1 at 10:00 AM'."""
    local = start.astimezone(tz)
    hour = local.strftime("%I:%M %p").lstrip("0")
    return f"{local:%A}, {local:%b} {local.day} at {hour}"


def short_slot_label(start: datetime, tz: ZoneInfo) -> str:
    """A slot in at most 20 characters, WhatsApp's limit for a reply button: 'Wed Dec 2, 9:00 AM'."""
    local = start.astimezone(tz)
    return f"{local:%a %b} {local.day}, {local.hour % 12 or 12}:{local:%M %p}"
