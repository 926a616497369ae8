"""The business profile: one YAML file per deployment, no secrets.

Every field a business can change lives here, so that a second business is a second
file, not a code change.
"""

from __future__ import annotations

import re
import string
from datetime import date, time
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from ava_core.language.phrases import default_opt_out_phrases

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# The placeholders each kind of text is filled with; anything else raises a KeyError in the
# first conversation that uses it (or, in a text sent as written, reaches the lead verbatim).
# `ava config check` reports them (see `template_problems`); loading a profile does not, so a
# running AVA keeps its own fallbacks for a template that cannot be filled.
GREETING_PLACEHOLDERS = ("lead_name", "persona_name", "business_name")
LINK_PLACEHOLDERS = ("appointment_id", "slot_id")
_NAMED = re.compile(r"\{([^{}]*)\}")


def placeholder_problem(text: str, allowed: tuple[str, ...] | None) -> str | None:
    """What is wrong with the placeholders of ``text``, filled by ``str.format`` with ``allowed``
    (None: a message sent as written, which takes none)."""
    if allowed is None:
        names = [m.group(1) for m in _NAMED.finditer(text)]
        if not names:
            return None
        return (f"unknown placeholder {', '.join('{' + n + '}' for n in names)}: this message is sent as written "
                f"(placeholders work only in greeting: {', '.join(GREETING_PLACEHOLDERS)}, "
                f"and in booking.link_template: {', '.join(LINK_PLACEHOLDERS)})")
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError as exc:
        return f"{exc} (write {{{{ or }}}} for a literal brace)"
    unknown = [n for n in dict.fromkeys(names) if re.split(r"[.\[]", n, maxsplit=1)[0] not in allowed]
    if not unknown:
        return None
    return (f"unknown placeholder{'s' if len(unknown) > 1 else ''} "
            f"{', '.join('{' + n + '}' for n in unknown)}; allowed: {', '.join(allowed)}")


class Business(_Strict):
    name: str = Field(min_length=1)
    description: str
    offer: str = Field(description="what the lead gets by booking, in one sentence")
    website: str | None = None
    phone: str | None = None
    address: str | None = None
    timezone: str = Field(description="IANA time zone of the business, e.g. America/Chicago")
    facts: list[str] = Field(default_factory=list)
    about: str | None = Field(
        None, min_length=1,
        description="who the business is, said as written to a lead who asks who you are or how they know you "
        "know your job: years in business, licences, certifications, reviews; true and checkable",
    )

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
    language: str = Field("en", description="AVA's first language (ISO 639-1): the top-level texts are in it")
    greeting: str = Field(
        "Hi {lead_name}! This is {persona_name} with {business_name}.",
        description="first words to a new lead; placeholders: lead_name, persona_name, business_name",
    )

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if not is_language_code(value):
            raise ValueError(f"unknown language {value!r}: use an ISO 639-1 code such as en, es")
        return value


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
    decline_reason: str | None = Field(
        None, description="why this answer rules a lead out, said kindly when they ask to book anyway; "
        "default: the disqualify message")
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

    def question_for(self, field: str) -> Question:
        """The question behind a field this profile asks (one from its questions, or from a standing)."""
        question = self.get(field)
        if question is None:
            raise KeyError(f"the profile asks no question for the field {field!r}")
        return question


