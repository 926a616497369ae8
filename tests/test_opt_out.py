"""Opt-out, however it is said: the phrasing tables run both ways, in English and Spanish."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ava_core.agent.guards import opt_out_match, opted_out, resubscribed

OPT_OUTS_EN = [
    "STOP", "stop.", "Stop!", "please stop", "STOP please", "stop it", "Unsubscribe", "Please unsubscribe me.",
    "unsubscribe me now", "END", "QUIT", "CANCEL", "OPTOUT", "STOPALL", "stop all", "opt out", "opt me out please",
    "Please stop texting me", "quit texting me", "stop messaging me", "stop calling me", "stop contacting me!",
    "please don't message me again", "don't text me again", "dont text me anymore", "do not contact me",
    "do not call me again", "never contact me again", "no more messages please", "no more texts",
    "lose this number", "lose my number", "remove me from your list", "take me off your list", "remove my number",
    "leave me alone", "wrong number", "no thanks, stop", "wrong number, take me off your list",
    "Not interested. Stop.", "I don't want any more messages", "I do not want to be contacted",
    "Ava, please stop", "hey stop", "please take me off", "don't call me, don't text me, leave me alone", "i told you, don\u2019t text me again, i'm not interested in solar at all",
]
OPT_OUTS_ES = [
    "no me escribas más", "No me escribas mas", "¡No me escriban más!", "no me contacten", "no me contactes por favor",
    "no me llames más", "ya no me escribas", "deja de escribirme", "dejen de mandarme mensajes",
    "deja de molestarme", "déjenme en paz", "bórrenme de su lista", "sáquenme de su lista", "denme de baja",
    "no quiero más mensajes", "no quiero recibir mensajes", "no más mensajes por favor", "número equivocado",
    "STOP por favor", "baja", "alto", "no me vuelvan a escribir", "ya no me manden nada, gracias",
]
CONVERSATIONS_EN = [
    "I can't stop thinking about solar", "how do I stop paying so much?", "is there a stop-loss on the price?",
    "yes I own it", "what's the bus stop near your office", "ok?", "Can I cancel my appointment and rebook?",
    "when does the promotion end?", "I quit my job last year, does that matter?", "don't call me Shirley, call me Sam",
    "send me a text with the details", "please text me the link", "my bill is $300 and I want it to stop going up",
    "the end of the month works", "stop by anytime?", "I'd like to stop my electric bill from rising",
    "can you message me tomorrow instead?", "my neighbor told me to contact you", "no more questions, let's book",
    "is the number on your website right?", "cancel it please, I can't make Thursday", "cancel it", "don't call me, text me instead", "please don't call me, I'm at work. text me",
]
CONVERSATIONS_ES = [
    "sí, soy dueño", "no puedo dejar de pensar en la energía solar", "¿cómo dejo de pagar tanto de luz?",
    "escríbeme mañana por favor", "mándame el enlace", "no me interesa el financiamiento, prefiero pagar de contado",
    "mi techo tiene 10 años", "¿me pueden llamar el jueves?", "no tengo sombra", "¿y cuánto cuesta?",
    "no me llames, mejor escríbeme por aquí", "no me llamen, estoy en el trabajo; mándenme mensaje",
]


@pytest.mark.parametrize("text", OPT_OUTS_EN + OPT_OUTS_ES)
def test_opt_outs_are_honoured(profile, text):
    assert opted_out(profile, text)


@pytest.mark.parametrize("text", CONVERSATIONS_EN + CONVERSATIONS_ES)
def test_look_alikes_stay_conversations(profile, text):
    assert not opted_out(profile, text)


def test_the_table_covers_sixty_phrasings_both_ways_in_both_languages():
    assert len(OPT_OUTS_EN + OPT_OUTS_ES + CONVERSATIONS_EN + CONVERSATIONS_ES) >= 60
    assert len(OPT_OUTS_ES) >= 15 and len(CONVERSATIONS_ES) >= 10


@pytest.mark.parametrize(("text", "language"), [
    ("no me escribas más", "es"), ("dejen de llamarme", "es"), ("please don't message me again", "en"),
    ("lose this number", "en"), ("STOP", None),
])
def test_the_match_names_the_language_it_was_said_in(profile, text, language):
    assert opt_out_match(profile, text).language == language


def test_the_profile_can_add_phrasings(profile):
    assert not opted_out(profile, "we're finished, goodbye")
    extra = profile.opt_out.model_copy(update={"phrases": {**profile.opt_out.phrases, "en": ["we're finished"]}})
    assert opted_out(profile.model_copy(update={"opt_out": extra}), "we're finished, goodbye")


@pytest.mark.parametrize("text", ["START", "start", "Unstop", "START please"])
def test_start_and_unstop_resubscribe(profile, text):
    assert resubscribed(profile, text)


@pytest.mark.parametrize("text", ["let's start", "when can the install start?", "stop"])
def test_other_words_do_not_resubscribe(profile, text):
    assert not resubscribed(profile, text)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    keyword=st.sampled_from(["STOP", "stop", "Unsubscribe", "END", "quit", "Cancel", "OPTOUT", "stopall", "opt out"]),
    before=st.sampled_from(["", "please ", "Ava, ", "no thanks, ", "hey ", "ok. ", "por favor "]),
    after=st.sampled_from(["", " please", " now", "!", ".", " thanks", " por favor", "!!!", " me"]),
)
def test_a_carrier_keyword_counts_however_it_is_wrapped(profile, keyword, before, after):
    assert opted_out(profile, f"{before}{keyword}{after}")


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    keyword=st.sampled_from(["stop", "end", "quit", "cancel"]),
    sentence=st.sampled_from(["how do I {} paying so much?", "when does the offer {}?", "I can't {} thinking about it",
                              "can I {} my appointment and rebook?", "will the rebates {} soon?"]),
)
def test_a_carrier_keyword_inside_a_question_is_a_conversation(profile, keyword, sentence):
    assert not opted_out(profile, sentence.format(keyword))
