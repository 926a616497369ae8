"""Read-only queries behind the R&D site's conversation browser: the conversations of a window
with who the lead is and where each stands, and one conversation read back turn by turn.

Part of the store (the only place SQL is written); it reads what the engine already records:
the messages (a reply's bubbles carry their turn id in the delivery key), the model and tool
audit rows and the other trace events, each under the turn id that made it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ava_core.store.reporting import ConversationFacts, conversation_facts
from ava_core.store.repository import Store, StoredMessage, _iso

# A conversation with its contact and how many messages the two sides exchanged (tool traffic aside).
_LISTING = (
    "SELECT c.id, c.status, c.updated_at, k.name, k.phone, (SELECT COUNT(*) FROM messages m "
    "WHERE m.conversation_id = c.id AND m.role IN ('user', 'assistant') AND m.tool_calls IS NULL "
    "AND m.text != '') AS messages FROM conversations c JOIN contacts k ON k.id = c.contact_id"
)


@dataclass
class ConversationSummary:
    """One row of the browser: the funnel's facts about a conversation, and the lead's contact."""

    facts: ConversationFacts
    name: str | None
    phone: str | None
    status: str
    updated: datetime
    messages: int  # what the lead wrote and the bubbles AVA sent


@dataclass
class TraceRecord:
    """One step of a stored turn: a model call, a tool call, or another trace event."""

    kind: str  # model | tool | knowledge | guard | fallback
    name: str
    args: Any
    result: Any
    ok: bool
    latency_ms: float
    at: datetime
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None


@dataclass
class StoredTurn:
    """One turn: the lead's messages it answered, what AVA did, and the bubbles it sent."""

    turn_id: str
    lead: list[StoredMessage] = field(default_factory=list)
    steps: list[TraceRecord] = field(default_factory=list)
    replies: list[StoredMessage] = field(default_factory=list)

    @property
    def started(self) -> datetime:
        return min([s.at for s in self.steps] + [m.created_at for m in self.replies])


@dataclass
class ConversationRecord:
    """A stored conversation read back: its turns in order, and any lead messages still unanswered."""

    summary: ConversationSummary
    turns: list[StoredTurn]
    unanswered: list[StoredMessage]


def conversation_summaries(store: Store, since: datetime, until: datetime) -> list[ConversationSummary]:
    """Conversations created in [since, until), most recently active first."""
    facts = {f.id: f for f in conversation_facts(store, since, until)}
    with store._unit() as conn:
        rows = conn.execute(
            f"{_LISTING} WHERE c.created_at >= ? AND c.created_at < ? ORDER BY c.updated_at DESC, c.id DESC",
            (_iso(since), _iso(until)),
        ).fetchall()
    return [_summary(store, facts[r["id"]], r) for r in rows if r["id"] in facts]


def conversation_record(store: Store, conversation_id: int) -> ConversationRecord:
    """One conversation with its turns; a StoreError names a conversation that does not exist."""
    conversation = store.conversation(conversation_id)  # raises for an unknown id
    facts = next(f for f in conversation_facts(store, conversation.created_at, _after(conversation.created_at))
                 if f.id == conversation_id)
    with store._unit() as conn:
        row = conn.execute(f"{_LISTING} WHERE c.id = ?", (conversation_id,)).fetchone()
        models = conn.execute("SELECT * FROM model_calls WHERE conversation_id = ? ORDER BY id",
                              (conversation_id,)).fetchall()
        tools = conn.execute("SELECT * FROM tool_calls WHERE conversation_id = ? ORDER BY id",
                             (conversation_id,)).fetchall()
        events = conn.execute("SELECT * FROM trace_events WHERE conversation_id = ? ORDER BY id",
                              (conversation_id,)).fetchall()
    opened = store._sealer.open
    steps: list[tuple[str, TraceRecord]] = (
        [(r["turn_id"], TraceRecord(
            kind="model", name=f"{r['provider']}:{r['model']}", args=None, result=None, ok=True,
            latency_ms=r["latency_ms"], at=datetime.fromisoformat(r["created_at"]), input_tokens=r["input_tokens"],
            output_tokens=r["output_tokens"], cost_usd=r["cost_usd"])) for r in models]
        + [(r["turn_id"], TraceRecord(
            kind="tool", name=r["name"], args=json.loads(r["args"]), result=json.loads(r["result"]),
            ok=bool(r["ok"]), latency_ms=r["latency_ms"], at=datetime.fromisoformat(r["created_at"]))) for r in tools]
        + [(r["turn_id"], TraceRecord(
            kind=r["kind"], name=r["name"], args=_json(opened(r["args"])), result=_json(opened(r["result"])),
            ok=bool(r["ok"]), latency_ms=r["latency_ms"], at=datetime.fromisoformat(r["created_at"]))) for r in events]
    )
    turns: dict[str, StoredTurn] = {}
    # A turn's steps in the order they happened, by their times: the audit tables are separate
    # sequences. A clock that stands still (a frozen test clock) leaves them grouped by table.
    for turn_id, step in sorted(steps, key=lambda s: s[1].at):
        turns.setdefault(turn_id, StoredTurn(turn_id)).steps.append(step)
    lead: list[StoredMessage] = []
    for message in store.messages(conversation_id):
        if message.role == "user":
            lead.append(message)
        elif message.role == "assistant" and message.delivery_key and message.text:
            # A reply's bubble is claimed under "<turn id>:<index>" before it is sent.
            turn_id = message.delivery_key.rsplit(":", 1)[0]
            turn = turns.setdefault(turn_id, StoredTurn(turn_id))
            turn.replies.append(message)
    ordered = sorted((t for t in turns.values() if t.steps or t.replies), key=lambda t: t.started)
    # Each lead message belongs to the first turn that started at or after it was received.
    pending = sorted(lead, key=lambda m: (m.created_at, m.id))
    for turn in ordered:
        while pending and pending[0].created_at <= turn.started:
            turn.lead.append(pending.pop(0))
    return ConversationRecord(summary=_summary(store, facts, row), turns=ordered, unanswered=pending)


def _summary(store: Store, facts: ConversationFacts, row) -> ConversationSummary:
    return ConversationSummary(
        facts=facts, name=store._sealer.open(row["name"]), phone=store._sealer.open(row["phone"]),
        status=row["status"], updated=datetime.fromisoformat(row["updated_at"]), messages=row["messages"],
    )


def _after(at: datetime) -> datetime:
    return at + timedelta(microseconds=1)


def _json(text: str | None) -> Any:
    return json.loads(text) if text else None
