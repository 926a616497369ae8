"""GoHighLevel Conversations API: replies out through the conversation's own channel, and the
message history read back (the ``Channel`` seam, plus history for the CRM-backed window).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ava_core.channels.base import OutboundMessage, SendReceipt
from ava_core.ghl.http import CONVERSATIONS, GhlApi, GhlError
from ava_core.ghl.webhook import CHANNEL, reply_type

DEFAULT_REPLY_TYPE = "SMS"
# Channel types the send API takes (SendMessageBodyDto.type); GMB is not among them.
SENDABLE = frozenset({"SMS", "RCS", "Email", "WhatsApp", "IG", "FB", "Custom", "Live_Chat", "TIKTOK"})


@dataclass(frozen=True)
class HistoryMessage:
    id: str
    direction: str
    body: str
    at: datetime | None
    message_type: str | None  # the send API's channel type, when the message was on one
    user_id: str | None  # the GHL user who wrote it: a person on the team
    raw_type: str | None = None  # GHL's own `messageType` ("TYPE_SMS", "TYPE_CALL", "TYPE_ACTIVITY_CONTACT")


class GhlChannel:
    """Sends AVA's replies as GoHighLevel messages to a contact (``to`` is the GHL contact id)."""

    name = CHANNEL

    def __init__(self, api: GhlApi, *, reply_type_of: Callable[[str], str | None] | None = None,
                 email_subject: str = "Your enquiry"):
        self._api = api
        self._reply_type_of = reply_type_of
        self._subject = email_subject

    def send(self, to: str, message: OutboundMessage) -> SendReceipt:
        """One bubble on the channel the lead last wrote on; quick replies become a numbered list."""
        kind = self._type_for(to)
        text = message.text
        if message.choices:  # SMS and most GHL channels have no buttons
            text = "\n".join([text, *(f"{n}. {c.title}" for n, c in enumerate(message.choices, start=1))]).strip()
        if not text:
            raise GhlError("refusing to send an empty GoHighLevel message")
        body: dict[str, Any] = {"type": kind, "contactId": to, "message": text}
        if kind == "Email":
            body["subject"] = self._subject
        data = self._api.request("POST", "/conversations/messages", version=CONVERSATIONS, json=body,
                                 what=f"send a {kind} reply")
        message_id = data.get("messageId") or next(iter(data.get("messageIds") or []), None)
        if not message_id:
            raise GhlError("GoHighLevel accepted the message but returned no messageId", maybe_sent=True)
        return SendReceipt(channel_message_id=str(message_id))

    def typing(self, to: str, in_reply_to: str | None = None) -> None:
        """Nothing to show: SMS and WhatsApp through GHL have no typing indicator, and live chat's
        needs the visitor id, which no webhook carries."""

    def _type_for(self, contact_id: str) -> str:
        kind = (self._reply_type_of(contact_id) if self._reply_type_of else None) or self.last_message_type(contact_id)
        kind = kind or DEFAULT_REPLY_TYPE
        if kind not in SENDABLE:
            raise GhlError(f"GoHighLevel's send API cannot reply on {kind}; answer this lead in GoHighLevel")
        return kind

    # --- reading conversations --------------------------------------------------------------

    def find_conversation(self, contact_id: str) -> dict[str, Any] | None:
        data = self._api.request("GET", "/conversations/search", version=CONVERSATIONS,
                                 params={"locationId": self._api.location_id, "contactId": contact_id},
                                 what="find the contact's conversation")
        found = data.get("conversations") or []
        return found[0] if found and isinstance(found[0], dict) else None

    def last_message_type(self, contact_id: str) -> str | None:
        found = self.find_conversation(contact_id)
        return reply_type(found.get("lastMessageType")) if found else None

    def history(self, conversation_id: str, *, limit: int, page_size: int = 20) -> list[HistoryMessage]:
        """Up to ``limit`` newest messages, newest first, following ``lastMessageId`` page by page.

        The API nests the page under ``messages.messages`` (the spec shows it flat): both are read.
        """
        out: list[HistoryMessage] = []
        cursor: str | None = None
        while len(out) < limit:
            params: dict[str, Any] = {"limit": min(page_size, limit - len(out))}
            if cursor:
                params["lastMessageId"] = cursor
            data = self._api.request("GET", f"/conversations/{conversation_id}/messages", version=CONVERSATIONS,
                                     params=params, what="read the conversation's messages")
            page = data.get("messages")
            if not isinstance(page, dict):
                page = data
            items = page.get("messages")
            if not isinstance(items, list):
                items = []
            out.extend(_history(m) for m in items if isinstance(m, dict))
            cursor = page.get("lastMessageId")
            if not page.get("nextPage") or not cursor or not items:
                break
        return out[:limit]


def _history(m: dict[str, Any]) -> HistoryMessage:
    at = None
    if isinstance(m.get("dateAdded"), str):
        try:
            at = datetime.fromisoformat(m["dateAdded"].replace("Z", "+00:00"))
            at = at if at.tzinfo else at.replace(tzinfo=UTC)
        except ValueError:
            at = None
    return HistoryMessage(id=str(m.get("id", "")), direction=str(m.get("direction", "")), body=str(m.get("body") or ""),
                          at=at, message_type=reply_type(m.get("messageType")), user_id=m.get("userId") or None,
                          raw_type=m.get("messageType") if isinstance(m.get("messageType"), str) else None)