class ServiceArea(_Strict):
    zips: list[str] = Field(default_factory=list)
    cities: list[str] = Field(default_factory=list)
    base_address: str | None = None
    radius_miles: float | None = Field(None, gt=0)
    out_of_area_message: str = "Unfortunately that's outside the area we serve right now."
    # With a Google Maps key (ava_core/geo/google.py); without one the ZIP/city lists decide.
    country: str | None = Field(
        None, pattern=r"^[A-Za-z]{2}$", description="ISO country code geocoding is restricted to, e.g. US"
    )
    distance: Literal["straight_line", "driving"] = Field(
        "straight_line", description="how radius_miles is measured from base_address: as the crow flies or by road"
    )
    max_drive_minutes: float | None = Field(None, gt=0, description="driving time limit from base_address")
    polygon: list[tuple[float, float]] = Field(
        default_factory=list, description="the area's outline as [lat, lng] points; a place must be inside it"
    )

    @field_validator("zips")
    @classmethod
    def _five_digits(cls, zips: list[str]) -> list[str]:
        bad = [z for z in zips if not re.fullmatch(r"\d{5}", str(z))]
        if bad:
            raise ValueError(f"ZIP codes must be 5 digits, got {bad}")
        return [str(z) for z in zips]

    @model_validator(mode="after")
    def _distance_rules_fit(self) -> ServiceArea:
        if (self.radius_miles or self.max_drive_minutes) and not self.base_address:
            raise ValueError("radius_miles and max_drive_minutes are measured from base_address: give it")
        if self.max_drive_minutes and self.distance != "driving":
            raise ValueError("max_drive_minutes needs distance: driving")
        if self.polygon and len(self.polygon) < 3:
            raise ValueError("a polygon needs at least 3 [lat, lng] points")
        return self

    @model_validator(mode="after")
    def _something_to_check(self) -> ServiceArea:
        if not (self.zips or self.cities or (self.base_address and self.radius_miles)):
            raise ValueError("give zips, cities, or base_address with radius_miles")
        return self


def _weekday(day: str) -> str:
    if day not in WEEKDAYS:
        raise ValueError(f"unknown weekday {day!r}; use {', '.join(WEEKDAYS)}")
    return day


def _time_range(text: str) -> str:
    start, end = parse_range(text)
    if start >= end:
        raise ValueError(f"{text!r} ends before it starts")
    return text


# Each range is checked on its own, so every bad one is reported with its own line.
Weekday = Annotated[str, AfterValidator(_weekday)]
TimeRange = Annotated[str, AfterValidator(_time_range)]


class Booking(_Strict):
    meeting_title: str = "Consultation"
    meeting_minutes: int = Field(30, ge=5, le=480)
    working_hours: dict[Weekday, list[TimeRange]] = Field(description='per weekday, ranges like "09:00-12:00"')
    closed_dates: list[date] = Field(default_factory=list, description="holidays: no slots on these days")
    min_notice_hours: float = Field(2, ge=0)
    days_ahead: int = Field(14, ge=1, le=90)
    slots_to_offer: int = Field(3, ge=1, le=10)
    link_template: str = Field(description="meeting link; placeholders: appointment_id, slot_id")

    @field_validator("working_hours")
    @classmethod
    def _valid_hours(cls, hours: dict[str, list[str]]) -> dict[str, list[str]]:
        if not any(hours.values()):
            raise ValueError("no working hours on any day: nothing could ever be booked")
        return hours

    def ranges(self, weekday: int) -> list[tuple[time, time]]:
        return [parse_range(r) for r in self.working_hours.get(WEEKDAYS[weekday], [])]


def parse_range(text: str) -> tuple[time, time]:
    """'09:00-17:00' → (09:00, 17:00); '24:00' closes the day."""
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
    words: list[str] = Field(
        default_factory=lambda: ["stop", "unsubscribe", "opt out"],
        description="keywords in any language: the whole message, or inside a short sentence to AVA",
    )
    phrases: dict[str, list[str]] = Field(
        default_factory=default_opt_out_phrases,
        description="phrasings per language (ISO 639-1); added to the English and Spanish ones AVA ships",
    )
    resubscribe_words: list[str] = Field(
        default_factory=lambda: ["start", "unstop"],
        description="a whole message that opts a contact back in, where the channel's rules allow",
    )
    confirmation: str = "You won't receive any more messages from us. Take care!"

    @field_validator("phrases")
    @classmethod
    def _with_shipped(cls, phrases: dict[str, list[str]]) -> dict[str, list[str]]:
        merged = default_opt_out_phrases()
        for code, listed in phrases.items():
            merged[code] = [*merged.get(code, []), *(p for p in listed if p not in merged.get(code, []))]
        return merged


class Handoff(_Strict):
    keywords: list[str] = Field(default_factory=lambda: ["human", "real person", "manager"])
    after_unclear_answers: int = Field(2, ge=1)
    message: str = "I'll have someone from our team reach out to you personally."
    offer_to_disqualified: bool = Field(
        False, description="a lead who does not qualify and asks to book anyway is offered a person instead "
        "(handed off if they accept); false: a kind no, and no hand-off")


