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
from datetime import timedelta
from typing import Any

from ava_core.errors import ProviderError
from ava_core.models.base import ChatMessage, ModelRequest, ModelResponse, ToolCall
from ava_core.models.slot_choice import choose_slot, match_offered, parse_request, search_args
from ava_core.profile.models import Profile, Question
from ava_core.qualification import interpret, interpret_yes_no
from ava_core.state import ConversationState

_BOT_QUESTION = re.compile(
    r"\b(are|r) (you|u) (a |an )?(bot|robot|ai|real|human|person|machine|automated)\b|\bis this (a )?(bot|automated|real person|ai)\b"
    r"|\boffline\b|\bwho am i (talking|speaking) to\b",
    re.I,
)
_OBJECTION_WORDS = re.compile(
    r"\b(expensive|cost|costs|price|pricing|afford|cheap|money|budget|think about|thinking|"
    r"wife|husband|spouse|partner|scam|trust|legit|later|not now|busy|quote|competitor|another company|"
    r"contract|lease|loan|financ\w*|warranty|hoa|moving|ugly|roof|hail|maintenance|battery|tax credit|credit score|"
    r"just send|send me info|not interested|how (much|long|does)|what (is|are|if)|why|does it|do you)\b",
    re.I,
)
_OBJECTION = re.compile(r"\?|" + _OBJECTION_WORDS.pattern, re.I)
_THANKS = re.compile(r"^\W*(thanks|thank you|thx|ty|great|awesome|perfect|cool|ok|okay|sounds good|got it)\W*$", re.I)
_RESCHEDULE = re.compile(
    r"\b(reschedul\w*|cancel\w*|move (it|the appointment|the call)|change (the )?(time|day|date)|instead|"
    r"(a )?different (day|time)|another (day|time)|can('?t| not| ?not) make it|push it)\b",
    re.I,
)
_MONEY = re.compile(
    r"\$\s*[\d,.]+k?|\b[\d,.]+k?\s*(dollars?|bucks|a month|per month|/\s*mo)\b|\bbill\b[^,.;]*?\d[\d,.]*", re.I
)
_UNSURE = re.compile(r"\b(not sure|unsure|idk|i don'?t know|no idea|dunno|no clue)\b", re.I)
_NOT_INTERESTED = re.compile(r"\b(not interested|no thanks|no thank you|not for me)\b", re.I)
_GREETING_ONLY = re.compile(r"^\W*(hi|hey|hello|hiya|howdy|good (morning|afternoon|evening)|yo)\W*(there)?\W*$", re.I)
_OTHER_LANGUAGE = re.compile(r"\b(hablan?|español|espanol|hola|gracias|buenos d[ií]as|parlez|deutsch)\b", re.I)
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
_CONFIRM = "Want me to book it for you?"
_ACKS = ["Perfect, thanks!", "Got it.", "Great, thank you.", "Awesome.", "Thanks!"]
_HINTS = {
    "yes_no": "A simple yes or no is perfect.",
    "amount": "A rough dollar amount is fine, like $150.",
    "years": "A rough number of years is fine.",
    "number": "A rough number is fine.",
    "zip": "Just the 5-digit ZIP code is perfect.",
    "text": "",
}


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
        self.profile = profile
        self.state = state
        self.messages = [m for m in messages if not m.text.startswith("[AVA engine]")]
        self.tool_results: dict[str, dict[str, Any]] = {}
        for m in reversed(self.messages):
            if m.role != "tool":
                break
            self.tool_results.setdefault(m.name or "", _json(m.text))
        self.lead_text = "\n".join(self._trailing_lead_messages())

    # --- after the lead wrote -------------------------------------------------------------

    def after_lead(self) -> ModelResponse:
        text, state = self.lead_text, self.state
        if state.appointment is not None:
            return self._after_booking(text)
        if state.status == "disqualified":
            return self._after_disqualified(text)
        if _BOT_QUESTION.search(text):
            return self._say(
                f"I'm {self.profile.persona.name}, {self.profile.business.name}'s AI assistant. I'm running in "
                "offline mode right now, so I stick to the essentials: a few quick questions and booking your "
                "free consultation. A person on our team can take anything else.",
                self._next_step_text(),
            )
        if self._asks_for_person(text):
            return self._call("handoff_to_human", reason="the lead asked to talk to a person")
        if _OTHER_LANGUAGE.search(text):
            return self._call("handoff_to_human", reason="the lead writes in another language than the persona's")
        if not self._has_spoken():
            # Whatever the first message already answers is recorded before the greeting goes out.
            calls = self._answers_in(text)
            if calls:
                return self._calls(calls)
            if self._looks_like_objection(text) and not _GREETING_ONLY.match(text):
                return self._objection(text)
            return self._say(self._greeting(), self._next_step_text())
        if _NOT_INTERESTED.search(text):
            return self._say("No problem at all, thanks for letting me know! If anything changes, just text us here.")
        if state.status == "qualified":
            return self._choose_time(text)
        return self._answer_question(text)

    def _after_disqualified(self, text: str) -> ModelResponse:
        """A correction ("wait, that's winter, summer is $250") is recorded again; anything else
        gets one polite close, and a lead who keeps writing gets a person."""
        failed = self.profile.qualification.get(self.state.disqualified_reason or "")
        if failed is not None:
            answer = interpret(failed, text, today=self.state.now.date())
            item = self.state.item(failed.field)
            if answer is not None and item is not None and answer != item.answer:
                return self._calls(self._record(failed, answer, text))
        closing = "Thanks for understanding! If anything changes, just text us here anytime."
        if self._last_said() == closing or "?" in text:
            return self._call("handoff_to_human", reason="a disqualified lead keeps writing")
        return self._say(closing)

    def _answers_in(self, text: str, *, besides: Question | None = None) -> list[tuple[str, dict]]:
        """The answers a message gives outright to questions still missing, in the profile's
        order (all of them for a first message; those besides the one asked for later ones)."""
        calls: list[tuple[str, dict]] = []
        for field in self.state.missing:
            question = self.profile.qualification.get(field)
            if question is None or (besides is not None and field == besides.field):
                continue
            if not self._speaks_to(question, text):
                continue
            value = interpret(question, self._about(question, text), today=self.state.now.date())
            if value is not None:
                calls += self._record(question, value, text)
        return calls

    def _speaks_to(self, question: Question, text: str) -> bool:
        """Whether a message clearly answers this question, not merely holds a number or a "yes"."""
        match question.kind:
            case "yes_no":
                return bool(re.search(r"\b(own|owner|rent|renting|tenant)\b", text, re.I))
            case "amount" | "number":
                return bool(_MONEY.search(text))
            case "years":
                return bool(re.search(r"\b(years?|yrs?|roof)\b", text, re.I))
            case "zip":
                return True
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
        clauses = re.split(r"[,;.]| and ", text)
        return next((c for c in clauses if re.search(r"\b(roof|years?|yrs?)\b", c, re.I)), text)

    def _answer_question(self, text: str) -> ModelResponse:
        question = self._pending()
        answer = interpret(question, text, today=self.state.now.date()) if question else None
        if question is not None and answer is not None and not self._is_question_only(text, question):
            calls = self._record(question, answer, text)
            calls += self._answers_in(text, besides=question)
            return self._calls(calls)
        if question is not None and (other := self._answers_in(text, besides=question)):
            return self._calls(other)  # a later answer now; the pending question comes again after it
        rough_guess = f"No problem, a rough guess is fine. {question.question}" if question else ""
        if (question is not None and question.kind in ("amount", "years", "number") and _UNSURE.search(text)
                and self._last_said() != rough_guess):
            return self._say(rough_guess)
        if self._looks_like_objection(text):
            return self._objection(text)
        return self._unclear()

    def _record(self, question: Question, answer: str, text: str) -> list[tuple[str, dict]]:
        if question.kind == "zip":
            return [("check_service_area", {"address_or_zip": answer}),
                    ("record_qualification", {"field": question.field, "value": answer})]
        return [("record_qualification", {"field": question.field, "value": text if question.kind == "text" else answer})]

    def _choose_time(self, text: str) -> ModelResponse:
        offered = self.state.offered_slots
        if not offered:
            return self._call("get_free_slots")
        proposed = self._proposed_slot()
        if proposed is not None and interpret_yes_no(text) == "yes":
            return self._call("book_appointment", slot_id=proposed.id)
        request = parse_request(text, self.state.now)
        chosen = match_offered(request, offered, self.state.now)
        if chosen is not None and (text.strip().endswith("?") or not request.exact):
            # A question ("anything Saturday morning?") or a preference ("afternoons are better")
            # is not yet a booking: propose the slot, and book on yes.
            return self._say(f"Yes, {chosen.label} is open. {_CONFIRM}")
        if chosen is not None:
            return self._call("book_appointment", slot_id=chosen.id)
        if (args := search_args(request, self.state.now)) is not None:
            return self._call("get_free_slots", **args)
        if _OTHER_TIMES.search(text):
            later = max(s.start for s in offered).astimezone(self.state.now.tzinfo) + timedelta(hours=1)
            return self._call("get_free_slots", **{"from": later.isoformat(timespec="minutes")})
        if interpret_yes_no(text) == "yes":
            which = "Great! Which one works best for you?\n" + self._slot_list([{"label": s.label} for s in offered])
            if self._last_said() == which:  # a second "ok": suggest one, as a person would
                return self._say(f"How about {offered[0].label}? {_CONFIRM}")
            return self._say(which)
        if self._looks_like_objection(text, strict=True):
            return self._objection(text)
        return self._unclear()

    def _proposed_slot(self):
        """The slot AVA's last message proposed with a yes/no question, if it did."""
        last = next((m.text for m in reversed(self.messages)
                     if m.role == "assistant" and m.text and not m.tool_calls), "")
        if not last.endswith(_CONFIRM):
            return None
        return choose_slot(last.removesuffix(_CONFIRM), self.state.offered_slots, self.state.now)

    def _after_booking(self, text: str) -> ModelResponse:
        appointment = self.state.appointment
        if _RESCHEDULE.search(text) or self._asks_for_person(text):
            return self._call("handoff_to_human", reason="the lead wants to change their booked appointment")
        if not appointment.link_sent or re.search(r"\blink\b", text, re.I):
            return self._call("send_meeting_link")
        if _THANKS.match(text):
            return self._say(f"You're welcome! Talk to you {appointment.label}. 👋")
        if self._looks_like_objection(text):
            return self._objection(text)
        return self._say(
            f"You're all set for {appointment.label}. If anything comes up before then, just text me here!"
        )

    def _objection(self, text: str) -> ModelResponse:
        # Always through the tool, so the trace names the source of the answer.
        return self._call("search_knowledge", query=text)

    def _unclear(self) -> ModelResponse:
        if self._unclear_count() >= self.profile.handoff.after_unclear_answers:
            return self._call("handoff_to_human", reason="two answers in a row the playbook could not understand")
        question = self._pending()
        if self.state.status == "qualified" and self.state.offered_slots:
            listing = "; ".join(f"{i}) {s.label}" for i, s in enumerate(self.state.offered_slots, 1))
            return self._say(f"Sorry, which time works for you? {listing}. Or tell me a day that suits you better.")
        hint = _HINTS.get(question.kind, "") if question else ""
        if question and question.kind == "choice" and not all(
                o.casefold() in question.question.casefold() for o in question.options):
            hint = "Is it " + ", ".join(question.options[:-1]) + f" or {question.options[-1]}?"
        return self._say(f"Sorry, I didn't quite catch that. {question.question if question else ''} {hint}".strip())

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
            return self._say(results["handoff_to_human"].get("say") or self.profile.handoff.message)
        if "send_meeting_link" in results:
            r = results["send_meeting_link"]
            if r.get("ok"):
                return self._say(
                    f"You're all set for {r['label']}! 🎉",
                    f"Here's your link for the {r['title'].lower()} ({r['minutes']} min): {r['link']}",
                    "One of our solar advisors will walk you through your custom savings estimate. "
                    "Anything I can help with before then?",
                )
            if r.get("confirmation"):  # booked, but no link: say what is known; the tool alerted the team
                return self._say(r["confirmation"], "Anything I can help with before then?")
            return self._call("handoff_to_human", reason=f"the meeting link could not be sent: {r.get('error')}")
        if "book_appointment" in results:
            r = results["book_appointment"]
            if r.get("ok"):
                return self._call("send_meeting_link")
            if r.get("alternatives"):
                return self._say("Ah, that time was just taken, sorry about that! Here's what I still have:\n"
                                 + self._slot_list(r["alternatives"]), "Which works best?")
            return self._call("get_free_slots")
        if "get_free_slots" in results:
            r = results["get_free_slots"]
            if r.get("ok"):
                first_offer = not any(m.role == "tool" and m.name == "get_free_slots" for m in self._earlier_tools())
                if r.get("requested_unavailable"):
                    opener = (f"Sorry, nothing's open then. Our advisors take calls {r['working_hours']}. "
                              "The closest times I have:")
                elif len(r["slots"]) == 1 and not first_offer:
                    return self._say(f"Yes, {r['slots'][0]['label']} is open. {_CONFIRM}")
                else:
                    opener = ("Great news, you're a good fit for a free consultation! Here are a few times that work:"
                              if first_offer else "Here's what I have:")
                return self._say(f"{opener}\n{self._slot_list(r['slots'])}", "Which one works best for you?")
            if r.get("missing"):
                return self._say(self._next_step_text())
            return self._call("handoff_to_human", reason="no free appointment times in the booking horizon")
        if "record_qualification" in results:
            r = results["record_qualification"]
            if not r.get("ok"):
                return self._unclear()
            if r["status"] == "disqualified":
                return self._say(r.get("say") or "Thanks for your time!")
            if r["status"] == "qualified":
                return self._call("get_free_slots")
            return self._say(f"{self._ack()} {r['next_question']}")
        if "check_service_area" in results:
            r = results["check_service_area"]
            if r.get("in_area") is None:
                return self._say("Hmm, I couldn't place that. What's the 5-digit ZIP code of the property?")
            return self._say(self._next_step_text())
        if "search_knowledge" in results:
            return self._say(self._knowledge_answer(results["search_knowledge"]),
                             self._next_step_text(after_objection=True))
        return self._say(self._next_step_text())

    def _knowledge_answer(self, result: dict[str, Any]) -> str:
        """The best pair's response, else the best document passage, else the profile's fallback.

        A pair's closing question is dropped: the playbook asks its own next question after it,
        and two questions in one reply leave the lead unsure which to answer.
        """
        settings = self.profile.knowledge
        for passage in result.get("passages") or []:
            score = passage.get("score", 0)
            if passage.get("response") and score >= settings.objection_threshold:
                return _without_closing_question(passage["response"])
            if not passage.get("response") and score >= settings.passage_threshold:
                return _first_sentences(_plain(passage["text"]), 280)
        return settings.fallback_objection_reply

    # --- words ----------------------------------------------------------------------------

    def _greeting(self) -> str:
        first_name = (self.state.lead_name or "").split(" ")[0] or "there"
        return self.profile.persona.greeting.format(
            lead_name=first_name, persona_name=self.profile.persona.name, business_name=self.profile.business.name
        )

    def _next_step_text(self, *, after_objection: bool = False) -> str:
        """What moves the conversation forward from here: the next question or the time choice."""
        state = self.state
        if state.appointment is not None:
            return "Anything else I can help with before your consultation?"
        if state.status == "qualified":
            return "Would one of the times above work for you?" if state.offered_slots else \
                "Want me to find you a time for a free consultation?"
        question = self._pending()
        if question is None:
            return ""
        if after_objection:
            return f"So I can see if it's a fit: {question.question[0].lower()}{question.question[1:]}"
        if not self._has_spoken():
            return f"To see if your home is a good fit, a few quick questions. {question.question}"
        return question.question

    def _slot_list(self, slots: list[dict]) -> str:
        return "\n".join(f"{i}. {s['label']}" for i, s in enumerate(slots, 1))

    def _ack(self) -> str:
        answered = sum(1 for item in self.state.qualification if item.answer is not None)
        return _ACKS[answered % len(_ACKS)]

    # --- reading the conversation ---------------------------------------------------------

    def _pending(self) -> Question | None:
        missing = self.state.missing
        return self.profile.qualification.get(missing[0]) if missing else None

    def _trailing_lead_messages(self) -> list[str]:
        texts = []
        for m in reversed(self.messages):
            if m.role == "user":
                texts.append(m.text)
            elif m.role == "assistant" and m.text and not m.tool_calls:
                break
        return list(reversed(texts))

    def _has_spoken(self) -> bool:
        return any(m.role == "assistant" and m.text and not m.tool_calls for m in self.messages)

    def _earlier_tools(self) -> list[ChatMessage]:
        count = len(self.tool_results)
        tools = [m for m in self.messages if m.role == "tool"]
        return tools[:-count] if count else tools

    def _unclear_count(self) -> int:
        """Lead turns since AVA last made progress (a tool call) that the playbook could not read."""
        count, turn_texts = 0, []
        groups: list[list[str]] = []
        for m in reversed(self.messages):
            if m.role == "assistant" and m.tool_calls:
                break
            if m.role == "user":
                turn_texts.append(m.text)
            elif m.role == "assistant" and m.text:
                if turn_texts:
                    groups.append(turn_texts)
                turn_texts = []
                if not any(x.role == "assistant" and x.text and not x.tool_calls
                           for x in self.messages[: self.messages.index(m)]):
                    break  # the greeting came before the first question was asked
        if turn_texts:
            groups.append(turn_texts)
        question = self._pending()
        for texts in groups:
            joined = " ".join(texts)
            readable = (question is not None and interpret(question, joined) is not None) or \
                bool(_BOT_QUESTION.search(joined)) or self._looks_like_objection(joined)
            if self.state.status == "qualified":
                readable = choose_slot(joined, self.state.offered_slots, self.state.now) is not None or readable
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
        """A question or objection for the knowledge base; ``strict`` needs real objection words,
        not just a question mark ("can we do 2:30?" is about time, not an objection)."""
        if strict:
            return bool(_OBJECTION_WORDS.search(text))
        return bool(_OBJECTION.search(text))

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
