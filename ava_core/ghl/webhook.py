"""GoHighLevel webhooks in: who may send them, and what they say.

Two sources reach ``/api/ghl``. A marketplace app's events (``InboundMessage``,
``OutboundMessage``, ``ContactTagUpdate``) are signed: Ed25519 in ``x-ghl-signature``, or the
legacy RSA ``x-wh-signature`` only when the first is absent (as GHL's own SDK checks them).
A workflow's "Webhook" action is not signed at all, so it must carry a shared secret the
business puts in the URL or a header. The payload shapes are GHL's docs' (webhook events
``InboundMessage``/``OutboundMessage``, workflow action "Webhook (Outbound)").
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, TypedDict

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from ava_core.errors import ChannelError

CHANNEL = "ghl"
SIGNATURE = "x-ghl-signature"
LEGACY_SIGNATURE = "x-wh-signature"
SECRET_HEADER = "x-ava-secret"
SECRET_PARAM = "secret"

# The send API's `type` (SendMessageBodyDto) for each way GHL names a channel: webhooks say
# "SMS", "WhatsApp", "Live Chat"; the messages API says "TYPE_SMS", "TYPE_FACEBOOK", ….
REPLY_TYPES = {"SMS": "SMS", "WHATSAPP": "WhatsApp", "EMAIL": "Email", "GMB": "GMB", "FB": "FB", "FACEBOOK": "FB",
               "IG": "IG", "INSTAGRAM": "IG", "LIVE_CHAT": "Live_Chat", "LIVECHAT": "Live_Chat",
               "WEBCHAT": "Live_Chat", "RCS": "RCS", "TIKTOK": "TIKTOK"}


class WebhookPayloadError(ChannelError):
    """The body is not JSON, or not a GoHighLevel webhook AVA can read."""


# --- who sent it ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Keys:
    """What the deployment can check: the marketplace keys and the workflow secret (any may be unset)."""

    ed25519: str | None = None
    rsa: str | None = None
    workflow_secret: str | None = None

    @property
    def any(self) -> bool:
        return bool(self.ed25519 or self.rsa or self.workflow_secret)


Verdict = Literal["signed", "secret", "unconfigured", "missing", "wrong"]


def authenticate(raw_body: bytes, headers: dict[str, str], params: dict[str, str], keys: Keys) -> Verdict:
    """How this request proved it comes from the business's GoHighLevel, or why it did not.

    A signature header is checked against the marketplace keys; without one, the workflow
    secret is required. Nothing is accepted while nothing is configured.
    """
    if not keys.any:
        return "unconfigured"
    lowered = {k.lower(): v for k, v in headers.items()}
    if lowered.get(SIGNATURE):
        if not keys.ed25519:
            return "unconfigured"
        return "signed" if verify_ed25519(raw_body, lowered[SIGNATURE], keys.ed25519) else "wrong"
    if lowered.get(LEGACY_SIGNATURE):
        if not keys.rsa:
            return "unconfigured"
        return "signed" if verify_rsa(raw_body, lowered[LEGACY_SIGNATURE], keys.rsa) else "wrong"
    given = lowered.get(SECRET_HEADER) or params.get(SECRET_PARAM)
    if not keys.workflow_secret:
        return "unconfigured" if given else "missing"
    if not given:
        return "missing"
    # Bytes, not str: compare_digest raises on a non-ASCII str, and the value is untrusted.
    return "secret" if hmac.compare_digest(given.encode("utf-8", "replace"), keys.workflow_secret.encode()) \
        else "wrong"


def verify_ed25519(raw_body: bytes, signature: str, public_key: str) -> bool:
    """``x-ghl-signature``: base64 Ed25519 over the body bytes as received."""
    key = _public_key(public_key)
    if not isinstance(key, ed25519.Ed25519PublicKey):
        raise ChannelError("AVA_GHL_WEBHOOK_PUBLIC_KEY is not an Ed25519 public key")
    try:
        key.verify(base64.b64decode(signature, validate=True), raw_body)
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def verify_rsa(raw_body: bytes, signature: str, public_key: str) -> bool:
    """Legacy ``x-wh-signature``: base64 RSA PKCS#1 v1.5 with SHA-256 over the body."""
    key = _public_key(public_key)
    if not isinstance(key, rsa.RSAPublicKey):
        raise ChannelError("AVA_GHL_WEBHOOK_LEGACY_PUBLIC_KEY is not an RSA public key")
    try:
        key.verify(base64.b64decode(signature, validate=True), raw_body, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def _public_key(text: str):
    """A PEM public key, or its base64 SPKI body alone (as GHL's docs print the Ed25519 key)."""
    pem = text.strip().replace("\\n", "\n")
    if not pem.startswith("-----BEGIN"):
        pem = f"-----BEGIN PUBLIC KEY-----\n{pem}\n-----END PUBLIC KEY-----"
    try:
        return serialization.load_pem_public_key(pem.encode())
    except ValueError as exc:
        raise ChannelError(f"the GoHighLevel webhook public key cannot be read: {exc}") from None


# --- what it says ---------------------------------------------------------------------------

EventKind = Literal["inbound", "outbound", "tags", "ignored"]


@dataclass(frozen=True)
class GhlEvent:
    """One webhook, reduced to what AVA acts on. ``ignored`` says why when AVA does nothing with it."""

    kind: EventKind
    source: Literal["marketplace", "workflow"]
    contact_id: str = ""
    conversation_id: str | None = None
    message_id: str = ""
    reply_type: str | None = None
    body: str = ""
    at: datetime | None = None
    user_id: str | None = None
    tags: tuple[str, ...] | None = None
    name: str | None = None
    phone: str | None = None
    location_id: str | None = None
    original_message_id: str | None = None  # a message GHL retried names the one it retries
    ignored: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class _MarketplaceCommon(TypedDict):
    """The fields every marketplace event fills the same way."""

    source: Literal["marketplace"]
    contact_id: str
    location_id: str | None


class _WorkflowCommon(TypedDict):
    """The fields every workflow webhook fills the same way."""

    source: Literal["workflow"]
    contact_id: str
    location_id: str | None
    name: str | None
    phone: str | None


def parse(raw_body: bytes, *, received_at: datetime) -> GhlEvent:
    """Read a marketplace event or a workflow webhook; raises WebhookPayloadError for anything else."""
    try:
        data = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WebhookPayloadError(f"the body is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise WebhookPayloadError("the body is not a JSON object")
    if isinstance(data.get("type"), str) and ("locationId" in data or "contactId" in data):
        return _marketplace(data, received_at)
    if "contact_id" in data:
        return _workflow(data, received_at)
    raise WebhookPayloadError("the body is neither a marketplace event (type, locationId) nor a workflow "
                              "webhook (contact_id)")


def reply_type(value: Any) -> str | None:
    """A channel type as the send API names it: 'TYPE_WHATSAPP', 'WhatsApp', 'Live Chat' -> its `type`."""
    if not isinstance(value, str) or not value.strip():
        return None
    key = value.strip().upper().removeprefix("TYPE_").replace(" ", "_").replace("-", "_")
    return REPLY_TYPES.get(key)


def _marketplace(data: dict[str, Any], received_at: datetime) -> GhlEvent:
    kind = data["type"]
    common: _MarketplaceCommon = {"source": "marketplace", "contact_id": _text(data.get("contactId")),
                                  "location_id": _text(data.get("locationId")) or None}
    if kind == "ContactTagUpdate":
        tags = data.get("tags")
        return GhlEvent(kind="tags", tags=tuple(t for t in tags if isinstance(t, str)) if isinstance(tags, list)
                        else (), contact_id=_text(data.get("id")) or common["contact_id"],
                        source="marketplace", location_id=common["location_id"])
    if kind not in ("InboundMessage", "OutboundMessage"):
        return GhlEvent(kind="ignored", ignored=f"event {kind!r}", **common)
    if not common["contact_id"]:
        raise WebhookPayloadError(f"{kind} without contactId")
    message_id = _text(data.get("messageId"))
    message_type = data.get("messageType")
    if _unsaid(message_type):
        return GhlEvent(kind="ignored", ignored=f"{message_type} event", **common)
    direction = data.get("direction") or ("inbound" if kind == "InboundMessage" else "outbound")
    at = _when(data.get("dateAdded")) or _when(data.get("timestamp")) or received_at
    if not message_id:
        message_id = "h:" + _digest(common["contact_id"], _text(data.get("body")), at.isoformat())
    return GhlEvent(
        kind="inbound" if direction == "inbound" else "outbound", message_id=message_id,
        conversation_id=_text(data.get("conversationId")) or None, reply_type=reply_type(message_type),
        body=_body(data), at=at, user_id=_text(data.get("userId")) or None,
        original_message_id=_text(data.get("originalMessageId")) or None, **common,
    )


def _workflow(data: dict[str, Any], received_at: datetime) -> GhlEvent:
    """The workflow "Webhook" action: snake_case contact fields, and a ``message`` block when the
    trigger was a message ("Customer Replied"). It carries no event id."""
    contact_id = _text(data.get("contact_id"))
    if not contact_id:
        raise WebhookPayloadError("workflow webhook with an empty contact_id")
    location = data.get("location")
    if not isinstance(location, dict):
        location = {}
    tags = data.get("tags")
    tag_list = tuple(t.strip() for t in tags.split(",") if t.strip()) if isinstance(tags, str) else (
        tuple(t for t in tags if isinstance(t, str)) if isinstance(tags, list) else None)
    custom = data.get("customData")
    if not isinstance(custom, dict):
        custom = {}
    name = _text(data.get("full_name")) or " ".join(
        p for p in (_text(data.get("first_name")), _text(data.get("last_name"))) if p) or None
    common: _WorkflowCommon = {"source": "workflow", "contact_id": contact_id,
                               "location_id": _text(location.get("id")) or None, "name": name,
                               "phone": _text(data.get("phone")) or None}
    message = data.get("message")
    if not isinstance(message, dict) or not _text(message.get("body")):
        if tag_list is not None:
            return GhlEvent(kind="tags", tags=tag_list, **common)
        return GhlEvent(kind="ignored", ignored="workflow webhook without a message", **common)
    body = _text(message.get("body"))
    at = (_when(message.get("dateAdded")) or _when(custom.get("timestamp")) or _when(custom.get("date_added")))
    message_id = _text(message.get("id")) or _text(message.get("messageId")) or _text(custom.get("message_id"))
    if not message_id:
        # No id to dedupe on: the same text from the same contact at the same moment is one message.
        message_id = "h:" + _digest(contact_id, body, at.isoformat() if at else "")
    direction = _text(message.get("direction")) or "inbound"
    return GhlEvent(
        kind="inbound" if direction == "inbound" else "outbound", message_id=message_id,
        conversation_id=_text(custom.get("conversation_id")) or None,
        reply_type=reply_type(message.get("type")) or reply_type(custom.get("channel")), body=body,
        at=at or received_at, user_id=_text(message.get("userId")) or None, **common,
    )


# Message types that are not words exchanged with the lead: calls and voicemails, and the team's
# internal comments (OutboundMessage lists "Internal Comment" among its channels), which the lead
# never sees and which neither take the conversation over nor speak for the business.
_UNSAID = frozenset({"CALL", "VOICEMAIL", "INTERNALCOMMENT"})


def _unsaid(message_type: Any) -> bool:
    """'Call', 'TYPE_CALL', 'Internal Comment', 'TYPE_INTERNAL_COMMENT' …"""
    if not isinstance(message_type, str):
        return False
    return message_type.upper().removeprefix("TYPE_").replace(" ", "").replace("_", "") in _UNSAID


def _body(data: dict[str, Any]) -> str:
    body = _text(data.get("body"))
    if data.get("messageType") == "Email" and data.get("subject") and not body:
        body = _text(data.get("subject"))
    attachments = [a for a in data.get("attachments") or [] if isinstance(a, str)]
    if attachments and not body:
        return "[attachment] " + " ".join(attachments)
    return body


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _when(value: Any) -> datetime | None:
    """GHL sends ISO 8601 ('2021-04-21T11:31:45.750Z') or epoch milliseconds."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        try:
            return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, UTC)
        except (OverflowError, OSError, ValueError):  # past any calendar: not a time
            return None
    if isinstance(value, str) and value.strip():
        try:
            when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        return when if when.tzinfo else when.replace(tzinfo=UTC)
    return None


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