class KnowledgeSettings(_Strict):
    sources: list[str] = Field(default_factory=list, description="files or folders for `ava ingest`")
    objection_threshold: float = Field(0.45, ge=0, le=1, description="similarity above which a pair guides a reply")
    objection_thresholds: dict[str, float] = Field(
        default_factory=dict,
        description="objection_threshold for a lead writing in this language (ISO 639-1), where the embedding model "
        "scores it differently: an English-only model finds any two Spanish texts alike",
    )
    passage_threshold: float = Field(
        0.2, ge=0, le=1, description="similarity from which a document passage may answer a lead's question"
    )
    fallback_objection_reply: str = (
        "That's a fair question. The consultation is free and there's no obligation, "
        "so you can get real numbers before deciding anything."
    )

    @field_validator("objection_thresholds")
    @classmethod
    def _thresholds_per_language(cls, thresholds: dict[str, float]) -> dict[str, float]:
        for code, value in thresholds.items():
            if not is_language_code(code):
                raise ValueError(f"unknown language {code!r}: use an ISO 639-1 code such as es")
            if not 0 <= value <= 1:
                raise ValueError(f"{code}: {value} is not a similarity between 0 and 1")
        return thresholds

    def threshold_for(self, language: str | None) -> float:
        """The objection threshold for a lead writing in ``language``."""
        return self.objection_thresholds.get(language or "", self.objection_threshold)


class QuestionText(_Strict):
    """One qualification question in another language."""

    question: str = Field(min_length=1)
    options: dict[str, str] = Field(default_factory=dict, description="canonical option → how it is said here")
    synonyms: dict[str, list[str]] = Field(
        default_factory=dict, description="canonical option → other ways leads say it in this language"
    )
    disqualify_message: str | None = None
    decline_reason: str | None = None


# Meta writes a template's language as a language code, alone or with a region: es, es_MX, en_US, pt_BR.
_TEMPLATE_LANGUAGE = re.compile(r"^([a-z]{2,3})(_[A-Z]{2})?$")


class WhatsAppTemplate(_Strict):
    """An approved WhatsApp message template, as WhatsApp Manager lists it: a template is known
    by its name and the language it was approved in together (one name can exist in several)."""

    name: str = Field(description="the template's name, e.g. follow_up_v1")
    language: str = Field(description="the language code it was approved in, as Meta writes it: es, es_MX, pt_BR")

    @field_validator("name")
    @classmethod
    def _meta_name(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z0-9_]{1,512}", value):
            raise ValueError(f"{value!r} is not a WhatsApp template name: those are lowercase letters, digits and "
                             "underscores, as in WhatsApp Manager (e.g. follow_up_v1)")
        return value

    @field_validator("language")
    @classmethod
    def _meta_language(cls, value: str) -> str:
        match = _TEMPLATE_LANGUAGE.fullmatch(value)
        try:
            known = match is not None and Locale.parse(value) is not None
        except (UnknownLocaleError, ValueError):
            known = False
        if not known:
            raise ValueError(f"{value!r} is not a template language code: write it as WhatsApp Manager does, a "
                             "language with an optional region after an underscore (es, es_MX, en_US, pt_BR)")
        return value

    @property
    def base_language(self) -> str:
        """The ISO 639 code without the region: es for es_MX."""
        return self.language.split("_", 1)[0]


class WhatsApp(_Strict):
    """What AVA sends on WhatsApp beyond its words: the approved re-engagement template."""

    reengagement_templates: dict[str, WhatsAppTemplate] = Field(
        default_factory=dict,
        description="the approved template sent when the lead last wrote over 24 hours ago, per conversation language "
        "(ISO 639-1 code → name and language code); a language without one gets AVA_WHATSAPP_TEMPLATE_NAME",
    )

    @field_validator("reengagement_templates")
    @classmethod
    def _known_languages(cls, templates: dict) -> dict:
        return _keyed_by_language(templates, "key each template by an ISO 639-1 code such as es, pt")


