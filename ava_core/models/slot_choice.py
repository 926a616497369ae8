"""Understanding times a lead names: "the second one", "Tuesday at 10", "next tuesday
afternoon", "Dec 10 at 9", "can we do 2:30?", "after 3", "mornings are hard", "next week",
"el jueves a las 9" — against the slots offered, or as a window to search the calendar in.

A list position only counts when the message is a choice ("the first one", "2", "option 3"):
"I need to talk to my wife first" and "hold on one second" hold ordinals but choose nothing.
Day names and "today"/"tomorrow" come from babel's locale data, so every language the
business serves is read the same way.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache

import dateparser
from babel import Locale

from ava_core.state import SlotView

# Ordinals per language: how a lead points at a place in the list AVA sent.
_ORDINALS = {
    "en": {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3,
           "fifth": 4, "5th": 4, "last": -1},
    "es": {"primera": 0, "primero": 0, "primer": 0, "1a": 0, "1ª": 0, "1º": 0, "segunda": 1, "segundo": 1,
           "2a": 1, "2ª": 1, "tercera": 2, "tercero": 2, "3a": 2, "3ª": 2, "cuarta": 3, "quinta": 4,
           "ultima": -1, "ultimo": -1},
}
# Words around an ordinal that make it a reference to the list: "the second one", "la primera opción".
_POINTERS_BEFORE = {"the", "la", "el", "lo", "option", "number", "opcion", "numero", "#"}
_POINTERS_AFTER = {"one", "option", "slot", "time", "choice", "please", "opcion", "hora", "por", "works",
                   "sounds", "is", "es", "de"}
_EN_WEEKDAYS = {"tues": 1, "weds": 2, "thur": 3, "thurs": 3}
_TIME = re.compile(r"\b(?:at\s+|a\s+las\s+)?(\d{1,2})(?::(\d{2}))?\s*(a\.?\s?m\.?|p\.?\s?m\.?)?(?=\W|$)", re.I)
_NUMERIC_DATE = re.compile(r"\b\d{1,2}/\d{1,2}\b")
_PARTS = {"morning": "morning", "mornings": "morning", "afternoon": "afternoon", "afternoons": "afternoon",
          "evening": "evening", "evenings": "evening", "tonight": "evening", "night": "evening",
          "after work": "evening", "tarde": "afternoon", "tardes": "afternoon", "noche": "evening",
          "mananas": "morning"}
_SPANISH_MORNING = re.compile(r"\b(por|en|de|las?)\s+(la\s+)?manana", re.I)
# A part of the day said to be bad: "mornings are hard", "afternoons don't work", "no puedo en la tarde".
_BAD_PART = re.compile(
    r"\b(morning|afternoon|evening)s?\s+(are|is|r)?\s*(hard|bad|tough|difficult|no good|impossible|busy|out)\b"
    r"|\b(morning|afternoon|evening)s?\s+(don'?t|doesn'?t|do not|won'?t|never)\s+work\b"
    r"|\b(can'?t|cannot|not)\s+(do\s+)?(in the\s+)?(morning|afternoon|evening)s?\b"
    r"|\bno\s+(puedo|me\s+sirve)\w*\s+(en|por)\s+la\s+(manana|tarde|noche)",
    re.I,
)
_OPPOSITE = {"morning": "afternoon", "afternoon": "morning", "evening": "morning",
             "manana": "afternoon", "tarde": "morning", "noche": "morning"}
_AFTER = re.compile(r"\b(after|from|past|despues de las|desde las)\s+(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\b", re.I)
_BEFORE = re.compile(r"\b(before|until|antes de las)\s+(\d{1,2}|noon)(?::(\d{2}))?\s*(am|pm)?\b", re.I)
_NEXT_WEEK = re.compile(r"\b(next week|la (semana|proxima semana) que viene|la proxima semana|la otra semana)\b",
                        re.I)


@dataclass(frozen=True)
class TimeRequest:
    """What a lead's message says about when: any of a day, a time, a part of day, a list
    position, a window ("after 3", "before noon") or a week."""

    day: date | None = None
    hour: int | None = None  # 0-23 when am/pm is known, else 1-12 with ``meridiem`` None
    minute: int | None = None
    meridiem: str | None = None
    part: str | None = None  # morning | afternoon | evening
    position: int | None = None  # 0-based index into the offered list
    earliest: str | None = None  # HH:MM, "after 3"
    latest: str | None = None  # HH:MM, "before noon"
    week: date | None = None  # the Monday of the week asked for
    pointed: bool = False  # "the Wednesday one": a day or time picked from the list

    @property
    def empty(self) -> bool:
        return self == TimeRequest()

    @property
    def exact(self) -> bool:
        """Names one slot outright (a list position, a clock time, "the Wednesday one"), not just a preference."""
        return self.position is not None or self.hour is not None or self.pointed

    def hours(self) -> set[int]:
        if self.hour is None:
            return set()
        if self.meridiem == "pm":
            return {self.hour % 12 + 12}
        if self.meridiem == "am":
            return {self.hour % 12}
        # Without am/pm, business sense: 1-6 are afternoon, 7-12 morning.
        return {self.hour % 12 + 12} if 1 <= self.hour <= 6 else {self.hour % 24}


def list_position(text: str, language: str = "en") -> int | None:
    """The place in a list AVA sent that a reply points at ("2", "the second one", "la primera",
    "option 3"; -1 for "the last"), or None when it points at none."""
    lowered = _fold(" ".join(text.casefold().split()))
    bare = re.fullmatch(_BARE_POSITION, lowered)
    return int(bare.group(1)) - 1 if bare else _position(lowered, language)


_BARE_POSITION = r"(?:#|no\.?\s*|number\s+|option\s+|opcion\s+|la\s+|el\s+)?([1-9])[.!)]?"


def parse_request(text: str, now: datetime, language: str = "en") -> TimeRequest:
    lowered = _fold(" ".join(text.casefold().split()))
    bare = re.fullmatch(_BARE_POSITION, lowered)
    if bare:
        return TimeRequest(position=int(bare.group(1)) - 1)
    position = _position(lowered, language)
    part = _part(lowered)
    earliest = latest = None
    if bad := _BAD_PART.search(lowered):
        said = next(g for g in bad.groups() if g in _OPPOSITE)
        part = _OPPOSITE[said]
    if after := _AFTER.search(lowered):
        earliest = f"{_hour24(int(after.group(2)), after.group(4)):02d}:{int(after.group(3) or 0):02d}"
    if before := _BEFORE.search(lowered):
        until = 12 if before.group(2) == "noon" else _hour24(int(before.group(2)), before.group(4))
        latest = f"{until:02d}:{int(before.group(3) or 0):02d}"
    week = None
    if _NEXT_WEEK.search(lowered):
        week = now.date() + timedelta(days=7 - now.weekday())
    windowless = _AFTER.sub(" ", _BEFORE.sub(" ", lowered))
    clock = _clock(windowless)
    hour, minute, meridiem = clock if clock else (None, None, None)
    return TimeRequest(day=_day(lowered, now, language), hour=hour, minute=minute, meridiem=meridiem, part=part,
                       position=position, earliest=earliest, latest=latest, week=week,
                       pointed=bool(re.search(r"\bthe \w+ (one|slot|option)\b|\b(el|la) del\b", lowered)))


def choose_slot(text: str, slots: list[SlotView], now: datetime, language: str = "en") -> SlotView | None:
    """The one offered slot ``text`` points at, or None when it names none or several."""
    return match_offered(parse_request(text, now, language), slots, now)


def match_offered(request: TimeRequest, slots: list[SlotView], now: datetime) -> SlotView | None:
    if not slots or request.empty:
        return None
    local = [(s, s.start.astimezone(now.tzinfo)) for s in slots]
    candidates = local
    if request.day is not None:
        candidates = [(s, t) for s, t in candidates if t.date() == request.day]
    if request.week is not None:
        candidates = [(s, t) for s, t in candidates if 0 <= (t.date() - request.week).days < 7]
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
    if request.earliest is not None:
        candidates = [(s, t) for s, t in candidates if f"{t:%H:%M}" >= request.earliest]
    if request.latest is not None:
        candidates = [(s, t) for s, t in candidates if f"{t:%H:%M}" < request.latest]
    constrained = (request.day, request.hour, request.part, request.week, request.earliest, request.latest)
    if any(c is not None for c in constrained):
        if request.position is not None and -len(candidates) <= request.position < len(candidates):
            return candidates[request.position][0]  # "the first one on Wednesday"
        return candidates[0][0] if len(candidates) == 1 else None
    if request.position is not None and -len(slots) <= request.position < len(slots):
        return slots[request.position]
    return None


def search_args(request: TimeRequest, now: datetime) -> dict[str, str] | None:
    """``get_free_slots`` arguments for what the lead asked, when no offered slot fits it."""
    if (request.day is None and request.hour is None and request.part is None and request.week is None
            and request.earliest is None and request.latest is None):
        return None
    args: dict[str, str] = {}
    day = request.day
    if day is None and request.hour is not None:
        # A bare time ("can we do 2:30?") means the next day it can still happen.
        asked = datetime.combine(now.date(), time(min(request.hours()), request.minute or 0), now.tzinfo)
        day = now.date() if asked > now else now.date() + timedelta(days=1)
    if day is not None:
        args["from"] = args["to"] = day.isoformat()
    elif request.week is not None:
        args["from"] = request.week.isoformat()
        args["to"] = (request.week + timedelta(days=6)).isoformat()
    if request.hour is not None:
        hour = min(request.hours())
        args["earliest"] = f"{hour:02d}:{request.minute or 0:02d}"
        args["latest"] = f"{hour:02d}:{(request.minute or 0) + 1:02d}"
        return args
    if request.part == "morning":
        args["latest"] = "12:00"
    elif request.part == "afternoon":
        args["earliest"] = "12:00"
    elif request.part == "evening":
        args["earliest"] = "17:00"
    if request.earliest is not None:
        args["earliest"] = max(args.get("earliest", "00:00"), request.earliest)
    if request.latest is not None:
        args["latest"] = min(args.get("latest", "23:59"), request.latest)
    return args


def _position(lowered: str, language: str) -> int | None:
    """The list position a choice names; None when the ordinal is not pointing at the list
    ("I have two questions first", "hold on one second")."""
    words = re.findall(r"[#\w]+", lowered)
    ordinals = {**_ORDINALS["en"], **_ORDINALS.get(language, {})}
    for i, word in enumerate(words):
        if word not in ordinals:
            continue
        before = words[i - 1] if i else ""
        after = words[i + 1] if i + 1 < len(words) else ""
        if before in _POINTERS_BEFORE or after in _POINTERS_AFTER or len(words) <= 2:
            return ordinals[word]
    if found := re.search(r"\b(?:option|number|opcion|numero|#)\s*([1-9])\b", lowered):
        return int(found.group(1)) - 1
    if found := re.search(r"\bthe (two|three) (one|option)\b", lowered):
        return {"two": 1, "three": 2}[found.group(1)]
    return None


def _part(lowered: str) -> str | None:
    if _SPANISH_MORNING.search(lowered):
        return "morning"
    return next((part for word, part in _PARTS.items() if re.search(rf"\b{word}\b", lowered)), None)


@cache
def _day_words(language: str) -> tuple[dict[str, int], dict[str, int]]:
    """Weekday names (wide and short) and relative day words ("today", "mañana"), folded, from babel."""
    weekdays: dict[str, int] = dict(_EN_WEEKDAYS)
    relative: dict[str, int] = {}
    for code in dict.fromkeys(("en", language)):
        locale = Locale.parse(code)
        for width in ("wide", "abbreviated"):
            for index, name in locale.days["format"][width].items():
                weekdays[_fold(name.casefold().rstrip("."))] = index
        for offset, word in locale._data["date_fields"]["day"]["relative"].items():
            if offset in (0, 1):
                relative[_fold(word.casefold())] = offset
    return weekdays, relative


def _day(lowered: str, now: datetime, language: str) -> date | None:
    today = now.date()
    weekdays, relative = _day_words(language)
    spanish_morning = _SPANISH_MORNING.sub(" ", lowered)  # "por la mañana" is a part of day, not tomorrow
    for word, offset in relative.items():
        if re.search(rf"\b{re.escape(word)}\b", spanish_morning):
            return today + timedelta(days=offset)
    if re.search(r"\b(tmrw|tmr|tomorow|tommorow|tommorrow)\b", lowered):
        return today + timedelta(days=1)
    if (explicit := _explicit_date(lowered, now, language)) is not None:
        return explicit
    for word, weekday in sorted(weekdays.items(), key=lambda item: -len(item[0])):
        if len(word) < 3:
            continue
        if found := re.search(rf"\b(next\s+|el\s+proximo\s+)?{re.escape(word)}\b", lowered):
            ahead = (weekday - today.weekday()) % 7
            if found.group(1) and ahead == 0:
                ahead = 7  # "next tuesday" on a Tuesday is a week away
            return today + timedelta(days=ahead)
    return None


def _explicit_date(lowered: str, now: datetime, language: str) -> date | None:
    """A calendar date the lead wrote ("Dec 10", "december 10th", "10 de diciembre", "12/10"),
    read by dateparser in the lead's language: the next such date from today."""
    languages = list(dict.fromkeys(("en", language)))
    for fragment in _date_pattern(language).finditer(lowered):
        parsed = dateparser.parse(fragment.group(0), languages=languages, settings={
            # dateparser's "future" is strictly after the base: from the last second of yesterday,
            # a date naming today is today (a tapped "Tue Dec 1, 1:00 PM"), not next year.
            "PREFER_DATES_FROM": "future",
            "RELATIVE_BASE": datetime.combine(now.date(), time.min) - timedelta(seconds=1),
            "REQUIRE_PARTS": ["day", "month"], "DATE_ORDER": "MDY" if language == "en" else "DMY"})
        if parsed is not None:
            return parsed.date()
    return None


