"""``/api/ghl``: GoHighLevel messages in, on the same durable path as WhatsApp.

Two senders: a marketplace app's events (signed, Ed25519 or legacy RSA) and a workflow's
"Webhook" action (unsigned by GHL: it must carry the shared secret). Nothing is accepted
while neither check is configured.

A lead's message is stored with dedupe on its GHL message id (a workflow sends none: then a
hash of contact, body and time), then its conversation is started or signalled. A message a
person sent in the GHL conversation is stored as the team's (neither the lead's nor AVA's) and
pauses AVA there for the profile's pause time; one the business's automation sent (a workflow or
campaign: no GHL user on it) is stored as the business's and pauses nothing; AVA's own sends
coming back as ``OutboundMessage`` are recognised by their stored id (or, before the id is
recorded, by the claimed bubble's text) and ignored; a removed pause tag resumes AVA.

GHL retries a marketplace webhook only when the answer is 429 (any other status is final),
so a message the store could not take is answered 429, never 500: the retry brings it back.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

import azure.durable_functions as df
import azure.functions as func
from loguru import logger

from activities.runtime import Services, runtime
from ava_core.channels.base import InboundMessage
from ava_core.errors import ChannelError, StoreError
from ava_core.ghl.webhook import CHANNEL, GhlEvent, Keys, WebhookPayloadError, authenticate, parse
from ava_core.settings import Settings
from ava_core.store import BUSINESS, TEAM, Store
from ava_core.store.crm import CrmRecords
from orchestrators.contracts import LeadMessage
from orchestrators.instances import active, instance_id, start_or_signal

bp = df.Blueprint()
TAKEOVER = "a person replied in GoHighLevel"


@dataclass(frozen=True)
class Arrival:
    conversation_id: int
    message: LeadMessage
    duplicate: bool = False


@bp.route(route="ghl", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@bp.durable_client_input(client_name="client")
async def ghl_webhook(req: func.HttpRequest, client) -> func.HttpResponse:
    """Authenticate, parse, then store and start, pause, or resume; 429 when the store fails."""
    body = req.get_body()
    settings = await asyncio.to_thread(runtime.settings)
    refusal = check_sender(body, dict(req.headers), dict(req.params), settings)
    if refusal is not None:
        return refusal
    services = await asyncio.to_thread(runtime.services)
    now = services.assistant.engine.clock.now()
    try:
        event = parse(body, received_at=now)
    except WebhookPayloadError as exc:
        return _text(400, f"{exc}; expected a GoHighLevel InboundMessage event or a workflow webhook")
    if event.location_id and settings.ghl_location_id and event.location_id != settings.ghl_location_id:
        logger.warning("GoHighLevel webhook for another location ({}) acknowledged and ignored", event.location_id)
        return _text(200, "ignored: another location")
    if event.kind == "ignored":
        logger.info("GoHighLevel webhook acknowledged but not used: {}", event.ignored)
        return _text(200, "ignored")
    try:
        if event.kind == "outbound":
            return _text(200, await asyncio.to_thread(outbound, services, event))
        if event.kind == "tags":
            return _text(200, await asyncio.to_thread(tags_changed, services, event))
        arrival = await asyncio.to_thread(store_inbound, services, event)
    except StoreError as exc:
        # The only status GHL retries a marketplace delivery for: nothing is lost.
        logger.bind(alert="store").error("GoHighLevel webhook not stored, asking GHL to retry: {}", exc)
        return _text(429, "could not store the message; retry later")
    if arrival is None:
        return _text(200, "duplicate")
    pacing = services.assistant.engine.profile.pacing
    try:
        if not (arrival.duplicate and active(await client.get_status(instance_id(CHANNEL, arrival.conversation_id)))):
            await start_or_signal(client, channel=CHANNEL, conversation_id=arrival.conversation_id,
                                  message=arrival.message, pacing=pacing)
    except Exception as exc:  # stored already: the sweeper starts it if this keeps failing
        logger.bind(conversation_id=arrival.conversation_id, alert="durable").error(
            "conversation not started or signalled: {}", exc)
    return _text(200, "ok")


def check_sender(body: bytes, headers: dict[str, str], params: dict[str, str],
                 settings: Settings) -> func.HttpResponse | None:
    """None when the request is signed by GHL or carries the workflow secret; else the refusal."""
    secret = settings.ghl_workflow_secret.get_secret_value() if settings.ghl_workflow_secret else None
    keys = Keys(ed25519=settings.ghl_webhook_public_key, rsa=settings.ghl_webhook_legacy_public_key,
                workflow_secret=secret or None)
    try:
        verdict = authenticate(body, headers, params, keys)
    except ChannelError as exc:  # a configured key that cannot be read
        logger.error("GoHighLevel webhook refused: {}", exc)
        return _text(503, str(exc))
    if verdict in ("signed", "secret"):
        return None
    if verdict == "unconfigured":
        logger.error("GoHighLevel webhook refused: set AVA_GHL_WEBHOOK_PUBLIC_KEY (marketplace app) or "
                     "AVA_GHL_WORKFLOW_SECRET (workflow webhook); unverified webhooks are never accepted")
        return _text(503, "GoHighLevel webhooks are not configured on this deployment: set "
                          "AVA_GHL_WEBHOOK_PUBLIC_KEY or AVA_GHL_WORKFLOW_SECRET")
    logger.warning("GoHighLevel webhook refused: signature or secret {}", verdict)
    return _text(401, f"signature or secret {verdict}")


def store_inbound(services: Services, event: GhlEvent) -> Arrival | None:
    """Store a lead's message (dedupe on its id) and note the channel to reply on; end a takeover
    pause whose time is up. None for a duplicate the lead already had a reply to."""
    assistant = services.assistant
    inbound = InboundMessage(channel=CHANNEL, message_id=event.message_id, sender=event.contact_id,
                             sender_name=event.name, phone=event.phone, text=event.body, received_at=event.at)
    received = assistant.receive(inbound)
    duplicate = received is None
    if duplicate:
        received = assistant.still_waiting(inbound)
        if received is None:
            return None
    records = CrmRecords(assistant.store)
    records.note_conversation(received.conversation_id, event.at, crm_conversation_id=event.conversation_id,
                              reply_type=event.reply_type)
    if records.resume_if_due(received.conversation_id, assistant.engine.clock.now()):
        logger.bind(conversation_id=received.conversation_id).info("takeover pause over: AVA answers again")
    return Arrival(received.conversation_id, LeadMessage(message_id=received.message_id), duplicate=duplicate)


def outbound(services: Services, event: GhlEvent) -> str:
    """AVA's own send echoed back is ignored; a person's message is kept as the team's and pauses
    AVA on the conversation, so when AVA answers again it knows what the person said; the
    business's automation's is kept as the business's and changes nothing else."""
    store = services.assistant.store
    for seen in filter(None, (event.message_id, event.original_message_id)):  # a retry names its original
        known = store.message_by_channel_id(CHANNEL, seen)
        if known is not None:
            return "duplicate" if known[1].role in (TEAM, BUSINESS) else "ignored: AVA's own message"
    records = CrmRecords(store)
    conversation_id = records.open_conversation_of(CHANNEL, event.contact_id)
    if conversation_id is None:
        # A campaign to a lead AVA has no open conversation with stays in GHL: the first turn of
        # one reads it back into the summary (``CrmHistory.catch_up``).
        return "ignored: no conversation AVA has"
    now = services.assistant.engine.clock.now()
    if not event.user_id:
        # No user wrote it (a workflow or campaign sent it): not a person taking over.
        return automated(store, conversation_id, event, now)
    if event.body:
        store.add_message(conversation_id, TEAM, event.body, at=event.at or now, channel=CHANNEL,
                          channel_message_id=event.message_id, status="sent")
    pause = services.assistant.engine.profile.crm
    records.pause(conversation_id, now + timedelta(minutes=pause.pause_minutes), now, reason=TAKEOVER)
    logger.bind(conversation_id=conversation_id).info("a person wrote in GoHighLevel: AVA paused for {} min",
                                                      pause.pause_minutes)
    if services.crm is not None:  # show the team the pause, so removing the tag resumes AVA
        try:
            services.crm.pause_tag(conversation_id)
        except ChannelError as exc:
            logger.bind(alert="crm").warning("pause tag not added in GoHighLevel: {}", exc)
    return "paused"