class LanguageTexts(_Strict):
    """Every lead-facing text in one more language AVA speaks."""

    greeting: str = Field(min_length=1, description="placeholders: lead_name, persona_name, business_name")
    questions: dict[str, QuestionText] = Field(description="one per qualification field")
    out_of_area_message: str = Field(min_length=1)
    opt_out_confirmation: str = Field(min_length=1)
    handoff_message: str = Field(min_length=1)
    fallback_objection_reply: str = Field(min_length=1)
    meeting_title: str | None = Field(
        None, min_length=1, description="booking.meeting_title in this language, as the booking confirmation names it"
    )
    about: str | None = Field(None, min_length=1, description="business.about in this language")


class WebBrowsing(_Strict):
    """When and where AVA may look things up on the web (backends and keys are settings)."""

    topics: list[str] = Field(
        default_factory=list,
        description="what AVA may browse for, e.g. incentives, utility rates, news; empty: never browse",
    )
    provider_search: bool = Field(
        False, description="when the model is Claude, use Anthropic's server-side web search instead of the search API"
    )
    allow_domains: list[str] = Field(default_factory=list, description="only these domains (and subdomains)")
    deny_domains: list[str] = Field(default_factory=list, description="never these domains (and subdomains)")
    max_results: int = Field(5, ge=1, le=20)
    fetch_max_bytes: int = Field(2_000_000, ge=1_000, description="a page larger than this is cut off")
    fetch_max_chars: int = Field(6_000, ge=200, description="readable text handed to the model, at most")
    fetch_timeout_seconds: float = Field(10, gt=0, le=60, description="a page fetch, redirects included")

    @field_validator("allow_domains", "deny_domains")
    @classmethod
    def _bare_domains(cls, domains: list[str]) -> list[str]:
        bad = [d for d in domains if not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", d.strip().lower())]
        if bad:
            raise ValueError(f"give bare domain names such as irs.gov, got {bad}")
        return [d.strip().lower() for d in domains]

    @model_validator(mode="after")
    def _one_list(self) -> WebBrowsing:
        if self.allow_domains and self.deny_domains:
            raise ValueError("give allow_domains or deny_domains, not both")
        return self


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
    languages: dict[str, LanguageTexts] = Field(
        default_factory=dict,
        description="more languages AVA speaks with leads (ISO 639-1 code → texts); persona.language is the first",
    )

    claims: dict[str, dict[Literal["booked", "link_sent", "handoff", "cancelled", "rescheduled"], list[str]]] = Field(
        default_factory=dict,
        description="more ways a reply would claim a booking, a sent link, a hand-off, a cancellation or a move, "
        "per language; "
        "added to the ones AVA ships. Such a reply is held back unless the matching tool ran.",
    )
    web: WebBrowsing = Field(default_factory=WebBrowsing)
    whatsapp: WhatsApp = Field(default_factory=WhatsApp)
    crm: Crm = Field(default_factory=lambda: Crm())  # lambda: Crm is defined below

    @field_validator("languages", "claims")
    @classmethod
    def _known_languages(cls, languages: dict) -> dict:
        return _keyed_by_language(languages, "use an ISO 639-1 code such as es, pt, fr")

    @model_validator(mode="after")
    def _languages_cover_questions(self) -> Profile:
        if self.persona.language in self.languages:
            raise ValueError(
                f"languages: {self.persona.language!r} is persona.language, whose texts are the top-level ones; "
                "remove its block"
            )
        fields = {q.field: q for q in self.qualification.questions}
        for code, texts in self.languages.items():
            missing = [f for f in fields if f not in texts.questions]
            if missing:
                raise ValueError(f"languages.{code}.questions: no text for {missing}")
            strays = [f for f in texts.questions if f not in fields]
            if strays:
                raise ValueError(f"languages.{code}.questions: {strays} are not qualification fields")
            for field, text in texts.questions.items():
                options = fields[field].options
                bad = [o for o in [*text.options, *text.synonyms] if o not in options]
                if bad:
                    raise ValueError(
                        f"languages.{code}.questions.{field}: {sorted(set(bad))} are not options of "
                        f"the question (options: {options})"
                    )
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.business.timezone)

    @property
    def served_languages(self) -> list[str]:
        """Every language AVA speaks with leads, its first (persona.language) first."""
        return list(dict.fromkeys([self.persona.language, *self.languages]))

    def speaking(self, language: str | None) -> str:
        """The language AVA answers a lead who writes in ``language``: that one when AVA speaks
        it, else its first (persona.language)."""
        return language if language in self.served_languages else self.persona.language

    def localized(self, language: str) -> Profile:
        """This profile with its lead-facing texts in ``language``.

        Options keep their canonical values (what record_qualification stores and the rules
        test); their labels and synonyms in ``language`` are added to each question's synonyms,
        so an answer in that language reads as the canonical option.
        """
        texts = self.languages.get(language)
        if texts is None:
            return self
        questions = []
        for q in self.qualification.questions:
            text = texts.questions[q.field]
            synonyms = {option: list(q.synonyms.get(option, [])) for option in q.options}
            for option in q.options:
                extra = ([text.options[option]] if option in text.options else []) + text.synonyms.get(option, [])
                synonyms[option] += [s for s in extra if s not in synonyms[option]]
            update: dict = {"question": text.question, "synonyms": {k: v for k, v in synonyms.items() if v}}
            if text.disqualify_message:
                update["disqualify_message"] = text.disqualify_message
            # No reason in this language: the disqualify message in it, never the first language's reason.
            update["decline_reason"] = text.decline_reason
            questions.append(q.model_copy(update=update))
        return self.model_copy(
            update={
                "persona": self.persona.model_copy(update={"greeting": texts.greeting, "language": language}),
                "qualification": self.qualification.model_copy(update={"questions": questions}),
                "service_area": self.service_area.model_copy(
                    update={"out_of_area_message": texts.out_of_area_message}
                ),
                "opt_out": self.opt_out.model_copy(update={"confirmation": texts.opt_out_confirmation}),
                "handoff": self.handoff.model_copy(update={"message": texts.handoff_message}),
                "knowledge": self.knowledge.model_copy(
                    update={"fallback_objection_reply": texts.fallback_objection_reply}
                ),
                "booking": self.booking.model_copy(
                    update={"meeting_title": texts.meeting_title or self.booking.meeting_title}
                ),
                # Never the first language's words to a lead in this one: none said here, none at all.
                "business": self.business.model_copy(update={"about": texts.about}),
            }
        )

    def option_label(self, field: str, option: str, language: str) -> str:
        """How ``option`` of question ``field`` is said in ``language`` (the option itself when no label is given)."""
        texts = self.languages.get(language)
        text = texts.questions.get(field) if texts else None
        return text.options.get(option, option) if text else option


