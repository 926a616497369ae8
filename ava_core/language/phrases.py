"""The phrase tables AVA ships per language (``tables/<code>.yaml``), and how text is folded to match them.

The tables are data: adding a language is adding a file, not code. A profile may add
phrasings of its own on top (``opt_out.phrases``); the shipped ones always apply.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

_TABLES = Path(__file__).with_name("tables")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ContactParts(_Strict):
    """Parts of a request not to be contacted: "don't text me", "stop messaging me", "deja de escribirme"."""

    negators: list[str] = Field(default_factory=list)
    verbs: list[str] = Field(default_factory=list)
    objects: list[str] = Field(default_factory=list)
    continuations: list[str] = Field(
        default_factory=list, description="words that may follow a negated request; else it ends the sentence"
    )
    preferences: list[str] = Field(
        default_factory=list, description='asking to be contacted another way ("text me instead"): not an opt-out'
    )
    stoppers: list[str] = Field(default_factory=list)
    gerunds: list[str] = Field(default_factory=list)


class OptOutTable(_Strict):
    phrases: list[str] = Field(default_factory=list)
    fillers: list[str] = Field(default_factory=list)
    contact: ContactParts = Field(default_factory=ContactParts)


class TimesTable(_Strict):
    """How clock times are written in a language, beyond what the date parser reads unaided."""

    meridiem: dict[str, str] = Field(default_factory=dict, description="spelling → am or pm")
    hour_words: list[str] = Field(default_factory=list, description='words before an hour alone: "at 9"')


class SaidLines(_Strict):
    """What AVA itself tells a lead in one language, whichever model runs the conversation."""

    booked: str = Field("", description="placeholders: label, minutes, title")
    link_here: str = Field("", description="placeholder: link")
    link_by_team: str = ""
    cancelled: str = Field("", description="placeholders: title, label")
    moved: str = Field("", description="placeholders: title, before, label")
    lead_time: str = Field("", description="a slot shown on the lead's own clock; placeholders: label, time, zone")
    clock: str = Field("", description="babel pattern for a time of day, e.g. h:mm a")
    confirm_place: str = Field("", description="asks which place the lead meant; placeholder: places")
    either: str = Field("", description='the word between two choices: "or"')
    ask_zip: str = ""
    type_it_please: str = Field("", description="the answer to a voice note AVA cannot listen to")
    see_options: str = Field("", max_length=20, description="WhatsApp's button opening a list (20 characters)")
    choose_one: str = Field("", description="a picker's text when the reply went out before it")

    @property
    def complete(self) -> bool:
        return all(getattr(self, name) for name in type(self).model_fields)


class AppointmentTable(_Strict):
    """How a lead asks about an appointment. An entry's word ending in * matches every word that
    starts so ("cancel*": cancel, cancelled, cancellation)."""

    cancel: list[str] = Field(default_factory=list, description="cancel the booked appointment")
    move: list[str] = Field(default_factory=list, description="move it to another time")
    proposal: list[str] = Field(
        default_factory=list, description='"can we do": asks to move only with a day or time ("can we do thursday?")')
    later: list[str] = Field(default_factory=list, description="move it to a later time")
    unsure: list[str] = Field(default_factory=list, description="something came up: move or cancel, not said which")
    keep: list[str] = Field(default_factory=list, description="keep it as it is")
    book: list[str] = Field(default_factory=list, description="book one (said by a lead who was turned down)")


class AsksTable(_Strict):
    """What a lead's message asks. An entry's word ending in * matches every word that starts so."""

    question_words: list[str] = Field(default_factory=list, description="a message starting with one is a question")
    privacy: list[str] = Field(default_factory=list, description="about other customers or leads: their details")
    identity: list[str] = Field(default_factory=list, description="who the business is, whether it knows its job")


class WordsTable(_Strict):
    common: list[str] = Field(default_factory=list, description="words that say nothing about a message's subject")


class NumbersTable(_Strict):
    after: list[str] = Field(
        default_factory=list, description='what may follow a number in words for it to be an answer: "or so", "ish"')


class PhraseTable(_Strict):
    """One language's table."""

    said: SaidLines = Field(default_factory=SaidLines)
    opt_out: OptOutTable = Field(default_factory=OptOutTable)
    claims: dict[str, list[str]] = Field(default_factory=dict)
    times: TimesTable = Field(default_factory=TimesTable)
    appointment: AppointmentTable = Field(default_factory=AppointmentTable)
    asks: AsksTable = Field(default_factory=AsksTable)
    words: WordsTable = Field(default_factory=WordsTable)
    numbers: NumbersTable = Field(default_factory=NumbersTable)


def shipped_languages() -> list[str]:
    """The languages AVA ships a phrase table for."""
    return sorted(p.stem for p in _TABLES.glob("*.yaml"))


@cache
def table(language: str) -> PhraseTable:
    """The shipped table for ``language``; an empty one when none ships."""
    path = _TABLES / f"{language}.yaml"
    if not path.exists():
        return PhraseTable()
    return PhraseTable.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})


def said(language: str) -> SaidLines:
    """AVA's own lines in ``language``; English ones when AVA ships no complete set for it
    (`ava config check` reports such a language)."""
    lines = table(language).said
    return lines if lines.complete else table("en").said


def default_opt_out_phrases() -> dict[str, list[str]]:
    """Opt-out phrasings per shipped language: the default of a profile's ``opt_out.phrases``."""
    return {code: list(table(code).opt_out.phrases) for code in shipped_languages()}


_NON_WORD = re.compile(r"[^\w\s']+")


def fold(text: str) -> str:
    """Text as the tables are matched: lower case, no accents, curly quotes straightened,
    punctuation as spaces, single spaces. "¡No me escribas MÁS!" → "no me escribas mas"."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").casefold()
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(_NON_WORD.sub(" ", text).split())


def entry_pattern(entry: str) -> str:
    """One table entry as a pattern over folded text: its words in order, a word ending in * as a stem."""
    words = []
    for word in entry.split():
        stem = word.endswith("*")
        folded = fold(word.rstrip("*"))
        if folded:
            words.append(re.escape(folded) + (r"\w*" if stem else ""))
    return r"\s+".join(words)


def any_of(entries: list[str] | set[str]) -> re.Pattern[str]:
    """A pattern for any of ``entries`` as whole words over folded text (longest first); matches nothing if empty."""
    alternatives = sorted(filter(None, (entry_pattern(e) for e in entries)), key=len, reverse=True)
    if not alternatives:
        return re.compile(r"(?!x)x")
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")
