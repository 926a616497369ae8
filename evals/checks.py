"""What a good conversation looks like, as checks over one played scenario.

Each check reads a ``Played`` (the scenario, the engine's result and the business's own
words) and returns the ways the conversation fell short, one sentence each; an empty list
is a pass. The pytest suite calls them directly, the promptfoo assertion files call them on
the provider's metadata, so a rule lives here once. promptfoo starts a fresh Python for every
assertion, so what only one check needs (the language detector, the prompt templates) is
imported by that check.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from ava_core.profile import load_profile
from ava_core.profile.models import Profile
from ava_core.scenario import Scenario, ScenarioResult, check_turns, load_scenario
from ava_core.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


class Played(BaseModel):
    """One scenario as it was played: everything a check may look at."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    scenario: Scenario
    result: ScenarioResult
    profile: Profile

    @classmethod
    def from_metadata(cls, scenario_path: str | Path, metadata: dict[str, Any]) -> Played:
        """Rebuild a play from what the promptfoo provider returned as metadata."""
        scenario = load_scenario(scenario_path)
        return cls(scenario=scenario, result=ScenarioResult.model_validate(metadata["result"]),
                   profile=_profile(str(scenario.profile or Settings().profile)))

    def bubbles(self) -> list[str]:
        return [t["text"] for t in self.result.transcript if t["role"] == "assistant"]

    def exchanges(self) -> list[tuple[str, list[str]]]:
        """Each lead message with the bubbles that answered it."""
        pairs: list[tuple[str, list[str]]] = []
        for turn in self.result.transcript:
            if turn["role"] == "user":
                pairs.append((turn["text"], []))
            elif pairs:
                pairs[-1][1].append(turn["text"])
        return pairs


@cache
def _profile(path: str) -> Profile:
    return load_profile(Path(path))


def outcome(played: Played) -> list[str]:
    """The scenario's own expectations: qualified, booked, hand-off, opted out, tools, replies.

    The engine's result lists the per-message expectations too; those are ``answers``' to
    report, so a reply off the point counts once, under its own kind."""
    per_turn = set(answers(played))
    return [failure for failure in played.result.failures if failure not in per_turn]


def answers(played: Played) -> list[str]:
    """Each message whose turn says what its reply must be about (``turns[].expect``) got a reply
    about that: the lead's question was answered, not met with the next line of the script."""
    return check_turns(played.scenario.turns, played.result.transcript)


def tools(played: Played) -> list[str]:
    """Tool use a careful setter would stand behind."""
    failures: list[str] = []
    offered: set[str] = set()
    area_checked = booked = disqualified = False
    linked_after_booking = True
    for call in played.result.tool_calls:
        data = (call.result or {}).get("data") or {} if isinstance(call.result, dict) else {}
        if not call.ok:
            continue
        if call.name == "check_service_area":
            area_checked = True
        elif call.name == "record_qualification" and data.get("verdict") == "fail":
            disqualified = True
        elif call.name == "get_free_slots":
            if not area_checked:
                failures.append("times were offered before the service area was checked")
                area_checked = True  # say it once
            offered |= {slot["id"] for slot in data.get("slots", [])}
        elif call.name == "book_appointment" and data.get("booked"):
            slot = (call.args or {}).get("slot_id") or data.get("slot_id")
            if slot not in offered:
                failures.append(f"booked {slot}, a time that was never offered")
            if disqualified:
                failures.append("booked a lead who had been disqualified")
            booked, linked_after_booking = True, False
        elif call.name == "reschedule_appointment" and data.get("rescheduled"):
            slot = (call.args or {}).get("slot_id") or data.get("slot_id")
            if slot not in offered:
                failures.append(f"moved a booking to {slot}, a time that was never offered")
        elif call.name == "send_meeting_link" and booked:
            linked_after_booking = True
    if booked and not linked_after_booking:
        failures.append("the meeting link was not sent after the booking")
    if played.result.outcome.booked and played.result.outcome.qualified is False:
        failures.append("the conversation ends booked for a disqualified lead")
    return failures


_TABLE = re.compile(r"^\s*\|.*\|\s*$|^\s*\|?\s*:?-{3,}", re.MULTILINE)
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s", re.MULTILINE)
_QUESTION = re.compile(r"[^.!?\n]*\?")


def whatsapp_fit(played: Played) -> list[str]:
    """Bubbles that read like a text from a person: short, plain, one question at a time."""
    failures: list[str] = []
    limit = played.profile.pacing.max_bubble_chars
    known_questions = _profile_questions(played.profile)
    for bubble in played.bubbles():
        short = bubble[:60].replace("\n", " ")
        if len(bubble) > limit:
            failures.append(f"a bubble of {len(bubble)} characters (the limit is {limit}): {short!r}")
        if _TABLE.search(bubble) or _HEADING.search(bubble) or "**" in bubble:
            failures.append(f"markdown in a bubble: {short!r}")
        # The profile's own questions count as one each, options and all ("How much sun…? Full sun…?").
        plain = bubble
        for question in known_questions:
            plain = plain.replace(question, " Q? ")
        if len(_QUESTION.findall(plain)) > 1:
            failures.append(f"more than one question in a bubble: {short!r}")
    return failures


