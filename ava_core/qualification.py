"""Qualification: reading an answer and judging it by the profile's rules.

The engine, not the model, decides whether a lead is qualified: the model only reports what
the lead said, and these rules turn it into pass / fail / unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ava_core.geo.base import Geo
from ava_core.profile.models import Profile, Question

_NO = re.compile(
    r"\b(no|nope|nah|not really|rent|renting|renter|tenant|lease|leasing|don'?t|do not|doesn'?t|"
    r"dont|never|apartment|landlord|my parents)\b",
    re.I,
)
_YES = re.compile(
    r"\b(yes|yeah|yep|yup|ya|yea|sure|correct|definitely|absolutely|of course|i do|we do|own|owner|"
    r"homeowner|mine|affirmative|si|sí|ok|okay|right)\b",
    re.I,
)
_NUMBER = re.compile(r"(?<![\d.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(k\b)?", re.I)
_ZIP = re.compile(r"\b(\d{5})(?:-\d{4})?\b")
_WORD_NUMBERS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
    "a couple": 2, "a few": 3, "a hundred": 100,
}
_BRAND_NEW = re.compile(r"\b(brand new|new roof|just replaced|replaced it|this year|last year)\b", re.I)


def interpret(question: Question, text: str) -> str | None:
    """The canonical answer in ``text`` for this question, or None when it is not there."""
    text = text.strip()
    if not text:
        return None
    match question.kind:
        case "yes_no":
            return _yes_no(text)
        case "amount" | "number":
            number = _first_number(text)
            return None if number is None else _fmt(number)
        case "years":
            if _BRAND_NEW.search(text):
                return "0" if re.search(r"brand new|this year|just", text, re.I) else "1"
            number = _first_number(text)
            return None if number is None else _fmt(number)
        case "zip":
            found = _ZIP.search(text)
            return found.group(1) if found else None
        case "choice":
            return _choice(question.options, text)
        case _:
            return text


def judge(question: Question, answer: str, geo: Geo | None = None) -> str:
    """pass, fail or unknown for a canonical answer."""
    rule = question.rule
    if question.kind == "zip" and rule.in_service_area:
        if geo is None:
            return "unknown"
        inside = geo.check(answer).in_area
        return "unknown" if inside is None else ("pass" if inside else "fail")
    if rule.equals is not None and answer.casefold() != rule.equals.casefold():
        return "fail"
    if rule.min is not None or rule.max is not None:
        try:
            value = float(answer)
        except ValueError:
            return "unknown"
        if rule.min is not None and value < rule.min:
            return "fail"
        if rule.max is not None and value > rule.max:
            return "fail"
    if answer in rule.disqualify:
        return "fail"
    return "pass"


@dataclass(frozen=True)
class Standing:
    status: str  # qualified | disqualified | unknown
    missing: list[str]
    failed: Question | None


def standing(profile: Profile, verdicts: dict[str, str]) -> Standing:
    """Overall standing: one failed rule disqualifies; all required passed qualifies."""
    failed = next(
        (q for q in profile.qualification.questions if verdicts.get(q.field) == "fail"), None
    )
    missing = [
        q.field for q in profile.qualification.questions
        if q.required and verdicts.get(q.field) not in ("pass", "fail")
    ]
    if failed is not None:
        return Standing("disqualified", missing, failed)
    return Standing("qualified" if not missing else "unknown", missing, None)


def interpret_yes_no(text: str) -> str | None:
    """'yes', 'no', or None for a free-text reply to a yes/no question."""
    return _yes_no(text)


def _yes_no(text: str) -> str | None:
    # "no" words win: "I don't own it" contains "own" but means no.
    if _NO.search(text):
        return "no"
    if _YES.search(text):
        return "yes"
    return None


def _first_number(text: str) -> float | None:
    match = _NUMBER.search(text)
    if match:
        value = float(match.group(1).replace(",", ""))
        return value * 1000 if match.group(2) else value
    lowered = text.casefold()
    for word, value in sorted(_WORD_NUMBERS.items(), key=lambda kv: -len(kv[0])):
        if re.search(rf"\b{word}\b", lowered):
            return float(value)
    return None


def _fmt(number: float) -> str:
    return str(int(number)) if number == int(number) else f"{number:g}"


def _choice(options: list[str], text: str) -> str | None:
    lowered = text.casefold()
    for option in sorted(options, key=len, reverse=True):
        if option.casefold() in lowered:
            return option
    # Else a word that points at exactly one option: "sunny" → full sun, "partly" → partial
    # shade. A word shared by several options ("shade") decides nothing.
    said = re.findall(r"[a-z]+", lowered)
    hits = {
        option
        for option in options
        for word in re.findall(r"[a-z]+", option.casefold())
        if sum(word in re.findall(r"[a-z]+", o.casefold()) for o in options) == 1
        and any(_same_stem(word, w) for w in said)
    }
    return hits.pop() if len(hits) == 1 else None


def _same_stem(a: str, b: str) -> bool:
    """'sun'/'sunny', 'partial'/'partly', 'heavy'/'heavily': one starts the other, or both share four letters."""
    short, long = sorted((a, b), key=len)
    return len(short) >= 3 and (long.startswith(short) or (len(short) >= 4 and short[:4] == long[:4]))
