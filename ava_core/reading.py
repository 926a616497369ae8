"""What a lead's message is, given what AVA had just asked: an answer to it, or something else.

An answer to the question on the table is never an objection, however close its words come
to one ("roof is 6 years old" is not "my roof is too old"; "full sun pretty much all day" is
not "too much shade"). Only what is not an answer goes to the objection pairs.
"""

from __future__ import annotations

import re
from datetime import datetime

from ava_core.models.slot_choice import parse_request
from ava_core.profile.models import Profile
from ava_core.qualification import interpret, interpret_yes_no
from ava_core.state import ConversationState

TIME = "time"  # AVA offered appointment times
OPENING = "opening"  # the lead's first message
_GREETING = re.compile(r"^\W*(hi|hey|hello|hiya|howdy|yo|good (morning|afternoon|evening)|hola|buenas|buenos d[ií]as)\b",
                       re.I)
_NEGATIVE = re.compile(r"\b(not|no|don'?t|never|stop|can'?t|won'?t)\b", re.I)


def on_the_table(state: ConversationState, *, spoken: bool) -> str | None:
    """What AVA had just asked, as ``answers_what_was_asked`` takes it: ``opening`` before AVA
    spoke, ``time`` while offered times wait for a choice, else the next missing question."""
    if not spoken:
        return OPENING
    if state.appointment is not None or state.status == "disqualified":
        return None
    if state.status == "qualified":
        return TIME if state.offered_slots else None
    return state.missing[0] if state.missing else None


def answers_what_was_asked(profile: Profile, asked: str | None, text: str, now: datetime) -> bool:
    """Whether ``text`` is simply an answer to ``asked``: a qualification field, ``time`` or ``opening``."""
    if asked == TIME and not parse_request(text, now).empty:
        return True  # "can we do thursday at 2?" asks about the time, not the business
    if asked is None or "?" in text:
        return False
    if asked == OPENING:
        # "hi, saw your ad about solar": a hello, unless it already says no.
        return bool(_GREETING.search(text)) and not _NEGATIVE.search(text)
    if asked == TIME:
        return interpret_yes_no(text) == "yes"
    if profile.qualification.get(asked) is None:
        return False
    # Read as the question is put in each language AVA speaks: "le da el sol todo el dia" is a
    # Spanish lead's "full sun", by the Spanish synonyms.
    for code in profile.served_languages:
        question = profile.localized(code).qualification.question_for(asked)
        if question.kind == "yes_no":
            if interpret_yes_no(text) == "yes":  # "no thank you" may be a no, or not interested at all
                return True
        elif interpret(question, text, today=now.date()) is not None:
            return True
    return False
