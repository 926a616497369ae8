"""WhatsApp Cloud API: webhook signatures and payloads in, chat bubbles out.

Wire formats follow Meta's Graph API references (webhooks/reference/messages, messages,
typing-indicators, media, support/error-codes); the recorded payloads under
``tests/fixtures/whatsapp/`` have the same shapes.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import httpx
from loguru import logger
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ava_core.channels.base import Choice, InboundMessage, OutboundMessage, SendReceipt
from ava_core.channels.voice import PLACEHOLDER as VOICE_PLACEHOLDER
from ava_core.clock import Clock, SystemClock
from ava_core.errors import ChannelError
from ava_core.retry_after import RateLimitWait

CHANNEL = "whatsapp"
GRAPH_URL = "https://graph.facebook.com"

# Cloud API limits (Meta: messages/text-messages, interactive-reply-buttons-messages,
# interactive-list-messages).
TEXT_LIMIT = 4096
INTERACTIVE_BODY_LIMIT = 1024
MAX_BUTTONS = 3
BUTTON_TITLE_LIMIT = 20
MAX_LIST_ROWS = 10
LIST_ROW_TITLE_LIMIT = 24
LIST_BUTTON_LABEL = "See options"  # the list's open button, at most 20 characters
CHOICE_PROMPT = "Please choose one:"  # body of the picker when the text went out on its own
# Free-form messages only inside the 24-hour customer-service window; templates outside it.
SERVICE_WINDOW = timedelta(hours=24)
REENGAGEMENT_REQUIRED = 131047
RATE_LIMIT_CODES = frozenset({4, 80007, 130429, 131056})  # app, WABA, throughput, pair rate
TOKEN_INVALID = 190
MEDIA_LIMIT_BYTES = 25 * 1024 * 1024  # transcription APIs take up to 25 MB


class WhatsAppError(ChannelError):
    """The Cloud API refused a request; ``retryable`` says whether trying again later can help.

    ``maybe_sent`` says the message may have reached the lead all the same (the connection broke
    after the request went out, or part of a long message was sent): sending it again could
    show the lead the same text twice.
    """

    def __init__(self, message: str, *, code: int | None = None, retryable: bool = False, maybe_sent: bool = False):
        super().__init__(message)
        self.code = code
        self.retryable = retryable
        self.maybe_sent = maybe_sent


class WindowClosed(WhatsAppError):
    """Free text cannot go out: the lead last wrote more than 24 hours ago and no template is set."""


class Template(NamedTuple):
    """An approved template as Meta knows it: one name can be approved in several languages."""

    name: str
    language: str  # Meta's code: es, es_MX, en_US


class WebhookPayloadError(ChannelError):
    """The webhook body is not JSON, or not a WhatsApp Business Account webhook."""


# --- webhook signature ----------------------------------------------------------------------


def verify_signature(raw_body: bytes, header: str | None, app_secret: str) -> bool:
    """Meta's ``X-Hub-Signature-256``: HMAC-SHA256 of the raw body bytes with the app secret.

    The raw bytes are hashed as received: Meta escapes non-ASCII characters as \\uXXXX, so
    re-serialised JSON would not match.
    """
    if not header or not app_secret:
        return False
    given = header.strip()
    if not given.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()
    # Bytes, not str: compare_digest raises TypeError on a non-ASCII str, and the header is untrusted.
    return hmac.compare_digest(expected.encode(), given.removeprefix("sha256=").encode("utf-8", "replace"))


# --- webhook payload ------------------------------------------------------------------------


class _Wire(BaseModel):
    # Meta adds keys over time (BSUIDs, usernames, pricing): ignore what AVA does not use.
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class _Text(_Wire):
    body: str = ""


class _TemplateButton(_Wire):
    payload: str | None = None
    text: str = ""


class _Reply(_Wire):
    id: str
    title: str = ""
    description: str | None = None


class _Interactive(_Wire):
    type: str
    button_reply: _Reply | None = None
    list_reply: _Reply | None = None


class _Location(_Wire):
    latitude: float
    longitude: float
    name: str | None = None
    address: str | None = None


class _Media(_Wire):
    id: str | None = None
    mime_type: str | None = None
    caption: str | None = None
    filename: str | None = None
    voice: bool = False


class _Reaction(_Wire):
    message_id: str
    emoji: str | None = None


class _Context(_Wire):
    id: str | None = None


class WireError(_Wire):
    code: int
    title: str | None = None
    message: str | None = None


class _Message(_Wire):
    sender: str | None = Field(None, alias="from")
    from_user_id: str | None = None
    id: str
    timestamp: str
    type: str
    context: _Context | None = None
    text: _Text | None = None
    button: _TemplateButton | None = None
    interactive: _Interactive | None = None
    location: _Location | None = None
    audio: _Media | None = None
    voice: _Media | None = None
    image: _Media | None = None
    document: _Media | None = None
    reaction: _Reaction | None = None


class _Profile(_Wire):
    name: str | None = None


class _Contact(_Wire):
    wa_id: str | None = None
    user_id: str | None = None
    profile: _Profile | None = None


class _Status(_Wire):
    id: str
    status: str
    timestamp: str
    recipient_id: str | None = None
    errors: list[WireError] = Field(default_factory=list)


class _Metadata(_Wire):
    phone_number_id: str | None = None


class _Value(_Wire):
    metadata: _Metadata | None = None
    contacts: list[_Contact] = Field(default_factory=list)
    messages: list[_Message] = Field(default_factory=list)
    statuses: list[_Status] = Field(default_factory=list)
    errors: list[WireError] = Field(default_factory=list)


class _Change(_Wire):
    field: str
    value: dict[str, Any] = Field(default_factory=dict)


class _Entry(_Wire):
    id: str | None = None
    changes: list[_Change] = Field(default_factory=list)


class Webhook(_Wire):
    object: str
    entry: list[_Entry] = Field(default_factory=list)


@dataclass(frozen=True)
class StatusUpdate:
    """A delivery receipt for a message AVA sent: sent, delivered, read, played or failed."""

    message_id: str
    status: str
    at: datetime
    errors: tuple[tuple[int, str], ...] = ()


@dataclass
class WebhookBatch:
    """Everything one webhook POST carried; ``skipped`` says what was acknowledged but not used."""

    messages: list[InboundMessage] = field(default_factory=list)
    statuses: list[StatusUpdate] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def parse_webhook(raw_body: bytes, *, phone_number_id: str | None = None) -> WebhookBatch:
    """Read a webhook body into lead messages and delivery receipts.

    Raises WebhookPayloadError for a body that is not JSON or not a webhook; a message of a
    type AVA does not know, or for another phone number, is skipped and named in ``skipped``.
    """
    try:
        hook = Webhook.model_validate_json(raw_body)
    except ValidationError as exc:
        first = exc.errors()[0]
        if first["type"] == "json_invalid":
            raise WebhookPayloadError(f"the body is not valid JSON ({first['msg']})") from None
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise WebhookPayloadError(f"the body is not a WhatsApp webhook: {where}: {first['msg']}") from None
    batch = WebhookBatch()
    if hook.object != "whatsapp_business_account":
        batch.skipped.append(f"object {hook.object!r}")
        return batch
    for entry in hook.entry:
        for change in entry.changes:
            if change.field != "messages":
                batch.skipped.append(f"field {change.field!r}")
                continue
            try:
                value = _Value.model_validate(change.value)
            except ValidationError as exc:
                batch.skipped.append(f"unreadable change: {exc.errors()[0]['msg']}")
                continue
            if phone_number_id and value.metadata and value.metadata.phone_number_id not in (None, phone_number_id):
                batch.skipped.append("another phone number")
                continue
            for error in value.errors:
                batch.skipped.append(f"error {error.code}: {error.title or error.message}")
            for status in value.statuses:
                batch.statuses.append(StatusUpdate(
                    message_id=status.id, status=status.status, at=_when(status.timestamp),
                    errors=tuple((e.code, e.title or e.message or "") for e in status.errors),
                ))
            for message in value.messages:
                inbound = _inbound(message, value.contacts)
                if isinstance(inbound, str):
                    batch.skipped.append(inbound)
                else:
                    batch.messages.append(inbound)
    return batch


def _inbound(message: _Message, contacts: list[_Contact]) -> InboundMessage | str:
    """One lead message as an ``InboundMessage``, or why it was skipped."""
    sender = message.sender or message.from_user_id
    if not sender:
        return f"message {message.id} has no sender"
    contact = next((c for c in contacts if sender in (c.wa_id, c.user_id)), contacts[0] if contacts else None)
    base = {
        "channel": CHANNEL,
        "message_id": message.id,
        "sender": sender,
        "sender_name": contact.profile.name if contact and contact.profile else None,
        "phone": f"+{message.sender}" if message.sender and message.sender.isdigit() else None,
        "received_at": _when(message.timestamp),
        "in_reply_to": message.context.id if message.context else None,
    }
    kind, text, media_id = _content(message)
    if kind is None:
        return text
    if message.reaction:
        base["in_reply_to"] = message.reaction.message_id
    return InboundMessage(**base, kind=kind, text=text, media_id=media_id)


def _content(m: _Message) -> tuple[str | None, str, str | None]:
    """(kind, text the engine reads, media id); kind None means unknown, with the reason as text."""
    if m.type == "text" and m.text:
        return "text", m.text.body, None
    if m.type == "button" and m.button:  # a template's quick-reply button
        return "button", m.button.text or m.button.payload or "", None
    if m.type == "interactive" and m.interactive:
        if m.interactive.button_reply:
            return "button", m.interactive.button_reply.title, None
        if m.interactive.list_reply:
            return "list", m.interactive.list_reply.title, None
        return None, f"interactive type {m.interactive.type!r}", None
    if m.type == "location" and m.location:
        loc = m.location
        parts = [p for p in (loc.name, loc.address) if p] + [f"({loc.latitude:.6f}, {loc.longitude:.6f})"]
        return "location", "[location] " + ", ".join(parts[:-1]) + (" " if parts[:-1] else "") + parts[-1], None
    if m.type in ("audio", "voice") and (media := m.audio or m.voice):
        return "audio", VOICE_PLACEHOLDER, media.id
    if m.type == "image" and m.image:
        return "image", f"[image] {m.image.caption}" if m.image.caption else "[image]", m.image.id
    if m.type == "document" and m.document:
        name = f"[document: {m.document.filename}]" if m.document.filename else "[document]"
        return "document", f"{name} {m.document.caption}" if m.document.caption else name, m.document.id
    if m.type == "reaction" and m.reaction:
        return "reaction", m.reaction.emoji or "", None
    if m.type in ("video", "sticker", "unsupported"):
        # Stored and answered: the lead sent something, and AVA can at least say what it can't open.
        return "unsupported", f"[{m.type}]", None
    return None, f"message type {m.type!r}", None


def _when(timestamp: str) -> datetime:
    """Meta's timestamps are epoch seconds as a string."""
    try:
        return datetime.fromtimestamp(int(timestamp), UTC)
    except (TypeError, ValueError):
        raise WebhookPayloadError(f"timestamp {timestamp!r} is not epoch seconds") from None


