"""The business profile: one YAML file per deployment, no secrets.

Every field a business can change lives here, so that a second business is a second
file, not a code change.
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Business(_Strict):
    name: str = Field(min_length=1)
    description: str
    offer: str = Field(description="what the lead gets by booking, in one sentence")
    website: str | None = None
    phone: str | None = None
    address: str | None = None
    timezone: str = Field(description="IANA time zone of the business, e.g. America/Chicago")
    facts: list[str] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r} (e.g. America/Chicago)") from exc
        return value


class Persona(_Strict):
    name: str = "Ava"
    role: str = "assistant"
    tone: str = "warm, concise and plain-spoken"
    language: str = "en"
    greeting: str = Field(
        "Hi {lead_name}! This is {persona_name} with {business_name}.",
        description="first words to a new lead; placeholders: lead_name, persona_name, business_name",
    )


class Rule(_Strict):
    """How the engine judges one answer. Unset parts do not apply."""

    equals: str | None = Field(None, description="the answer must be this (yes_no, choice)")
    min: float | None = None
    max: float | None = None
    in_service_area: bool | None = Field(None, description="the ZIP/address must be inside the service area")
    disqualify: list[str] = Field(default_factory=list, description="choice answers that disqualify")


class Question(_Strict):
    field: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    question: str
    kind: Literal["yes_no", "amount", "years", "number", "zip", "choice", "text"]
    options: list[str] = Field(default_factory=list, description="for kind: choice")
    synonyms: dict[str, list[str]] = Field(
        default_factory=dict, description="for kind: choice: other ways leads say an option"
    )
    rule: Rule = Field(default_factory=Rule)
    disqualify_message: str = "Thanks for your honesty. It looks like we wouldn't be a good fit right now."
    required: bool = True

    @model_validator(mode="after")
    def _rule_fits_kind(self) -> Question:
        if self.kind == "choice" and not self.options:
            raise ValueError(f"question {self.field!r} is a choice but lists no options")
        if self.rule.in_service_area and self.kind != "zip":
            raise ValueError(f"question {self.field!r}: in_service_area applies only to kind: zip")
        if (self.rule.min is not None or self.rule.max is not None) and self.kind not in (
            "amount", "years", "number",
        ):
            raise ValueError(f"question {self.field!r}: min/max apply only to amount, years or number")
        strays = [k for k in self.synonyms if k not in self.options]
        if strays:
            raise ValueError(f"question {self.field!r}: synonyms for {strays} which are not options")
        unknown = [v for v in self.rule.disqualify if v not in self.options]
        if unknown:
            raise ValueError(f"question {self.field!r}: disqualify names {unknown} which are not options")
        return self


class Qualification(_Strict):
    questions: list[Question] = Field(min_length=1)

    @field_validator("questions")
    @classmethod
    def _unique_fields(cls, questions: list[Question]) -> list[Question]:
        seen: set[str] = set()
        for q in questions:
            if q.field in seen:
                raise ValueError(f"field {q.field!r} is asked twice")
            seen.add(q.field)
        return questions

    def get(self, field: str) -> Question | None:
        return next((q for q in self.questions if q.field == field), None)


class ServiceArea(_Strict):
    zips: list[str] = Field(default_factory=list)
    cities: list[str] = Field(default_factory=list)
    base_address: str | None = None
    radius_miles: float | None = Field(None, gt=0)
    out_of_area_message: str = "Unfortunately that's outside the area we serve right now."

    @field_validator("zips")
    @classmethod
    def _five_digits(cls, zips: list[str]) -> list[str]:
        bad = [z for z in zips if not re.fullmatch(r"\d{5}", str(z))]
        if bad:
            raise ValueError(f"ZIP codes must be 5 digits, got {bad}")
        return [str(z) for z in zips]

    @model_validator(mode="after")
    def _something_to_check(self) -> ServiceArea:
        if not (self.zips or self.cities or (self.base_address and self.radius_miles)):
            raise ValueError("give zips, cities, or base_address with radius_miles")
        return self


class Booking(_Strict):
    meeting_title: str = "Consultation"
    meeting_minutes: int = Field(30, ge=5, le=480)
    working_hours: dict[str, list[str]]
    closed_dates: list[date] = Field(default_factory=list, description="holidays: no slots on these days")
    min_notice_hours: float = Field(2, ge=0)
    days_ahead: int = Field(14, ge=1, le=90)
    slots_to_offer: int = Field(3, ge=1, le=10)
    link_template: str = Field(description="meeting link; placeholders: appointment_id, slot_id")

    @field_validator("working_hours")
    @classmethod
    def _valid_hours(cls, hours: dict[str, list[str]]) -> dict[str, list[str]]:
        for day, ranges in hours.items():
            if day not in WEEKDAYS:
                raise ValueError(f"unknown weekday {day!r}; use {', '.join(WEEKDAYS)}")
            for text in ranges:
                start, end = parse_range(text)
                if start >= end:
                    raise ValueError(f"{day}: {text!r} ends before it starts")
        if not any(hours.values()):
            raise ValueError("no working hours on any day: nothing could ever be booked")
        return hours

    def ranges(self, weekday: int) -> list[tuple[time, time]]:
        return [parse_range(r) for r in self.working_hours.get(WEEKDAYS[weekday], [])]


def parse_range(text: str) -> tuple[time, time]:
    match = _RANGE.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a time range like 09:00-17:00")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h2 == 24 and m2 == 0:
        h2, m2 = 23, 59
    if not (h1 < 24 and h2 < 24 and m1 < 60 and m2 < 60):
        raise ValueError(f"{text!r} is not a valid time range")
    return time(h1, m1), time(h2, m2)


class Pacing(_Strict):
    """How AVA paces replies like a person: reading, typing, and waiting for the lead to finish."""

    reading_chars_per_second: float = Field(30, gt=0)
    typing_chars_per_second: float = Field(7, gt=0)
    min_delay_seconds: float = Field(1.5, ge=0)
    max_delay_seconds: float = Field(12, gt=0)
    jitter: float = Field(0.15, ge=0, le=0.5, description="± fraction applied to each delay")
    debounce_seconds: float = Field(6, ge=0, description="quiet time that means the lead has finished")
    max_debounce_seconds: float = Field(30, ge=0, description="cap on waiting for a lead who keeps typing")
    max_bubble_chars: int = Field(320, ge=40, le=4096)

    @model_validator(mode="after")
    def _ordered(self) -> Pacing:
        if self.min_delay_seconds > self.max_delay_seconds:
            raise ValueError("min_delay_seconds is larger than max_delay_seconds")
        return self


class OptOut(_Strict):
    words: list[str] = Field(default_factory=lambda: ["stop", "unsubscribe", "opt out"])
    confirmation: str = "You won't receive any more messages from us. Take care!"


class Handoff(_Strict):
    keywords: list[str] = Field(default_factory=lambda: ["human", "real person", "manager"])
    after_unclear_answers: int = Field(2, ge=1)
    message: str = "I'll have someone from our team reach out to you personally."


class KnowledgeSettings(_Strict):
    sources: list[str] = Field(default_factory=list, description="files or folders for `ava ingest`")
    objection_threshold: float = Field(0.45, ge=0, le=1, description="similarity above which a pair guides a reply")
    passage_threshold: float = Field(
        0.2, ge=0, le=1, description="similarity above which the playbook quotes a document passage"
    )
    fallback_objection_reply: str = (
        "That's a fair question. The consultation is free and there's no obligation, "
        "so you can get real numbers before deciding anything."
    )


class Profile(_Strict):
    business: Business
    persona: Persona = Field(default_factory=Persona)
    qualification: Qualification
    service_area: ServiceArea
    booking: Booking
    pacing: Pacing = Field(default_factory=Pacing)
    opt_out: OptOut = Field(default_factory=OptOut)
    handoff: Handoff = Field(default_factory=Handoff)
    knowledge: KnowledgeSettings = Field(default_factory=KnowledgeSettings)
    crm: Crm = Field(default_factory=lambda: Crm())  # lambda: Crm is defined below

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.business.timezone)


class OutcomeTags(_Strict):
    """The CRM tags that say where a lead stands; each is added on its own, never replacing others."""

    qualified: str = "ava-qualified"
    disqualified: str = "ava-disqualified"
    booked: str = "ava-booked"
    handoff: str = "ava-handoff"
    opted_out: str = "ava-opted-out"


class Crm(_Strict):
    """GoHighLevel as channel and CRM: takeovers, hand-offs, and what is written to the contact."""

    pause_minutes: int = Field(
        720, ge=1, description="after a person writes in the CRM conversation, AVA stays quiet this long")
    pause_tag: str = Field(
        "ava-paused", description="added while AVA is paused on a lead; removing it in the CRM resumes AVA")
    handoff_user_id: str | None = Field(None, description="CRM user the contact is assigned to on a hand-off")
    handoff_task_title: str = "Follow up with {lead_name}: AVA handed this lead over"
    handoff_task_due_minutes: int = Field(60, ge=0, description="the hand-off task is due this long after it")
    tags: OutcomeTags = Field(default_factory=OutcomeTags)
    custom_fields: dict[str, str] = Field(
        default_factory=dict, description="qualification field -> CRM custom field id the answer is written to")
    history_window: int = Field(
        20, ge=4, le=200, description="messages of a CRM conversation kept in AVA's store; older ones are "
        "read from the CRM and summarised")


Profile.model_rebuild()  # Profile.crm names Crm, defined after it
