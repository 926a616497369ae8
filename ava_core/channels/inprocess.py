"""The in-process ``Channel``: the CLI, the R&D app and scenarios read replies from a list."""

from __future__ import annotations

import uuid

from ava_core.channels.base import OutboundMessage, SendReceipt


class InProcessChannel:
    def __init__(self, name: str = "web"):
        self.name = name
        self.sent: list[tuple[str, OutboundMessage]] = []
        self.typing_events: list[str] = []

    def send(self, to: str, message: OutboundMessage) -> SendReceipt:
        self.sent.append((to, message))
        # Unique across processes: the store keeps channel message ids unique per channel.
        return SendReceipt(channel_message_id=f"{self.name}-out-{uuid.uuid4().hex}")

    def typing(self, to: str, in_reply_to: str | None = None) -> None:
        self.typing_events.append(to)
