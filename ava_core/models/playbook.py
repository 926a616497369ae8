"""The ``playbook`` model: AVA's offline, rule-driven setter and its last-resort fallback.

It runs the profile's flow deterministically: greet, ask the missing qualification questions
in order, understand short answers, check the service area, offer slots, book the chosen
one, send the link and close politely. It reads the structured ``ConversationState`` the
prompt is rendered from, plus the tool results in the conversation, and calls the same
tools a language model would, so the engine's rules apply to it unchanged.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from ava_core import answers
from ava_core.agent.guards import opted_out
from ava_core.calendar.base import slot_label
from ava_core.errors import ProviderError
from ava_core.geo.pins import pin_in
from ava_core.knowledge.answering import answer
from ava_core.knowledge.base import Passage
from ava_core.language.asks import asked_about, is_question
from ava_core.language.detection import detect, profile_vocabulary
from ava_core.language.phrases import fold
from ava_core.language.requests import appointment_request
from ava_core.models.base import ChatMessage, ModelRequest, ModelResponse, ToolCall
from ava_core.models.slot_choice import (
    choose_slot,
    list_position,
    match_offered,
    parse_request,
    search_args,
)
from ava_core.profile.models import Profile, Question
from ava_core.qualification import interpret, interpret_yes_no, is_place, place_in
from ava_core.state import ConversationState
from ava_core.store import BUSINESS, TEAM

_BOT_QUESTION = re.compile(
    r"\b(are|r) (you|u) (a |an )?(bot|robot|ai|real|human|person|machine|automated)\b|\bis this (a )?(bot|automated|real person|ai)\b"
    r"|\boffline\b|\bwho am i (talking|speaking) to\b",
    re.I,
)
_CONCERNS = re.compile(
    r"\b(expensive|cost|costs|price|pricing|afford|cheap|money|budget|think about|thinking|"
    r"wife|husband|spouse|partner|hubby|scams?|trust|legit|later|not now|busy|quote|competitor|another company|"
    r"contract|lease|loan|financ\w*|warranty|hoa|moving|ugly|roof|hail|maintenance|battery|tax credit|credit score|"
    r"just send|send me info|not interested)\b",
    re.I,
)
_OBJECTION_WORDS = re.compile(
    _CONCERNS.pattern[:-3] + r"|how (much|long|does)|what (is|are|if)|why|does it|do you)\b", re.I
)
_OBJECTION = re.compile(r"\?|" + _OBJECTION_WORDS.pattern, re.I)
_THANKS = re.compile(r"^\W*(thanks|thank you|thx|ty|great|awesome|perfect|cool|ok|okay|sounds good|got it|"
                     r"(muchas |mil )?gracias|perfecto|excelente|listo|vale)\W*$", re.I)
_MONEY = re.compile(
    r"\$\s*[\d,.]+k?|\b[\d,.]+\s*(k|hundred)?\s*(dollars?|bucks|a month|per month|/\s*mo|d[oó]lares|al mes)\b"
    r"|\b(bill|recibo|luz)\b[^,.;]*?\d[\d,.]*(\s*hundred)?", re.I
)
_UNSURE = re.compile(r"\b(not sure|unsure|idk|i don'?t know|no idea|dunno|no clue)\b", re.I)
_NOT_INTERESTED = re.compile(r"\b(not interested|no thanks|no thank you|not for me)\b", re.I)
_GREETING_ONLY = re.compile(r"^\W*(hi|hey|hello|hiya|howdy|good (morning|afternoon|evening)|yo)\W*(there)?\W*$", re.I)
_PERSON_REQUEST = re.compile(
    r"\b(talk|speak|chat)\s+(to|with)\b|\b(get|want|need|give)\s+(me\s+)?(a|an|the|your|to)\b|"
    r"\bcall me\b|\bconnect me\b|\bput me through\b|\bcan (someone|somebody|a person)\b",
    re.I,
)
_OTHER_TIMES = re.compile(
    r"\b(none of (those|these|them)|other (times|days|options)|different (time|day)|next week|later (time|date)|"
    r"don'?t work|doesn'?t work|can'?t make)\b",
    re.I,
)
_WAIT = re.compile(r"\b(hold on|one (sec|second|moment|min|minute)|give me a (sec|second|minute|min)|"
                   r"just a (sec|second|minute)|brb|be right back|un momento|un segundo|espere|espera)\b", re.I)
_QUESTIONS_FIRST = re.compile(r"\b(have|got|tengo)\s+(a |one |two |2 |some |a few |few |unas |dos )?"
                              r"(questions?|preguntas?)\b", re.I)
_CORRECTION = re.compile(r"\b(wait|sorry|actually|oops|i mean|my bad|misread|perd[oó]n|en realidad|me equivoqu[eé])\b",
                         re.I)
_LINES = Path(__file__).with_name("playbook_lines")
# Kept with a cancellation and logged with its event: never the lead's own words, which are theirs.
_CANCEL_REASON = "the lead asked to cancel and confirmed"


@cache
def lines(language: str) -> dict[str, Any]:
    """Everything the playbook says itself in ``language`` (``playbook_lines/<code>.yaml``)."""
    path = _LINES / f"{language}.yaml"
    if not path.exists():
        raise ProviderError(f"the playbook has no lines in {language!r}: add {path}", provider="playbook")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


class PlaybookModel:
    name = "playbook"

    def __init__(self, profile: Profile):
        self.profile = profile

    def complete(self, request: ModelRequest) -> ModelResponse:
        if request.state is None:
            raise ProviderError("the playbook model needs the conversation state", provider="playbook")
        turn = _Turn(self.profile, request.state, request.messages)
        return turn.after_tools() if turn.tool_results else turn.after_lead()


class _Turn:
    """One decision, from the state and the messages since AVA last spoke."""

    def __init__(self, profile: Profile, state: ConversationState, messages: list[ChatMessage]):
        served = profile.served_languages
        self.served = state.language in served
        self.language = state.language if self.served else profile.persona.language
        self.base = profile
        self.profile = profile.localized(self.language)
        self.lines = lines(self.language)
        self.state = state
        # The business's automated messages (an autoresponder, a reminder) are neither the lead's
        # words nor AVA's, nor a conversation with the team: the playbook reads past them.
        self.messages = [m for m in messages if not m.text.startswith("[AVA engine]") and m.name != BUSINESS]
        self.tool_results: dict[str, dict[str, Any]] = {}
        self.searches: list[dict[str, Any]] = []  # every search_knowledge result (one per collection)
        for m in reversed(self.messages):
            if m.role != "tool":
                break
            self.tool_results.setdefault(m.name or "", _json(m.text))
            if m.name == "search_knowledge":
                self.searches.append(_json(m.text))
        self.lead_text = "\n".join(self._trailing_lead_messages())

    # --- after the lead wrote -------------------------------------------------------------

    def after_lead(self) -> ModelResponse:
        text, state = self.lead_text, self.state
        if opted_out(self.base, text):
            # The engine settles opt-outs before any model runs; handed one anyway, record nothing.
            return self._say(self.profile.opt_out.confirmation)
        if not self.served:
            return self._call("handoff_to_human", reason=f"the lead writes in a language AVA does not speak "
                                                         f"({self.state.language})")
        if state.appointment is not None:
            return self._after_booking(text)
        if state.status == "disqualified":
            return self._after_disqualified(text)
        if _BOT_QUESTION.search(text):
            return self._say(self._line("bot"), self._next_step_text())
        if self._asks_for_person(text):
            return self._call("handoff_to_human", reason="the lead asked to talk to a person")
        if not self._has_spoken():
            # Whatever the first message already answers is recorded before the greeting goes out,
            # and so is what the lead told the team, a form or an ad before AVA took part.
            calls = self._answers_in(text)
            calls += self._earlier_answers(skip={a["field"] for n, a in calls if n == "record_qualification"})
            if calls:
                return self._calls(calls)
            if self._looks_like_objection(text) and not _GREETING_ONLY.match(text):
                return self._objection(text)
            return self._say(self._greeting(), self._next_step_text())
        if _NOT_INTERESTED.search(text):
            return self._say(self._line("not_interested"))
        if state.status == "qualified":
            return self._choose_time(text)
        return self._answer_question(text)

    def _after_disqualified(self, text: str) -> ModelResponse:
        """A correction ("wait, that's winter, summer is $250") is recorded again; "can I still book?"
        gets a kind, honest no with the reason; anything else gets one polite close, and a lead
        who keeps writing gets a person."""
        failed = self.profile.qualification.get(self.state.disqualified_reason or "")
        if self._last_was("offer_person", ending=True):
            if interpret_yes_no(text) == "yes":
                return self._call("handoff_to_human", reason="a lead who does not qualify asked to talk it over "
                                                             "with a person, as the business allows")
            if interpret_yes_no(text) == "no":
                return self._say(self._line("disqualified_closing"))
        # "ok thanks" corrects nothing; "wait, I do own it" and "sorry, summer's $250" do.
        if failed is not None and (self._speaks_to(failed, text) or _CORRECTION.search(text)):
            answer = interpret(failed, text, today=self.state.now.date())
            item = self.state.item(failed.field)
            if answer is not None and item is not None and answer != item.answer:
                return self._calls(self._record(failed, answer, text))
        if self._asks_for_person(text):  # the profile's hand-off rules hold for every lead
            return self._call("handoff_to_human", reason="a lead who does not qualify asked to talk to a person")
        if appointment_request(text, self._reading()).book and self._last_said() != self._no_booking(failed):
            return self._say(self._no_booking(failed))
        closing = self._line("disqualified_closing")
        if self._last_said() == closing or "?" in text:
            return self._call("handoff_to_human", reason="a disqualified lead keeps writing")
        return self._say(closing)

    def _answers_in(self, text: str, *, besides: Question | None = None,
                    skip: frozenset[str] | set[str] = frozenset()) -> list[tuple[str, dict]]:
        """The answers a message gives outright to questions still missing, in the profile's
        order (all of them for a first message; those besides the one asked for later ones)."""
        calls: list[tuple[str, dict]] = []
        for field in self.state.missing:
            question = self.profile.qualification.get(field)
            if question is None or field in skip or (besides is not None and field == besides.field):
                continue
            if not self._speaks_to(question, text):
                continue
            value = interpret(question, self._about(question, text), today=self.state.now.date())
            if value is not None:
                calls += self._record(question, value, text)
        return calls

    def _earlier_answers(self, *, skip: set[str]) -> list[tuple[str, dict]]:
        """Answers in what the lead wrote before the messages shown (the conversation's summary),
        for questions still missing; the newest answer to a question wins."""
        earlier = self.state.earlier
        if earlier is None:
            return []
        calls: list[tuple[str, dict]] = []
        taken = set(skip)
        for line in reversed(earlier.lines):
            if line.who != "lead":
                continue
            found = self._answers_in(line.text, skip=taken)
            taken |= {a["field"] for n, a in found if n == "record_qualification"}
            calls += found
        return calls

    def _speaks_to(self, question: Question, text: str) -> bool:
        """Whether a message clearly answers this question, not merely holds a number or a "yes"."""
        match question.kind:
            case "yes_no":
                return bool(re.search(r"\b(own|owner|rent|renting|tenant|dueñ[oa]|propia|rento|rentamos|alquilo)\b",
                                      text, re.I))
            case "amount" | "number":
                return bool(_MONEY.search(text))
            case "years":
                return bool(re.search(r"\b(years?|yrs?|roof)\b", text, re.I))
            case "zip":
                return bool(answers.zip_code(text))
            case "choice":
                phrases = [p for o in question.options for p in (o, *question.synonyms.get(o, []))]
                return any(p.casefold() in text.casefold() for p in phrases)
            case _:
                return False

    def _about(self, question: Question, text: str) -> str:
        """The part of a long message that speaks to this question: its money mention, or the
        clause naming the roof's years."""
        if question.kind in ("amount", "number") and (money := _MONEY.search(text)):
            return money.group(0)
        if question.kind != "years":
            return text
        clauses = re.split(r"[,;.\n]| and ", text)
        return next((c for c in clauses if re.search(r"\b(roof|years?|yrs?)\b", c, re.I)), text)

    def _answer_question(self, text: str) -> ModelResponse:
        question = self._pending()
        asked = self._place_asked() if question is not None and question.kind == "zip" else None
        if asked is not None and (reply := self._confirm_place(text, asked)) is not None:
            return reply
        answer = interpret(question, text, today=self.state.now.date()) if question else None
        # At the ZIP question the check judges the whole place the lead gave, not only its ZIP.
        place = place_in(text) if question is not None and question.kind == "zip" and is_place(text) else None
        if question is not None and question.kind == "zip" and not answers.zip_code(text):
            answer = None
            if place and not self._looks_like_objection(text, strict=True):
                # A city, a landmark, a street address: the service-area check places it, then it is recorded.
                return self._call("check_service_area", address_or_zip=place)
        if question is not None and answer is not None and not self._is_question_only(text, question):
            calls = self._record(question, answer, text, place=place)
            calls += self._answers_in(text, besides=question)
            return self._calls(calls)
        if question is not None and (other := self._answers_in(text, besides=question)):
            return self._calls(other)  # a later answer now; the pending question comes again after it
        rough_guess = self._line("rough_guess", question=question.question) if question else ""
        if (question is not None and question.kind in ("amount", "years", "number") and _UNSURE.search(text)
                and self._unclear_count() <= 1):
            return self._say(rough_guess)
        if reply := self._aside(text):
            return reply
        if self._looks_like_objection(text):
            return self._objection(text)
        return self._unclear()

    def _aside(self, text: str) -> ModelResponse | None:
        """A message that is neither an answer nor an objection, answered as what it is:
        "hold on one second", "I have two questions first"."""
        if _QUESTIONS_FIRST.search(text) and "?" not in text:
            return self._say(self._line("questions_first"))
        if _WAIT.search(text) and "?" not in text:
            return self._say(self._line("wait"))
        return None

    def _record(self, question: Question, answer: str, text: str, *, place: str | None = None
                ) -> list[tuple[str, dict]]:
        if question.kind == "zip":
            where = place or answer  # the same words for both: the check's answer is cached for the verdict
            return [("check_service_area", {"address_or_zip": where}),
                    ("record_qualification", {"field": question.field, "value": where})]
        return [("record_qualification", {"field": question.field, "value": text if question.kind == "text" else answer})]

    def _choose_time(self, text: str) -> ModelResponse:
        offered = self.state.offered_slots
        if not offered:
            return self._call("get_free_slots")
        proposed = self._proposed_slot()
        if proposed is not None and interpret_yes_no(text) == "yes":
            return self._call(self._booking_tool(), slot_id=proposed.id)
        request = parse_request(text, self.state.now, self.language)
        chosen = match_offered(request, offered, self.state.now)
        if chosen is not None and (text.strip().endswith("?") or not request.exact):
            # A question ("anything Saturday morning?") or a preference ("afternoons are better")
            # is not yet a booking: propose the slot, and book on yes.
            return self._say(f"{self._line('slot_open', label=self._label(chosen.start))} {self._confirm()}")
        if chosen is not None:
            return self._call(self._booking_tool(), slot_id=chosen.id)
        if (args := search_args(request, self.state.now)) is not None:
            return self._call("get_free_slots", **args)
        if _OTHER_TIMES.search(text):
            return self._other_times()
        if reply := self._aside(text):
            return reply
        if interpret_yes_no(text) == "yes" and not self._looks_like_objection(text, strict=True):
            which = self._line("which_one") + "\n" + self._slot_list([{"id": s.id} for s in offered])
            if self._last_said() == which:  # a second "ok": suggest one, as a person would
                return self._say(f"{self._line('how_about', label=self._label(offered[0].start))} "
                                 f"{self._confirm()}")
            return self._say(which)
        if self._looks_like_objection(text, strict=True):
            return self._objection(text)
        return self._unclear()

    def _other_times(self) -> ModelResponse:
        """"None of those work": look past the times offered, and ask what suits them."""
        later = max(s.start for s in self.state.offered_slots).astimezone(self.state.now.tzinfo) + timedelta(hours=1)
        return self._call("get_free_slots", **{"from": later.isoformat(timespec="minutes")})

    def _proposed_slot(self):
        """The slot AVA's last message proposed with a yes/no question, if it did."""
        last = next((m.text for m in reversed(self.messages)
                     if m.role == "assistant" and m.text and not m.tool_calls), "")
        if not last.endswith(self._confirm()):
            return None
        by_label = [s for s in self.state.offered_slots if self._label(s.start) in last]
        return by_label[0] if len(by_label) == 1 else None

    def _after_booking(self, text: str) -> ModelResponse:
        appointment = self.state.appointment
        if (changing := self._change_booking(text)) is not None:
            return changing
        if self._asks_for_person(text):
            return self._call("handoff_to_human", reason="the lead asked to talk to a person")
        if not appointment.link_sent or re.search(r"\blink\b", text, re.I):
            return self._call("send_meeting_link")
        if _THANKS.match(text):
            return self._say(self._line("welcome", label=self._label(appointment.start)))
        if self._looks_like_objection(text):
            return self._objection(text)
        return self._say(self._line("all_set", label=self._label(appointment.start)))

    def _change_booking(self, text: str) -> ModelResponse | None:
        """A booked lead cancelling or moving it: a cancel is confirmed first; a move offers fresh
        times (on the day or time they name) and books the one they choose; "something came up"
        asks which. None: the message is about something else."""
        appointment = self.state.appointment
        label = self._label(appointment.start)
        title = self.base.booking.meeting_title.lower()
        now = self.state.now
        request = appointment_request(text, self._reading())
        names_time = search_args(parse_request(text, now, self.language), now) is not None
        wants = request.wants(names_time=names_time)
        answer = interpret_yes_no(text)
        if self._last_was("cancel_check") and wants != "move":
            if answer == "no" or wants == "keep":
                return self._say(self._line("kept", label=label))
            if answer == "yes" or wants == "cancel":
                return self._call("cancel_appointment", reason=_CANCEL_REASON)
        if self._last_was("move_or_cancel"):
            if wants == "cancel":  # chosen, having just heard which appointment: no second check
                return self._call("cancel_appointment", reason=_CANCEL_REASON)
            if wants == "keep" or answer == "no":
                return self._say(self._line("kept", label=label))
            if wants == "move" or names_time or answer == "yes":
                return self._new_times(text)
        if self._moving() and wants in (None, "move", "keep"):
            if wants == "keep":
                return self._say(self._line("kept", label=label))
            return self._choose_time(text)  # a choice among the times just offered, or another search
        if wants == "cancel":
            return self._say(self._line("cancel_check", title=title, label=label))
        if wants == "ask":
            return self._say(self._line("move_or_cancel", title=title, label=label))
        if wants == "move":
            return self._new_times(text)
        return None

    def _new_times(self, text: str) -> ModelResponse:
        """Free times to move the booking to, on the day or at the time the lead named; "later"
        looks past the booked time."""
        now = self.state.now
        args = search_args(parse_request(text, now, self.language), now)
        if args is None and appointment_request(text, self._reading()).later:
            after = self.state.appointment.end.astimezone(now.tzinfo)
            args = {"from": after.isoformat(timespec="minutes")}
        return self._call("get_free_slots", **(args or {}))

    def _moving(self) -> bool:
        """A booked lead is choosing a new time: the latest times were offered after the booking."""
        appointment, offered = self.state.appointment, self.state.offered_slots
        return (appointment is not None and bool(offered) and appointment.booked_at is not None
                and offered[0].offered_at is not None and offered[0].offered_at > appointment.booked_at)

    def _last_was(self, key: str, *, ending: bool = False) -> bool:
        """Whether AVA's last message was this line (``ending``: ended with it), whatever time it
        named: a question asked yesterday about "tomorrow at 9" is answered today."""
        marker = "\x00"
        filled = self._line(key, title=self.base.booking.meeting_title.lower(), label=marker, link=marker)
        pattern = ".+".join(re.escape(part) for part in filled.split(marker))
        return re.fullmatch((".*" if ending else "") + pattern, self._last_said(), re.S) is not None

    def _booking_tool(self) -> str:
        return "reschedule_appointment" if self.state.appointment is not None else "book_appointment"

    def _confirm(self) -> str:
        """The question that proposes a time: to book it, or to move the booking there."""
        return self._line("move_confirm" if self.state.appointment is not None else "confirm")

    def _no_booking(self, failed: Question | None) -> str:
        """A kind, honest no to a lead who does not qualify: the reason, and what the business allows."""
        reason = (failed.decline_reason or failed.disqualify_message) if failed else ""
        offer = "offer_person" if self.base.handoff.offer_to_disqualified else "no_booking_close"
        title = self.base.booking.meeting_title.lower()
        return " ".join(p for p in (self._line("no_booking", title=title), reason, self._line(offer)) if p)

    def _reading(self) -> list[str]:
        """The languages a lead's requests are read in: theirs, then AVA's first."""
        return list(dict.fromkeys([self.language, self.base.persona.language]))

    def _objection(self, text: str) -> ModelResponse:
        if (intent := asked_about(text)) is not None:
            # Answered by a rule, not from the knowledge: nothing to search.
            parts = [self._rule_line(intent), self._next_step_text(after_objection=True)]
            return self._say(*([self._greeting()] if not self._has_spoken() else []), *parts)
        # Always through the tool, so the trace names the source of the answer; both collections,
        # so an objection pair is only used when it beats what the documents say.
        return self._calls([("search_knowledge", {"query": text, "kind": "objection"}),
                            ("search_knowledge", {"query": text, "kind": "domain"})])

    def _unplaced(self) -> ModelResponse:
        """A place the service-area check could not find counts as a miss at the ZIP question:
        asked again, then put another way with examples, and a third miss brings a person."""
        if self._unclear_count() < self.profile.handoff.after_unclear_answers:
            return self._say(self._line("cant_place"))
        return self._unclear()

    def _place_asked(self) -> dict[str, Any] | None:
        """The service-area result whose question AVA's last message put to the lead ("Just to be
        sure: is that Georgetown, TX or Georgetown, KY?"), or None when it asked something else."""
        last, said_it = self._last_said(), False
        for m in reversed(self.messages):
            if m.role == "assistant" and m.text and not m.tool_calls:
                if said_it and m.text != last:  # the same question asked again still asks it
                    return None
                said_it = True
            elif said_it and m.role == "tool":
                if m.name != "check_service_area":
                    return None
                result = _json(m.text)
                asked = result.get("candidates") and result.get("ask")
                return result if asked and result["ask"] in last else None
        return None

    def _confirm_place(self, text: str, asked: dict[str, Any]) -> ModelResponse | None:
        """The lead's answer to "is that …?": a place named or pointed at, a yes to the only one, a
        no (then the ZIP is asked), or more words about the same place. None when it gives a new
        place (a ZIP, an address, a pin) or something else: that is read as any answer is."""
        candidates: list[str] = asked["candidates"]
        position = list_position(text, self.language)
        if position is not None and -len(candidates) <= position < len(candidates):
            return self._call("check_service_area", address_or_zip=candidates[position])
        if re.search(r"\d", text) or pin_in(text):
            return None
        verdict = interpret_yes_no(text)
        named = _named(text, candidates)
        if named is not None and verdict != "no":
            return self._call("check_service_area", address_or_zip=named)
        if verdict == "no":
            return self._say(self._line("zip_instead"))
        if verdict == "yes" and len(candidates) == 1:
            return self._call("check_service_area", address_or_zip=candidates[0])
        if verdict == "yes" and len(text.split()) <= 2:
            return self._say(asked["ask"])  # "yes" to two places: which one
        if is_place(text) or (verdict == "yes" and "?" not in text):
            # "texas", "the one in Texas": the place they first gave, said more fully.
            return self._call("check_service_area", address_or_zip=f"{asked['query']}, {text.strip()}")
        return None

    def _unclear(self) -> ModelResponse:
        """Asked twice, a question is put another way with examples; a third miss brings a person."""
        misses = self._unclear_count()
        limit = self.profile.handoff.after_unclear_answers
        if misses > limit:
            return self._call("handoff_to_human", reason=f"{misses} answers in a row the playbook could not understand")
        question = self._pending()
        if self.state.status == "qualified" and self.state.offered_slots:
            listing = "; ".join(f"{i}) {self._label(s.start)}" for i, s in enumerate(self.state.offered_slots, 1))
            return self._say(self._line("unclear_time", listing=listing))
        if question is None:
            return self._say(self._line("unclear", question="", hint="").strip())
        if misses == limit and question.kind in self.lines["examples"]:
            examples = self.lines["examples"][question.kind]
            if question.kind == "choice" or not examples:
                examples = [self.base.option_label(question.field, o, self.language) for o in question.options]
            said = ", ".join(f'"{e}"' for e in examples[:-1]) + f' {self.lines["or"]} "{examples[-1]}"'
            return self._say(self._line("rephrase", question=question.question, examples=said))
        hint = self.lines["hints"].get(question.kind, "")
        labels = [self.base.option_label(question.field, o, self.language) for o in question.options]
        if question.kind == "choice" and not all(label.casefold() in question.question.casefold() for label in labels):
            hint = self._line("choice_hint", options=", ".join(labels[:-1]) + f" {self.lines['or']} {labels[-1]}")
        return self._say(self._line("unclear", question=question.question, hint=hint).strip())

    # --- after tools answered -------------------------------------------------------------

    def after_tools(self) -> ModelResponse:
        response = self._after_tools()
        if response.text and not self._has_spoken() and not self.state.handoff:
            # The lead's first message was answered with tools; the reply still opens with hello.
            response = response.model_copy(update={"text": f"{self._greeting()}\n\n{response.text}"})
        return response

    def _after_tools(self) -> ModelResponse:
        results = self.tool_results
        if "handoff_to_human" in results:
            if results["handoff_to_human"].get("say"):
                # In the lead's language (in each one AVA speaks when theirs is none of them),
                # after the confirmation of anything this turn booked.
                return self._say(results["handoff_to_human"]["say"])
            if not self.served:  # a language AVA does not speak: say it in each one it does
                return self._say(*(self.base.localized(code).handoff.message for code in self.base.served_languages))
            return self._say(self.profile.handoff.message)
        if "cancel_appointment" in results or "reschedule_appointment" in results:
            return self._after_change(results)
        if "send_meeting_link" in results:
            r = results["send_meeting_link"]
            if r.get("ok"):
                return self._say(
                    self._line("booked", label=r["label"]),
                    self._line("link_for", title=r["title"].lower(), minutes=str(r["minutes"]), link=r["link"]),
                    self._line("what_next"),
                )
            if r.get("confirmation"):  # booked, but no link: say what is known; the tool alerted the team
                return self._say(r["confirmation"], self._line("before_then"))
            return self._call("handoff_to_human", reason=f"the meeting link could not be sent: {r.get('error')}")
        if "book_appointment" in results:
            r = results["book_appointment"]
            if r.get("ok"):
                return self._call("send_meeting_link")
            if r.get("alternatives"):
                return self._say(self._line("slot_taken") + "\n" + self._slot_list(r["alternatives"]),
                                 self._line("which_works_short"))
            return self._call("get_free_slots")
        if "get_free_slots" in results:
            r = results["get_free_slots"]
            asked_other = _OTHER_TIMES.search(self.lead_text) is not None
            if asked_other and (not r.get("ok") or r.get("requested_unavailable")):
                # Nothing past what was offered: never a dead end, ask what would suit them.
                return self._say(self._line("no_times_left", days=str(self.profile.booking.days_ahead)))
            if r.get("ok"):
                moving = self.state.appointment is not None  # times to move the booking to
                first_offer = not moving and not any(
                    m.role == "tool" and m.name == "get_free_slots" for m in self._earlier_tools())
                if r.get("requested_unavailable"):
                    opener = self._line("nothing_then", working_hours=r["working_hours"])
                elif len(r["slots"]) == 1 and not first_offer:
                    return self._say(f"{self._line('slot_open', label=self._label_of(r['slots'][0]))} "
                                     f"{self._confirm()}")
                elif asked_other:
                    return self._say(f"{self._line('other_times')}\n{self._slot_list(r['slots'])}",
                                     self._line("suit_you"))
                elif moving:
                    opener = self._line("move_offer")
                else:
                    opener = self._line("first_offer") if first_offer else self._line("more_times")
                return self._say(f"{opener}\n{self._slot_list(r['slots'])}", self._line("which_works"))
            if r.get("missing"):
                return self._say(self._next_step_text())
            return self._call("handoff_to_human", reason="no free appointment times in the booking horizon")
        if "record_qualification" in results:
            r = results["record_qualification"]
            if not r.get("ok"):
                return self._unclear()
            if r["status"] == "disqualified":
                failed = self.profile.qualification.get(r.get("disqualified_because") or "")
                return self._say((failed.disqualify_message if failed else None) or self._line("disqualified"))
            if r["status"] == "qualified":
                return self._call("get_free_slots")
            question = self._pending()
            return self._say(f"{self._ack()} {question.question if question else r['next_question']}")
        if "check_service_area" in results:
            r = results["check_service_area"]
            if r.get("in_area") is None:
                if r.get("candidates") and r.get("ask"):
                    return self._say(r["ask"])  # which place they meant, in their language
                return self._unplaced()
            pending = self._pending()
            if pending is not None and pending.kind == "zip":  # a city or address given at the ZIP question
                # Recorded in the words that were checked, so the verdict is the check's own.
                return self._call("record_qualification", field=pending.field, value=r["query"])
            return self._say(self._next_step_text())
        if "search_knowledge" in results:
            return self._say(self._knowledge_answer(), self._next_step_text(after_objection=True))
        return self._say(self._next_step_text())

    def _after_change(self, results: dict[str, dict[str, Any]]) -> ModelResponse:
        """What the lead hears after a cancel or a move: done, and for a move the link for the new
        time; a time taken meanwhile brings others; anything else, a person."""
        if "cancel_appointment" in results:
            r = results["cancel_appointment"]
            cancelled = self.state.cancelled
            if r.get("ok") and cancelled is not None:
                return self._say(self._line("cancelled", title=self.base.booking.meeting_title.lower(),
                                            label=self._label(cancelled.start)))
            return self._call("handoff_to_human", reason=f"the appointment could not be cancelled: {r.get('error')}")
        r = results["reschedule_appointment"]
        if r.get("ok"):
            link = self._line("new_link", link=r["link"]) if r.get("link") else self._line("link_by_team")
            return self._say(self._line("moved", label=self._label_of({"id": r["slot_id"]})), link)
        if r.get("alternatives"):
            return self._say(self._line("slot_taken") + "\n" + self._slot_list(r["alternatives"]),
                             self._line("which_works_short"))
        return self._call("handoff_to_human", reason=f"the appointment could not be moved: {r.get('error')}")

    def _knowledge_answer(self) -> str:
        """What answers the lead's question or objection (``knowledge.answering``), said in their language.

        A pair's closing question is dropped: the playbook asks its own next question after it,
        and two questions in one reply leave the lead unsure which to answer. Knowledge written in
        another language than the lead's is not quoted to them: a question gets the honest "the
        advisor will answer that", anything else the profile's fallback, both in theirs.
        """
        passages = []
        for result in self.searches:
            for p in result.get("passages") or []:
                source, _, section = p.get("source", "").partition(" › ")
                passages.append(Passage(id=p.get("source", ""), kind=p.get("kind", "domain"), text=p.get("text", ""),
                                        source=source, section=section, response=p.get("response"),
                                        tags=p.get("tags") or [], score=p.get("score", 0.0)))
        decided = answer(self.lead_text, passages, self.base, language=self.language)
        match decided.kind:
            case "privacy" | "identity":
                return self._rule_line(decided.kind)
            case "objection" if self._reads_as_theirs(decided.passage.response or ""):
                return _without_closing_question(decided.passage.response or "")
            case "passage" if self._reads_as_theirs(decided.passage.text):
                return _first_sentences(_plain(decided.passage.text), 280)
            case "off_topic":
                return self._line("off_topic")
            case "unknown":
                return self._unknown(decided.topic)
        if is_question(self.lead_text):
            return self._unknown(None)
        return self.profile.knowledge.fallback_objection_reply

    def _unknown(self, topic: str | None) -> str:
        """Nothing the business wrote answers the question: no guess, the advisor answers it on the call."""
        return self._line("unknown_about", topic=topic) if topic else self._line("unknown")

    def _rule_line(self, intent: str) -> str:
        """Other customers' details stay private; who the business is, from the profile in the lead's language."""
        if intent == "privacy":
            return self._line("privacy")
        business = self.profile.business
        about = business.about or (business.description if self.language == self.base.persona.language else None)
        return self._line("identity", about=about.strip()) if about else self._line("identity_name")

    def _reads_as_theirs(self, text: str) -> bool:
        """Whether the business's own text is in the lead's language (or shows none)."""
        return detect(text, self.base.served_languages, profile_vocabulary(self.base)) in (None, self.language)

    # --- words ----------------------------------------------------------------------------

    def _greeting(self) -> str:
        first_name = (self.state.lead_name or "").split(" ")[0] or self.lines.get("no_name", "")
        if self._met_before():  # not a stranger: the team or a campaign already talked with them
            greeting = self._line("picking_up", lead_name=first_name)
        else:
            greeting = self.profile.persona.greeting.format(
                lead_name=first_name, persona_name=self.profile.persona.name, business_name=self.profile.business.name
            )
        return re.sub(r"\s+([!,.])", r"\1", greeting)  # "¡Hola !" when there is no name to put in

    def _next_step_text(self, *, after_objection: bool = False) -> str:
        """What moves the conversation forward from here: the next question or the time choice."""
        state = self.state
        if state.appointment is not None:
            return self._line("before_consultation")
        if state.status == "qualified":
            if not state.offered_slots:
                return self._line("find_time")
            return self._line("times_again", listing=self._slot_list([{"id": s.id} for s in state.offered_slots]))
        question = self._pending()
        if question is None:
            return ""
        if after_objection:
            # Lower-cased inside the sentence: "do you own…", "¿es usted dueño…" (past its "¿").
            return self._line("fit_question", question=re.sub(r"^(\W*)(\w)", lambda m: m[1] + m[2].lower(),
                                                               question.question))
        if not self._has_spoken():
            return self._line("first_question", question=question.question)
        return question.question

    def _slot_list(self, slots: list[dict]) -> str:
        return "\n".join(f"{i}. {self._label_of(s)}" for i, s in enumerate(slots, 1))

    def _label_of(self, slot: dict) -> str:
        """A slot from a tool result, said in the lead's language, today's and tomorrow's by those words."""
        try:
            return self._label(datetime.fromisoformat(slot["id"]))
        except (KeyError, ValueError):
            return slot.get("label", "")

    def _label(self, start: datetime) -> str:
        return slot_label(start, self.profile.tz, now=self.state.now, language=self.language)

    def _ack(self) -> str:
        answered = sum(1 for item in self.state.qualification if item.answer is not None)
        acks = self.lines["acks"]
        return acks[answered % len(acks)]

    def _line(self, key: str, **values: str) -> str:
        return self.lines[key].format(persona_name=self.profile.persona.name,
                                      business_name=self.profile.business.name, **values).strip()

    # --- reading the conversation ---------------------------------------------------------

    def _pending(self) -> Question | None:
        missing = self.state.missing
        return self.profile.qualification.get(missing[0]) if missing else None

    def _trailing_lead_messages(self) -> list[str]:
        texts = []
        for m in reversed(self.messages):
            if m.name == TEAM:
                break  # a person on the team answered what came before
            if m.role == "user":
                texts.append(m.text)
            elif m.role == "assistant" and m.text and not m.tool_calls:
                break
        return list(reversed(texts))

    def _has_spoken(self) -> bool:
        """Whether AVA said anything to the lead: in the messages shown, or before them."""
        earlier = self.state.earlier
        return any(m.role == "assistant" and m.text and not m.tool_calls for m in self.messages) or (
            earlier is not None and any(line.who == "ava" for line in earlier.lines))

    def _met_before(self) -> bool:
        """Whether the business talked with the lead before AVA did (the team, a campaign)."""
        earlier = self.state.earlier
        return any(m.name == TEAM for m in self.messages) or (
            earlier is not None and any(line.who in ("team", "business") for line in earlier.lines))

    def _earlier_tools(self) -> list[ChatMessage]:
        count = len(self.tool_results)
        tools = [m for m in self.messages if m.role == "tool"]
        return tools[:-count] if count else tools

    def _unclear_count(self) -> int:
        """Lead turns since AVA last made progress (a tool call) that the playbook could not read."""
        count, turn_texts = 0, []
        groups: list[tuple[list[str], bool]] = []
        unplaced = False  # the texts being gathered were a place the service-area check could not find
        results = {m.tool_call_id: _json(m.text) for m in self.messages if m.role == "tool"}
        for m in reversed(self.messages):
            if m.name == TEAM:
                break  # a person on the team took it from there
            if m.role == "assistant" and m.tool_calls:
                if not _placed_nothing(m, results):
                    break
                unplaced = True  # junk at the ZIP question is a miss, not progress
                continue
            if m.role == "user":
                turn_texts.append(m.text)
            elif m.role == "assistant" and m.text:
                if turn_texts:
                    groups.append((turn_texts, unplaced))
                turn_texts, unplaced = [], False
                if not any(x.role == "assistant" and x.text and not x.tool_calls
                           for x in self.messages[: self.messages.index(m)]):
                    break  # the greeting came before the first question was asked
        if turn_texts:
            groups.append((turn_texts, unplaced))
        question = self._pending()
        for texts, missed in groups:
            joined = " ".join(texts)
            if missed:
                count += 1
                continue
            readable = (question is not None and interpret(question, joined) is not None) or \
                bool(_BOT_QUESTION.search(joined)) or self._looks_like_objection(joined)
            if self.state.status == "qualified":
                readable = choose_slot(joined, self.state.offered_slots, self.state.now, self.language) is not None \
                    or readable
            count += 0 if readable else 1
        return count

    def _asks_for_person(self, text: str) -> bool:
        """A request for a person: a keyword with a request ("can I talk to a manager"), a bare
        keyword ("human please"), or a call request. "I'm a manager at Dell" is not one."""
        lowered = text.casefold()
        if re.search(r"\bcall me\b|\bcan (someone|somebody) (just )?call\b", lowered):
            return True
        for keyword in self.profile.handoff.keywords:
            k = keyword.casefold()
            if not re.search(rf"\b{re.escape(k)}\b", lowered):
                continue
            if " " in k and k.split()[0] in ("speak", "talk", "chat"):
                return True
            if _PERSON_REQUEST.search(lowered) or len(lowered.split()) <= 3:
                return True
        return False

    def _looks_like_objection(self, text: str, *, strict: bool = False) -> bool:
        """A question or objection for the knowledge base; ``strict`` needs real objection words
        or a question AVA answers by rule, not just a question ("can we do 2:30?" is about time)."""
        if asked_about(text) is not None:
            return True
        if strict:
            return bool(_OBJECTION_WORDS.search(text))
        return bool(_OBJECTION.search(text)) or is_question(text)

    def _last_said(self) -> str:
        return next((m.text for m in reversed(self.messages)
                     if m.role == "assistant" and m.text and not m.tool_calls), "")

    def _is_question_only(self, text: str, question: Question) -> bool:
        """'How much does it cost?' contains no answer even if a number-reader finds one."""
        return text.strip().endswith("?") and question.kind not in ("yes_no",) and not re.search(r"\d", text)

    # --- responses ------------------------------------------------------------------------

    def _say(self, *parts: str) -> ModelResponse:
        return ModelResponse(text="\n\n".join(p for p in parts if p), model="playbook", provider="playbook")

    def _call(self, name: str, **args: Any) -> ModelResponse:
        return self._calls([(name, args)])

    def _calls(self, calls: list[tuple[str, dict]]) -> ModelResponse:
        base = len(self.messages)
        return ModelResponse(
            tool_calls=[ToolCall(id=f"pb_{base}_{i}", name=n, args=a) for i, (n, a) in enumerate(calls)],
            model="playbook",
            provider="playbook",
        )


def _placed_nothing(message: ChatMessage, results: dict[str | None, dict[str, Any]]) -> bool:
    """Whether a model step only checked places the service-area check could not find at all
    (no verdict and no candidates to ask about)."""
    return all(
        call.name == "check_service_area" and (r := results.get(call.id)) is not None
        and r.get("ok", True) and r.get("in_area") is None and not r.get("candidates")
        for call in message.tool_calls
    )


def _named(text: str, candidates: list[str]) -> str | None:
    """The one candidate place a reply names by a word only it has ("TX" of "Georgetown, TX, USA"
    against "Georgetown, KY, USA"), if it names exactly one."""
    words = set(fold(text).split())
    bags = [set(fold(c).split()) for c in candidates]
    hits = [c for i, (c, bag) in enumerate(zip(candidates, bags, strict=True))
            if words & (bag - set().union(*(b for j, b in enumerate(bags) if j != i)))]
    return hits[0] if len(hits) == 1 else None


def _json(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {"ok": False, "error": text}
    return value if isinstance(value, dict) else {"ok": True, "value": value}


def _first_sentences(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = max(text.rfind(". ", 0, limit), text.rfind("! ", 0, limit), text.rfind("? ", 0, limit))
    return text[: cut + 1] if cut > 0 else text[:limit].rsplit(" ", 1)[0] + "…"


def _without_closing_question(text: str) -> str:
    sentences = re.split(r"(?<=[.!?])\s+", text.strip())
    while len(sentences) > 1 and sentences[-1].endswith("?"):
        sentences.pop()
    return " ".join(sentences)


def _plain(markdown: str) -> str:
    """A document chunk as a sentence a person would text: no headings, bullets or emphasis."""
    parts: list[str] = []
    bullets: list[str] = []
    for raw in markdown.splitlines():
        line = re.sub(r"[*_`]", "", raw).strip()
        if not line or line.startswith("#"):
            continue
        item = re.match(r"^([-*+]|\d+[.)])\s+(.*)", raw.strip())
        if item:
            bullets.append(re.sub(r"[*_`]", "", item.group(2)).rstrip("."))
            continue
        if bullets:
            parts.append(", ".join(bullets) + ".")
            bullets = []
        parts.append(line)
    if bullets:
        parts.append(", ".join(bullets) + ".")
    return " ".join(parts)
