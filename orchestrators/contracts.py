"""The conversation orchestration's wire contract: its input, its event, and activity payloads.

Everything crossing the durable boundary is plain JSON kept by the durable task hub for as long
as the instance's history lives, unsealed. So it carries ids and small numbers only: never the
lead's words, a bubble, a tool's arguments or a phone number (a WhatsApp message id encodes the
sender's number). The turn itself is kept sealed in the store under its turn id; each activity
reads it there. These models give the JSON a shape on both sides (the orchestrator dumps, the
activity validates).
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from ava_core.profile.models import Pacing

ORCHESTRATOR = "conversation"
LEAD_MESSAGE = "lead_message"  # the external event raised for each new message of the lead


class LeadMessage(BaseModel):
    """A lead's message, just stored: the event payload (a hint; the store holds the truth)."""

    message_id: int = Field(description="the store's id: later messages have larger ids")


class ConversationStart(BaseModel):
    """Input of one orchestration generation."""

    conversation_id: int
    pacing: Pacing
    message_id: int = Field(description="the newest lead message known: the pacing jitter's seed")


class TurnView(BaseModel):
    """What the orchestrator needs of a turn (the output of ``llm_step`` and ``hand_off``)."""

    turn_id: str
    last_message_id: int = Field(description="newest stored message when the turn began: later ones make it stale")
    outcome: str
    pending: int = Field(0, description="tool calls to run before the next step")
    bubble_chars: list[int] = Field(default_factory=list, description="each reply bubble's length, for its delay")
    read_chars: int = Field(0, description="length of the lead's messages the turn answers, for reading time")

    @property
    def done(self) -> bool:
        return self.outcome != "thinking"


class StepInput(BaseModel):
    """``llm_step``: begin a turn (no turn id: voice notes in the store are transcribed first), or
    take the turn's next model step after its tool calls ran."""

    conversation_id: int
    turn_id: str | None = None


class ToolInput(BaseModel):
    conversation_id: int
    turn_id: str
    index: int = Field(description="which of the turn's pending tool calls")


class HandOffInput(BaseModel):
    conversation_id: int
    turn_id: str | None = None
    reason: str = Field(description="why, for the team: an error's first line, never the lead's words")


class TypingInput(BaseModel):
    conversation_id: int


class SendInput(BaseModel):
    conversation_id: int
    turn_id: str
    index: int = Field(0, description="the bubble's place in the turn: with the turn id, its idempotency key")
    check_stale: bool = True


class SendResult(BaseModel):
    sent: int = Field(0, description="bubbles that reached the lead (0 or 1)")
    stale: bool = Field(False, description="the lead wrote after the turn began (checked before and after)")
    error: str | None = Field(None, description="a refusal that retrying cannot fix")
    template_sent: bool = Field(False, description="the window was closed: a template went out, send no more")


__all__ = [
    "LEAD_MESSAGE", "ORCHESTRATOR", "ConversationStart", "HandOffInput", "LeadMessage", "SendInput", "SendResult",
    "StepInput", "ToolInput", "TurnView", "TypingInput",
]
