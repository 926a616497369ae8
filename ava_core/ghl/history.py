"""CRM-backed history: a GoHighLevel conversation keeps its full history in GHL, so AVA's
store keeps only a rolling window of it (``crm.history_window`` messages) and a running
summary of the rest, which every model step is shown (``ConversationState.earlier``).

Two things feed the summary. After each turn, the messages that left the window are folded
into it and deleted from the store. On a conversation's first turn, before AVA has said
anything in it, the messages GHL already holds (from ads, forms, SMS before AVA was turned
on, the sales team) are read back, up to ``crm.read_history`` of them, so AVA neither asks
again what the lead already answered nor greets them as a stranger.

The summary is deterministic and built from the store and GHL's messages alone (no model is
needed, so the offline playbook has one too), and bounded whatever the conversation's
length: how it began, its last lines, and the questions and concerns the lead raised.
Answers, offers and bookings live in their own tables, so folding messages never loses them.
"""

from __future__ import annotations

from datetime import timedelta

from loguru import logger

from ava_core.clock import Clock
from ava_core.ghl.conversations import GhlChannel, HistoryMessage
from ava_core.ghl.webhook import CHANNEL
from ava_core.profile.models import Profile
from ava_core.state import EarlierLine, EarlierView
from ava_core.store import BUSINESS, TEAM, Store, StoredMessage
from ava_core.store.crm import CrmRecords

# Messages younger than this stay whatever the window: GHL retries a webhook for up to about
# 70 minutes, and the stored message id is what makes a late retry a duplicate.
SETTLE = timedelta(hours=2)
# The summary's bounds: how the conversation began, its last lines, what the lead raised, and
# the length of any one line. Together they keep a step's prompt small for any history.
OPENING = 4
RECENT = 8
RAISED = 6
LINE_CHARS = 280
# GHL message types that are not words exchanged with the lead (the messages API's
# `messageType` enum): calls and voicemails, activity entries, internal comments, reactions.
_NOT_SAID = frozenset({"TYPE_INTERNAL_COMMENT", "TYPE_SMS_REACTION", "TYPE_LIVE_CHAT_INFO_MESSAGE", "TYPE_REVIEW",
                       "TYPE_CAMPAIGN_VOICEMAIL"})


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
        lines, raised = stored_lines(leaving)
        summary = fold(self.summary(conversation_id), lines, raised, messages=len(leaving))
        self._records.fold(conversation_id, [m.id for m in leaving], summary.model_dump(mode="json"),
                           self._clock.now())
        return len(leaving)

    def catch_up(self, conversation_id: int) -> int:
        """On a GHL conversation's first turn, fold what GHL holds from before AVA into the
        summary; returns how many messages. Reads once per conversation; raises ``GhlError``
        when GHL cannot be read (nothing is marked then, so a retried turn reads again)."""
        limit = self._profile.crm.read_history
        conversation = self._store.conversation(conversation_id)
        if conversation.channel != CHANNEL or self._channel is None or limit == 0:
            return 0
        record = self._records.conversation(conversation_id)
        if record is not None and record.history_read:
            return 0
        now = self._clock.now()
        stored = self._store.messages(conversation_id)
        if any(m.role == "assistant" and m.text and not m.tool_calls for m in stored):
            # AVA already spoke here: whatever came before, it has seen.
            self._records.mark_history_read(conversation_id, now)
            return 0
        crm_id = record.crm_conversation_id if record is not None else None
        if not crm_id:  # a workflow webhook does not name the conversation: look it up
            found = self._channel.find_conversation(self._store.contact(conversation.contact_id).external_id)
            crm_id = str(found["id"]) if found and found.get("id") else None
            if crm_id:
                self._records.note_conversation(conversation_id, now, crm_conversation_id=crm_id)
        older = self.older(conversation_id, limit=limit) if crm_id else []
        before = [h for h in reversed(older) if _before(h, stored)]
        lines = [line for h in before if (line := self._line(h)) is not None]
        if not lines:
            self._records.mark_history_read(conversation_id, now)
            return 0
        held = self.summary(conversation_id)
        raised = [line.text for line in lines if line.who == "lead" and _is_question(line.text)]
        summary = fold(None, lines, raised, messages=len(lines), from_crm=len(lines))
        if held is not None:  # never the case on a first turn, but the order must hold if it is
            summary = fold(summary, held.lines, held.raised, messages=held.messages)
        self._records.fold(conversation_id, [], summary.model_dump(mode="json"), now, history_read=True)
        logger.bind(conversation_id=conversation_id).info(
            "{} earlier message(s) read from GoHighLevel into the summary", len(lines))
        return len(lines)

    def summary(self, conversation_id: int) -> EarlierView | None:
        return EarlierView.from_summary(self._records.summary(conversation_id))

    def older(self, conversation_id: int, *, limit: int = 50) -> list[HistoryMessage]:
        """The conversation's messages as GHL keeps them (newest first), beyond AVA's window."""
        record = self._records.conversation(conversation_id)
        if self._channel is None or record is None or not record.crm_conversation_id:
            return []
        return self._channel.history(record.crm_conversation_id, limit=limit)

    def _line(self, message: HistoryMessage) -> EarlierLine | None:
        """A GHL message as a line of the summary, or None for what was not said to or by the lead."""
        kind = (message.raw_type or "").upper()
        if not message.body.strip() or kind in _NOT_SAID or kind.startswith("TYPE_ACTIVITY") \
                or kind.endswith("CALL"):
            return None
        if message.direction == "inbound":
            who = "lead"
        else:
            known = self._store.message_by_channel_id(CHANNEL, message.id) if message.id else None
            # AVA's own send of an earlier conversation; else a person's (a GHL user), else automation.
            who = "ava" if known and known[1].role == "assistant" else "team" if message.user_id else "business"
        return EarlierLine(who=who, text=clip(message.body), at=message.at)