def template_problems(profile: Profile) -> list[tuple[list[str | int], str]]:
    """Every text whose placeholders would break or show, as (field path, problem)."""
    texts: list[tuple[list[str | int], str | None, tuple[str, ...] | None]] = [
        (["persona", "greeting"], profile.persona.greeting, GREETING_PLACEHOLDERS),
        (["booking", "link_template"], profile.booking.link_template, LINK_PLACEHOLDERS),
        (["service_area", "out_of_area_message"], profile.service_area.out_of_area_message, None),
        (["opt_out", "confirmation"], profile.opt_out.confirmation, None),
        (["handoff", "message"], profile.handoff.message, None),
        (["booking", "meeting_title"], profile.booking.meeting_title, None),
        (["knowledge", "fallback_objection_reply"], profile.knowledge.fallback_objection_reply, None),
        (["business", "about"], profile.business.about, None),
    ]
    for index, q in enumerate(profile.qualification.questions):
        texts += [(["qualification", "questions", index, "question"], q.question, None),
                  (["qualification", "questions", index, "disqualify_message"], q.disqualify_message, None),
                  (["qualification", "questions", index, "decline_reason"], q.decline_reason, None)]
    for code, block in profile.languages.items():
        at = ["languages", code]
        texts += [([*at, "greeting"], block.greeting, GREETING_PLACEHOLDERS)]
        texts += [([*at, name], getattr(block, name), None) for name in
                  ("out_of_area_message", "opt_out_confirmation", "handoff_message", "fallback_objection_reply",
                   "meeting_title", "about")]
        for field, wording in block.questions.items():
            texts += [([*at, "questions", field, "question"], wording.question, None),
                      ([*at, "questions", field, "disqualify_message"], wording.disqualify_message, None),
                      ([*at, "questions", field, "decline_reason"], wording.decline_reason, None)]
    problems = []
    for loc, text, allowed in texts:
        problem = placeholder_problem(text, allowed) if text else None
        if problem:
            problems.append((loc, problem))
    return problems


