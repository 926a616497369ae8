"""Settings choose the backends: the GoHighLevel calendar, channel and CRM, or the local ones."""

from __future__ import annotations

import json

import pytest
from ghl_recorded import CALENDAR, LOCATION, answer
from pydantic import SecretStr

from activities.runtime import build_services
from ava_core.app import build_assistant
from ava_core.calendar import LocalCalendar
from ava_core.channels.base import OutboundMessage
from ava_core.errors import ConfigError
from ava_core.ghl.calendars import GhlCalendar
from ava_core.ghl.conversations import GhlChannel
from ava_core.recorded_http import RecordedHttp
from ava_core.store.crm import CrmRecords


def _ghl(settings, **extra):
    return settings.model_copy(update={"ghl_access_token": SecretStr("pit-test-token"), "ghl_location_id": LOCATION,
                                       "ghl_calendar_id": CALENDAR, **extra})


def test_the_local_calendar_is_the_default(settings, profile, clock, store):
    assistant = build_assistant(_ghl(settings), profile=profile, clock=clock, store=store)
    assert isinstance(assistant.engine.calendar, LocalCalendar)


def test_the_ghl_calendar_when_settings_ask_for_it(settings, profile, clock, store):
    assistant = build_assistant(_ghl(settings, calendar_backend="ghl"), profile=profile, clock=clock, store=store)
    assert isinstance(assistant.engine.calendar, GhlCalendar)


@pytest.mark.parametrize("missing, named", [("ghl_access_token", "AVA_GHL_ACCESS_TOKEN"),
                                            ("ghl_calendar_id", "AVA_GHL_CALENDAR_ID"),
                                            ("ghl_location_id", "AVA_GHL_LOCATION_ID")])
def test_a_ghl_calendar_without_its_settings_is_a_configuration_error(settings, profile, clock, store, missing,
                                                                      named):
    with pytest.raises(ConfigError) as caught:
        build_assistant(_ghl(settings, calendar_backend="ghl", **{missing: None}), profile=profile, clock=clock,
                        store=store)
    assert named in str(caught.value)


def test_the_functions_app_replies_to_ghl_leads_through_ghl(settings, clock):
    recorded = RecordedHttp([answer("POST", "/conversations/messages", "send_message.json")])
    services = build_services(_ghl(settings), http=recorded.client())
    channel = services.assistant.channels["ghl"]
    assert isinstance(channel, GhlChannel) and services.crm is not None
    store = services.assistant.store
    contact = store.upsert_contact("ghl", "cI08i1Bls3iTB9bKgFJh", name=None, phone=None, at=clock.now())
    conversation = store.open_conversation(contact.id, "ghl", clock.now())
    CrmRecords(store).note_conversation(conversation.id, clock.now(), reply_type="IG")
    channel.send("cI08i1Bls3iTB9bKgFJh", OutboundMessage(text="Hi!"))
    assert json.loads(recorded.calls[0].content)["type"] == "IG"  # the channel the lead last wrote on


def test_custom_fields_for_a_question_nobody_asks_are_a_configuration_error(settings, profile, clock, store):
    mapped = profile.model_copy(update={"crm": profile.crm.model_copy(update={
        "custom_fields": {"roof_colour": "6dvNaf7VhkQ9snc5vnjJ"}})})
    with pytest.raises(ConfigError) as caught:
        build_assistant(_ghl(settings), profile=mapped, clock=clock, store=store)
    assert "crm.custom_fields" in str(caught.value) and "roof_colour" in str(caught.value)
