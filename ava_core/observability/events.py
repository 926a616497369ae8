"""The business events, one schema: what each one means and which fields it carries.

``docs/events.md`` describes the same table for people; a test keeps the two in step. An
event is an ordinary log record (``event.action`` set, its fields bound), so it goes through
the same masking and the same sinks as every other line, and Kibana counts them.

Call sites add one line: ``event("booked", conversation_id=..., appointment_id=...)``. A test
reads every call site in the code and checks its event and fields against ``EVENTS``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from loguru import logger

if TYPE_CHECKING:
    from ava_core.channels.base import InboundMessage
    from ava_core.qualification import Standing
    from ava_core.store import Appointment, Conversation
    from ava_core.tools.base import ToolContext

# Where an event's keyword lands in the ECS document. Latency becomes ECS ``event.duration``
# (nanoseconds); tokens and the model follow ECS's ``gen_ai`` field set; the rest is AVA's own,
# under ``ava.`` as ECS asks of custom fields.
FIELD_PATHS: dict[str, str] = {
    "kind": "ava.message.kind",
    "length": "ava.message.length",
    "body": "ava.message.body",
    "field": "ava.qualification.field",
    "verdict": "ava.qualification.verdict",
    "status": "ava.qualification.status",
    "reason": "ava.reason",
    "count": "ava.slots.count",
    "appointment_id": "ava.appointment.id",
    "calendar": "ava.appointment.calendar",
    "provider": "gen_ai.system",
    "model": "gen_ai.request.model",
    "input_tokens": "gen_ai.usage.input_tokens",
    "output_tokens": "gen_ai.usage.output_tokens",
    "cost_usd": "ava.model.cost_usd",
    "failed_models": "ava.model.failed",
    "tool": "ava.tool.name",
    "latency_ms": "event.duration",
    "source": "ava.webhook.source",
    "http_status": "http.response.status_code",
}
# Fields that hold what a lead or AVA wrote: masked as a message body (see ``Masker.body``).
BODY_FIELDS = frozenset({"body"})


@dataclass(frozen=True)
class EventSpec:
    description: str
    fields: tuple[str, ...] = ()
    level: str = "INFO"
    outcome: bool = field(default=False)  # the caller says success or failure


EVENTS: dict[str, EventSpec] = {
    "conversation_started": EventSpec("a lead's first message opened a conversation"),
    "message_received": EventSpec("a lead's message was stored", ("kind", "length", "body")),
    "message_sent": EventSpec("a reply bubble reached the channel", ("kind", "length", "body")),
    "qualification_answer": EventSpec("the engine judged one qualification answer", ("field", "verdict", "status")),
    "qualified": EventSpec("every required qualification answer passed"),
    "disqualified": EventSpec("a qualification rule failed; reason is the question's field", ("reason",)),
    "slots_offered": EventSpec("free calendar slots were offered to the lead", ("count", "calendar")),
    "booked": EventSpec("an appointment was booked", ("appointment_id", "calendar")),
    "booking_failed": EventSpec("a booking or a move did not happen: the slot was taken, or never offered",
                                ("reason",), level="WARNING"),
    "rescheduled": EventSpec("a booked appointment moved to another slot; the id is the booking at the new time",
                             ("appointment_id", "calendar")),
    "cancelled": EventSpec("a booked appointment was cancelled at the lead's request", ("appointment_id", "calendar",
                                                                                       "reason")),
    "handoff": EventSpec("the conversation went to a person; reason says why", ("reason",), level="WARNING"),
    "opted_out": EventSpec("the lead asked for no more messages"),
    "model_call": EventSpec(
        "one model call of a turn", ("provider", "model", "latency_ms", "input_tokens", "output_tokens", "cost_usd"),
        outcome=True),
    "model_failover": EventSpec(
        "a model failed and the next in the chain was tried; failure when none answered",
        ("failed_models", "provider"), level="WARNING", outcome=True),
    "tool_call": EventSpec("one tool call of a turn", ("tool", "latency_ms"), outcome=True),
    "webhook_rejected": EventSpec("a webhook was refused; reason says why", ("source", "reason", "http_status"),
                                  level="WARNING"),
    # Not emitted by ``event``: every record bound with ``alert=<category>`` becomes one.
    "alert": EventSpec("something the team must look at; labels.alert is its category"),
}


def event(
    action: str,
    /,
    *,
    conversation_id: int | str | None = None,
    channel: str | None = None,
    turn_id: str | None = None,
    ok: bool = True,
    **fields: Any,
) -> None:
    """Log one business event; ``ok`` is its outcome where the event has one."""
    _emit(2, action, conversation_id=conversation_id, channel=channel, turn_id=turn_id, ok=ok, **fields)


def _emit(depth: int, action: str, /, *, conversation_id: int | str | None = None, channel: str | None = None,
          turn_id: str | None = None, ok: bool = True, **fields: Any) -> None:
    spec = EVENTS.get(action)
    unknown = set(fields) - set(spec.fields) if spec else set(fields)
    if spec is None or unknown:
        # A logging mistake must not fail a webhook or a turn: it is reported, and the event
        # goes out without what the schema does not know. (A test checks every call site.)
        logger.opt(depth=depth).bind(alert="logging").error(
            "event {!r} is not in the schema, or has no field(s) {}: see ava_core/observability/events.py",
            action, sorted(unknown))
        if spec is None:
            return
        fields = {k: v for k, v in fields.items() if k not in unknown}
    bound: dict[str, Any] = {"event_action": action, "event_fields": fields}
    if spec.outcome:
        bound["event_outcome"] = "success" if ok else "failure"
    if conversation_id is not None:
        bound["conversation_id"] = conversation_id
    if channel is not None:
        bound["channel"] = channel
    if turn_id is not None:
        bound["turn_id"] = turn_id
    level = spec.level if ok else "WARNING"
    shown = " ".join(f"{k}={v}" for k, v in fields.items() if k not in BODY_FIELDS)
    logger.opt(depth=depth).bind(**bound).log(level, f"{action} {shown}".strip())


# --- the events that take a little deciding, so each call site stays one line ------------


def message_received(conversation: Conversation, inbound: InboundMessage) -> None:
    """``conversation_started`` when this message opened the conversation, then ``message_received``."""
    if conversation.created_at == inbound.received_at:  # opened by this very message
        _emit(3, "conversation_started", conversation_id=conversation.id, channel=conversation.channel)
    _emit(3, "message_received", conversation_id=conversation.id, channel=conversation.channel,
          kind=inbound.kind, length=len(inbound.text or ""), body=inbound.text)


def qualification_judged(ctx: ToolContext, field: str, verdict: str, standing: Standing) -> None:
    """``qualification_answer``, then ``qualified`` or ``disqualified`` when the answer settled it."""
    cid, turn = ctx.conversation_id, ctx.turn_id
    _emit(3, "qualification_answer", conversation_id=cid, turn_id=turn, field=field, verdict=verdict,
          status=standing.status)
    if standing.status == "qualified":
        _emit(3, "qualified", conversation_id=cid, turn_id=turn)
    elif standing.status == "disqualified" and standing.failed is not None:
        _emit(3, "disqualified", conversation_id=cid, turn_id=turn, reason=standing.failed.field)


def booking_made(ctx: ToolContext, appointment: Appointment, created: bool) -> None:
    """``booked`` for a new appointment (booking the same slot again books nothing new)."""
    if created:
        _emit(3, "booked", conversation_id=ctx.conversation_id, turn_id=ctx.turn_id,
              appointment_id=appointment.id, calendar=appointment.calendar)
