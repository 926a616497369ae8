"""The conversation service: take a lead's message in, run a turn, deliver the reply.

The CLI, the R&D app and scenarios use ``Assistant.handle``; the durable orchestrator runs
the same three stages (receive, the engine's steps, deliver) as separate activities.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from loguru import logger

from ava_core.agent.turn import Engine, TurnState
from ava_core.channels.base import Channel, InboundMessage, OutboundMessage, SendReceipt
from ava_core.errors import ChannelError, StoreError
from ava_core.language.detection import lead_language
from ava_core.language.phrases import said
from ava_core.observability import events

TEMPLATE_KIND = "template"


class CrmSync(Protocol):
    def sync(self, conversation_id: int) -> None:
        """Mirror the conversation's outcome into the CRM; never raises."""
        ...

    def catch_up(self, conversation_id: int) -> None:
        """Read what the CRM held of the conversation before AVA took part; never raises."""
        ...


@dataclass(frozen=True)
class Received:
    conversation_id: int
    contact_id: int
    message_id: int


class Delivered(list[str]):
    """The bubbles that reached the lead, as stored. ``template`` names the approved template
    that went out instead (the 24-hour window was closed): the rest of that turn is not sent."""

    template: str | None = None


def template_text(name: str) -> str:
    """What the history keeps for a template: its name, since its wording lives at Meta."""
    return f"[template: {name}]"


