"""CRM-backed history: a GoHighLevel conversation keeps its full history in GHL, so AVA's
store keeps only a rolling window of it (``crm.history_window`` messages) and a running
summary of what left the window; older messages are read back from GHL when wanted.

The summary is deterministic and built from the store alone (no model is needed, so the
offline playbook has one too): how many messages were folded and when, what the lead said
in the last of them, and the structured brief of the lead (answers, objections, offered or
booked slots; ``crm.lead_summary``). Answers, offers and bookings live in their own tables,
so folding messages never loses them.
"""

from __future__ import annotations

from datetime import timedelta

from ava_core.clock import Clock
from ava_core.ghl.conversations import GhlChannel, HistoryMessage
from ava_core.ghl.webhook import CHANNEL
from ava_core.profile.models import Profile
from ava_core.store import Store
from ava_core.store.crm import CrmRecords

# Messages younger than this stay whatever the window: GHL retries a webhook for up to about
# 70 minutes, and the stored message id is what makes a late retry a duplicate.
SETTLE = timedelta(hours=2)
EXCERPT = 6


class CrmHistory:
    def __init__(self, store: Store, profile: Profile, clock: Clock, channel: GhlChannel | None = None):
        self._store = store
        self._records = CrmRecords(store)
        self._profile = profile
        self._clock = clock
        self._channel = channel

    def compact(self, conversation_id: int) -> int:
        """Fold the messages of a GHL conversation that left the window; returns how many."""
        if self._store.conversation(conversation_id).channel != CHANNEL:
            return 0
        messages = self._store.messages(conversation_id)
        window = self._profile.crm.history_window
        settled = self._clock.now() - SETTLE
        leaving = [m for m in messages[:-window] if m.created_at < settled] if len(messages) > window else []
        if not leaving:
            return 0
        self._records.fold(conversation_id, [m.id for m in leaving],
                           self._summary(conversation_id, leaving), self._clock.now())
        return len(leaving)

    def _summary(self, conversation_id: int, leaving) -> dict:
        from ava_core.ghl.crm import lead_summary

        before = self._records.summary(conversation_id) or {}
        said = [*before.get("lead_said", []), *(m.text for m in leaving if m.role == "user" and m.text)]
        return {
            "folded": int(before.get("folded", 0)) + len(leaving),
            "since": before.get("since") or leaving[0].created_at.isoformat(),
            "until": leaving[-1].created_at.isoformat(),
            "lead_said": said[-EXCERPT:],
            "brief": lead_summary(self._store, self._profile, conversation_id),
        }

    def summary(self, conversation_id: int) -> dict | None:
        return self._records.summary(conversation_id)

    def older(self, conversation_id: int, *, limit: int = 50) -> list[HistoryMessage]:
        """The conversation's messages as GHL keeps them (newest first), beyond AVA's window."""
        record = self._records.conversation(conversation_id)
        if self._channel is None or record is None or not record.crm_conversation_id:
            return []
        return self._channel.history(record.crm_conversation_id, limit=limit)

