"""Qualification: reading an answer and judging it by the profile's rules.

The engine, not the model, decides whether a lead is qualified: the model only reports what
the lead said, and these rules turn it into pass / fail / unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from ava_core import answers
from ava_core.geo.base import Geo
from ava_core.geo.pins import pin_in
from ava_core.profile.models import Profile, Question


def interpret(question: Question, text: str, *, today: date | None = None) -> str | None:
    """The canonical answer in ``text`` for this question, or None when it is not there.

    Numbers outside what a person could mean (a $3 power bill, a 300-year-old roof) count as
    not there: asking again beats judging a misread.
    """
    text = text.strip()
    if not text:
        return None
    match question.kind:
        case "yes_no":
            return answers.yes_no(text)
        case "amount":
            return _plausible(answers.amount(text), 5, 20_000)
        case "number":
            return _plausible(answers.amount(text), 0, 1_000_000)
        case "years":
            return _plausible(answers.years(text, today=today), 0, 100)
        case "zip":
            # A city, a street address, a pin is an answer too, judged whole by the Geo backend;
            # in a longer message only its ZIP is.
            return place_in(text) if is_place(text) else answers.zip_code(text)
        case "choice":
            return answers.choice(question.options, text, question.synonyms)
        case _:
            return text


def is_place(text: str) -> bool:
    """Whether a reply to "where is the property?" reads as a place ("Round Rock", "1200 Oak St,
    Austin"), not a question, a yes/no, "not sure" or a sentence about something else."""
    words = text.split()
    return (0 < len(words) <= 10 and "?" not in text and answers.yes_no(text) is None
            and not answers.unsure(text) and any(c.isalpha() for c in text))


# A number in an address that is not its ZIP: a house number ("1420", "12b"), "5th" street.
_HOUSE_NUMBER = re.compile(r"(?<![\w.,-])\d+\w*")


def place_in(text: str) -> str:
    """What of a reply to "where is the property?" the service-area check should judge: the whole
    place when it says more than a ZIP — a location pin, a street address from its house number
    on ("it's 1420 Hopkins St, San Marcos, TX 78666" → "1420 Hopkins St, San Marcos, TX 78666") —
    the ZIP when that is all it names ("my zip is 78704"), and a city or landmark as written."""
    text = " ".join(text.split())
    if pin_in(text):
        return text
    zip_code = answers.zip_code(text)
    house = next((m for m in _HOUSE_NUMBER.finditer(text) if m.group(0) != zip_code), None)
    if house is not None:
        return text[house.start():].rstrip(" .!")
    return zip_code or text.strip(" .!")


def interpret_yes_no(text: str) -> str | None:
    """'yes', 'no', or None for a free-text reply to a yes/no question."""
    return answers.yes_no(text)


def _plausible(number: float | None, low: float, high: float) -> str | None:
    if number is None or not low <= number <= high:
        return None
    return str(int(number)) if number == int(number) else f"{number:g}"


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