# --- sending --------------------------------------------------------------------------------


class WhatsAppChannel:
    """Sends chat bubbles, pickers and templates through the Cloud API, with an injected client."""

    name = CHANNEL

    def __init__(
        self,
        *,
        client: httpx.Client,
        access_token: str,
        phone_number_id: str,
        api_version: str = "v26.0",
        template: str | None = None,
        template_language: str = "en_US",
        templates: Mapping[str, Template] | None = None,
        last_inbound: Callable[[str], datetime | None] | None = None,
        clock: Clock | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = 4,
        max_wait_seconds: float = 30.0,
        base_url: str = GRAPH_URL,
    ):
        self._client = client
        self._token = access_token
        self._messages_url = f"{base_url}/{api_version}/{phone_number_id}/messages"
        self._graph = f"{base_url}/{api_version}"
        self.template = template
        self.template_language = template_language
        self.templates = dict(templates or {})  # conversation language (ISO 639-1) -> its template
        self._last_inbound = last_inbound
        self._clock = clock or SystemClock()
        self._rate = RateLimitWait(attempts=max_attempts, max_wait=max_wait_seconds, sleep=sleep,
                                   now=lambda: self._clock.now().timestamp())

    def __repr__(self) -> str:  # never show the token
        return f"WhatsAppChannel({self._messages_url!r})"

    # --- the Channel seam -------------------------------------------------------------------

    def send(self, to: str, message: OutboundMessage) -> SendReceipt:
        """One bubble: free text or a picker inside the 24-hour window, the template outside it.

        When the approved template goes out instead of the text (the window is closed, or WhatsApp
        answers 131047), the receipt names it: the caller sends nothing more that turn, so a reply
        of several bubbles becomes one template, not one per bubble.
        """
        if message.template:
            return self._send_template(to, message.template, message.language)
        if self._window_closed(to):
            return self._send_template(to, None, message.language)
        parts = _parts(message)
        try:
            receipt = self._post_message(to, parts[0])
        except WhatsAppError as exc:
            if exc.code != REENGAGEMENT_REQUIRED:
                raise
            return self._send_template(to, None, message.language)
        # A long text goes out in pieces, or ahead of its picker. Only the last piece's id is
        # returned (and stored): receipts for the earlier ones match no stored message and are
        # ignored. Once a piece is out, a failure must not make the caller send it all again.
        for number, part in enumerate(parts[1:], start=2):
            try:
                receipt = self._post_message(to, part)
            except WhatsAppError as exc:
                raise WhatsAppError(f"only {number - 1} of {len(parts)} parts of the message went out: {exc}",
                                    code=exc.code, maybe_sent=True) from None
        return receipt

    def typing(self, to: str, in_reply_to: str | None = None) -> None:
        """Mark the lead's message read and show 'typing…' (Meta dismisses it after 25 s or on reply)."""
        if in_reply_to:
            self.mark_read(in_reply_to, typing=True)

    # --- more of the Cloud API ----------------------------------------------------------------

    def mark_read(self, message_id: str, *, typing: bool = False) -> None:
        payload: dict[str, Any] = {"messaging_product": "whatsapp", "status": "read", "message_id": message_id}
        if typing:
            payload["typing_indicator"] = {"type": "text"}
        self._request("POST", self._messages_url, json=payload)

    def download_media(self, media_id: str) -> tuple[bytes, str]:
        """A voice note's or image's bytes and MIME type: look up its short-lived URL, then fetch it."""
        meta = self._request("GET", f"{self._graph}/{media_id}")
        url = meta.get("url")
        if not url:
            raise WhatsAppError(f"media {media_id} has no download URL (media ids expire after 7 days)")
        try:
            response = self._client.get(url, headers=self._auth(), follow_redirects=True)
        except httpx.HTTPError as exc:
            raise WhatsAppError(f"could not download media {media_id}: {exc}", retryable=True) from None
        if response.status_code >= 400:
            raise WhatsAppError(f"media {media_id} download answered HTTP {response.status_code}",
                                retryable=response.status_code >= 500)
        if len(response.content) > MEDIA_LIMIT_BYTES:
            raise WhatsAppError(f"media {media_id} is larger than {MEDIA_LIMIT_BYTES // 2**20} MB")
        return response.content, str(meta.get("mime_type") or response.headers.get("content-type", ""))

    # --- message kinds ------------------------------------------------------------------------

    def template_for(self, language: str | None) -> Template | None:
        """The approved template for a conversation in ``language`` (ISO 639-1): the profile's for
        it, else the default one (AVA_WHATSAPP_TEMPLATE_NAME), which a log line then names."""
        chosen = self.templates.get(language or "")
        if chosen is not None:
            return chosen
        if not self.template:
            return None
        default = Template(self.template, self.template_language)
        if language and language != default.language.split("_", 1)[0]:
            logger.info("no re-engagement template for {!r} in the profile (whatsapp.reengagement_templates): "
                        "sending the default {} in {}", language, default.name, default.language)
        return default

    def _send_template(self, to: str, name: str | None, language: str | None) -> SendReceipt:
        """The template for the conversation's language, or the one named (in the language it
        has for this conversation, else the default template's language)."""
        chosen = self.template_for(language)
        if name is not None and (chosen is None or chosen.name != name):
            chosen = Template(name, self.template_language)
        if chosen is None:
            raise WindowClosed(
                "the lead last wrote more than 24 hours ago, so WhatsApp only accepts an approved template, "
                f"and none is set{f' for {language!r}' if language else ''}: set AVA_WHATSAPP_TEMPLATE_NAME"
                + (f" or the profile's whatsapp.reengagement_templates.{language}" if language else ""),
                code=REENGAGEMENT_REQUIRED,
            )
        receipt = self._post_message(to, {"type": "template", "template": {
            "name": chosen.name, "language": {"code": chosen.language},
        }})
        return receipt.model_copy(update={"template": chosen.name})

    def _window_closed(self, to: str) -> bool:
        if self._last_inbound is None:
            return False
        last = self._last_inbound(to)
        return last is None or self._clock.now() - last > SERVICE_WINDOW

    # --- HTTP ---------------------------------------------------------------------------------

    def _post_message(self, to: str, content: dict[str, Any]) -> SendReceipt:
        # Business-scoped user ids (BSUIDs, e.g. "US.13…") go in `recipient`, phone numbers in `to`.
        address = {"to": to} if to.isdigit() else {"recipient": to}
        payload = {"messaging_product": "whatsapp", "recipient_type": "individual", **address, **content}
        data = self._request("POST", self._messages_url, json=payload)
        try:
            return SendReceipt(channel_message_id=data["messages"][0]["id"])
        except (KeyError, IndexError, TypeError):
            raise WhatsAppError("the Cloud API accepted the message but returned no message id",
                                maybe_sent=True) from None

    def _request(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        """One Graph API call; rate limits are waited out (Retry-After first, else backoff)."""

        def send() -> httpx.Response:
            try:
                return self._client.request(method, url, headers=self._auth(), **kwargs)
            except httpx.HTTPError as exc:
                # Past the connection the request may have been taken: Meta could have sent it.
                sent = not isinstance(exc, _NOT_SENT)
                raise WhatsAppError(f"could not reach the WhatsApp Cloud API: {exc}", retryable=True,
                                    maybe_sent=sent) from None

        response = self._rate.send(send, limited=_rate_limited, what="WhatsApp Cloud API")
        if response.status_code < 400:
            return _json(response)
        raise _graph_error(response)

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"}


# Transport errors raised before the request left this process: nothing reached Meta.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


def _parts(message: OutboundMessage) -> list[dict[str, Any]]:
    """The Cloud API messages one bubble takes, in order: text pieces, then the picker if any."""
    text = message.text
    if message.choices:
        button = message.see_options or LIST_BUTTON_LABEL
        if len(text) <= INTERACTIVE_BODY_LIMIT and text.strip():
            return [_picker(text, message.choices, button)]
        return [*_text_parts(text), _picker(message.choose_one or CHOICE_PROMPT, message.choices, button)]
    parts = _text_parts(text)
    if not parts:
        raise WhatsAppError("refusing to send an empty WhatsApp message")
    return parts


def _text_parts(text: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": {"preview_url": False, "body": chunk}} for chunk in split_text(text, TEXT_LIMIT)]


def _picker(body: str, choices: list[Choice], button: str = LIST_BUTTON_LABEL) -> dict[str, Any]:
    """Reply buttons for up to 3 short choices, otherwise a list of up to 10 rows."""
    if len(choices) > MAX_LIST_ROWS:
        logger.warning("WhatsApp lists hold {} rows; {} choices dropped", MAX_LIST_ROWS, len(choices) - MAX_LIST_ROWS)
        choices = choices[:MAX_LIST_ROWS]
    if len(choices) <= MAX_BUTTONS and all(len(c.title) <= BUTTON_TITLE_LIMIT for c in choices):
        titles = distinct_titles([c.title for c in choices], BUTTON_TITLE_LIMIT)
        action: dict[str, Any] = {"buttons": [
            {"type": "reply", "reply": {"id": c.id[:256], "title": title}} for c, title in zip(choices, titles, strict=True)
        ]}
        kind = "button"
    else:
        titles = distinct_titles([c.title for c in choices], LIST_ROW_TITLE_LIMIT)
        action = {"button": button[:20], "sections": [{"rows": [
            {"id": c.id[:200], "title": title} for c, title in zip(choices, titles, strict=True)
        ]}]}
        kind = "list"
    return {"type": "interactive", "interactive": {"type": kind, "body": {"text": body}, "action": action}}


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _rate_limited(response: httpx.Response) -> bool:
    """A 429, or a rate-limit error code Meta sends with another status (131056 comes as 400)."""
    return response.status_code == 429 or _graph_error(response).code in RATE_LIMIT_CODES


def _graph_error(response: httpx.Response) -> WhatsAppError:
    """The Graph API error envelope as a WhatsAppError that says what to do."""
    body = _json(response).get("error") or {}
    code = body.get("code") if isinstance(body.get("code"), int) else None
    details = (body.get("error_data") or {}).get("details") if isinstance(body.get("error_data"), dict) else None
    what = details or body.get("message") or f"HTTP {response.status_code}"
    if code == TOKEN_INVALID or response.status_code == 401:
        return WhatsAppError(f"WhatsApp rejected the access token ({what}): renew AVA_WHATSAPP_ACCESS_TOKEN", code=code)
    if code == REENGAGEMENT_REQUIRED:
        return WhatsAppError(f"re-engagement required: {what}", code=code)
    if response.status_code == 429 or code in RATE_LIMIT_CODES:
        return WhatsAppError(f"WhatsApp rate limit (code {code}): {what}; AVA will try again later",
                             code=code, retryable=True)
    retryable = response.status_code >= 500 or bool(body.get("is_transient"))
    return WhatsAppError(f"WhatsApp refused the request (code {code}, HTTP {response.status_code}): {what}",
                         code=code, retryable=retryable)


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Cut text into pieces of at most ``limit`` characters, at a line break or space when possible."""
    pieces, rest = [], text.strip()
    while len(rest) > limit:
        cut = max(rest.rfind("\n", 0, limit), rest.rfind(" ", 0, limit))
        if cut <= limit // 2:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def distinct_titles(titles: list[str], limit: int) -> list[str]:
    """Titles of at most ``limit`` characters, none repeated: the Cloud API rejects a picker
    whose button or row titles repeat, and clipping can make two long titles equal. A repeat
    gets " (2)", " (3)", … (the lead sees which is which; the id still says what was chosen)."""
    seen: set[str] = set()
    out = []
    for title in titles:
        candidate, n = _clip(title, limit), 1
        while candidate.casefold() in seen:
            n += 1
            suffix = f" ({n})"
            candidate = _clip(title, limit - len(suffix)) + suffix
        seen.add(candidate.casefold())
        out.append(candidate)
    return out


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
