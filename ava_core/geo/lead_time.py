"""Times shown to a lead who lives in another time zone than the business."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_time

from ava_core.language.phrases import said
from ava_core.store import Store


def lead_zone(store: Store, conversation_id: int) -> ZoneInfo | None:
    """The time zone of the place the lead gave, when a geocoder found one."""
    place = store.area_place(conversation_id)
    name = place and place.get("timezone")
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def in_lead_time(label: str, start: datetime, business: ZoneInfo, lead: ZoneInfo | None, language: str = "en") -> str:
    """The business's label, plus the lead's own clock time when their zone differs at that
    moment, said in ``language``: "… (8:00 AM your time, MST)", "… (8:00 en su hora, MST)"."""
    if lead is None or start.astimezone(lead).utcoffset() == start.astimezone(business).utcoffset():
        return label
    local = start.astimezone(lead)
    lines = said(language)
    return lines.lead_time.format(label=label, time=format_time(local, lines.clock, locale=language),
                                  zone=local.tzname() or str(lead))
