"""Reading GoHighLevel webhooks: channel types, echoes, workflow payloads."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from ghl_recorded import FIXTURES
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ava_core.ghl.webhook import WebhookPayloadError, parse, reply_type

NOW = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize("given, expected", [
    ("SMS", "SMS"), ("WhatsApp", "WhatsApp"), ("Email", "Email"), ("GMB", "GMB"), ("FB", "FB"), ("IG", "IG"),
    ("Live Chat", "Live_Chat"), ("TYPE_WHATSAPP", "WhatsApp"), ("TYPE_FACEBOOK", "FB"), ("TYPE_INSTAGRAM", "IG"),
    ("TYPE_WEBCHAT", "Live_Chat"), ("TYPE_LIVE_CHAT", "Live_Chat"), ("TYPE_CALL", None), ("", None), (None, None),
])
def test_every_channel_type_maps_to_the_send_apis_type(given, expected):
    assert reply_type(given) == expected


def test_an_inbound_sms_is_read_with_its_ids_and_time():
    event = parse((FIXTURES / "inbound_sms.json").read_bytes(), received_at=NOW)
    assert (event.kind, event.source, event.contact_id, event.conversation_id, event.message_id, event.reply_type) == (
        "inbound", "marketplace", "cI08i1Bls3iTB9bKgFJh", "fcanlLgpbQgQhderivVs", "t22c6DQcTDf3MjRhwf77", "SMS")
    assert event.at == datetime(2026, 12, 1, 15, 29, 45, 750000, tzinfo=UTC)


def test_a_persons_outbound_message_carries_its_user():
    event = parse((FIXTURES / "outbound_by_user.json").read_bytes(), received_at=NOW)
    assert (event.kind, event.user_id) == ("outbound", "GCs5KuzPqTls7vWclkEV")


def test_an_automated_outbound_message_has_no_user():
    event = parse((FIXTURES / "outbound_automated.json").read_bytes(), received_at=NOW)
    assert (event.kind, event.user_id, event.message_id) == ("outbound", None, "Wf9Au8To7Re6Sp5On4Se")


_id = st.text(st.characters(codec="ascii", categories=("L", "N")), min_size=1, max_size=24)


@given(user=st.none() | _id, original=st.none() | _id, body=st.text(max_size=60))
def test_an_outbound_message_is_a_persons_only_with_a_user_and_a_retry_names_its_original(user, original, body):
    data = json.loads((FIXTURES / "outbound_automated.json").read_bytes())
    data["body"] = body
    data.update({k: v for k, v in (("userId", user), ("originalMessageId", original)) if v is not None})
    event = parse(json.dumps(data).encode(), received_at=NOW)
    assert event.kind == "outbound"
    assert event.user_id == user and event.original_message_id == original
    assert event.message_id == "Wf9Au8To7Re6Sp5On4Se"


def test_a_workflow_without_a_message_id_gets_a_stable_content_hash():
    raw = (FIXTURES / "workflow_customer_replied.json").read_bytes()
    first, again = parse(raw, received_at=NOW), parse(raw, received_at=datetime(2026, 12, 2, tzinfo=UTC))
    assert first.message_id == again.message_id and first.message_id.startswith("h:")
    assert (first.kind, first.source, first.reply_type, first.name) == ("inbound", "workflow", "SMS", "Jane Doe")
    other = parse(raw.replace(b"Round Rock", b"Pflugerville"), received_at=NOW)
    assert other.message_id != first.message_id


def test_a_workflow_for_a_tag_change_reads_the_tags_csv():
    event = parse((FIXTURES / "workflow_tag_removed.json").read_bytes(), received_at=NOW)
    assert (event.kind, event.tags) == ("tags", ("facebook-lead", "ava-qualified"))


@pytest.mark.parametrize("kind", ["Call", "TYPE_CALL", "Voicemail"])
def test_a_call_event_is_acknowledged_not_answered(kind):
    raw = (FIXTURES / "inbound_sms.json").read_bytes().replace(b'"messageType":"SMS"',
                                                               f'"messageType":"{kind}"'.encode())
    assert parse(raw, received_at=NOW).kind == "ignored"


@pytest.mark.parametrize("fixture", ["outbound_automated.json", "outbound_by_user.json"])
@pytest.mark.parametrize("kind", ["Internal Comment", "TYPE_INTERNAL_COMMENT"])
def test_an_internal_comment_is_not_a_message_to_the_lead(fixture, kind):
    raw = (FIXTURES / fixture).read_bytes().replace(b'"messageType":"SMS"', f'"messageType":"{kind}"'.encode())
    assert parse(raw, received_at=NOW).kind == "ignored"


_json = st.recursive(st.none() | st.booleans() | st.integers() | st.integers(min_value=10**11, max_value=10**30)
                     | st.floats(allow_nan=False) | st.text(max_size=20),
                     lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children,
                                                                                        max_size=5), max_leaves=20)
_keys = st.sampled_from(["type", "locationId", "contactId", "contact_id", "messageId", "messageType", "body",
                         "direction", "dateAdded", "tags", "message", "customData", "userId", "location"])


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_keys, _json, max_size=8))
@example({"type": "InboundMessage", "contactId": "c", "dateAdded": 10**20})  # past any calendar
def test_any_json_object_is_read_or_refused_as_a_payload_error(data):
    try:
        event = parse(json.dumps(data).encode(), received_at=NOW)
    except WebhookPayloadError:
        return
    assert event.kind in ("inbound", "outbound", "tags", "ignored")
    if event.kind in ("inbound", "outbound"):
        assert event.contact_id and event.message_id and event.at is not None