def automated(store: Store, conversation_id: int, event: GhlEvent, now: datetime) -> str:
    """A message the business's automation sent: kept as the business's as it happens, so AVA
    knows what the lead was told. It neither pauses AVA nor answers the lead, and starts no turn."""
    log = logger.bind(conversation_id=conversation_id)
    # AVA's own sends carry no user either; one echoed before the send API's answer recorded its
    # id is known by its text (quick replies are sent as a numbered list under it).
    if any(event.body == b.text or event.body.startswith(b.text + "\n")
           for b in store.unconfirmed_deliveries(conversation_id) if b.text):
        return "ignored: AVA's own message"
    if not event.body:
        log.info("GoHighLevel automated message without text acknowledged")
        return "ignored: automated message without text"
    stored = store.add_message(conversation_id, BUSINESS, event.body, at=event.at or now, channel=CHANNEL,
                               channel_message_id=event.message_id, status="sent")
    if stored is None:
        return "duplicate"
    log.info("the business's automation wrote in GoHighLevel: kept, AVA carries on")
    return "stored: automated message"


def tags_changed(services: Services, event: GhlEvent) -> str:
    """The pause tag removed in GHL gives the conversation back to AVA."""
    tag = services.assistant.engine.profile.crm.pause_tag
    if event.tags is None or tag in event.tags:
        return "ignored: pause tag present"
    records = CrmRecords(services.assistant.store)
    conversation_id = records.open_conversation_of(CHANNEL, event.contact_id)
    if conversation_id is None or not records.resume(conversation_id, services.assistant.engine.clock.now()):
        return "ignored: nothing paused"
    logger.bind(conversation_id=conversation_id).info("pause tag removed in GoHighLevel: AVA answers again")
    return "resumed"


def _text(status: int, body: str) -> func.HttpResponse:
    return func.HttpResponse(body, status_code=status, mimetype="text/plain")
