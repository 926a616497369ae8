"""Reading Meta's webhooks: signatures over the raw bytes, and every message type a lead sends."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest

from ava_core.channels.voice import PLACEHOLDER
from ava_core.channels.whatsapp import WebhookPayloadError, parse_webhook, verify_signature

SECRET = "app-secret-for-tests"


def _sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _one(raw: bytes):
    batch = parse_webhook(raw)
    assert len(batch.messages) == 1, batch
    return batch.messages[0]


def test_signature_is_checked_over_the_raw_bytes_meta_sent(payload):
    raw = payload("non_ascii.raw.json")  # Meta escapes non-ASCII as \uXXXX
    assert verify_signature(raw, _sign(raw), SECRET)
    reserialised = json.dumps(json.loads(raw), ensure_ascii=False).encode()
    assert not verify_signature(reserialised, _sign(raw), SECRET)


def test_a_wrong_or_missing_signature_is_refused(payload):
    raw = payload("text.json")
    assert not verify_signature(raw, _sign(raw, "another-secret"), SECRET)
    assert not verify_signature(raw, None, SECRET)
    assert not verify_signature(raw, "", SECRET)
    assert not verify_signature(raw, _sign(raw), "")  # no secret never means "accept"


@pytest.mark.parametrize("header", ["sha256=\u00e9", "sha256=" + "\u00e9" * 64, "md5=abc"])
def test_a_malformed_signature_header_is_refused_not_a_crash(payload, header):
    assert not verify_signature(payload("text.json"), header, SECRET)


def test_the_signature_must_carry_its_sha256_prefix(payload):
    raw = payload("text.json")
    assert not verify_signature(raw, _sign(raw).removeprefix("sha256="), SECRET)


def test_a_text_message_carries_the_lead_name_phone_and_time(payload):
    message = _one(payload("text.json"))
    assert message.kind == "text"
    assert message.text == "Does it come in another color?"
    assert message.sender == "16505551234"
    assert message.phone == "+16505551234"
    assert message.sender_name == "Sheena Nelson"
    assert message.received_at == datetime.fromtimestamp(1749416383, UTC)
    assert message.message_id.startswith("wamid.")


def test_a_tapped_reply_button_reads_as_its_title(payload):
    message = _one(payload("button_reply.json"))
    assert (message.kind, message.text, message.in_reply_to) == (
        "button", "Wed 9:00 AM", "wamid.ORIGINAL_INTERACTIVE_MSG")


def test_a_picked_list_row_reads_as_its_title(payload):
    message = _one(payload("list_reply.json"))
    assert (message.kind, message.text) == ("list", "Thu 2:00 PM")


def test_a_template_quick_reply_reads_as_its_text(payload):
    message = _one(payload("template_button.json"))
    assert (message.kind, message.text) == ("button", "Yes, interested")


def test_a_shared_place_keeps_its_address_for_the_service_area_check(payload):
    message = _one(payload("location.json"))
    assert message.kind == "location"
    assert "1200 Barton Springs Rd, Austin, TX 78704" in message.text
    assert "(30.250000, -97.766700)" in message.text


def test_a_current_location_has_only_coordinates(payload):
    assert _one(payload("location_current.json")).text == "[location] (37.461198, -122.216438)"


def test_a_voice_note_is_a_placeholder_with_its_media_id(payload):
    message = _one(payload("voice_note.json"))
    assert (message.kind, message.text, message.media_id) == ("audio", PLACEHOLDER, "1234567890987654321")


def test_images_and_documents_keep_their_caption(payload):
    image = _one(payload("image.json"))
    document = _one(payload("document.json"))
    assert (image.kind, image.text, image.media_id) == ("image", "[image] my roof", "65463453")
    assert document.text == "[document: power-bill.pdf] last month's bill"
    assert _one(payload("image_with_url.json")).text == "[image]"


def test_a_reaction_points_at_the_message_it_reacts_to(payload):
    message = _one(payload("reaction.json"))
    assert (message.kind, message.text, message.in_reply_to) == ("reaction", "👍", "wamid.AVA_SENT_1")


def test_an_unsupported_message_is_kept_so_ava_can_say_what_it_cannot_open(payload):
    message = _one(payload("unsupported.json"))
    assert (message.kind, message.text) == ("unsupported", "[unsupported]")


def test_an_unknown_type_is_skipped_and_named(payload):
    batch = parse_webhook(payload("unknown_type.json"))
    assert batch.messages == []
    assert batch.skipped == ["message type 'order'"]


def test_forwarded_messages_and_business_scoped_ids_are_tolerated(payload):
    assert _one(payload("forwarded.json")).text.startswith("forwarded from my wife")
    bsuid = _one(payload("bsuid_contact.json"))
    assert (bsuid.sender, bsuid.sender_name) == ("16505551234", "Sheena Nelson")


def test_every_entry_of_a_batched_delivery_is_read(payload):
    batch = parse_webhook(payload("batched.json"))
    assert [(m.sender, m.sender_name, m.text) for m in batch.messages] == [
        ("16505551234", "Sheena Nelson", "first"),
        ("15125550177", "Ray Ortiz", "second, another lead"),
    ]


def test_delivery_receipts_become_status_updates(payload):
    sent = parse_webhook(payload("status_sent.json")).statuses
    failed = parse_webhook(payload("status_failed_131047.json")).statuses
    assert [(s.message_id, s.status) for s in sent] == [("wamid.OUTBOUND_ID", "sent")]
    assert failed[0].status == "failed"
    assert failed[0].errors == ((131047, "Re-engagement message"),)


def test_app_errors_and_other_fields_are_acknowledged_not_used(payload):
    assert parse_webhook(payload("app_error.json")).skipped == ["error 130429: Rate limit hit"]
    assert parse_webhook(payload("account_update.json")).skipped == ["field 'account_update'"]


def test_messages_for_another_phone_number_are_skipped(payload):
    batch = parse_webhook(payload("text.json"), phone_number_id="999")
    assert batch.messages == [] and batch.skipped == ["another phone number"]
    assert len(parse_webhook(payload("text.json"), phone_number_id="106540352242922").messages) == 1


def test_malformed_json_says_so():
    with pytest.raises(WebhookPayloadError, match="not valid JSON"):
        parse_webhook(b'{"object": "whatsapp_business_account", "entry": [')


def test_json_that_is_not_a_webhook_names_what_is_missing():
    with pytest.raises(WebhookPayloadError, match="not a WhatsApp webhook: object"):
        parse_webhook(b'{"hello": "world"}')
