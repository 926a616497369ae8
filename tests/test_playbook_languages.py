"""Leads who write in another language: the playbook speaks the profile's languages, answers in
the lead's, hands off politely in each when it speaks none of theirs, and honours opt-out in any."""

from __future__ import annotations

from datetime import datetime

import dateparser
import pytest

from ava_core.calendar.base import short_slot_label, slot_label
from ava_core.models.base import ChatMessage, ModelRequest
from ava_core.models.playbook import PlaybookModel
from ava_core.state import ConversationState, QualificationItem
from tests.conftest import CHICAGO


def _texts(channel, since=0):
    return [m.text for _, m in channel.sent[since:]]


def test_a_spanish_lead_is_qualified_and_booked_in_spanish(make_assistant, say, channel, store):
    assistant = make_assistant()
    say(assistant, "hola, vi su anuncio de paneles solares", name="María López")
    assert _texts(channel)[0].startswith("¡Hola María!")
    assert _texts(channel)[-1].endswith("¿Es usted dueño de su casa?")
    for text in ("sí, soy dueña", "como 200 dólares al mes", "unos 8 años", "pleno sol", "78704"):
        state = say(assistant, text)
    offer = "\n".join(_texts(channel)[-2:])
    assert "1. hoy a las 13:00\n2. mañana a las 9:00\n3. jueves 3 de diciembre a las 9:00" in offer
    say(assistant, "el jueves a las 9 por favor")
    appointment = store.active_appointment(state.conversation_id)
    assert appointment.slot_id == "2026-12-03T09:00:00-06:00"
    answers = store.answers(state.conversation_id)
    assert answers["roof_shade"].value == "full sun" and answers["monthly_bill"].value == "200"


def test_a_spanish_answer_it_cannot_read_is_asked_again_in_spanish(make_assistant, say, channel):
    assistant = make_assistant()
    say(assistant, "hola buenas tardes")
    say(assistant, "sí")
    say(assistant, "pues depende del mes la verdad")
    assert _texts(channel)[-1].startswith("Perdón, no le entendí bien. Más o menos, ¿cuánto paga de luz al mes?")


def test_a_lead_in_a_language_nobody_speaks_is_handed_off_politely_in_each(make_assistant, say, channel, store):
    state = say(make_assistant(), "Bonjour, je voudrais des informations sur les panneaux solaires")
    assert store.conversation(state.conversation_id).status == "paused"
    reply = "\n".join(_texts(channel))
    assert "reach out to you personally" in reply and "Le pido a uno de nuestros asesores" in reply


def test_a_spanish_opt_out_is_honoured(make_assistant, say, channel, store):
    assistant = make_assistant()
    say(assistant, "hola")
    state = say(assistant, "no me escriban más por favor")
    assert store.contact(state.contact_id).opted_out


def test_the_playbook_records_nothing_from_an_opt_out_it_is_handed(profile):
    now = datetime(2026, 12, 1, 9, 30, tzinfo=CHICAGO)
    state = ConversationState(
        conversation_id=1, channel="web", now=now, lead_local_time="", language="es",
        qualification=[QualificationItem(field=q.field, question=q.question, kind=q.kind)
                       for q in profile.qualification.questions],
        missing=[q.field for q in profile.qualification.questions],
    )
    messages = [ChatMessage(role="user", text="hola"), ChatMessage(role="assistant", text="¿Es usted dueño de su casa?"),
                ChatMessage(role="user", text="sí, pero no me escribas más")]
    response = PlaybookModel(profile).complete(ModelRequest(system="", messages=messages, state=state))
    assert not response.tool_calls
    assert response.text == profile.localized("es").opt_out.confirmation


@pytest.mark.parametrize("day", [1, 2, 3, 9])
@pytest.mark.parametrize("hour", [9, 13])
def test_spanish_slot_labels_read_back_as_the_same_time(day, hour):
    start = datetime(2026, 12, day, hour, 0, tzinfo=CHICAGO)
    now = datetime(2026, 12, 1, 8, 0, tzinfo=CHICAGO)
    for label in (slot_label(start, CHICAGO, now=now, language="es"), short_slot_label(start, CHICAGO, "es")):
        parsed = dateparser.parse(label, languages=["es"], settings={
            "RELATIVE_BASE": now.replace(tzinfo=None), "PREFER_DATES_FROM": "future"})
        assert parsed == start.replace(tzinfo=None), label


@pytest.mark.parametrize("day", [1, 2, 3])
def test_english_slot_labels_read_back_as_the_same_time(day):
    start = datetime(2026, 12, day, 13, 0, tzinfo=CHICAGO)
    now = datetime(2026, 12, 1, 8, 0, tzinfo=CHICAGO)
    label = slot_label(start, CHICAGO, now=now)
    parsed = dateparser.parse(label.replace(",", ""), languages=["en"], settings={
        "RELATIVE_BASE": now.replace(tzinfo=None), "PREFER_DATES_FROM": "future"})
    assert parsed == start.replace(tzinfo=None), label


def test_a_spanish_lead_without_a_name_is_greeted_without_one(make_assistant, say, channel):
    say(make_assistant(), "hola, quiero información", name="")
    assert _texts(channel)[0].startswith("¡Hola! Le saluda Ava")


def test_the_playbook_has_every_line_in_every_language_the_demo_serves(profile):
    from ava_core.models.playbook import lines

    english = lines("en")
    for code in profile.served_languages:
        said = lines(code)
        assert said.keys() == english.keys(), code
        assert said["hints"].keys() == english["hints"].keys() and said["examples"].keys() == english["examples"].keys()


def test_a_spanish_renter_is_told_kindly_in_spanish(make_assistant, say, channel, store, profile):
    assistant = make_assistant()
    say(assistant, "hola buenas, me interesa lo de los paneles")
    state = say(assistant, "no, rentamos un departamento")
    assert store.answers(state.conversation_id)["homeowner"].value == "no"
    assert _texts(channel)[-1] == profile.localized("es").qualification.get("homeowner").disqualify_message


def test_a_spanish_first_message_with_two_answers_records_both(make_assistant, say, channel, store):
    state = say(make_assistant(), "hola! soy dueño de la casa y pago como 250 dolares al mes de luz")
    answers = store.answers(state.conversation_id)
    assert answers["homeowner"].value == "yes" and answers["monthly_bill"].value == "250"
    assert _texts(channel)[-1].endswith("¿Cuántos años tiene su techo, aproximadamente?")