def stored_lines(messages: list[StoredMessage]) -> tuple[list[EarlierLine], list[str]]:
    """The summary's lines for stored messages (what the lead, AVA, the team and the business's
    automation said), and what the lead raised: their questions, and the concerns AVA looked up
    in the knowledge base."""
    lines: list[EarlierLine] = []
    raised: list[str] = []
    for m in messages:
        if m.role == "user":
            text = m.text or f"[{m.kind}]"
            lines.append(EarlierLine(who="lead", text=clip(text), at=m.created_at))
            if _is_question(text):
                raised.append(text)
        elif m.role == TEAM and m.text:
            lines.append(EarlierLine(who="team", text=clip(m.text), at=m.created_at))
        elif m.role == BUSINESS and m.text:
            lines.append(EarlierLine(who="business", text=clip(m.text), at=m.created_at))
        elif m.role == "assistant" and m.text and not m.tool_calls:
            lines.append(EarlierLine(who="ava", text=clip(m.text), at=m.created_at))
        elif m.role == "assistant":
            raised += [str(c["args"]["query"]) for c in m.tool_calls
                       if c.get("name") == "search_knowledge" and (c.get("args") or {}).get("query")]
    return lines, raised


def fold(summary: EarlierView | None, lines: list[EarlierLine], raised: list[str], *, messages: int,
         from_crm: int = 0) -> EarlierView:
    """``summary`` with ``lines`` (oldest first) added: the first lines ever stay as the opening,
    the rest roll through the recent ones; bounded whatever is added."""
    held = summary or EarlierView()
    opening, recent = list(held.opening), list(held.recent)
    for line in lines:
        if len(opening) < OPENING and not recent:
            opening.append(line)
        else:
            recent.append(line)
    seen: dict[str, str] = {}
    for text in [*held.raised, *raised]:
        text = clip(text)
        seen.pop(text.casefold(), None)  # asked again: it moves to the end, as the newest
        seen[text.casefold()] = text
    times = [line.at for line in lines if line.at is not None]
    return EarlierView(
        messages=held.messages + messages, from_crm=held.from_crm + from_crm,
        since=held.since or (min(times) if times else None),
        until=max([*times, *([held.until] if held.until else [])], default=None),
        opening=opening, recent=recent[-RECENT:], raised=list(seen.values())[-RAISED:],
    )


def clip(text: str) -> str:
    """One line of at most ``LINE_CHARS`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= LINE_CHARS else text[: LINE_CHARS - 1].rstrip() + "…"


def _is_question(text: str) -> bool:
    return "?" in text or "¿" in text


def _before(message: HistoryMessage, stored: list[StoredMessage]) -> bool:
    """Whether a GHL message is from before the conversation's stored part: not one of its stored
    messages (by id, or a lead message by its words when a workflow webhook gave no id), and
    older than the first of them."""
    if any(m.channel_message_id == message.id for m in stored if m.channel_message_id):
        return False
    if message.direction == "inbound" and any(m.role == "user" and m.text == message.body for m in stored):
        return False
    first = stored[0].created_at if stored else None
    return message.at is None or first is None or message.at < first
