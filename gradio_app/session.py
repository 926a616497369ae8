"""One lead's conversation in the R&D site: the engine built in-process, a settable clock,
and each turn turned into bubbles (with their paced delays), quick replies and a trace."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from ava_core.app import build_assistant
from ava_core.assistant import Assistant
from ava_core.channels import InboundMessage, InProcessChannel
from ava_core.channels.base import Choice
from ava_core.knowledge.base import Knowledge
from ava_core.models.registry import build_model
from ava_core.pacing import reply_delays
from ava_core.profile import Profile
from ava_core.settings import Settings
from ava_core.store import Store
from gradio_app.trace import TurnTrace, trace_of

CHANNEL = "whatsapp"


class ShiftedClock:
    """A clock that starts at a chosen moment and then runs at the wall clock's pace, so a lead can
    be tried on a closed day or across the DST change and still see time pass between messages."""

    def __init__(self, start: datetime, *, monotonic=time.monotonic):
        if start.tzinfo is None:
            raise ValueError("give the start time a time zone")
        self._start = start
        self._anchor = monotonic()
        self._monotonic = monotonic

    def now(self) -> datetime:
        from datetime import timedelta

        return self._start + timedelta(seconds=self._monotonic() - self._anchor)


@dataclass
class Bubble:
    text: str
    delay_seconds: float


@dataclass
class Turn:
    """What the lead saw after one message, and why."""

    user: str
    bubbles: list[Bubble]
    choices: list[Choice]
    trace: TurnTrace


@dataclass
class LeadSession:
    """A conversation as one lead, on one model, with one clock."""

    assistant: Assistant
    profile: Profile
    model: str
    name: str
    phone: str
    address: str = field(default_factory=lambda: f"rd-{uuid.uuid4().hex[:8]}")
    turns: list[Turn] = field(default_factory=list)
    conversation_id: int | None = None

    @property
    def model_name(self) -> str:
        return self.assistant.engine.model.name

    def send(self, text: str) -> Turn | None:
        """Hand one lead message to the engine; None when AVA stays silent (e.g. a duplicate)."""
        engine = self.assistant.engine
        inbound = InboundMessage(channel=CHANNEL, message_id=uuid.uuid4().hex, sender=self.address,
                                 sender_name=self.name or None, phone=self.phone or None, text=text,
                                 received_at=engine.clock.now())
        state = self.assistant.handle(inbound)
        if state is None:
            return None
        self.conversation_id = state.conversation_id
        delays = reply_delays(engine.profile.pacing, state.bubbles, read_text=text, seed=inbound.message_id)
        turn = Turn(user=text, bubbles=[Bubble(b, d) for b, d in zip(state.bubbles, delays, strict=True)],
                    choices=list(state.choices), trace=trace_of(self.assistant, state, self.profile))
        self.turns.append(turn)
        return turn


@dataclass
class Engines:
    """What every session shares: settings, profile, store and knowledge (the embedder is slow to load)."""

    settings: Settings
    profile: Profile
    store: Store
    knowledge: Knowledge

    def session(self, *, model: str, name: str, phone: str, start: datetime | None = None) -> LeadSession:
        from ava_core.clock import SystemClock

        clock = ShiftedClock(start) if start is not None else SystemClock()
        chat_model = build_model(model, self.settings, self.profile)
        assistant = build_assistant(self.settings, profile=self.profile, clock=clock, model=chat_model,
                                    store=self.store, knowledge=self.knowledge,
                                    channels={CHANNEL: InProcessChannel(CHANNEL)})
        return LeadSession(assistant=assistant, profile=self.profile, model=model, name=name, phone=phone)


def build_engines(settings: Settings) -> Engines:
    from ava_core.app import build_store
    from ava_core.knowledge.factory import build_knowledge
    from ava_core.profile import load_profile

    profile = load_profile(settings.profile)
    return Engines(settings, profile, build_store(settings), build_knowledge(settings, profile))
