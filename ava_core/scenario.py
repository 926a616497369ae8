"""Scenario files: a scripted lead, a frozen clock, and expectations about the outcome.

The format is shared by tests, evals and the R&D app, so it stays stable:
name, profile, now, channel, lead, model, turns (each may say what its replies must contain),
replay, expect, known_gap; and, to run against outside APIs offline: settings (AVA settings by
field name, e.g. ``geo: google``) and http_fixtures (a recording, relative to the scenario file,
see ``ava_core/recorded_http.py``).
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from ava_core.channels import InboundMessage, InProcessChannel
from ava_core.clock import FrozenClock
from ava_core.errors import ConfigError, ScenarioError
from ava_core.knowledge.base import KnowledgeStatus, knowledge_status
from ava_core.models.replay import ScriptedStep
from ava_core.profile import load_profile
from ava_core.profile.loader import load_yaml_model
from ava_core.qualification import standing
from ava_core.recorded_http import RecordedHttp
from ava_core.settings import Settings


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Lead(_Strict):
    name: str | None = None
    phone: str | None = None
    id: str | None = Field(None, description="channel address; defaults to the phone")


class TurnExpect(_Strict):
    """What the replies to one message must say: that what the lead asked was answered.

    The same words as the scenario's ``expect:``, about this message's replies alone, so an
    answer that is true but off the point ("solar makes sense over $100 a month" to "do you
    install pool heaters?") fails where a reply anywhere in the conversation would not."""

    reply_contains: list[str] | None = Field(None, description="each text appears in a reply to this message")
    reply_contains_any: list[str] | None = Field(
        None, min_length=1, description="at least one of these texts appears in a reply to this message")


class ScenarioTurn(_Strict):
    user: str
    wait_minutes: float = Field(2, ge=0, description="time since the previous turn")
    expect: TurnExpect | None = None


class Expect(_Strict):
    qualified: bool | None = None
    booked: bool | None = None
    handoff: bool | None = None
    opted_out: bool | None = None
    tools_called: list[str] | None = None
    reply_contains: list[str] | None = None
    max_bubble_chars: int | None = Field(None, gt=0)


# googlemaps refuses a key that does not look like one; nothing is ever sent with it.
RECORDED_GOOGLE_KEY = "AIzaRecordedScenarioKeyNotReal000000000"


def recorded_keys(settings: Settings, given: set[str]) -> dict[str, SecretStr]:
    """With a recording nothing leaves the process, so each outside backend the run uses gets a
    placeholder key (never a real one from the environment), unless the scenario gives one."""
    keys = {}
    if settings.geo == "google":
        keys["google_maps_api_key"] = RECORDED_GOOGLE_KEY
    if settings.web_search != "off":
        keys["web_search_api_key"] = "recorded"
    if settings.calendar_backend == "ghl" or settings.ghl_contacts:
        keys["ghl_access_token"] = "recorded"
    return {name: SecretStr(key) for name, key in keys.items() if name not in given}


class Scenario(_Strict):
    name: str
    profile: Path | None = None
    now: datetime
    channel: Literal["whatsapp", "ghl", "web"] = "web"
    lead: Lead = Field(default_factory=Lead)
    model: str = "playbook"
    turns: list[ScenarioTurn] = Field(min_length=1)
    replay: list[ScriptedStep] = Field(default_factory=list)
    http_fixtures: Path | None = Field(
        None, description="the recording (YAML: exchanges and DNS answers) that answers every outside "
        "call, relative to the scenario file"
    )
    expect: Expect = Field(default_factory=Expect)
    settings: dict[str, Any] = Field(
        default_factory=dict, description="AVA settings for this run by field name, e.g. calendar_backend: ghl")
    known_gap: str | None = Field(
        None, description="why the offline playbook cannot yet reach the expected outcome; the evals report "
        "the scenario as a known gap instead of a failure, and the expectation stays what a skilled setter reaches")

    @field_validator("now")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("give a UTC offset, e.g. 2026-12-01T09:30:00-06:00")
        return value

    @model_validator(mode="after")
    def _replay_fits_model(self) -> Scenario:
        if self.model == "replay" and not self.replay:
            raise ValueError("model: replay needs a `replay:` list of scripted model steps")
        return self


class ToolCallView(BaseModel):
    name: str
    args: dict[str, Any] | None
    result: Any
    ok: bool


class Outcome(BaseModel):
    qualified: bool | None
    booked: bool
    appointment: dict[str, str | None] | None
    handoff: bool
    opted_out: bool


class ScenarioResult(BaseModel):
    name: str
    passed: bool
    failures: list[str]
    transcript: list[dict[str, str]]
    tool_calls: list[ToolCallView]
    outcome: Outcome
    usage: dict[str, float] = Field(default_factory=dict)
    knowledge: KnowledgeStatus = Field(default_factory=lambda: KnowledgeStatus(ok=True),
                                       description="whether the knowledge base could be searched")


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario file; a bad one raises ScenarioError naming file, line and field."""
    try:
        scenario = load_yaml_model(Path(path), Scenario)
    except UnicodeDecodeError as exc:
        raise ScenarioError(not_utf8(path, exc)) from None
    except ConfigError as exc:
        lines = str(exc).splitlines()
        more = f" (and {len(lines) - 1} more)" if len(lines) > 1 else ""
        raise ScenarioError(lines[0] + more) from None
    if scenario.http_fixtures and not scenario.http_fixtures.is_absolute():
        scenario.http_fixtures = Path(path).parent / scenario.http_fixtures
    return scenario


def not_utf8(path: str | Path, exc: UnicodeDecodeError) -> str:
    """One line for a file that is not UTF-8, as every other bad file gets."""
    return f"{path}: not UTF-8 text (byte {exc.start} is 0x{exc.object[exc.start]:02x}); save it as UTF-8"


def run_scenario(scenario: Scenario, settings: Settings | None = None, *, data_dir: Path | None = None) -> ScenarioResult:
    """Play the scenario against a fresh store and a frozen clock, then check its expectations."""
    from ava_core.app import build_assistant
    from ava_core.models.registry import build_model

    settings = settings or Settings()
    profile_path = scenario.profile or settings.profile
    try:
        profile = load_profile(profile_path)
    except UnicodeDecodeError as exc:
        raise ConfigError(not_utf8(profile_path, exc)) from None
    clock = FrozenClock(scenario.now)
    with tempfile.TemporaryDirectory(dir=data_dir) as tmp:
        recorded = _recorded(scenario)
        overrides = _overrides(scenario.settings)
        run_settings = settings.model_copy(update={**overrides, "db_path": Path(tmp) / "scenario.sqlite3"})
        if recorded is not None:
            run_settings = run_settings.model_copy(update=recorded_keys(run_settings, set(overrides)))
        model = build_model(scenario.model, run_settings, profile, replay=scenario.replay)
        channel = InProcessChannel(scenario.channel)
        assistant = build_assistant(run_settings, profile=profile, clock=clock, model=model,
                                    channels={scenario.channel: channel},
                                    http=recorded.client() if recorded else None,
                                    resolver=recorded.resolve if recorded else None)
        address = scenario.lead.id or scenario.lead.phone or "lead-1"
        transcript: list[dict[str, str]] = []
        calls: list[ToolCallView] = []
        conversation_id = None
        for number, turn in enumerate(scenario.turns, start=1):
            clock.advance(minutes=turn.wait_minutes)
            inbound = InboundMessage(
                channel=scenario.channel, message_id=f"scenario-{number}", sender=address,
                sender_name=scenario.lead.name, phone=scenario.lead.phone, text=turn.user, received_at=clock.now(),
            )
            transcript.append({"role": "user", "text": turn.user, "at": clock.now().isoformat()})
            already_sent = len(channel.sent)
            state = assistant.handle(inbound)
            if state is None:
                continue
            conversation_id = state.conversation_id
            calls += [
                ToolCallView(name=e.name, args=e.args, result=e.result, ok=e.ok)
                for e in state.trace if e.kind == "tool"
            ]
            clock.advance(seconds=sum(len(b) for b in state.bubbles) / profile.pacing.typing_chars_per_second)
            for _, message in channel.sent[already_sent:]:
                transcript.append({"role": "assistant", "text": message.text, "at": clock.now().isoformat()})
        outcome = conversation_outcome(assistant, conversation_id, profile)
        usage = assistant.store.usage_totals(conversation_id) if conversation_id else {}
    failures = check(scenario.expect, outcome, transcript, calls) + check_turns(scenario.turns, transcript)
    if recorded is not None:  # a call nothing answered: the recording is missing an exchange
        failures += [f"no recorded exchange for {what}" for what in recorded.unmatched]
    return ScenarioResult(name=scenario.name, passed=not failures, failures=failures, transcript=transcript,
                          tool_calls=calls, outcome=outcome, usage=usage,
                          knowledge=knowledge_status(assistant.engine.knowledge))


def _recorded(scenario: Scenario) -> RecordedHttp | None:
    """The scenario's recorded outside world; a bad recording is a bad scenario file."""
    if scenario.http_fixtures is None:
        return None
    try:
        return RecordedHttp.load(scenario.http_fixtures)
    except ConfigError as exc:
        raise ScenarioError(str(exc).splitlines()[0]) from None


def _overrides(values: dict[str, Any]) -> dict[str, Any]:
    """The scenario's ``settings:``, each checked against its Settings field."""
    checked = {}
    for name, value in values.items():
        field = Settings.model_fields.get(name)
        if field is None or field.annotation is None:  # every AVA setting is typed, so only a stranger lacks one
            raise ScenarioError(f"settings: {name!r} is not an AVA setting (see local.settings.sample.json)")
        try:
            checked[name] = TypeAdapter(field.annotation).validate_python(value)
        except ValidationError as exc:
            raise ScenarioError(f"settings: {name}: {exc.errors()[0]['msg']}") from None
    return checked


def conversation_outcome(assistant, conversation_id: int | None, profile) -> Outcome:
    """Where a conversation stands: qualified, booked (with the appointment), handed off, opted out."""
    if conversation_id is None:
        return Outcome(qualified=None, booked=False, appointment=None, handoff=False, opted_out=False)
    store = assistant.store
    state = standing(profile, {f: a.verdict for f, a in store.answers(conversation_id).items()})
    conversation = store.conversation(conversation_id)
    appointment = store.active_appointment(conversation_id)
    return Outcome(
        qualified={"qualified": True, "disqualified": False}.get(state.status),
        booked=appointment is not None,
        appointment={
            "start": appointment.start.astimezone(profile.tz).isoformat(),
            "end": appointment.end.astimezone(profile.tz).isoformat(),
            "link": appointment.link,
            # The id in the outside calendar (GoHighLevel), when the booking was made there.
            **({"id": appointment.external_id} if appointment.external_id else {}),
        } if appointment else None,
        handoff=conversation.status == "paused",
        opted_out=store.contact(conversation.contact_id).opted_out,
    )


def check(expect: Expect, outcome: Outcome, transcript: list[dict[str, str]], calls: list[ToolCallView]) -> list[str]:
    """Every expectation that does not hold, as a sentence."""
    failures = []
    for key in ("qualified", "booked", "handoff", "opted_out"):
        if key in expect.model_fields_set and getattr(expect, key) != getattr(outcome, key):
            failures.append(f"expected {key}: {getattr(expect, key)}, got {getattr(outcome, key)}")
    if expect.tools_called:
        names = iter(c.name for c in calls)
        for wanted in expect.tools_called:
            if not any(name == wanted for name in names):
                failures.append(
                    f"expected tools in order {expect.tools_called}, got {[c.name for c in calls]} ({wanted} missing)"
                )
                break
    bubbles = [t["text"] for t in transcript if t["role"] == "assistant"]
    for wanted in expect.reply_contains or []:
        if not any(wanted.casefold() in b.casefold() for b in bubbles):
            failures.append(f"no reply contains {wanted!r}")
    if expect.max_bubble_chars:
        too_long = [b for b in bubbles if len(b) > expect.max_bubble_chars]
        if too_long:
            failures.append(f"{len(too_long)} bubble(s) longer than {expect.max_bubble_chars} characters")
    return failures


def _loose(text: str) -> str:
    """Text compared without case, whichever way it was cased ("ı" upper-cased is "I")."""
    return text.upper().casefold()


def check_turns(turns: list[ScenarioTurn], transcript: list[dict[str, str]]) -> list[str]:
    """Every per-message expectation (``turns[].expect``) that does not hold, as a sentence."""
    replies: list[list[str]] = []  # the bubbles after each lead message, up to the next one
    for line in transcript:
        if line["role"] == "user":
            replies.append([])
        elif replies:
            replies[-1].append(_loose(line["text"]))
    failures = []
    for number, (turn, answer) in enumerate(zip(turns, replies, strict=False), start=1):
        if turn.expect is None:
            continue
        said = f"turn {number} ({turn.user[:40]!r})"
        for wanted in turn.expect.reply_contains or []:
            if not any(_loose(wanted) in bubble for bubble in answer):
                failures.append(f"{said}: no reply to it contains {wanted!r}")
        wanted_any = turn.expect.reply_contains_any
        if wanted_any and not any(_loose(w) in bubble for w in wanted_any for bubble in answer):
            failures.append(f"{said}: no reply to it mentions any of {wanted_any}")
    return failures
