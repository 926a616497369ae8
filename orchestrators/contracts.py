"""The conversation orchestration's wire contract: its input, its event, and activity payloads.

Everything crossing the durable boundary is plain JSON; these models give it a shape on
both sides (the orchestrator dumps, the activity validates).
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from ava_core.agent.turn import TurnState
from ava_core.models.base import ToolCall
from ava_core.profile.models import Pacing

ORCHESTRATOR = "conversation"
LEAD_MESSAGE = "lead_message"  # the external event raised for each new message of the lead


class LeadMessage(BaseModel):
    """A lead's message, just stored: the event payload (a hint; the store holds the truth)."""

    message_id: int = Field(description="the store's id: later messages have larger ids")
    channel_message_id: str = Field(description="the channel's id: the pacing jitter seed")
    kind: str = "text"
    media_id: str | None = None


class ConversationStart(BaseModel):
    """Input of one orchestration generation: the lead's messages known so far, newest last."""

    conversation_id: int
    pacing: Pacing
    messages: list[LeadMessage] = Field(min_length=1)


class StepInput(BaseModel):
    """``llm_step``: begin the turn (state None: voice notes in the store are transcribed first)
    or take one model step."""

    conversation_id: int
    state: TurnState | None = None


class ToolInput(BaseModel):
    state: TurnState
    call: ToolCall


class HandOffInput(BaseModel):
    conversation_id: int
    state: TurnState | None = None
    reason: str


class TypingInput(BaseModel):
    conversation_id: int


class SendInput(BaseModel):
    state: TurnState
    bubble: str
    index: int = Field(0, description="the bubble's place in the turn: with the turn id, its idempotency key")
    check_stale: bool = True


class SendResult(BaseModel):
    sent: list[str] = Field(default_factory=list)
    stale: bool = Field(False, description="the lead wrote after the turn began (checked before and after)")
    error: str | None = Field(None, description="a refusal that retrying cannot fix")
    template_sent: bool = Field(False, description="the window was closed: a template went out, send no more")


__all__ = [
    "LEAD_MESSAGE", "ORCHESTRATOR", "ConversationStart", "HandOffInput", "LeadMessage", "SendInput", "SendResult",
    "StepInput", "ToolInput", "TypingInput",
]
