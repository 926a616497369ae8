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
    """What answers the lead's latest message, as the playbook would decide it (``knowledge.answering``):
    an objection→response pair, a document passage, or a rule (``privacy``, ``identity``), or the
    word that nothing in the knowledge answers it (``unknown``, ``off_topic``)."""

    kind: Literal["objection", "passage", "privacy", "identity", "unknown", "off_topic"] = "objection"
    objection: str = ""  # objection: the pair's objection as a lead says it
    response: str = ""  # objection: the pair's answer; passage: the passage; identity: who the business is
    source: str = ""
    score: float = 0.0
    topic: str | None = None  # unknown: what was asked about, in the lead's words


Speaker = Literal["lead", "ava", "team", "business"]


class EarlierLine(BaseModel):
    """One message of the conversation's earlier part: who wrote it ("team": a person at the
    business; "business": an automated message of the CRM, a campaign or a form) and what."""

    who: Speaker
    text: str
    at: datetime | None = None


class EarlierView(BaseModel):
    """What the conversation said before the messages a model step is shown: messages folded out
    of the store's window, and those the CRM held from before AVA. Bounded whatever its length."""

    messages: int = Field(0, description="how many messages this stands for")
    from_crm: int = Field(0, description="of them, read from the CRM: written before AVA took part")
    since: datetime | None = None
    until: datetime | None = None
    opening: list[EarlierLine] = Field(default_factory=list, description="how the conversation began")
    recent: list[EarlierLine] = Field(default_factory=list, description="the last lines before the window")
    raised: list[str] = Field(default_factory=list, description="questions and concerns the lead raised")

    @property
    def lines(self) -> list[EarlierLine]:
        return [*self.opening, *self.recent]

    @classmethod
    def from_summary(cls, data: dict | None) -> EarlierView | None:
        """The stored running summary; one in the first format (``folded``, the lead's last
        words) keeps what it has."""
        if not data:
            return None
        if "folded" in data:
            return cls(messages=int(data["folded"]), since=data.get("since"), until=data.get("until"),
                       recent=[EarlierLine(who="lead", text=t) for t in data.get("lead_said") or []])
        return cls.model_validate(data)


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
    earlier: EarlierView | None = Field(None, description="the conversation before the messages shown")
    team_wrote: bool = Field(False, description="a person on the business's team wrote among the messages shown")
    business_wrote: bool = Field(
        False, description="the business's automation (a CRM workflow or campaign) wrote among the messages shown")

    def item(self, field: str) -> QualificationItem | None:
        return next((q for q in self.qualification if q.field == field), None)