def is_language_code(code: str) -> bool:
    """True for a language babel knows by a two-letter code (ISO 639-1)."""
    if not re.fullmatch(r"[a-z]{2}", code):
        return False
    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return False
    return True

def _crm_tag(value: str) -> str:
    """A CRM tag as GoHighLevel keeps it: a workflow webhook sends a contact's tags as one
    comma-separated string, so a tag with a comma (or blank) could never be recognised."""
    if not value.strip() or value != value.strip() or "," in value:
        raise ValueError(f"{value!r} cannot be a CRM tag: give a non-blank name without commas or outer spaces")
    return value


Tag = Annotated[str, AfterValidator(_crm_tag)]


class OutcomeTags(_Strict):
    """The CRM tags that say where a lead stands; each is added on its own, never replacing others.
    ``booked`` and ``cancelled`` follow the appointment: a cancel removes the first and adds the second."""

    qualified: Tag = "ava-qualified"
    disqualified: Tag = "ava-disqualified"
    booked: Tag = "ava-booked"
    cancelled: Tag = Field("ava-cancelled", description="the lead cancelled their appointment (a move keeps booked)")
    handoff: Tag = "ava-handoff"
    opted_out: Tag = "ava-opted-out"

    @model_validator(mode="after")
    def _distinct(self) -> OutcomeTags:
        names = self.model_dump()
        shared = sorted({t for t in names.values() if list(names.values()).count(t) > 1})
        if shared:
            raise ValueError(f"each outcome needs its own tag: {shared} names more than one "
                             f"({', '.join(k for k, v in names.items() if v in shared)})")
        return self


class Crm(_Strict):
    """GoHighLevel as channel and CRM: takeovers, hand-offs, and what is written to the contact."""

    pause_minutes: int = Field(
        720, ge=1, description="after a person writes in the CRM conversation, AVA stays quiet this long")
    pause_tag: Tag = Field(
        "ava-paused", description="added while AVA is paused on a lead; removing it in the CRM resumes AVA")
    handoff_user_id: str | None = Field(None, description="CRM user the contact is assigned to on a hand-off")
    handoff_task_title: str = "Follow up with {lead_name}: AVA handed this lead over"
    handoff_task_due_minutes: int = Field(60, ge=0, description="the hand-off task is due this long after it")
    tags: OutcomeTags = Field(default_factory=OutcomeTags)
    custom_fields: dict[str, str] = Field(
        default_factory=dict, description="qualification field -> CRM custom field id the answer is written to")
    history_window: int = Field(
        20, ge=4, le=200, description="messages of a CRM conversation kept in AVA's store; older ones are "
        "folded into a running summary (the CRM keeps the messages)")
    read_history: int = Field(
        40, ge=0, le=200, description="when a CRM conversation first reaches AVA, up to this many of its earlier "
        "messages (ads, forms, the team) are read into the summary; 0 reads none")

    @model_validator(mode="after")
    def _pause_tag_apart(self) -> Crm:
        if self.pause_tag in self.tags.model_dump().values():
            raise ValueError(f"pause_tag {self.pause_tag!r} is also an outcome tag: removing it would resume AVA "
                             "whenever the outcome changes; give it a name of its own")
        return self


Profile.model_rebuild()  # Profile.crm names Crm, defined after it


def _keyed_by_language(mapping: dict, fix: str) -> dict:
    """``mapping`` as given when every key is a language code; else the first unknown one, with ``fix``."""
    for code in mapping:
        if not is_language_code(code):
            raise ValueError(f"unknown language {code!r}: {fix}")
    return mapping
