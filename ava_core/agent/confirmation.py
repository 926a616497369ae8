"""The booking confirmation a turn still owes the lead when it ends in the engine's hand-off.

A booking is made by a tool, but the lead hears of it only in the reply that follows. When
that reply never comes (the model failed, kept misbehaving, or ran out of steps), the engine
says it instead: the ``confirmation`` the booking tools put in their results.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

BOOKING_TOOLS = ("book_appointment", "send_meeting_link")


def owed_confirmation(trace: Iterable[Any]) -> str | None:
    """The newest confirmation a booking tool gave in this turn, if the turn booked or linked.

    ``trace`` is the turn's events; a tool event's ``result`` is the tool's result as a dict
    (``{"ok": …, "data": {…}}``). A failed link still carries what the lead must hear.
    """
    owed = None
    for event in trace:
        if getattr(event, "kind", None) != "tool" or event.name not in BOOKING_TOOLS:
            continue
        data = (event.result or {}).get("data") or {}
        if data.get("confirmation"):
            owed = data["confirmation"]
    return owed
