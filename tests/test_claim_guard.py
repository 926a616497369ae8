"""Claims: a reply may say a booking, a sent link or a hand-off happened only when the tool
that does it succeeded, in every language the profile serves."""

from __future__ import annotations

from datetime import datetime

import pytest

from ava_core.agent.guards import unbacked_claims
from ava_core.state import AppointmentView, ConversationState
from tests.conftest import CHICAGO

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=CHICAGO)


def _state(**update) -> ConversationState:
    return ConversationState(conversation_id=1, channel="whatsapp", now=NOW, lead_local_time="", qualification=[],
                             **update)


BOOKED = AppointmentView(id=1, slot_id="s", start=NOW, end=NOW, label="Tuesday, Dec 1, 9:30 AM",
                         link="https://meet.lonestarsun.example/consult/1", link_sent=False)


@pytest.mark.parametrize(("text", "claims"), [
    ("You're booked for Wednesday at 9!", ["booked"]),
    ("Done, I've scheduled your consultation.", ["booked"]),
    ("I've sent you the link.", ["link_sent"]),
    ("Join here: https://meet.lonestarsun.example/consult/12", ["link_sent"]),
    ("Someone from our team will call you shortly.", ["handoff"]),
    ("¡Listo! Quedaste agendada para el jueves.", ["booked"]),
    ("Su cita está confirmada.", ["booked"]),
    ("Te envié el enlace por aquí.", ["link_sent"]),
    ("¡Listo! Quedaste agendada. Te envié el enlace.", ["booked", "link_sent"]),
    ("Le comunico con uno de nuestros asesores.", ["handoff"]),
    ("Un asesor se comunicará con usted hoy.", ["handoff"]),
])
def test_claims_without_their_tool_are_found_in_english_and_spanish(profile, text, claims):
    assert unbacked_claims(text, _state(), acted=set(), profile=profile) == claims


@pytest.mark.parametrize("text", [
    "Want me to book you in?", "Once you're ready, I can book a time.", "Would Thursday work for you?",
    "After booking you'll get a meeting link.", "Our advisors are NABCEP-certified.",
    "¿Le gustaría agendar una consulta?", "Cuando agende, le enviaré el enlace.", "¿Le queda bien el jueves?",
    "Here's the link to our reviews: https://lonestarsun.example/reviews",
])
def test_ordinary_replies_claim_nothing(profile, text):
    assert unbacked_claims(text, _state(), acted=set(), profile=profile) == []


def test_a_claim_backed_by_this_turns_tool_or_an_earlier_one_passes(profile):
    text = "¡Listo! Quedaste agendada. Te envié el enlace: https://meet.lonestarsun.example/consult/1"
    assert unbacked_claims(text, _state(), acted={"book_appointment", "send_meeting_link"}, profile=profile) == []
    assert unbacked_claims(text, _state(appointment=BOOKED), acted=set(), profile=profile) == ["link_sent"]
    sent = BOOKED.model_copy(update={"link_sent": True})
    assert unbacked_claims(text, _state(appointment=sent), acted=set(), profile=profile) == []


def test_the_profile_can_add_claim_phrasings(profile):
    extra = profile.model_copy(update={"claims": {"es": {"booked": ["ya está todo listo para su visita"]}}})
    assert unbacked_claims("Ya está todo listo para su visita.", _state(), acted=set(), profile=extra) == ["booked"]
