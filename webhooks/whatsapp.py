"""``/api/whatsapp``: Meta's verification handshake (GET) and message webhooks (POST).

POST does the least that must happen before answering 200 (Meta wants a fast answer and
retries anything else for days): verify the signature over the raw body, parse, store
with dedupe on the WhatsApp message id, then start or signal the conversation. Thinking
and replying happen later, in the orchestration.

Meta retries the whole POST, so a retry can hold messages stored the first time: what was
stored before a failure is started before answering 500, and a duplicate whose lead still
has no reply starts its conversation when no instance runs (the first attempt may have died
between storing and starting); a running instance has it already and is left alone.

A reply WhatsApp reports as failed because the 24-hour window had closed (131047) starts the
``reengage`` orchestration, which sends the approved template or hands the conversation off.
"""

from __future__ import annotations

import asyncio
import hmac
from dataclasses import dataclass

import azure.durable_functions as df
import azure.functions as func
from loguru import logger

from activities.runtime import runtime
from ava_core.assistant import Assistant
from ava_core.channels.whatsapp import (
    CHANNEL,
    REENGAGEMENT_REQUIRED,
    StatusUpdate,
    WebhookBatch,
    WebhookPayloadError,
    parse_webhook,
)
from ava_core.channels.whatsapp import verify_signature as signature_ok
from ava_core.errors import StoreError
from ava_core.observability.events import event
from ava_core.settings import Settings
from orchestrators import reengagement
from orchestrators.contracts import LeadMessage
from orchestrators.instances import active, instance_id, start_or_signal
from orchestrators.reengagement import Undelivered

bp = df.Blueprint()
SIGNATURE_HEADER = "X-Hub-Signature-256"


@dataclass(frozen=True)
class Arrival:
    """A newly stored lead message that its conversation's instance must hear about."""

    conversation_id: int
    message: LeadMessage
    duplicate: bool = False  # stored by an earlier delivery: start it only if no instance runs


class BatchNotStored(StoreError):
    """Storing a webhook's batch failed part way; ``arrivals`` were stored before it did."""

    def __init__(self, cause: StoreError, arrivals: list[Arrival]):
        super().__init__(str(cause))
        self.arrivals = arrivals


