"""One turn of the conversation, as a small state machine of steps.

    begin ─▶ think ─▶ (act on each tool call ─▶ think)* ─▶ reply

Each step takes and returns a JSON-serialisable ``TurnState``, so a durable orchestrator can
run every step as its own activity; the local driver (`Engine.run`) is a plain loop over the
same steps. Everything that decides what AVA says or does is here, not in the drivers.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from loguru import logger
from pydantic import BaseModel, Field

from ava_core.agent.guards import (
    CLAIM_FIX,
    claims_in,
    may_resubscribe,
    names_start,
    opt_out_match,
    prepare,
    resubscribed,
    unbacked_claims,
    unoffered_times,
)
from ava_core.agent.history import WINDOW, to_chat
from ava_core.agent.prompt import context_prompt, system_prompt
from ava_core.agent.snapshot import build_state
from ava_core.calendar.base import Calendar, short_slot_label
from ava_core.channels.base import Choice
from ava_core.clock import Clock
from ava_core.errors import AvaError, KnowledgeError
from ava_core.geo.base import Geo
from ava_core.geo.lead_time import lead_zone
from ava_core.knowledge.answering import SEARCH_LIMIT, answer
from ava_core.knowledge.base import Knowledge
from ava_core.language.asks import asked_about
from ava_core.language.detection import lead_language
from ava_core.models.base import (
    ChatMessage,
    ChatModel,
    ModelRequest,
    ProviderSearch,
    ToolCall,
    Usage,
)
from ava_core.models.pricing import ModelPrice, cost_usd
from ava_core.observability.context import turn_context
from ava_core.observability.events import event as emit
from ava_core.pacing import split_bubbles
from ava_core.profile.models import Profile
from ava_core.reading import answers_what_was_asked, on_the_table
from ava_core.state import ConversationState, Guidance
from ava_core.store import TEAM, Store
from ava_core.tools.base import Toolbox, ToolContext
from ava_core.tools.booking import owed_confirmation
from ava_core.tools.web import WEB_TOOLS
from ava_core.web.base import WebSearch
from ava_core.web.off import NoWebSearch

Outcome = Literal["thinking", "reply", "opted_out", "paused", "silent"]
MAX_CLAIM_RETRIES = 2


class TraceEvent(BaseModel):
    """One model call or tool call of a turn, as the trace shows it."""

    kind: Literal["model", "tool", "guard", "fallback", "knowledge"]
    name: str
    args: dict[str, Any] | None = None
    result: Any = None
    ok: bool = True
    latency_ms: float = 0.0
    usage: Usage | None = None
    cost_usd: float | None = None
    at: datetime


class TurnState(BaseModel):
    turn_id: str
    conversation_id: int
    contact_id: int
    last_message_id: int = Field(description="newest stored message when the turn began: later ones make it stale")
    read_text: str = Field("", description="the lead's messages this turn answers")
    step: int = 0
    pending: list[ToolCall] = Field(default_factory=list)
    acted: list[str] = Field(default_factory=list, description="tools that succeeded in this turn")
    nudges: list[ChatMessage] = Field(default_factory=list, description="engine corrections, never stored")
    claim_retries: int = 0
    guidance: list[Guidance] = Field(default_factory=list)
    bubbles: list[str] = Field(default_factory=list)
    choices: list[Choice] = Field(default_factory=list, description="quick replies for the last bubble")
    outcome: Outcome = "thinking"
    trace: list[TraceEvent] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float = 0.0

    @property
    def done(self) -> bool:
        return self.outcome != "thinking"

    def absorb(self, events: list[TraceEvent]) -> TurnState:
        """Fold the results of the pending tool calls back in; ready for the next model step."""
        acted = self.acted + [e.name for e in events if e.ok and e.name not in self.acted]
        return self.model_copy(update={"pending": [], "acted": acted, "trace": self.trace + events})


class Engine:
    """Runs turns for one business: the profile, the store, a model, tools and their backends."""

    def __init__(
        self,
        *,
        profile: Profile,
        store: Store,
        model: ChatModel,
        toolbox: Toolbox,
        clock: Clock,
        calendar: Calendar,
        geo: Geo,
        knowledge: Knowledge,
        web: WebSearch | None = None,
        max_steps: int = 8,
        prices: dict[str, ModelPrice] | None = None,
    ):
        self.profile = profile
        self.store = store
        self.model = model
        self.toolbox = toolbox
        self.clock = clock
        self.calendar = calendar
        self.geo = geo
        self.knowledge = knowledge
        self.web = web or NoWebSearch()
        self.max_steps = max_steps
        self.prices = prices or {}
        self._system = system_prompt(profile)  # the profile is fixed for the engine's life
        prepare(profile)
        browsing = profile.web
        self._provider_search = ProviderSearch(
            allowed_domains=browsing.allow_domains, blocked_domains=browsing.deny_domains
        ) if browsing.provider_search and browsing.topics else None
        # A profile with nothing to browse for is never offered the web tools.
        self._tools = [t for t in toolbox.schemas() if browsing.topics or t.name not in WEB_TOOLS]

    # --- the steps ----------------------------------------------------------------------

    def begin(self, conversation_id: int) -> TurnState:
        """Start a turn for the lead's newest messages; settles opt-outs and paused conversations."""
        conversation = self.store.conversation(conversation_id)
        contact = self.store.contact(conversation.contact_id)
        messages = self.store.messages(conversation_id, last=WINDOW)
        unanswered = _unanswered(messages)
        state = TurnState(
            turn_id=uuid.uuid4().hex[:12],
            conversation_id=conversation_id,
            contact_id=contact.id,
            last_message_id=messages[-1].id if messages else 0,
            read_text="\n".join(m.text for m in unanswered),
        )
        if contact.opted_out:
            if not (may_resubscribe(conversation.channel)
                    and any(resubscribed(self.profile, m.text) for m in unanswered)):
                return state.model_copy(update={"outcome": "silent"})
            self.store.set_opted_in(contact.id)
            logger.bind(conversation_id=conversation_id).info("lead opted back in")
        match = next(filter(None, (opt_out_match(self.profile, m.text) for m in unanswered)), None)
        if match is not None:
            self.store.set_opted_out(contact.id, self.clock.now())
            logger.bind(conversation_id=conversation_id).info("lead opted out")
            emit("opted_out", conversation_id=conversation_id, channel=conversation.channel, turn_id=state.turn_id)
            # Confirmed in the language the lead said it in; a bare keyword ("STOP") has none, so
            # it gets the conversation's.
            language = match.language or self._speaking(conversation_id)
            return state.model_copy(update={
                "outcome": "opted_out", "bubbles": [self.profile.localized(language).opt_out.confirmation],
            })
        if conversation.status != "active":
            return state.model_copy(update={"outcome": "paused"})
        if not unanswered:
            return state.model_copy(update={"outcome": "silent"})
        spoken = any(m.role == "assistant" and m.text and not m.tool_calls for m in messages)
        guidance = self._guidance(state.read_text, self._snapshot(state), spoken=spoken)
        trace = [self._audit(state, self._event(
            "knowledge", "answer_guidance", started=time.perf_counter(),
            result=[{"kind": g.kind, "objection": g.objection, "source": g.source, "score": round(g.score, 3)}
                    for g in guidance],
        ))] if guidance else []
        return state.model_copy(update={"guidance": guidance, "trace": trace})

    def think(self, state: TurnState) -> TurnState:
        """One model step: a reply (checked against the rules) or tool calls to run."""
        if state.done:
            return state
        if "opt_out_lead" in state.acted:
            return self._opted_out_by_model(state)
        if state.step >= self.max_steps:
            return self._fall_back(state, f"no reply after {self.max_steps} model steps")
        snapshot = self._snapshot(state)
        request = ModelRequest(
            system=self._system,
            context=context_prompt(snapshot),
            messages=to_chat(self.store.messages(state.conversation_id, last=WINDOW)) + state.nudges,
            tools=self._tools,
            state=snapshot,
            conversation_id=str(state.conversation_id),
            provider_search=self._provider_search,
        )
        started = time.perf_counter()
        try:
            response = self.model.complete(request)
        except AvaError as exc:
            logger.bind(conversation_id=state.conversation_id, alert="model").error("model failed: {}", exc)
            failed = state.model_copy(update={"trace": state.trace + [self._audit(state, self._event(
                "fallback", self.model.name, result=str(exc), ok=False, started=started))]})
            return self._fall_back(failed, f"the model failed: {exc}")
        event = self._event(
            "model", f"{response.provider or self.model.name}:{response.model or self.model.name}",
            result={"text": response.text, "tool_calls": [c.model_dump() for c in response.tool_calls]},
            started=started, usage=response.usage,
        )
        self.store.record_model_call(
            state.conversation_id, state.turn_id, provider=response.provider or self.model.name,
            model=response.model or self.model.name, input_tokens=response.usage.input_tokens,
            cached_tokens=response.usage.cached_tokens, output_tokens=response.usage.output_tokens,
            latency_ms=event.latency_ms, cost_usd=event.cost_usd, at=self.clock.now(),
        )
        emit("model_call", conversation_id=state.conversation_id, turn_id=state.turn_id, provider=response.provider or self.model.name, model=response.model or self.model.name, latency_ms=event.latency_ms, input_tokens=response.usage.input_tokens, output_tokens=response.usage.output_tokens, cost_usd=event.cost_usd)
        state = state.model_copy(update={
            "step": state.step + 1,
            "trace": state.trace + [event],
            "usage": state.usage + response.usage,
            "cost_usd": round(state.cost_usd + (event.cost_usd or 0.0), 6),
        })
        if response.tool_calls:
            self.store.add_message(
                state.conversation_id, "assistant", response.text, at=self.clock.now(),
                tool_calls=[c.model_dump() for c in response.tool_calls],
            )
            return state.model_copy(update={"pending": response.tool_calls})
        return self._settle_reply(state, snapshot, response.text.strip())

    def act(self, state: TurnState, call: ToolCall) -> TraceEvent:
        """Run one tool call the model asked for, audit it, and store its result for the model."""
        ctx = ToolContext(
            conversation_id=state.conversation_id, contact_id=state.contact_id, turn_id=state.turn_id,
            profile=self.profile, store=self.store, clock=self.clock, calendar=self.calendar,
            geo=self.geo, knowledge=self.knowledge, web=self.web,
        )
        started = time.perf_counter()
        result = self.toolbox.execute(ctx, call)
        event = self._event("tool", call.name, args=call.args, result=result.model_dump(exclude_none=True),
                            ok=result.ok, started=started)
        now = self.clock.now()
        self.store.record_tool_call(
            state.conversation_id, state.turn_id, call.name, call.args if call.raw_args is None else
            {"raw": call.raw_args}, result.model_dump(exclude_none=True), ok=result.ok,
            latency_ms=event.latency_ms, at=now,
        )
        emit("tool_call", conversation_id=state.conversation_id, turn_id=state.turn_id, tool=call.name, latency_ms=event.latency_ms, ok=result.ok)
        self.store.add_message(state.conversation_id, "tool", result.for_model(), at=now,
                               tool_call_id=call.id, tool_name=call.name)
        return event

    def run(self, conversation_id: int) -> TurnState:
        """The local driver: the same steps as the durable orchestrator, in a plain loop."""
        state = self.begin(conversation_id)
        with turn_context(conversation_id, state.turn_id):
            while not state.done:
                state = self.think(state)
                if state.pending:
                    state = state.absorb([self.act(state, call) for call in state.pending])
        return state

    def hand_off(self, state: TurnState, reason: str) -> TurnState:
        """End the turn with a hand-off to a person (pauses AVA); drivers use it when a step keeps failing."""
        return self._fall_back(state.model_copy(update={"pending": []}), reason)

    def is_stale(self, state: TurnState) -> bool:
        """True when the lead wrote again after this turn began: its reply must be regenerated."""
        newer = self.store.messages_after(state.conversation_id, state.last_message_id)
        return any(m.role == "user" for m in newer)

    # --- helpers ------------------------------------------------------------------------

    def _settle_reply(self, state: TurnState, snapshot: ConversationState, text: str) -> TurnState:
        if not text:
            nudge = ChatMessage(role="user", text="[AVA engine] Your reply was empty. Reply to the lead.")
            return state.model_copy(update={"nudges": state.nudges + [nudge]})
        started = time.perf_counter()
        claims = unbacked_claims(text, snapshot, acted=set(state.acted), profile=self.profile)
        lead_tz = lead_zone(self.store, state.conversation_id)
        times = unoffered_times(self.profile, text, allowed=self._allowed_starts(state, snapshot), now=snapshot.now,
                                lead_tz=lead_tz)
        if claims or times:
            guard = self._audit(state, self._event(
                "guard", "unbacked_claim" if claims else "unoffered_time",
                args={"claims": claims, "times": times}, result=text, ok=False, started=started))
            state = state.model_copy(update={"trace": state.trace + [guard]})
            if state.claim_retries >= MAX_CLAIM_RETRIES:
                problems = ([f"claiming actions it did not take: {claims}"] if claims else []) + (
                    [f"naming times no tool offered: {times}"] if times else [])
                return self._fall_back(state, "the model kept " + " and ".join(problems))
            fix = "; ".join([CLAIM_FIX[c] for c in claims] + ([_times_fix(times, snapshot)] if times else []))
            nudge = ChatMessage(role="user", text=f"[AVA engine] That reply was not sent: {fix}. Try again.")
            return state.model_copy(update={
                "nudges": state.nudges + [ChatMessage(role="assistant", text=text), nudge],
                "claim_retries": state.claim_retries + 1,
            })
        bubbles = split_bubbles(text, self.profile.pacing.max_bubble_chars)
        if owed := self._unsaid_confirmation(state, text, snapshot, lead_tz):
            bubbles = split_bubbles(owed, self.profile.pacing.max_bubble_chars) + bubbles
        return state.model_copy(update={
            "bubbles": bubbles, "outcome": "reply", "nudges": [], "choices": self._slot_choices(state, snapshot),
        })

    def _unsaid_confirmation(self, state: TurnState, text: str, snapshot: ConversationState,
                             lead_tz: ZoneInfo | None) -> str | None:
        """The confirmation this turn owes the lead when the reply never names the booked time (or,
        after a cancellation, never says it is cancelled): whatever the model chose to say, the
        lead hears where their appointment stands."""
        owed = owed_confirmation([(e.name, e.result) for e in state.trace if e.kind == "tool"],
                                 self.profile.speaking(snapshot.language))
        if not owed:
            return None
        appointment = self.store.active_appointment(state.conversation_id)
        if appointment is None:
            if "cancelled" in claims_in(text, self.profile):
                return None
        elif names_start(self.profile, text, appointment.start, now=snapshot.now, lead_tz=lead_tz):
            return None
        logger.bind(alert="booking", conversation_id=state.conversation_id).warning(
            "the reply after a booking did not name it; the lead is told first: {}", owed)
        return owed

    def _allowed_starts(self, state: TurnState, snapshot: ConversationState) -> list[datetime]:
        """The times a reply may name: every slot offered in this conversation, and its appointments
        (the booked one, and those moved or cancelled: "moved from Tuesday at 1 PM")."""
        starts = [o.start for o in self.store.offered_slots(state.conversation_id)]
        return starts + [a.start for a in self.store.appointments(state.conversation_id)]

    def _opted_out_by_model(self, state: TurnState) -> TurnState:
        """The model read an opt-out the tables did not: end the turn with the one confirmation."""
        result = next((e.result for e in reversed(state.trace) if e.kind == "tool" and e.name == "opt_out_lead"
                       and e.ok), None) or {}
        language = (result.get("data") or {}).get("language") or self._speaking(state.conversation_id)
        return state.model_copy(update={
            "outcome": "opted_out", "pending": [], "nudges": [], "choices": [],
            "bubbles": [self.profile.localized(language).opt_out.confirmation],
        })

    def _slot_choices(self, state: TurnState, snapshot: ConversationState) -> list[Choice]:
        """When this turn offered times, the lead can tap one instead of typing it."""
        offered_now = any(
            e.kind == "tool" and (e.name == "get_free_slots" and e.ok or
                                  e.name in ("book_appointment", "reschedule_appointment")
                                  and bool(e.result["data"].get("alternatives")))
            for e in state.trace
        )
        # Times offered to move a booking are tapped the same way; none once this turn booked or moved.
        if not offered_now or {"book_appointment", "reschedule_appointment"} & set(state.acted):
            return []
        language = self.profile.speaking(snapshot.language)
        return [Choice(id=s.id, title=short_slot_label(s.start, self.profile.tz, language))
                for s in snapshot.offered_slots]

    def _fall_back(self, state: TurnState, reason: str) -> TurnState:
        """Never leave a lead in silence: hand off to a person and tell the lead what the hand-off
        tool says (the profile's message, after the confirmation of anything booked in this turn)."""
        call = ToolCall(id=f"engine-{state.turn_id}-handoff", name="handoff_to_human", args={"reason": reason})
        self.store.add_message(state.conversation_id, "assistant", "", at=self.clock.now(),
                               tool_calls=[call.model_dump()])
        event = self.act(state, call)
        state = state.absorb([event])
        say = (event.result.get("data") or {}).get("say") if event.ok else None
        bubbles = split_bubbles(say, self.profile.pacing.max_bubble_chars) if say else [
            self.profile.localized(self._speaking(state.conversation_id)).handoff.message]
        return state.model_copy(update={"bubbles": bubbles, "outcome": "reply"})

    def _speaking(self, conversation_id: int) -> str:
        """The language AVA answers this conversation in: the lead's, when AVA speaks it."""
        return self.profile.speaking(lead_language(self.store, self.profile, conversation_id))

    def _snapshot(self, state: TurnState) -> ConversationState:
        conversation = self.store.conversation(state.conversation_id)
        contact = self.store.contact(state.contact_id)
        snapshot = build_state(self.store, self.profile, conversation, contact, self.clock.now())
        return snapshot.model_copy(update={"guidance": state.guidance})

    def _guidance(self, text: str, snapshot: ConversationState, *, spoken: bool) -> list[Guidance]:
        """What answers the lead's words, decided as the playbook decides it (``knowledge.answering``):
        never for an answer to what AVA asked; nothing for a concern no pair fits."""
        if not text.strip() or answers_what_was_asked(self.profile, on_the_table(snapshot, spoken=spoken), text,
                                                      snapshot.now):
            return []
        passages: list = []
        if asked_about(text) is None:  # a rule needs no search
            try:
                passages = self.knowledge.search(text, kind="objection", limit=SEARCH_LIMIT) + \
                    self.knowledge.search(text, kind="domain", limit=SEARCH_LIMIT)
            except KnowledgeError:
                return []  # a model's own search says what is wrong; "nothing answers it" would not be true
        decided = answer(text, passages, self.profile, language=snapshot.language)
        hit = decided.passage
        match decided.kind:
            case "objection" if hit is not None:
                return [Guidance(objection=hit.text, response=hit.response or "", source=hit.source, score=hit.score)]
            case "passage" if hit is not None:
                return [Guidance(kind="passage", response=hit.text, source=hit.source
                                 + (f" › {hit.section}" if hit.section else ""), score=hit.score)]
            case "identity":
                localized = self.profile.localized(self.profile.speaking(snapshot.language)).business
                return [Guidance(kind="identity", response=localized.about or self.profile.business.about
                                 or self.profile.business.description, source="profile")]
            case "privacy" | "off_topic":
                return [Guidance(kind=decided.kind)]
            case "unknown":
                return [Guidance(kind="unknown", topic=decided.topic)]
        return []

    def _audit(self, state: TurnState, event: TraceEvent) -> TraceEvent:
        """Keep a trace event the model and tool audit tables do not hold, so the turn reads back whole."""
        self.store.record_trace_event(state.conversation_id, state.turn_id, event.kind, event.name, event.args,
                                      event.result, ok=event.ok, latency_ms=event.latency_ms, at=event.at)
        return event

    def _event(self, kind: str, name: str, *, started: float, args: dict | None = None, result: Any = None,
               ok: bool = True, usage: Usage | None = None) -> TraceEvent:
        cost = cost_usd(self.prices, name.split(":", 1)[-1], usage) if usage else None
        return TraceEvent(kind=kind, name=name, args=args, result=result, ok=ok,
                          latency_ms=round((time.perf_counter() - started) * 1000, 3), usage=usage,
                          cost_usd=cost, at=self.clock.now())


def _times_fix(times: list[str], snapshot: ConversationState) -> str:
    """The nudge for a reply that named times no tool offered: which ones, and what may be named."""
    named = ", ".join(f"'{t}'" for t in times)
    offered = "the offered slots (" + "; ".join(s.label for s in snapshot.offered_slots) + ")"
    if snapshot.appointment is not None:
        may = f"the booked appointment ({snapshot.appointment.label})"
        may += f" or {offered}" if snapshot.offered_slots else ""
    elif snapshot.offered_slots:
        may = f"only {offered}"
    else:
        may = "no time at all until get_free_slots returns some"
    return f"{named} {'was' if len(times) == 1 else 'were'} not offered in this conversation: name {may}"


def _unanswered(messages: list) -> list:
    """The lead's messages since AVA, or a person on the team, last spoke to them. The business's
    automated messages are neither: an autoresponder after the lead's question answers nothing."""
    tail = []
    for m in reversed(messages):
        if m.role == "user":
            tail.append(m)
        elif m.role == TEAM or (m.role == "assistant" and m.text and not m.tool_calls):
            break
    return list(reversed(tail))
