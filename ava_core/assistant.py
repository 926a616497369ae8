"""The conversation service: take a lead's message in, run a turn, deliver the reply.

The CLI, the R&D app and scenarios use ``Assistant.handle``; the durable orchestrator runs
the same three stages (receive, the engine's steps, deliver) as separate activities.
"""

from __future__ import annotations

from dataclasses import dataclass

from loguru import logger

from ava_core.agent.turn import Engine, TurnState
from ava_core.channels.base import Channel, InboundMessage, OutboundMessage
from ava_core.errors import ChannelError


@dataclass(frozen=True)
class Received:
    conversation_id: int
    contact_id: int
    message_id: int


class Assistant:
    def __init__(self, engine: Engine, channels: dict[str, Channel]):
        self.engine = engine
        self.channels = channels

    @property
    def store(self):
        return self.engine.store

    def receive(self, inbound: InboundMessage) -> Received | None:
        """Store a lead's message; None when this channel message was already received (a retry)."""
        store = self.engine.store
        contact = store.upsert_contact(
            inbound.channel, inbound.sender, name=inbound.sender_name, phone=inbound.phone, at=inbound.received_at
        )
        conversation = store.open_conversation(contact.id, inbound.channel, inbound.received_at)
        message_id = store.add_message(
            conversation.id, "user", inbound.text, at=inbound.received_at, kind=inbound.kind,
            channel=inbound.channel, channel_message_id=inbound.message_id, status="received",
        )
        if message_id is None:
            logger.bind(channel=inbound.channel).info("duplicate delivery {} ignored", inbound.message_id)
            return None
        return Received(conversation.id, contact.id, message_id)

    def deliver(self, state: TurnState, bubbles: list[str] | None = None) -> list[str]:
        """Send the turn's bubbles through the conversation's channel and store each as sent.

        Opt-out is checked again here, at send time, so a reply already in flight when the
        lead said STOP is not sent (the opt-out confirmation itself is the one exception).
        """
        store = self.engine.store
        conversation = store.conversation(state.conversation_id)
        contact = store.contact(state.contact_id)
        if contact.opted_out and state.outcome != "opted_out":
            logger.bind(conversation_id=conversation.id).info("reply dropped: contact opted out")
            return []
        channel = self.channels.get(conversation.channel)
        if channel is None:
            raise ChannelError(f"no channel {conversation.channel!r} is configured for conversation {conversation.id}")
        sent = []
        last = state.bubbles[-1] if state.bubbles else None
        for text in state.bubbles if bubbles is None else bubbles:
            choices = state.choices if text == last else []
            receipt = channel.send(contact.external_id, OutboundMessage(text=text, choices=choices))
            stored = store.add_message(
                conversation.id, "assistant", text, at=self.engine.clock.now(), channel=conversation.channel,
                channel_message_id=receipt.channel_message_id, status="sent",
            )
            if stored is None:
                # The channel reused an id: keep what the lead saw in the history regardless.
                logger.bind(conversation_id=conversation.id).error(
                    "channel {} returned a message id already stored: {}", conversation.channel,
                    receipt.channel_message_id)
                store.add_message(conversation.id, "assistant", text, at=self.engine.clock.now(),
                                  channel=conversation.channel, status="sent")
            sent.append(text)
        return sent

    def handle(self, inbound: InboundMessage) -> TurnState | None:
        """Receive, think and deliver in-process; None for a duplicate delivery."""
        received = self.receive(inbound)
        if received is None:
            return None
        state = self.engine.run(received.conversation_id)
        if state.bubbles:
            self.deliver(state)
        return state
