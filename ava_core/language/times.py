"""The clock times a text mentions, read in the languages a business serves.

``dateparser`` does the reading; this module only narrows what it finds to what can name an
appointment: a clock time ("9:00 AM", "a las 9", "jueves 3 de diciembre, 9:00 a. m."), with
whatever day the same words name (a weekday, a date, "tomorrow"). Numbers that only look like
dates ("a 30-minute call", "25-year warranty", "3-6 weeks") carry no clock time and are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time
from functools import cache, lru_cache

from dateparser.languages.loader import default_loader
from dateparser.search import search_dates

from ava_core.language.phrases import fold, table

# The parser keeps the base's seconds when the text names no time of day, and sets them to
# zero when it does; a base at hh:mm:59.999999 tells the two apart in one parse.
_UNSET_SECOND, _UNSET_MICRO = 59, 999_999
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december")
_DAYS = ("0 day ago", "1 day ago", "in 1 day", "in 2 day")
# What may follow an hour alone for it to be a clock time ("at 9 or 10", "a las 9 del jueves"),
# so that "at 3 months" or "a las 5 personas" stay numbers.
_AFTER_HOUR = r"(?=\s*$|\s*[,.;:!?)]|\s+(?:am|pm|or|o|y|and|on|el|del|de|this|next|today|tomorrow|hoy|mañana)\b)"


@dataclass(frozen=True)
class TimeMention:
    """One clock time a text names, with the day named alongside it, if any."""

    text: str
    at: datetime  # naive, in the business's time zone
    start: int = 0
    end: int = 0
    meridiem: bool = False  # AM/PM given: "9" alone may be 9:00 or 21:00
    weekday: int | None = None  # the weekday named (0 = Monday), read from the words themselves
    date: bool = False  # a date or a day ("Dec 3", "tomorrow") is named: compare it

    def clocks(self) -> set[tuple[int, int]]:
        """The (hour, minute) pairs the words can mean."""
        hour, minute = self.at.hour, self.at.minute
        if self.meridiem or not 1 <= hour <= 11:
            return {(hour, minute)}
        return {(hour, minute), (hour + 12, minute)}


class TimeReader:
    """Reads clock times in a fixed list of languages; build one per list and keep it (see `reader`)."""

    def __init__(self, languages: tuple[str, ...]):
        self.languages = [code for code in languages if code in default_loader.get_locale_map()] or ["en"]
        tables = [table(code).times for code in self.languages]
        meridiem = {k.casefold(): v for t in tables for k, v in t.meridiem.items()}
        self._meridiem = (
            re.compile(r"(?<!\w)(" + "|".join(re.escape(k) for k in sorted(meridiem, key=len, reverse=True)) + r")(?!\w)")
            if meridiem else None
        )
        self._meridiem_words = meridiem
        hour_words = sorted({w.casefold() for t in tables for w in t.hour_words}, key=len, reverse=True)
        self._hour_alone = (
            re.compile(r"(?<!\w)(" + "|".join(re.escape(w) for w in hour_words) + r")\s+([01]?\d|2[0-3])(?![\d:]|\.\d)"
                       + _AFTER_HOUR)
            if hour_words else None
        )
        weekdays: dict[str, int] = {}
        dates, ampm = set(), {"am", "pm"}
        for code in self.languages:
            info = default_loader.get_locale(code).info
            weekdays |= {fold(w): index for index, day in enumerate(_WEEKDAYS) for w in info.get(day, [])}
            dates |= {fold(w) for month in _MONTHS for w in info.get(month, [])}
            dates |= {fold(w) for key in _DAYS for w in info.get("relative-type", {}).get(key, [])}
            ampm |= {fold(w) for key in ("am", "pm") for w in info.get(key, [])}
        # Two-letter abbreviations ("Tu", "mi", "do") are ordinary words too often to count.
        self._weekdays = {w: index for w, index in weekdays.items() if len(w) >= 3}
        self._dates = {w for w in dates if len(w) >= 3}
        self._ampm = ampm
        self._search = lru_cache(maxsize=4096)(self._search_uncached)
        # The parser loads each language's data on first use (~150 ms); pay it here, once.
        for code in self.languages:
            search_dates("jueves 3 de diciembre, 9:00 am" if code == "es" else "Thursday, Dec 3 at 9:00 am",
                         languages=[code])

    def normalize(self, text: str) -> str:
        """Lower case, meridiem spellings as am/pm, "at 9" as "at 9:00": what the parser reads best."""
        # Spaces around dashes: "9:00 AM–5:00 PM" is two times, not "am–5:00".
        text = text.replace("\u202f", " ").replace("\u00a0", " ").replace("–", " - ").replace("—", " - ").casefold()
        if self._meridiem is not None:
            text = self._meridiem.sub(lambda m: self._meridiem_words[m.group(1)], text)
        if self._hour_alone is not None:
            text = self._hour_alone.sub(r"\1 \2:00", text)
        return text

    def mentions(self, text: str, now: datetime) -> list[TimeMention]:
        """Every clock time in ``text``; ``now`` (aware, in the business's zone) anchors "Thursday"."""
        if not any(c.isdigit() for c in text):
            return []  # a clock time is written with digits: most replies are skipped here, for free
        normalized = self.normalize(text)
        # Only the day of ``now`` matters to what is compared (weekday, date, clock time), so
        # sentences read on the same day are parsed once: slot labels and stated hours repeat.
        base = datetime.combine(now.date(), time(12, 0, _UNSET_SECOND, _UNSET_MICRO))
        mentions = []
        for offset, sentence in _sentences(normalized):
            if not any(c.isdigit() for c in sentence):
                continue
            cursor = 0
            for said, at in self._search(sentence, base):
                start = sentence.find(said, cursor)
                if start < 0:
                    start = sentence.find(said)
                before, cursor = sentence[cursor:start], max(cursor, start + len(said))
                if not any(c.isdigit() for c in said) or at.second == _UNSET_SECOND or (at.hour, at.minute) == (0, 0):
                    continue  # no clock time in these words: a duration, a year count, a date alone
                words = fold(said)
                # The parser sometimes leaves out a day it could not read ("mar 8 de diciembre, 9:00",
                # where "mar" is also March): a weekday just before the time still names its day.
                weekday = self._weekday_in(words)
                if weekday is None:
                    weekday = self._weekday_in(fold(before))
                mentions.append(TimeMention(
                    text=self._trimmed(said), at=at, start=offset + start, end=offset + start + len(said),
                    meridiem=any(re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])", words) for w in self._ampm),
                    weekday=weekday,
                    date=_names_any(words, self._dates),
                ))
        return mentions

    def _weekday_in(self, words: str) -> int | None:
        """The last weekday named in ``words`` (folded), if any."""
        return next((self._weekdays[w] for w in reversed(words.split()) if w in self._weekdays), None)

    def _search_uncached(self, sentence: str, base: datetime) -> tuple[tuple[str, datetime], ...]:
        found = search_dates(
            sentence, languages=self.languages,
            settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "future", "RETURN_AS_TIMEZONE_AWARE": False},
        )
        return tuple(found or ())

    def _trimmed(self, said: str) -> str:
        """The mention without the words the parser took in before it ("about", "do"): how a nudge quotes it."""
        words = said.split()
        while len(words) > 1 and words[0].isalpha() and not ({fold(words[0])} & (self._weekdays.keys() | self._dates)):
            words.pop(0)
        return " ".join(words)


_SENTENCE_END = re.compile(r"\n+|(?<=[^\d\s][.!?])\s+")


def _sentences(text: str) -> list[tuple[int, str]]:
    """``text`` cut at line breaks and sentence ends (not after "1."), each with its offset."""
    pieces, start = [], 0
    for cut in _SENTENCE_END.finditer(text):
        pieces.append((start, text[start:cut.start()]))
        start = cut.end()
    pieces.append((start, text[start:]))
    return [(offset, piece) for offset, piece in pieces if piece.strip()]


def _names_any(words: str, names: Iterable[str]) -> bool:
    tokens = words.split()
    return any(
        (" " in name and f" {name} " in f" {words} ") or name in tokens
        for name in names
    )


@cache
def reader(languages: tuple[str, ...]) -> TimeReader:
    """The warm reader for these languages: built on first use, then shared by every reply."""
    return TimeReader(languages)
