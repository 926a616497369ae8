"""Calendars behind the ``Calendar`` seam."""

from ava_core.calendar.base import Calendar, Slot, short_slot_label, slot_label
from ava_core.calendar.local import LocalCalendar, working_slots

__all__ = ["Calendar", "LocalCalendar", "Slot", "short_slot_label", "slot_label", "working_slots"]