class Assistant:
    def __init__(self, engine: Engine, channels: dict[str, Channel], crm: CrmSync | None = None):
        self.engine = engine
        self.channels = channels
        self.crm = crm  # mirrors each finished turn into the CRM (GoHighLevel contacts), when set

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
            media_id=inbound.media_id,
        )
        if message_id is None:
            logger.bind(channel=inbound.channel).info("duplicate delivery {} ignored", inbound.message_id)
            return None
        events.message_received(conversation, inbound)
        return Received(conversation.id, contact.id, message_id)

    def still_waiting(self, inbound: InboundMessage) -> Received | None:
        """For a message received before: where it is stored, when no reply went out since.

        A delivery retried because the first attempt failed after storing it (before its
        conversation was started) must still start it.
        """
        store = self.engine.store
        found = store.message_by_channel_id(inbound.channel, inbound.message_id)
        if found is None:
            return None
        conversation_id, message = found
        if message.role != "user" or store.answered_after(conversation_id, message.id):
            return None
        return Received(conversation_id, store.conversation(conversation_id).contact_id, message.id)

    def deliver(self, state: TurnState, bubbles: list[str] | None = None, *, first_index: int = 0) -> Delivered:
        """Send the turn's bubbles through the conversation's channel and store each as sent.

        Checked again here, at send time: a lead who opted out gets nothing but the opt-out
        confirmation, and a conversation a person took over gets nothing but the hand-off
        message. Each bubble is recorded under its key (turn id and index, ``first_index`` for
        the first of ``bubbles``) before it is posted, so a retried delivery never posts it twice.
        """
        store = self.engine.store
        conversation = store.conversation(state.conversation_id)
        contact = store.contact(state.contact_id)
        log = logger.bind(conversation_id=conversation.id)
        delivered = Delivered()
        if contact.opted_out and state.outcome != "opted_out":
            log.info("reply dropped: contact opted out")
            return delivered
        if conversation.status != "active" and not _reaches_a_paused_lead(state):
            log.info("reply dropped: the conversation is {} (a person has it)", conversation.status)
            return delivered
        channel = self.channels.get(conversation.channel)
        if channel is None:
            raise ChannelError(f"no channel {conversation.channel!r} is configured for conversation {conversation.id}")
        last = state.bubbles[-1] if state.bubbles else None
        # The language AVA speaks here: for the picker's words, and for a template that goes out
        # instead of the text (a closed WhatsApp window).
        language = self.engine.profile.speaking(lead_language(store, self.engine.profile, conversation.id))
        for index, text in enumerate(state.bubbles if bubbles is None else bubbles, start=first_index):
            key = f"{state.turn_id}:{index}"
            claim = store.claim_delivery(conversation.id, key, text, at=self.engine.clock.now(),
                                         channel=conversation.channel)
            if claim is None:  # an earlier attempt sent it, or crashed while sending it
                earlier = store.delivery(conversation.id, key)
                log.info("bubble {} was sent before; not sending it again", key)
                delivered.append(earlier.text if earlier else text)
                if earlier is not None and earlier.kind == TEMPLATE_KIND:
                    delivered.template = earlier.text.removeprefix("[template: ").removesuffix("]")
                    break
                continue
            choices = state.choices if text == last else []
            words = said(language) if choices else None
            try:
                receipt = channel.send(contact.external_id, OutboundMessage(
                    text=text, choices=choices, see_options=words and words.see_options,
                    choose_one=words and words.choose_one, language=language))
            except ChannelError as exc:
                if getattr(exc, "maybe_sent", False):
                    # Sending again could show it twice: keep it as sent, and say so.
                    log.bind(alert="channel").error("bubble {} may not have reached the lead: {}", key, exc)
                    delivered.append(text)
                    continue
                self._release(claim, key)
                raise
            delivered.append(self._confirm(claim, key, text, receipt, log))
            events.event("message_sent", conversation_id=conversation.id, channel=conversation.channel, turn_id=state.turn_id, kind="template" if receipt.template else "text", length=len(delivered[-1]), body=delivered[-1])
            if receipt.template:
                # One template per turn: the rest of the reply cannot go out until the lead answers it.
                log.info("24-hour window closed: template {} sent instead of the reply, {} bubble(s) dropped",
                         receipt.template, len(state.bubbles if bubbles is None else bubbles) - len(delivered))
                delivered.template = receipt.template
                break
        return delivered

    def handle(self, inbound: InboundMessage) -> TurnState | None:
        """Receive, think and deliver in-process; None for a duplicate delivery."""
        received = self.receive(inbound)
        if received is None:
            return None
        self.catch_up(received.conversation_id)
        state = self.engine.run(received.conversation_id)
        if state.bubbles:
            self.deliver(state)
        self.sync_crm(received.conversation_id)
        return state

    def catch_up(self, conversation_id: int) -> None:
        """Before a turn: what the CRM held of this conversation before AVA (its first turn only);
        a CRM that cannot be read is logged and the turn goes on without it."""
        if self.crm is not None:
            self.crm.catch_up(conversation_id)

    def sync_crm(self, conversation_id: int) -> None:
        """Write what the turn learned to the CRM; a CRM failure is logged, never raised."""
        if self.crm is not None:
            self.crm.sync(conversation_id)

    def _confirm(self, claim: int, key: str, text: str, receipt: SendReceipt, log) -> str:
        """Record what went out and return it; the lead has it, so a store failure now is logged,
        never raised (raising would make the durable retry send it again)."""
        if receipt.template:
            text = template_text(receipt.template)
        try:
            if not self.engine.store.confirm_delivery(claim, receipt.channel_message_id,
                                                      text=text if receipt.template else None,
                                                      kind=TEMPLATE_KIND if receipt.template else None):
                log.error("channel returned a message id already stored: {}", receipt.channel_message_id)
        except StoreError as exc:
            log.bind(alert="store").error("bubble {} went out as {} but is not marked sent: {}", key,
                                          receipt.channel_message_id, exc)
        return text

    def _release(self, claim: int, key: str) -> None:
        """The channel refused the bubble: forget the claim so a retry may send it."""
        try:
            self.engine.store.release_delivery(claim)
        except StoreError as exc:
            logger.bind(alert="store").error("bubble {} refused, and its claim not released: {}", key, exc)


def _reaches_a_paused_lead(state: TurnState) -> bool:
    """The two messages that go out although AVA no longer has the conversation."""
    return state.outcome == "opted_out" or "handoff_to_human" in state.acted
