"""Reading what a lead texted: yes or no, an amount, a number of years, a ZIP, one of several options.

Leads answer the way people text ("no mortgage, we own it outright", "like 2-300 in summer",
"replaced it in 2015", "not heavy shade, just a tree or two"); each reader finds the answer
to its question and ignores what belongs to another one, or says it found none.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from ava_core.language.asks import is_question, number_followers

# Ownership said in the negative wins over any "own" in the same message.
_NOT_OWNER = re.compile(
    r"\b(don'?t|do not|doesn'?t|does not|dont|no longer|not)\s+(own|the owner|a homeowner|owners?)\b"
    r"|\b(rent|renting|renter|renters|tenants?|leasing|landlord|apartment|live with my parents|my parents'? (house|home))\b"
    r"|\b(no soy (el |la )?due[ñn][oa]|no es m[ií]a|rento|rentamos|alquilo|alquilamos|inquilin[oa]s?)\b",
    re.I,
)
_YES = re.compile(
    r"\b(yes|yeah|yep|yup|ya|yea|yess+|sure|correct|definitely|absolutely|of course|i do|we do|own|owns|owned|"
    r"owner|homeowners?|outright|mortgage|mine|affirmative|si|sí|ok|okay|right|that works|sounds good|please do|"
    r"claro|dueñ[oa]|propia|es m[ií]a|de acuerdo|está bien|esta bien|perfecto|dale)\b"
    r"|^\s*y\s*[.!]?\s*$|[👍👌✅🙌]",
    re.I,
)
_LEADING_NO = re.compile(r"^\W*(no|nope|nah|not really|negative)\b", re.I)

_MONEY_AFTER = r"\s*(?:dollars?|bucks|usd|a month|per month|/\s*mo(?:nth)?|monthly|a mo|d[oó]lares|al mes|por mes)\b"
_NUMBER = r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(\s*k\b|\s*hundred\b|\s*cientos?\b)?"
_PHONE = re.compile(r"\+?\d[\d\s().-]{8,}\d")
_ZIP = re.compile(r"\b(\d{5})(?:-\d{4})?\b")
# Not an answer however it is written: "hold on 1 sec", "I have 2 questions".
_ASIDE_UNITS = r"secs?|seconds?|mins?|minutes?|moments?|questions?|q's|qs"
_UNITS_NOT_MONEY = re.compile(
    r"^\s*(years?|yrs?|kids|children|people|bedrooms?|br|sq|square|panels?|months?|" + _ASIDE_UNITS + r")\b", re.I)
_UNITS_NOT_YEARS = re.compile(
    r"^\s*(dollars?|bucks|a month|per month|/\s*mo|kids|children|people|k\b|d[oó]lares|al mes|(?:" + _ASIDE_UNITS
    + r")\b)", re.I)
# What makes a number said in words a number of years or an amount of money: "twelve years", "two hundred bucks".
_YEARS_AFTER = re.compile(r"^[\s-]*(years?|yrs?|y/?o\b|old\b|años?)", re.I)
_MONEY_UNIT = re.compile(r"^\s*(?:dollars?|bucks|usd|a month|per month|/\s*mo(?:nth)?|monthly|a mo|d[oó]lares|al mes"
                         r"|por mes)\b", re.I)
_UNSURE = re.compile(r"\b(not sure|unsure|idk|i don'?t know|no idea|dunno|no clue|no s[eé]|ni idea)\b", re.I)
_RANGE = re.compile(r"\b(\d{1,4})\s*(?:-|–|to|or)\s*\$?(\d{1,4})\b|\bbetween\s+\$?(\d{1,4})\s+and\s+\$?(\d{1,4})\b", re.I)

_UNITS = {
    "zero": 0, "one": 1, "a": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}
_WORDS = re.compile(
    r"\b(?:(?P<h>" + "|".join(_UNITS) + r")\s+hundred(?:\s+(?:and\s+)?(?P<rest>(?:" + "|".join(_TENS) + r")"
    r"(?:[\s-](?:" + "|".join(k for k in _UNITS if k not in ("a", "zero")) + r"))?|"
    + "|".join(k for k in _UNITS if k not in ("a", "zero")) + r"))?"
    r"|(?P<t>" + "|".join(_TENS) + r")(?:[\s-](?P<u>" + "|".join(k for k in _UNITS if k not in ("a", "zero")) + r"))?"
    r"|(?P<solo>" + "|".join(k for k in _UNITS if k != "a") + r")|(?P<couple>a couple|a few))\b",
    re.I,
)
_NEW_ROOF = re.compile(r"\b(brand new|new roof|just (got )?(replaced|redone|put on)|this year)\b", re.I)
_LAST_YEAR = re.compile(r"\blast year\b", re.I)


def yes_no(text: str) -> str | None:
    """'yes', 'no', or None. A negative about owning wins: "I don't own it" contains "own"."""
    if _NOT_OWNER.search(text):
        return "no"
    if _LEADING_NO.search(text) and not re.search(r"\b(own|owner|outright)\b", text, re.I):
        return "no"
    if _YES.search(text):
        return "yes"
    return None


def unsure(text: str) -> bool:
    """'not sure', 'idk', 'no sé'."""
    return _UNSURE.search(text) is not None


def amount(text: str) -> float | None:
    """A money amount: "$1,250", "about 180 a month", "two hundred bucks", "2-300" (midpoint)."""
    cleaned = _PHONE.sub(" ", text)
    if (span := _range(cleaned)) is not None:
        return span
    money = re.search(r"\$\s*" + _NUMBER, cleaned, re.I) or re.search(_NUMBER + _MONEY_AFTER, cleaned, re.I)
    if money:
        return _value(money)
    for match in re.finditer(r"(?<![\d.$])" + _NUMBER, cleaned, re.I):
        rest = cleaned[match.end():]
        if _UNITS_NOT_MONEY.match(rest) or _ZIP.fullmatch(match.group(1)):
            continue
        return _value(match)
    return _words(cleaned, _MONEY_UNIT)


def years(text: str, *, today: date | None = None) -> float | None:
    """A number of years: "8 years", "brand new", "replaced it in 2015" (with ``today``), "twelve"."""
    if _NEW_ROOF.search(text):
        return 0.0
    if _LAST_YEAR.search(text):
        return 1.0
    cleaned = _PHONE.sub(" ", text)
    for match in re.finditer(r"(?<![\d.$])(\d{1,4})(?![\d,])", cleaned):
        value = int(match.group(1))
        if today and 1950 <= value <= today.year:
            return float(today.year - value)
        if value >= 1000 or _UNITS_NOT_YEARS.match(cleaned[match.end():]) or _ZIP.fullmatch(match.group(1)):
            continue
        return float(value)
    return _words(cleaned, _YEARS_AFTER)


def zip_code(text: str) -> str | None:
    found = _ZIP.search(text)
    return found.group(1) if found else None


def choice(options: list[str], text: str, synonyms: dict[str, list[str]] | None = None) -> str | None:
    """The option the lead means, by its words, a synonym, or a word stem; negated mentions
    ("not heavy shade") are ignored. None when it names none or several."""
    # Accents folded on both sides: leads type "sol todo el dia" for the profile's "sol todo el día".
    lowered = " ".join(_unaccented(text).split())
    # Quantities said another way read as the synonym's own: "a few trees" is "some trees".
    lowered = re.sub(r"\b(a few|a couple( of)?|several|one or two|1 or 2)\b", "some", lowered)
    lowered = re.sub(r"\b(many|tons of|a ton of|plenty of|loads of|so many)\b", "lots of", lowered)
    phrases = {option: [option, *((synonyms or {}).get(option, []))] for option in options}
    for said in phrases.values():  # "not heavy shade" says nothing for heavy shade
        for phrase in said:
            lowered = re.sub(rf"\b(not|no|isn'?t|never)\s+(really\s+)?{_bounded(phrase)}", " ", lowered)
    hits = [(len(p), o) for o, said in phrases.items() for p in said if re.search(_bounded(p), lowered)]
    if hits:
        best = max(hits)[0]
        chosen = {o for n, o in hits if n == best}
        if len(chosen) == 1:
            return chosen.pop()
    said = re.findall(r"[a-z]+", lowered)
    stems = {
        option
        for option in options
        for word in re.findall(r"[a-z]+", option.casefold())
        if sum(word in re.findall(r"[a-z]+", o.casefold()) for o in options) == 1
        and any(_same_stem(word, w) for w in said)
    }
    return stems.pop() if len(stems) == 1 else None


def _bounded(phrase: str) -> str:
    """A pattern for the phrase as whole words; emoji phrases ("☀️") have no word boundary."""
    return rf"(?<!\w){re.escape(_unaccented(phrase))}(?!\w)"


def _unaccented(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


def _same_stem(a: str, b: str) -> bool:
    """'sun'/'sunny', 'partial'/'partly', 'heavy'/'heavily': one starts the other, or both share four letters."""
    short, long = sorted((a, b), key=len)
    return len(short) >= 3 and (long.startswith(short) or (len(short) >= 4 and short[:4] == long[:4]))


def _stands_as_answer(text: str, rest: str, unit: re.Pattern[str] | None) -> bool:
    if unit is not None and unit.match(rest):
        return True
    if is_question(text):
        return False
    rest = " ".join(re.sub(r"[^\w\s']", " ", rest).split())
    while rest:
        follower = next((f for f in number_followers() if rest == f or rest.startswith(f + " ")), None)
        if follower is None:
            return False
        rest = rest[len(follower):].strip()
    return True


def _value(match: re.Match) -> float:
    value = float(match.group(1).replace(",", ""))
    scale = (match.group(2) or "").strip().casefold()
    return value * (1000 if scale == "k" else 100 if scale else 1)


def _range(text: str) -> float | None:
    """The middle of a range a lead gives for a varying bill: "90 to 150", "2-300" (= 200-300)."""
    match = _RANGE.search(text)
    if not match:
        return None
    low, high = (float(g) for g in match.groups() if g is not None)
    if low < 10 <= high / 10:  # "2-300": the hundreds are implied on the first number
        low *= 10 ** (len(str(int(high))) - len(str(int(low))))
    if low > high or _ZIP.fullmatch(match.group(0).strip()):
        return None
    if _UNITS_NOT_MONEY.match(text[match.end():]):
        return None
    return (low + high) / 2


def _words(text: str, unit: re.Pattern[str] | None = None) -> float | None:
    """A number said in words, when it is said as the answer: with its ``unit`` ("twelve years"),
    or at the end of a message that is not a question ("about twelve", "fifteen or so").
    "Is this one of those scams?", "hold on one second" and "I have a few questions" hold none."""
    lowered = text.casefold()
    match = _WORDS.search(lowered)
    if not match or not _stands_as_answer(text, lowered[match.end():], unit):
        return None
    if match.group("couple"):
        return 2.0 if "couple" in match.group("couple") else 3.0
    if match.group("h"):
        value = _UNITS[match.group("h")] * 100
        rest = match.group("rest")
        if rest:
            parts = re.split(r"[\s-]", rest)
            value += sum(_TENS.get(p, _UNITS.get(p, 0)) for p in parts)
        return float(value)
    if match.group("t"):
        return float(_TENS[match.group("t")] + (_UNITS[match.group("u")] if match.group("u") else 0))
    return float(_UNITS[match.group("solo")])