@bp.route(route="whatsapp", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def whatsapp_verify(req: func.HttpRequest) -> func.HttpResponse:
    """Meta's subscription handshake: echo ``hub.challenge`` when ``hub.verify_token`` matches."""
    token = runtime.settings().whatsapp_verify_token
    if token is None:
        logger.error("WhatsApp verification refused: AVA_WHATSAPP_VERIFY_TOKEN is not set")
        return _text(503, "AVA_WHATSAPP_VERIFY_TOKEN is not set on this deployment")
    given = req.params.get("hub.verify_token", "")
    if req.params.get("hub.mode") == "subscribe" and hmac.compare_digest(
        given.encode(), token.get_secret_value().encode()
    ):
        return _text(200, req.params.get("hub.challenge", ""))
    logger.warning("WhatsApp verification refused: wrong hub.mode or hub.verify_token")
    event("webhook_rejected", channel=CHANNEL, source=CHANNEL, reason="verification: wrong hub.verify_token", http_status=403)
    return _text(403, "Forbidden")


@bp.route(route="whatsapp", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@bp.durable_client_input(client_name="client")
async def whatsapp_webhook(req: func.HttpRequest, client) -> func.HttpResponse:
    """Verify, parse, store, then start or signal each conversation that got a new message."""
    body = req.get_body()
    settings = await asyncio.to_thread(runtime.settings)  # the first call reads the environment and .env
    refusal = check_signature(body, req.headers.get(SIGNATURE_HEADER), settings)
    if refusal is not None:
        return refusal
    try:
        batch = parse_webhook(body, phone_number_id=settings.whatsapp_phone_number_id)
    except WebhookPayloadError as exc:
        event("webhook_rejected", channel=CHANNEL, source=CHANNEL, reason=f"unreadable payload: {exc}", http_status=400)
        return _text(400, f"{exc}; expected a WhatsApp Business Account webhook")
    # Building the services and every store call block (a busy store waits up to
    # AVA_DB_BUSY_TIMEOUT_MS): run them in a worker thread, never on the event loop that
    # every other request of this worker shares.
    services = await asyncio.to_thread(runtime.services)
    failure: StoreError | None = None
    try:
        arrivals = await asyncio.to_thread(store_batch, services.assistant, batch)
    except StoreError as exc:
        failure, arrivals = exc, getattr(exc, "arrivals", [])
    undelivered: list[Undelivered] = []
    if any(_window_closed(status) for status in batch.statuses):
        try:
            undelivered = await asyncio.to_thread(closed_windows, services.assistant, batch)
        except StoreError as exc:
            failure = failure or exc
    # Also when storing failed part way: Meta's retry finds these stored (duplicates).
    pacing = services.assistant.engine.profile.pacing
    for arrival in arrivals:
        try:
            if arrival.duplicate and active(await client.get_status(instance_id(CHANNEL, arrival.conversation_id))):
                continue
            await start_or_signal(client, channel=CHANNEL, conversation_id=arrival.conversation_id,
                                  message=arrival.message, pacing=pacing)
        except Exception as exc:  # stored already: the sweeper starts it if this keeps failing
            logger.bind(conversation_id=arrival.conversation_id, alert="durable").error(
                "conversation not started or signalled: {}", exc)
    # A reply refused for the closed window: its own orchestration sends the template (or hands
    # off), so this answer to Meta does not wait on WhatsApp.
    unstarted = [u for u in undelivered if not await reengagement.start(client, u)]
    if failure is not None:
        logger.bind(alert="store").error("WhatsApp webhook not fully stored ({} of {} messages), Meta will retry: {}",
                                         len(arrivals), len(batch.messages), failure)
        return _text(500, "could not store the messages; retry later")
    if unstarted:  # Meta's retry starts them (what already went out is not sent again)
        return _text(500, "could not start the re-engagement of a refused reply; retry later")
    return _text(200, "ok")


def check_signature(body: bytes, header: str | None, settings: Settings) -> func.HttpResponse | None:
    """None when the body is signed by Meta; otherwise the refusal to answer with."""
    secret = settings.whatsapp_app_secret
    if secret is None or not secret.get_secret_value():
        # Never accept unsigned webhooks just because the secret is missing.
        logger.error("WhatsApp webhook refused: AVA_WHATSAPP_APP_SECRET is not set, so signatures cannot be checked")
        event("webhook_rejected", channel=CHANNEL, source=CHANNEL, reason="configuration: AVA_WHATSAPP_APP_SECRET is not set", http_status=503)
        return _text(503, "AVA_WHATSAPP_APP_SECRET is not set on this deployment")
    if not header:
        logger.warning("WhatsApp webhook refused: no {} header", SIGNATURE_HEADER)
        event("webhook_rejected", channel=CHANNEL, source=CHANNEL, reason="signature: header missing", http_status=401)
        return _text(401, f"missing {SIGNATURE_HEADER}")
    if not signature_ok(body, header, secret.get_secret_value()):
        logger.warning("WhatsApp webhook refused: {} does not match the body", SIGNATURE_HEADER)
        event("webhook_rejected", channel=CHANNEL, source=CHANNEL, reason="signature: does not match the body", http_status=401)
        return _text(401, f"{SIGNATURE_HEADER} does not match the body")
    return None


def store_batch(assistant: Assistant, batch: WebhookBatch) -> list[Arrival]:
    """Apply delivery receipts and store new lead messages; reactions, and duplicates the lead
    already had a reply to, start nothing.

    Raises BatchNotStored, carrying what was stored before the failure."""
    store = assistant.store
    for reason in batch.skipped:
        logger.info("WhatsApp webhook: acknowledged but not used: {}", reason)
    for status in batch.statuses:
        store.update_message_status(CHANNEL, status.message_id, status.status)
        for code, title in status.errors:
            alert = "re-engagement required (24-hour window closed)" if code == REENGAGEMENT_REQUIRED else title
            logger.bind(alert="channel").warning("WhatsApp could not deliver {}: {} {}", status.message_id, code,
                                                 alert)
    arrivals: list[Arrival] = []
    for inbound in batch.messages:
        if inbound.kind == "reaction":
            # A reaction is not a message to answer; stored as one it would make the reply in flight stale.
            logger.info("WhatsApp reaction {!r} to {} acknowledged", inbound.text, inbound.in_reply_to)
            continue
        try:
            received = assistant.receive(inbound)
            duplicate = received is None
            if duplicate:  # Meta retried a delivery we already stored
                received = assistant.still_waiting(inbound)
                if received is None:
                    continue
        except StoreError as exc:
            raise BatchNotStored(exc, arrivals) from exc
        arrivals.append(Arrival(received.conversation_id, LeadMessage(message_id=received.message_id),
                                duplicate=duplicate))
    return arrivals


def closed_windows(assistant: Assistant, batch: WebhookBatch) -> list[Undelivered]:
    """Stored replies this batch reports as failed with 131047: the lead's 24-hour window had closed."""
    found = []
    for status in batch.statuses:
        if not _window_closed(status):
            continue
        stored = assistant.store.message_by_channel_id(CHANNEL, status.message_id)
        if stored is None or stored[1].role != "assistant":
            continue  # not a message AVA sent (a piece of a long text keeps no id: its last piece does)
        found.append(Undelivered(conversation_id=stored[0], message_id=stored[1].id))
    return found


def _window_closed(status: StatusUpdate) -> bool:
    return status.status == "failed" and any(code == REENGAGEMENT_REQUIRED for code, _ in status.errors)


def _text(status: int, body: str) -> func.HttpResponse:
    return func.HttpResponse(body, status_code=status, mimetype="text/plain")
