"""The Conversations tab without Gradio: the stored conversations of a window, found by the
lead's name, phone or outcome, and one read back turn by turn with its trace (the store's
``browsing`` queries do the reading)."""

from __future__ import annotations

from datetime import datetime, timedelta

from ava_core.agent.turn import TraceEvent
from ava_core.models.base import Usage
from ava_core.qualification import standing
from ava_core.store.browsing import (
    ConversationRecord,
    ConversationSummary,
    TraceRecord,
    conversation_record,
    conversation_summaries,
)
from gradio_app.security import mask_phone
from gradio_app.session import Engines
from gradio_app.site import mask_text
from gradio_app.trace import step_of

OUTCOMES = ["any", "qualifying", "qualified", "disqualified", "booked", "handed off", "opted out"]
LIST_HEADERS = ["id", "last active", "lead", "phone", "channel", "outcome", "messages"]
TRACE_HEADERS = ["turn", "kind", "name", "detail", "ok", "ms", "tokens", "cost"]


def window(engines: Engines, days: int) -> tuple[datetime, datetime]:
    """The last ``days`` up to now, and chats tried on a chosen clock dated ahead of today too."""
    now = datetime.now(engines.profile.tz)
    return now - timedelta(days=days), now + timedelta(days=366)


def outcomes(summary: ConversationSummary, engines: Engines) -> list[str]:
    """Every outcome that applies to a conversation, the one that says most first."""
    facts = summary.facts
    status = standing(engines.profile, facts.verdicts).status
    found = [label for label, applies in (
        ("opted out", facts.opted_out),
        ("handed off", facts.handed_off),
        ("booked", facts.booked_at is not None and not facts.cancelled),
        ("booking cancelled", facts.cancelled),
        ("qualified", status == "qualified"),
        ("disqualified", status == "disqualified"),
    ) if applies]
    return found or ["qualifying"]


def find(engines: Engines, *, days: int, text: str = "", outcome: str = "any") -> list[ConversationSummary]:
    """Conversations of the window whose lead's name or phone holds ``text`` and that reached ``outcome``.

    Names and phones may be sealed in the store, so they are matched here, once opened.
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, not {outcome!r}")
    text = text.strip().casefold()
    digits = "".join(c for c in text if c.isdigit())
    found = []
    for summary in conversation_summaries(engines.store, *window(engines, days)):
        if text:
            in_name = text in (summary.name or "").casefold()
            in_phone = len(digits) >= 3 and digits in "".join(c for c in summary.phone or "" if c.isdigit())
            if not (in_name or in_phone):
                continue
        if outcome != "any" and outcome not in outcomes(summary, engines):
            continue
        found.append(summary)
    return found


def list_rows(engines: Engines, summaries: list[ConversationSummary], *, reveal: bool) -> list[list]:
    tz = engines.profile.tz
    return [[s.facts.id, f"{s.updated.astimezone(tz):%Y-%m-%d %H:%M}", s.name or "—",
             mask_phone(s.phone, reveal=reveal), s.facts.channel, ", ".join(outcomes(s, engines)), s.messages]
            for s in summaries]


def open_conversation(engines: Engines, conversation_id: int, *, reveal: bool) -> tuple[str, str, list[list]]:
    """(the header with its outcome, the transcript turn by turn, the trace rows) of one conversation."""
    record = conversation_record(engines.store, int(conversation_id))
    return header_markdown(engines, record, reveal=reveal), transcript_markdown(engines, record, reveal=reveal), \
        trace_rows(record, reveal=reveal)


def header_markdown(engines: Engines, record: ConversationRecord, *, reveal: bool) -> str:
    s, store, tz = record.summary, engines.store, engines.profile.tz
    lead = " · ".join(p for p in (s.name, mask_phone(s.phone, reveal=reveal)) if p) or "—"
    lines = [f"**Conversation {s.facts.id}** · {lead} · {s.facts.channel} · started "
             f"{s.facts.started.astimezone(tz):%a %b %d %Y %H:%M %Z} · **{', '.join(outcomes(s, engines))}**"]
    appointment = store.active_appointment(s.facts.id)
    if appointment is not None:
        link = f" · {appointment.link}" if appointment.link else ""
        lines.append(f"Appointment {appointment.start.astimezone(tz):%a %b %d %Y %H:%M %Z}{link}")
    reason = store.conversation(s.facts.id).handoff_reason
    if reason:
        lines.append(f"Handed off: {mask_text(reason, reveal=reveal)}")
    totals = store.usage_totals(s.facts.id)
    lines.append(f"{int(totals['calls'])} model calls · tokens {int(totals['input_tokens'])} in / "
                 f"{int(totals['output_tokens'])} out · cost ${totals['cost_usd']:.5f}")
    text = "\n\n".join(lines)
    answers = store.answers(s.facts.id)
    if answers:
        table = ["| question | answer | verdict |", "|---|---|---|"]
        table += [f"| {a.field} | {mask_text(a.value, reveal=reveal)} | {a.verdict} |" for a in answers.values()]
        text += "\n\n" + "\n".join(table)
    return text


def transcript_markdown(engines: Engines, record: ConversationRecord, *, reveal: bool) -> str:
    tz = engines.profile.tz
    parts = []
    for number, turn in enumerate(record.turns, start=1):
        parts.append(f"#### Turn {number} · {turn.started.astimezone(tz):%a %H:%M:%S}")
        parts += [f"- **lead**: {mask_text(m.text, reveal=reveal)}" for m in turn.lead]
        parts += [f"- **AVA**: {mask_text(m.text, reveal=reveal)}" for m in turn.replies]
        if not turn.replies:
            parts.append("- *(no reply sent)*")
    if record.unanswered:
        parts.append("#### Not answered yet")
        parts += [f"- **lead**: {mask_text(m.text, reveal=reveal)}" for m in record.unanswered]
    return "\n".join(parts) or "*(no messages)*"


def trace_rows(record: ConversationRecord, *, reveal: bool) -> list[list]:
    """The trace table's rows, turn by turn, as the Chat tab shows a live turn's."""
    rows = []
    for number, turn in enumerate(record.turns, start=1):
        for step in map(step_of, map(_event, turn.steps)):
            rows.append([number, step.kind, step.name, mask_text(step.detail, reveal=reveal), "✓" if step.ok else "✗",
                         round(step.latency_ms, 1), step.tokens,
                         "" if step.cost_usd is None else f"${step.cost_usd:.5f}"])
    return rows


def _event(record: TraceRecord) -> TraceEvent:
    usage = None if record.input_tokens is None else Usage(input_tokens=record.input_tokens,
                                                           output_tokens=record.output_tokens or 0)
    return TraceEvent(kind=record.kind, name=record.name, args=record.args, result=record.result, ok=record.ok,
                      latency_ms=record.latency_ms, usage=usage, cost_usd=record.cost_usd, at=record.at)
