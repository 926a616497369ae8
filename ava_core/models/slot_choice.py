"""Understanding times a lead names: "the second one", "Tuesday at 10", "next tuesday
afternoon", "Dec 10 at 9", "can we do 2:30?" — against the slots offered, or as a window to
search the calendar in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

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
_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
_TIME = re.compile(r"\b(?:at\s+)?(\d{1,2})(?::(\d{2}))?\s*(a\.?m\.?|p\.?m\.?)?(?=\W|$)", re.I)
_MONTH_DAY = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b", re.I)
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})\b")


@dataclass(frozen=True)
class TimeRequest:
    """What a lead's message says about when: any of a day, a time, a part of day, a list position."""

    day: date | None = None
    hour: int | None = None  # 0-23 when am/pm is known, else 1-12 with ``meridiem`` None
    minute: int | None = None
    meridiem: str | None = None
    part: str | None = None  # morning | afternoon | evening
    position: int | None = None  # 0-based index into the offered list

    @property
    def empty(self) -> bool:
        return self == TimeRequest()

    @property
    def exact(self) -> bool:
        """Names one slot outright (a list position or a clock time), not just a preference."""
        return self.position is not None or self.hour is not None

    def hours(self) -> set[int]:
        if self.hour is None:
            return set()
        if self.meridiem == "pm":
            return {self.hour % 12 + 12}
        if self.meridiem == "am":
            return {self.hour % 12}
        # Without am/pm, business sense: 1-6 are afternoon, 7-12 morning.
        return {self.hour % 12 + 12} if 1 <= self.hour <= 6 else {self.hour % 24}


def parse_request(text: str, now: datetime) -> TimeRequest:
    lowered = " ".join(text.casefold().split())
    bare = re.fullmatch(r"(?:#|no\.?\s*|number\s+|option\s+)?([1-9])[.!)]?", lowered)
    if bare:
        return TimeRequest(position=int(bare.group(1)) - 1)
    position = None
    if re.search(r"\b(last one|the last|latest one)\b", lowered):
        position = -1
    elif ordinal := (re.search(r"\b(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th)\b", lowered)
                     or re.search(r"\b(?:option|number|#)\s*([1-9])\b", lowered)
                     or re.search(r"\bthe (one|two|three) ", lowered)):
        word = ordinal.group(1)
        position = int(word) - 1 if word.isdigit() else _ORDINALS[word]
    part = next((p for p in ("morning", "afternoon", "evening") if p in lowered), None)
    if part is None and re.search(r"\b(tonight|after work|night)\b", lowered):
        part = "evening"
    clock = _clock(lowered)
    hour, minute, meridiem = clock if clock else (None, None, None)
    return TimeRequest(day=_day(lowered, now), hour=hour, minute=minute, meridiem=meridiem, part=part,
                       position=position)


def choose_slot(text: str, slots: list[SlotView], now: datetime) -> SlotView | None:
    """The one offered slot ``text`` points at, or None when it names none or several."""
    return match_offered(parse_request(text, now), slots, now)


def match_offered(request: TimeRequest, slots: list[SlotView], now: datetime) -> SlotView | None:
    if not slots or request.empty:
        return None
    local = [(s, s.start.astimezone(now.tzinfo)) for s in slots]
    candidates = local
    if request.day is not None:
        candidates = [(s, t) for s, t in candidates if t.date() == request.day]
    if request.hour is not None:
        hours = request.hours() if request.meridiem else {request.hour % 12, request.hour % 12 + 12}
        candidates = [(s, t) for s, t in candidates
                      if t.hour in hours and (request.minute is None or t.minute == request.minute)]
        on_the_hour = [(s, t) for s, t in candidates if t.minute == 0]
        if request.minute is None and len(candidates) > 1 and len(on_the_hour) == 1:
            candidates = on_the_hour  # "at 10" means 10:00, not 10:30
    if request.part == "morning":
        candidates = [(s, t) for s, t in candidates if t.hour < 12]
    elif request.part == "afternoon":
        candidates = [(s, t) for s, t in candidates if 12 <= t.hour < 17]
    elif request.part == "evening":
        candidates = [(s, t) for s, t in candidates if t.hour >= 17]
    if request.day is not None or request.hour is not None or request.part is not None:
        return candidates[0][0] if len(candidates) == 1 else None
    if request.position is not None and -len(slots) <= request.position < len(slots):
        return slots[request.position]
    return None


def search_args(request: TimeRequest, now: datetime) -> dict[str, str] | None:
    """``get_free_slots`` arguments for what the lead asked, when no offered slot fits it."""
    if request.day is None and request.hour is None and request.part is None:
        return None
    args: dict[str, str] = {}
    day = request.day
    if day is None and request.hour is not None:
        # A bare time ("can we do 2:30?") means the next day it can still happen.
        asked = datetime.combine(now.date(), time(min(request.hours()), request.minute or 0), now.tzinfo)
        day = now.date() if asked > now else now.date() + timedelta(days=1)
    if day is not None:
        args["from"] = args["to"] = day.isoformat()
    if request.hour is not None:
        hour = min(request.hours())
        args["earliest"] = f"{hour:02d}:{request.minute or 0:02d}"
        args["latest"] = f"{hour:02d}:{(request.minute or 0) + 1:02d}"
    elif request.part == "morning":
        args["latest"] = "12:00"
    elif request.part == "afternoon":
        args["earliest"] = "12:00"
    elif request.part == "evening":
        args["earliest"] = "17:00"
    return args


def _day(lowered: str, now: datetime) -> date | None:
    today = now.date()
    if re.search(r"\btomorrow\b", lowered):
        return today + timedelta(days=1)
    if re.search(r"\btoday\b", lowered):
        return today
    if found := _MONTH_DAY.search(lowered):
        return _next_date(today, _MONTHS[found.group(1)[:3]], int(found.group(2)))
    if found := _NUMERIC_DATE.search(lowered):
        return _next_date(today, int(found.group(1)), int(found.group(2)))
    for word, weekday in _WEEKDAYS.items():
        if found := re.search(rf"\b(next\s+)?{word}\b", lowered):
            ahead = (weekday - today.weekday()) % 7
            if found.group(1) and ahead == 0:
                ahead = 7  # "next tuesday" on a Tuesday is a week away
            return today + timedelta(days=ahead)
    return None


def _next_date(today: date, month: int, day: int) -> date | None:
    for year in (today.year, today.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            return None
        if candidate >= today:
            return candidate
    return None


def _clock(text: str) -> tuple[int, int | None, str | None] | None:
    alone = re.fullmatch(r"\s*(?:at\s+)?\d{1,2}(?::\d{2})?\s*(?:ish|o'?clock)?\s*[.!?]?\s*", text) is not None
    for match in _TIME.finditer(_NUMERIC_DATE.sub(" ", _MONTH_DAY.sub(" ", text))):
        h = int(match.group(1))
        minutes = int(match.group(2)) if match.group(2) else None
        meridiem = (match.group(3) or "").replace(".", "").lower() or None
        preceded_by_at = match.group(0).lower().startswith("at")
        asks = re.search(r"\b(do|at|around|by|about)\s*$", text[: match.start()]) is not None
        if 1 <= h <= 12 and (meridiem or minutes is not None or preceded_by_at or alone or asks):
            return h, minutes, meridiem
        if 13 <= h <= 23 and minutes is not None:
            return h, minutes, "pm" if h >= 12 else None
    return None