@cache
def _date_pattern(language: str) -> re.Pattern[str]:
    """A day number next to a month name (from babel, in English and ``language``), or a d/m pair."""
    months: set[str] = set()
    for code in dict.fromkeys(("en", language)):
        locale = Locale.parse(code)
        for width in ("wide", "abbreviated"):
            months |= {_fold(m.casefold().rstrip(".")) for m in locale.months["format"][width].values()}
    names = "|".join(sorted((re.escape(m) for m in months), key=len, reverse=True))
    day = r"\d{1,2}(?:st|nd|rd|th)?"
    return re.compile(rf"\b(?:(?:{names})\.?\s+{day}|{day}\s+(?:de\s+)?(?:{names}))(?!\w)|{_NUMERIC_DATE.pattern}")


def _hour24(hour: int, meridiem: str | None) -> int:
    if meridiem == "pm" or (meridiem is None and 1 <= hour <= 6):
        return hour % 12 + 12
    return hour % 12 if meridiem == "am" else hour


def _clock(text: str) -> tuple[int, int | None, str | None] | None:
    alone = re.fullmatch(r"\s*(?:at\s+)?\d{1,2}(?::\d{2})?\s*(?:ish|o'?clock)?\s*[.!?]?\s*", text) is not None
    for match in _TIME.finditer(_date_pattern("es").sub(" ", text)):
        h = int(match.group(1))
        minutes = int(match.group(2)) if match.group(2) else None
        meridiem = re.sub(r"[.\s]", "", match.group(3) or "").lower() or None
        head = match.group(0).lower()
        preceded_by_at = head.startswith("at") or head.startswith("a las")
        asks = re.search(r"\b(do|at|around|by|about|las)\s*$", text[: match.start()]) is not None
        if 1 <= h <= 12 and (meridiem or minutes is not None or preceded_by_at or alone or asks):
            return h, minutes, meridiem
        if 13 <= h <= 23 and (minutes is not None or preceded_by_at or asks):
            return h, minutes, "pm"
    return None


def _fold(text: str) -> str:
    """Accents off ("miércoles" → "miercoles", "mañana" → "manana"): leads often type without them."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
