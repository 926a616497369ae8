"""Understanding which offered slot a lead means: "the second one", "Tuesday at 10", "2pm"."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from ava_core.state import SlotView

_ORDINALS = {
    "first": 0, "1st": 0, "one": 0, "second": 1, "2nd": 1, "two": 1, "third": 2, "3rd": 2, "three": 2,
    "fourth": 3, "4th": 3, "four": 3, "fifth": 4, "5th": 4, "five": 4,
}
_WEEKDAYS = {
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "weds": 2, "wednesday": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4, "sat": 5, "saturday": 5,
    "sun": 6, "sunday": 6,
}
_TIME = re.compile(r"\b(?:at\s+)?(\d{1,2})(?::(\d{2}))?\s*(a\.?m\.?|p\.?m\.?)?(?=\W|$)", re.I)


def wanted_day(text: str, now: datetime) -> datetime | None:
    """The date a lead names ("thursday", "tomorrow"), as midnight in ``now``'s zone."""
    lowered = text.casefold()
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if re.search(r"\btomorrow\b", lowered):
        return start + timedelta(days=1)
    if re.search(r"\btoday\b", lowered):
        return start
    for word, weekday in _WEEKDAYS.items():
        if re.search(rf"\b{word}\b", lowered):
            ahead = (weekday - now.weekday()) % 7
            return start + timedelta(days=ahead)
    return None


def choose_slot(text: str, slots: list[SlotView], now: datetime) -> SlotView | None:
    """The one offered slot ``text`` points at, or None when it names none or several."""
    if not slots:
        return None
    lowered = text.casefold().strip()
    bare = re.fullmatch(r"(?:#|no\.?\s*|number\s+|option\s+)?([1-9])[.!)]?", lowered)
    if bare:
        index = int(bare.group(1)) - 1
        return slots[index] if index < len(slots) else None
    if re.search(r"\b(last one|the last|latest one)\b", lowered):
        return slots[-1]
    ordinal = re.search(r"\b(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th)\b", lowered) or re.search(
        r"\b(?:option|number|#)\s*([1-9])\b", lowered
    ) or re.search(r"\bthe (one|two|three) ", lowered)
    candidates = list(slots)
    narrowed = False
    day = wanted_day(lowered, now)
    if day is not None:
        candidates = [s for s in candidates if s.start.astimezone(now.tzinfo).date() == day.date()]
        narrowed = True
    hour = _hour(lowered)
    if hour is not None:
        h, m, meridiem = hour
        hours = {h % 12 + 12} if meridiem == "pm" else {h % 12} if meridiem == "am" else {h, (h + 12) % 24}
        candidates = [
            s for s in candidates
            if s.start.astimezone(now.tzinfo).hour in hours and (m is None or s.start.astimezone(now.tzinfo).minute == m)
        ]
        on_the_hour = [s for s in candidates if s.start.astimezone(now.tzinfo).minute == 0]
        if m is None and len(candidates) > 1 and len(on_the_hour) == 1:
            candidates = on_the_hour  # "at 10" means 10:00, not 10:30
        narrowed = True
    if "morning" in lowered:
        candidates = [s for s in candidates if s.start.astimezone(now.tzinfo).hour < 12]
        narrowed = True
    if "afternoon" in lowered:
        candidates = [s for s in candidates if s.start.astimezone(now.tzinfo).hour >= 12]
        narrowed = True
    if narrowed:
        return candidates[0] if len(candidates) == 1 else None
    if ordinal:
        word = ordinal.group(1)
        index = int(word) - 1 if word.isdigit() else _ORDINALS[word]
        return slots[index] if index < len(slots) else None
    return None


def _hour(text: str) -> tuple[int, int | None, str | None] | None:
    for match in _TIME.finditer(text):
        h = int(match.group(1))
        minutes = int(match.group(2)) if match.group(2) else None
        meridiem = (match.group(3) or "").replace(".", "").lower() or None
        preceded_by_at = match.group(0).lower().startswith("at")
        alone = re.fullmatch(r"\s*(?:at\s+)?\d{1,2}\s*(?:ish|o'?clock)?\s*[.!]?\s*", text) is not None
        if 1 <= h <= 12 and (meridiem or minutes is not None or preceded_by_at or alone):
            return h, minutes, meridiem
        if 13 <= h <= 23 and minutes is not None:
            return h, minutes, None
    return None
