"""The ``Channel`` seam: what a lead sent us, and how a reply goes back."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Protocol

from pydantic import BaseModel, Field

MessageKind = Literal[
    "text", "button", "list", "location", "audio", "image", "document", "reaction", "unsupported"
]


class InboundMessage(BaseModel):
    """One message from a lead, the same whatever channel brought it."""

    channel: str
    message_id: str = Field(description="the channel's own id: the dedupe key")
    sender: str = Field(description="the channel address: phone number or CRM contact id")
    sender_name: str | None = None
    phone: str | None = None
    kind: MessageKind = "text"
    text: str = ""
    received_at: datetime
    media_id: str | None = None
    in_reply_to: str | None = None


class Choice(BaseModel):
    id: str
    title: str


class OutboundMessage(BaseModel):
    text: str
    choices: list[Choice] = Field(default_factory=list, description="quick replies, e.g. slots")
    template: str | None = Field(None, description="an approved template name, for closed windows")
    language: str | None = Field(
        None, description="the conversation's language (ISO 639-1): a template sent instead goes out in it")
    see_options: str | None = Field(None, description="the button opening a list of choices, in the lead's language")
    choose_one: str | None = Field(None, description="a picker's text when the reply went out before it, ditto")


class SendReceipt(BaseModel):
    channel_message_id: str
    template: str | None = Field(
        None, description="set when the channel sent this approved template instead of the text (closed window)")


class Channel(Protocol):
    name: str

    def send(self, to: str, message: OutboundMessage) -> SendReceipt:
        """Deliver one chat bubble; returns the channel's id for it."""
        ...

    def typing(self, to: str, in_reply_to: str | None = None) -> None:
        """Show the lead that AVA is typing (and mark their message read where the channel can)."""
        ...
