"""Read-only queries behind ``ava report``: one row per conversation started in a window.

Part of the store (the only place SQL is written); it reads the tables the engine already
fills and adds none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ava_core.store.repository import _REPLY_SENT, Store, _datetime, _dt, _iso


@dataclass
class ConversationFacts:
    """What the funnel needs to know about one conversation."""

    id: int
    channel: str
    started: datetime
    handed_off: bool
    opted_out: bool
    verdicts: dict[str, str] = field(default_factory=dict)
    first_inbound: datetime | None = None
    first_reply: datetime | None = None
    booked_at: datetime | None = None
    cancelled: bool = False
    cost_usd: float = 0.0
    tokens: int = 0
    model_calls: int = 0


def conversation_facts(store: Store, since: datetime, until: datetime) -> list[ConversationFacts]:
    """Conversations created in [since, until), with their answers, replies, bookings and model spend."""
    window = (_iso(since), _iso(until))
    chosen = "SELECT id FROM conversations WHERE created_at >= ? AND created_at < ?"
    with store._unit() as conn:
        rows = conn.execute(
            "SELECT c.id, c.channel, c.created_at, c.handoff_reason, k.opted_out_at FROM conversations c "
            "JOIN contacts k ON k.id = c.contact_id WHERE c.created_at >= ? AND c.created_at < ? ORDER BY c.id",
            window,
        ).fetchall()
        facts = {
            r["id"]: ConversationFacts(r["id"], r["channel"], _datetime(r["created_at"]), r["handoff_reason"] is not None,
                                       r["opted_out_at"] is not None)
            for r in rows
        }
        for r in conn.execute(
            f"SELECT conversation_id, field, verdict FROM qualification_answers WHERE conversation_id IN ({chosen})",
            window,
        ):
            facts[r["conversation_id"]].verdicts[r["field"]] = r["verdict"]
        for r in conn.execute(
            f"SELECT conversation_id, MIN(created_at) AS at FROM messages WHERE role = 'user' "
            f"AND conversation_id IN ({chosen}) GROUP BY conversation_id",
            window,
        ):
            facts[r["conversation_id"]].first_inbound = _dt(r["at"])
        # The first reply the lead got (or was being sent) after their first message.
        for r in conn.execute(
            f"SELECT a.conversation_id, MIN(a.created_at) AS at FROM messages a WHERE {_REPLY_SENT} "
            f"AND a.conversation_id IN ({chosen}) AND a.created_at >= (SELECT MIN(u.created_at) FROM messages u "
            "WHERE u.conversation_id = a.conversation_id AND u.role = 'user') GROUP BY a.conversation_id",
            window,
        ):
            facts[r["conversation_id"]].first_reply = _dt(r["at"])
        for r in conn.execute(
            f"SELECT conversation_id, MIN(created_at) AS at, SUM(status = 'booked') AS live FROM appointments "
            f"WHERE conversation_id IN ({chosen}) GROUP BY conversation_id",
            window,
        ):
            fact = facts[r["conversation_id"]]
            fact.booked_at, fact.cancelled = _dt(r["at"]), not r["live"]
        for r in conn.execute(
            f"SELECT conversation_id, COUNT(*) AS calls, COALESCE(SUM(cost_usd), 0) AS cost, "
            f"COALESCE(SUM(input_tokens + output_tokens), 0) AS tokens FROM model_calls "
            f"WHERE conversation_id IN ({chosen}) GROUP BY conversation_id",
            window,
        ):
            fact = facts[r["conversation_id"]]
            fact.model_calls, fact.cost_usd, fact.tokens = r["calls"], float(r["cost"]), int(r["tokens"])
    return list(facts.values())
