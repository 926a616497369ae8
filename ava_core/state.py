"""The structured snapshot of a conversation that each model step sees.

The prompt template is rendered from it for language models; the offline playbook reads it
directly. It is rebuilt from the store before every step, so it is never stale.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

Verdict = Literal["pass", "fail", "unknown"]
Status = Literal["qualified", "disqualified", "unknown"]


class QualificationItem(BaseModel):
    field: str
    question: str
    kind: str
    answer: str | None = None
    verdict: Verdict | None = None  # None: not asked/answered yet


class AreaView(BaseModel):
    query: str
    in_area: bool | None
    detail: str = ""


class SlotView(BaseModel):
    id: str
    start: datetime
    end: datetime
    label: str
    offered_at: datetime | None = None


class AppointmentView(BaseModel):
    id: int
    slot_id: str
    start: datetime
    end: datetime
    label: str
    link: str | None = None
    link_sent: bool = False
    booked_at: datetime | None = None
    moved_from: str | None = Field(None, description="the time it was moved from, when the lead moved it")


class Guidance(BaseModel):
    """An objection→response pair close to the lead's latest message."""

    objection: str
    response: str
    source: str
    score: float


class ConversationState(BaseModel):
    conversation_id: int
    channel: str
    lead_name: str | None = None
    lead_phone: str | None = None
    now: datetime = Field(description="current time in the business's time zone")
    lead_local_time: str
    qualification: list[QualificationItem]
    status: Status = "unknown"
    missing: list[str] = Field(default_factory=list, description="required fields not yet answered, in order")
    disqualified_reason: str | None = None
    service_area: AreaView | None = None
    offered_slots: list[SlotView] = Field(default_factory=list, description="latest offer first")
    appointment: AppointmentView | None = None
    cancelled: AppointmentView | None = Field(
        None, description="the appointment the lead cancelled, when nothing is booked now")
    handoff: bool = False
    opted_out: bool = False
    guidance: list[Guidance] = Field(default_factory=list)
    language: str = Field("en", description="ISO 639-1 code of the language the lead writes in")

    def item(self, field: str) -> QualificationItem | None:
        return next((q for q in self.qualification if q.field == field), None)
