"""Reading what a lead asks of an appointment, from the phrase tables: cancel, move, ask which,
keep, or book anyway; as leads write it, in English and Spanish; and never an opt-out."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ava_core.agent.guards import opted_out
from ava_core.language.requests import appointment_request
from ava_core.profile import load_profile
from tests.conftest import ROOT

LANGUAGES = ["en", "es"]
PROFILE = load_profile(ROOT / "examples" / "profile.yaml")

WANTS = [
    # cancel
    ("I need to cancel", "cancel"),
    ("sorry something came up, i need to cancel the appointment", "cancel"),
    ("cancle my appt pls", "cancel"),
    ("can you cancel it", "cancel"),
    ("Please cancel my consultation.", "cancel"),
    ("let's call it off, we went with another company", "cancel"),
    ("we don't need it anymore thanks", "cancel"),
    ("cancela la cita", "cancel"),
    ("Cancele mi cita por favor", "cancel"),
    ("quiero anular la consulta", "cancel"),
    # move
    ("can we move it to Thursday?", "move"),
    ("actually can we move it to thursday instead", "move"),
    ("need to reschedule", "move"),
    ("can we reshedule for next week", "move"),
    ("could we push it back an hour", "move"),
    ("something came up, can we do later?", "move"),
    ("different day maybe?", "move"),
    ("¿podemos cambiar la cita para el viernes?", "move"),
    ("necesito reprogramar", "move"),
    ("¿se puede más tarde?", "move"),
    # ask which
    ("something came up", "ask"),
    ("i cant make it tomorrow", "ask"),
    ("Can I cancel my appointment and rebook?", "ask"),
    ("me salió algo", "ask"),
    ("no voy a poder ir", "ask"),
    # keep
    ("never mind, keep it", "keep"),
    ("nvm all good", "keep"),
    ("olvídelo, déjela así", "keep"),
    # none of these
    ("thanks!", None),
    ("see you then", None),
    ("talk to you later", None),
    ("what should I have ready for the call?", None),
    ("how long does the install take?", None),
    ("gracias, nos vemos", None),
]


@pytest.mark.parametrize(("text", "wanted"), WANTS)
def test_what_a_booked_lead_asks(text, wanted):
    assert appointment_request(text, LANGUAGES).wants() == wanted


@pytest.mark.parametrize("text", ["can we do thursday?", "how about friday at 2", "anything on monday morning?",
                                  "¿podemos el jueves?", "mejor el viernes"])
def test_a_proposal_with_a_day_or_time_asks_to_move(text):
    request = appointment_request(text, LANGUAGES)
    assert request.wants(names_time=True) == "move"
    assert request.wants(names_time=False) is None


@pytest.mark.parametrize("text", ["can i still book a call?", "can I book anyway", "i still want the consultation",
                                  "can we at least schedule something", "¿puedo agendar igual?",
                                  "¿me pueden dar una cita de todos modos?", "quiero una llamada"])
def test_a_lead_asking_to_book(text):
    assert appointment_request(text, LANGUAGES).book


@pytest.mark.parametrize("text", ["no", "ok thanks", "why?", "that's too bad", "bueno, gracias"])
def test_words_that_ask_for_no_booking(text):
    assert not appointment_request(text, LANGUAGES).book


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@settings(max_examples=60, deadline=None)
@given(case=st.sampled_from(WANTS), shout=st.booleans(), accents=st.booleans(),
       punctuation=st.sampled_from(["", "!", "!!", "?", " 🙏", "..."]))
def test_case_accents_and_punctuation_do_not_change_the_reading(case, shout, accents, punctuation):
    text, wanted = case
    written = _plain(text) if accents else text
    written = (written.upper() if shout else written) + punctuation
    assert appointment_request(written, LANGUAGES).wants() == wanted


_NEUTRAL = ["ok", "sure", "the", "roof", "is", "new", "we", "have", "solar", "questions", "about", "panels", "my",
            "wife", "says", "hi", "thanks", "great", "bill", "around", "200", "sounds", "good", "lol", "yes", "no",
            "gracias", "casa", "techo", "nuevo", "bien", "sí", "perfecto"]


@settings(max_examples=150, deadline=None)
@given(words=st.lists(st.sampled_from(_NEUTRAL), min_size=1, max_size=12))
def test_small_talk_asks_nothing_of_an_appointment(words):
    request = appointment_request(" ".join(words), LANGUAGES)
    assert request.wants(names_time=True) is None and not request.book


@settings(max_examples=120, deadline=None)
@given(opening=st.sampled_from(["", "I need to ", "can you ", "please ", "pls ", "hey can u ", "sorry, ",
                                "ugh something came up, "]),
       what=st.sampled_from(["my appointment", "the appointment", "my appt", "it", "the call", "my consultation",
                             "our meeting", "it please", "tomorrow's call"]),
       ending=st.sampled_from(["", ".", "!", " thanks", " asap"]))
def test_cancelling_an_appointment_is_never_an_opt_out(opening, what, ending):
    text = f"{opening}cancel {what}{ending}"
    assert not opted_out(PROFILE, text)
    assert appointment_request(text, LANGUAGES).cancel


@pytest.mark.parametrize("text", ["CANCEL", "cancel", "Cancel please", "cancel.", "STOP"])
def test_a_bare_carrier_keyword_stays_an_opt_out(text):
    assert opted_out(PROFILE, text)
