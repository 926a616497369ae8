"""What a lead's message asks, read with the phrase tables (``tables/<code>.yaml``, ``asks:``).

Whether it is a question at all ("how do i know you know what your doing" is one, without a
question mark), and the two questions AVA answers by its own rules rather than from the
knowledge base: other customers' details ("what did the last customer say?"), which stay
private, and who the business is ("how long have you been in business?"), which the profile
says. Every shipped language's table is read: a lead may ask in one language and be answered
in the conversation's.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Literal

from ava_core.language.phrases import any_of, fold, shipped_languages, table

Intent = Literal["privacy", "identity"]


def is_question(text: str) -> bool:
    """Asked as a question: a question mark ("tienen financiamiento? no tengo para pagar todo"), or a
    question word first."""
    text = text.strip()
    if "?" in text or "¿" in text:
        return True
    # Accents kept: "cómo" asks, "como 220" answers ("about 220").
    first = re.match(r"[\W_]*([\w']+)", text.replace("\u2019", "'").casefold())
    return first is not None and first.group(1) in _question_words()


def asked_about(text: str) -> Intent | None:
    """``privacy`` for a question about other customers or leads, ``identity`` for one about who
    the business is; None for anything else. Privacy first: "who else did you talk to, and how
    long have you been around?" asks for someone else's details."""
    folded = fold(text)
    if not folded:
        return None
    if _pattern("privacy").search(folded):
        return "privacy"
    if _pattern("identity").search(folded):
        return "identity"
    return None


def common_words() -> frozenset[str]:
    """Words that say nothing about a message's subject, in every shipped language, folded."""
    return _common()


def number_followers() -> list[str]:
    """What may follow a number said in words for it to stand as an answer, folded, longest first."""
    return _followers()


@cache
def _question_words() -> frozenset[str]:
    return frozenset(w.casefold() for code in shipped_languages() for w in table(code).asks.question_words)


@cache
def _pattern(kind: Intent) -> re.Pattern[str]:
    return any_of({e for code in shipped_languages() for e in getattr(table(code).asks, kind)})


@cache
def _common() -> frozenset[str]:
    return frozenset(fold(w) for code in shipped_languages() for w in table(code).words.common)


@cache
def _followers() -> list[str]:
    return sorted({fold(w) for code in shipped_languages() for w in table(code).numbers.after}, key=len, reverse=True)