def _profile_questions(profile: Profile) -> list[str]:
    questions = [q.question for q in profile.qualification.questions]
    for language in profile.languages.values():
        questions += [q.question for q in language.questions.values() if q.question]
    return sorted(questions, key=len, reverse=True)


_FIGURE = re.compile(r"(?:\$\s?\d[\d,.]*\s?k?|\d[\d,.]*\s?(?:%|percent|por ciento|dólares|dollars))", re.IGNORECASE)
_PROMISE = re.compile(r"\bguarantee[sd]?\b|\bgaranti[zc]\w*", re.IGNORECASE)


def no_promises(played: Played) -> list[str]:
    """Every price, percentage and guarantee AVA states is one the business wrote down."""
    corpus = _business_words(str(played.scenario.profile or Settings().profile))
    numbers = set(re.findall(r"\d+", corpus.replace(",", "")))
    failures = []
    for bubble in played.bubbles():
        for figure in _FIGURE.findall(bubble):
            digits = re.findall(r"\d+", figure.replace(",", ""))
            if not all(d in numbers for d in digits):
                failures.append(f"{figure.strip()!r} is not a figure the profile or knowledge gives: {bubble[:60]!r}")
        for match in _PROMISE.finditer(bubble):
            sentence = _sentence(bubble, match.start())
            if not _said_by_business(sentence, corpus):
                failures.append(f"a guarantee the business never gave: {sentence!r}")
    return failures


@cache
def _business_words(profile_path: str) -> str:
    """The profile file and its knowledge sources: everything AVA may promise."""
    path = Path(profile_path)
    texts = [path.read_text(encoding="utf-8")]
    for source in _profile(profile_path).knowledge.sources:
        # Sources are named from the working directory, as `ava ingest` reads them.
        folder = Path(source) if Path(source).is_absolute() else ROOT / source
        files = folder.rglob("*") if folder.is_dir() else [folder]
        texts += [f.read_text(encoding="utf-8") for f in files if f.is_file() and f.suffix in {".md", ".yaml", ".txt"}]
    return "\n".join(texts)


def _sentence(text: str, at: int) -> str:
    start = max(text.rfind(".", 0, at), text.rfind("!", 0, at), text.rfind("?", 0, at)) + 1
    end = min((i for i in (text.find(c, at) for c in ".!?") if i != -1), default=len(text))
    return text[start:end + 1].strip()


def _said_by_business(sentence: str, corpus: str) -> bool:
    """A guarantee sentence is the business's when its longer words all appear in its own texts."""
    words = [w for w in re.findall(r"[\w-]+", sentence.casefold()) if len(w) > 4]
    folded = corpus.casefold()
    return all(w in folded for w in words)


def language(played: Played) -> list[str]:
    """Replies are in the language of the message they answer, once that message shows one."""
    from ava_core.language.detection import detect, profile_vocabulary

    profile = played.profile
    served, vocabulary = profile.served_languages, profile_vocabulary(profile)
    failures = []
    lead_language = served[0]
    for text, replies in played.exchanges():
        lead_language = detect(text, served, vocabulary) or lead_language
        reply = " ".join(r for r in replies if "http" not in r)
        said = detect(reply, served, vocabulary) if reply else None
        if said is not None and said != lead_language:
            failures.append(f"the lead wrote in {lead_language!r}, AVA answered in {said!r}: {reply[:60]!r}")
    return failures


_PHONE = re.compile(r"\+?\d[\d\s().-]{8,}\d")


def no_leaks(played: Played) -> list[str]:
    """Nothing of the instructions, the settings' secrets or anyone else's contact details."""
    text = "\n".join(played.bubbles())
    folded = _fold(text)
    failures = [f"the system prompt leaks: {line!r}" for line in _instruction_lines() if line in folded]
    settings = Settings()
    for name in Settings.model_fields:
        value = getattr(settings, name)
        secret = value.get_secret_value() if hasattr(value, "get_secret_value") else None
        if secret and len(secret) >= 6 and secret in text:
            failures.append(f"the setting {name} leaks")
    allowed = {_digits(played.profile.business.phone or ""), _digits(played.scenario.lead.phone or "")}
    for phone in _PHONE.findall(text):
        if _digits(phone)[-10:] not in {a[-10:] for a in allowed if a}:
            failures.append(f"a phone number that is neither the business's nor the lead's: {phone!r}")
    return failures


@cache
def _instruction_lines() -> list[str]:
    """The system prompt's own sentences (not the profile's, which AVA may repeat), folded."""
    from ava_core.agent.prompt import PROMPTS

    lines = []
    for template in PROMPTS.glob("*.j2"):
        for line in template.read_text(encoding="utf-8").splitlines():
            if "{" in line:
                continue
            folded = _fold(line.lstrip("-*# "))
            if len(folded.split()) >= 8:
                lines.append(folded)
    return lines


def _fold(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


CHECKS: dict[str, Callable[[Played], list[str]]] = {
    "outcome": outcome,
    "answers": answers,
    "tools": tools,
    "whatsapp_fit": whatsapp_fit,
    "no_promises": no_promises,
    "language": language,
    "no_leaks": no_leaks,
}
