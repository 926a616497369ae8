"""The re-engagement template goes out in the conversation's language: the profile names the
approved template for each language, and a language without one gets the default template (said
in a log line)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from loguru import logger
from pydantic import SecretStr
from test_whatsapp_channel import LEAD, NOW, Graph, _channel

from activities.runtime import build_services
from ava_core.channels.base import OutboundMessage
from ava_core.channels.whatsapp import Template, WindowClosed

EXAMPLE = Path("examples/profile.yaml")
SPANISH = {"es": Template("seguimiento_v1", "es_MX")}
CLOSED = NOW - timedelta(hours=25)


@pytest.fixture
def logged():
    seen: list[str] = []
    sink = logger.add(lambda m: seen.append(m.record["message"]), level="INFO")
    yield seen
    logger.remove(sink)


def _templates(api: Graph) -> list[dict]:
    return [b["template"] for b in api.bodies if b.get("type") == "template"]


def test_a_spanish_conversation_gets_the_spanish_template(payload):
    api = Graph(payload)
    channel = _channel(api, last_inbound=CLOSED, template="follow_up_v1", templates=SPANISH)
    receipt = channel.send(LEAD, OutboundMessage(text="¿Sigue interesado?", language="es"))
    assert _templates(api) == [{"name": "seguimiento_v1", "language": {"code": "es_MX"}}]
    assert receipt.template == "seguimiento_v1"


def test_the_first_language_keeps_the_default_template_without_a_word_in_the_log(payload, logged):
    api = Graph(payload)
    channel = _channel(api, last_inbound=CLOSED, template="follow_up_v1", templates=SPANISH)
    channel.send(LEAD, OutboundMessage(text="Still interested?", language="en"))
    assert _templates(api) == [{"name": "follow_up_v1", "language": {"code": "en_US"}}]
    assert not [line for line in logged if "no re-engagement template" in line]


def test_a_language_without_a_template_falls_back_to_the_default_and_says_so(payload, logged):
    api = Graph(payload)
    channel = _channel(api, last_inbound=CLOSED, template="follow_up_v1", templates=SPANISH)
    channel.send(LEAD, OutboundMessage(text="Ainda tem interesse?", language="pt"))
    assert _templates(api) == [{"name": "follow_up_v1", "language": {"code": "en_US"}}]
    assert [line for line in logged if "no re-engagement template for 'pt'" in line and "follow_up_v1" in line]


def test_a_refusal_for_the_closed_window_answers_with_the_conversations_template(payload):
    api = Graph(payload, httpx.Response(400, content=payload("error_131047.json")))
    channel = _channel(api, template="follow_up_v1", templates=SPANISH)
    channel.send(LEAD, OutboundMessage(text="¿Le muestro horarios?", language="es"))
    assert [b["type"] for b in api.bodies] == ["text", "template"]
    assert _templates(api)[0]["language"] == {"code": "es_MX"}


def test_only_a_languages_template_and_no_default_still_serves_that_language(payload):
    api = Graph(payload)
    channel = _channel(api, last_inbound=CLOSED, templates=SPANISH)
    channel.send(LEAD, OutboundMessage(text="¿Sigue interesado?", language="es"))
    assert _templates(api) == [{"name": "seguimiento_v1", "language": {"code": "es_MX"}}]
    with pytest.raises(WindowClosed, match="AVA_WHATSAPP_TEMPLATE_NAME"):
        channel.send(LEAD, OutboundMessage(text="Still interested?", language="en"))


def test_a_spanish_lead_past_the_window_is_sent_the_spanish_template_by_the_assistant(payload, make_assistant, say,
                                                                                      profile, store):
    api = Graph(payload)
    channel = _channel(api, last_inbound=CLOSED, template="follow_up_v1", templates=SPANISH)
    state = say(make_assistant(channels={"whatsapp": channel}),
                "hola! me interesan los paneles solares, cuanto cuestan?")
    assert [b["type"] for b in api.bodies] == ["template"]
    assert _templates(api) == [{"name": "seguimiento_v1", "language": {"code": "es_MX"}}]
    replies = [m.text for m in store.messages(state.conversation_id) if m.role == "assistant" and m.text]
    assert replies == ["[template: seguimiento_v1]"]


def test_the_functions_app_hands_the_profiles_templates_to_the_whatsapp_channel(settings, tmp_path):
    profile = tmp_path / "profile.yaml"
    profile.write_text(EXAMPLE.read_text().replace(
        "  reengagement_templates: {}\n",
        "  reengagement_templates:\n    es: {name: seguimiento_v1, language: es_MX}\n"))
    services = build_services(settings.model_copy(update={
        "profile": profile, "whatsapp_access_token": SecretStr("EAAG-test"), "whatsapp_phone_number_id": "10654035",
        "whatsapp_template_name": "follow_up_v1"}))
    assert services.whatsapp.template_for("es") == Template("seguimiento_v1", "es_MX")
    assert services.whatsapp.template_for("en") == Template("follow_up_v1", "en_US")
