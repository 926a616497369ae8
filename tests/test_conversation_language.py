"""Every line AVA says in a conversation speaks the conversation's language: the booking's
confirmation and its link, the closing, a hand-off, the answer to a bare STOP, the lead's own
clock, WhatsApp's pickers, a voice note it cannot hear — whichever model runs the turn."""

from __future__ import annotations

import re
from datetime import datetime
from itertools import chain
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ava_core.agent.guards import unbacked_claims, unoffered_times
from ava_core.app import build_assistant
from ava_core.calendar.base import short_slot_label
from ava_core.channels import InboundMessage, InProcessChannel
from ava_core.clock import FrozenClock
from ava_core.errors import ProviderError
from ava_core.knowledge import UnconfiguredKnowledge
from ava_core.language.detection import detect, profile_vocabulary
from ava_core.language.phrases import said
from ava_core.models.base import ModelRequest, ModelResponse, ToolCall
from ava_core.models.playbook import lines
from ava_core.models.replay import ReplayModel, ScriptedCall, ScriptedStep
from ava_core.settings import Settings
from ava_core.state import ConversationState
from ava_core.store import Store
from ava_core.tools import default_toolbox
from tests.conftest import CHICAGO
from tests.scripted import qualify

HOLA = "hola, vi su anuncio de paneles solares"
QUALIFY_ES = (HOLA, "sí, soy dueña", "como 200 dólares al mes", "unos 8 años", "pleno sol", "78704")
WEDNESDAY = datetime(2026, 12, 2, 9, 0, tzinfo=CHICAGO)  # the second slot offered
WEDNESDAY_ES = "miércoles 2 de diciembre a las 9:00"
_URL = re.compile(r"https?://\S+")


def _texts(channel, since=0) -> list[str]:
    return [m.text for _, m in channel.sent[since:]]


def _language_of(profile, bubble: str) -> str | None:
    """What the language detector reads in a bubble (its links aside)."""
    return detect(_URL.sub(" ", bubble), profile.served_languages, profile_vocabulary(profile))


def _spanish_only(profile, bubbles: list[str]) -> None:
    for bubble in bubbles:
        assert _language_of(profile, bubble) in (None, "es"), bubble


def _with_link_template(profile, template: str):
    return profile.model_copy(update={"booking": profile.booking.model_copy(update={"link_template": template})})


class _Down:
    """A model whose provider is down."""

    name = "down"

    def complete(self, request: ModelRequest) -> ModelResponse:
        raise ProviderError("the provider is down", provider="down")


# --- the playbook, a whole conversation --------------------------------------------------------------


def test_a_spanish_lead_is_qualified_booked_and_confirmed_with_the_link_all_in_spanish(
        make_assistant, say, channel, store, profile):
    assistant = make_assistant()
    for text in QUALIFY_ES:
        state = say(assistant, text)
    before = len(channel.sent)
    say(assistant, "la segunda")
    assert store.active_appointment(state.conversation_id).slot_id == WEDNESDAY.isoformat()
    booked, link, closing = _texts(channel, before)
    assert booked == f"¡Listo, su cita quedó agendada para el {WEDNESDAY_ES}! 🎉"
    assert link == "Aquí tiene el enlace de su consulta solar (30 min): https://meet.lonestarsun.example/consult/1"
    assert closing.endswith("¿Le puedo ayudar con algo más antes de su cita?")
    say(assistant, "muchas gracias")
    assert _texts(channel)[-1] == "¡De nada! Hablamos mañana a las 9:00. 👋"
    _spanish_only(profile, _texts(channel))


def test_a_spanish_lead_whose_link_cannot_be_made_hears_in_spanish_that_the_team_will_send_it(
        make_assistant, say, channel, store, profile):
    assistant = make_assistant(profile=_with_link_template(profile, "https://meet.example/{meeting_id}"))
    for text in QUALIFY_ES:
        state = say(assistant, text)
    before = len(channel.sent)
    say(assistant, "la segunda")
    assert store.active_appointment(state.conversation_id) is not None
    reply = "\n".join(_texts(channel, before))
    assert f"Su cita quedó agendada para el {WEDNESDAY_ES}: consulta solar de 30 minutos." in reply
    assert said("es").link_by_team in reply
    assert "https://" not in reply
    _spanish_only(profile, _texts(channel))


def test_the_english_conversation_still_hears_the_english_lines(make_assistant, say, channel):
    assistant = make_assistant()
    for text in ("hi", "yes", "$200", "6 years", "full sun", "78704"):
        say(assistant, text)
    before = len(channel.sent)
    say(assistant, "the second one")
    booked, link, _ = _texts(channel, before)
    assert booked == "You're all set for Wednesday, Dec 2 at 9:00 AM! 🎉"
    assert link == "Here's your link for the solar consultation (30 min): https://meet.lonestarsun.example/consult/1"


# --- the engine, whatever the model -------------------------------------------------------------------


def test_a_bare_stop_in_a_spanish_conversation_is_confirmed_in_spanish(make_assistant, say, channel, store, profile):
    assistant = make_assistant()
    say(assistant, HOLA)
    state = say(assistant, "STOP")
    assert store.contact(state.contact_id).opted_out
    assert _texts(channel)[-1] == profile.localized("es").opt_out.confirmation


def test_a_bare_stop_as_the_first_message_is_confirmed_in_the_first_language(make_assistant, say, channel, profile):
    say(make_assistant(), "STOP")
    assert _texts(channel) == [profile.opt_out.confirmation]


def test_a_model_that_fails_in_a_spanish_conversation_hands_off_in_spanish(make_assistant, say, channel, store,
                                                                          profile):
    state = say(make_assistant(model=_Down()), "hola, me interesan los paneles solares para mi casa")
    assert store.conversation(state.conversation_id).status == "paused"
    assert _texts(channel) == [profile.localized("es").handoff.message]


def test_a_model_that_fails_right_after_booking_a_spanish_lead_confirms_it_in_spanish(
        make_assistant, say, channel, profile):
    model = ReplayModel([
        qualify("pleno sol"), ScriptedStep(tool_calls=[ScriptedCall(name="get_free_slots")]),
        ScriptedStep(text="¡Califica! Tengo hoy a las 13:00, mañana a las 9:00 o el jueves 3 de diciembre a las "
                          "9:00. ¿Cuál le queda mejor?"),
        ScriptedStep(tool_calls=[ScriptedCall(name="book_appointment", args={"slot_id": WEDNESDAY.isoformat()})]),
    ])  # then the script runs out: the model has failed
    assistant = make_assistant(model=model)
    say(assistant, "hola, soy dueña de mi casa en 78704, pago $300 de luz, el techo tiene 3 años y le da pleno sol")
    before = len(channel.sent)
    say(assistant, "mañana a las 9 por favor")
    confirmation, handoff = _texts(channel, before)
    assert confirmation == (f"Su cita quedó agendada para el {WEDNESDAY_ES}: consulta solar de 30 minutos. "
                            f"{said('es').link_by_team}")
    assert handoff == profile.localized("es").handoff.message


def test_the_times_a_spanish_lead_can_tap_are_spanish(make_assistant, say, channel, store):
    assistant = make_assistant()
    for text in QUALIFY_ES:
        state = say(assistant, text)
    assert [c.title for c in state.choices] == [short_slot_label(s.start, CHICAGO, "es")
                                                for s in store.offered_slots(state.conversation_id)]
    assert state.choices[1].title == "mié 2 dic, 9:00"
    _, offer = channel.sent[-1]
    assert offer.choices and offer.see_options == "Ver opciones" and offer.choose_one == "Elija una opción:"
    state = say(assistant, state.choices[1].title)  # a tapped button comes back as its title
    assert store.active_appointment(state.conversation_id).slot_id == WEDNESDAY.isoformat()


# --- tool results: what a language model is handed to say -------------------------------------------


@pytest.fixture
def spanish_context(context_for):
    """A tool context for a qualified lead who writes in Spanish."""
    return context_for("+15125550188", "hola, quiero información sobre los paneles solares", name="Rosa")


def _call(ctx, name, **args):
    return default_toolbox().execute(ctx, ToolCall(id="c", name=name, args=args))


def _state(**update) -> ConversationState:
    return ConversationState(conversation_id=1, channel="whatsapp", now=datetime(2026, 12, 1, 9, 30, tzinfo=CHICAGO),
                             lead_local_time="", qualification=[], language="es", **update)


def test_the_booking_tools_hand_a_model_the_spanish_confirmation_and_the_guards_still_read_it(
        spanish_context, profile):
    ctx = spanish_context
    offered = _call(ctx, "get_free_slots").data["slots"]
    assert offered[1]["label"] == WEDNESDAY_ES
    booked = _call(ctx, "book_appointment", slot_id=offered[1]["id"]).data["confirmation"]
    assert booked == f"Su cita quedó agendada para el {WEDNESDAY_ES}: consulta solar de 30 minutos."
    linked = _call(ctx, "send_meeting_link").data["confirmation"]
    assert linked == f"{booked} Aquí está su enlace para la reunión: https://meet.lonestarsun.example/consult/1"
    # The claim guard reads them as claims in Spanish: said without the tools, they are refused.
    assert unbacked_claims(booked, _state(), acted=set(), profile=profile) == ["booked"]
    assert unbacked_claims(linked, _state(), acted={"book_appointment"}, profile=profile) == ["link_sent"]
    assert unbacked_claims(linked, _state(), acted={"book_appointment", "send_meeting_link"}, profile=profile) == []
    # The time guard reads the Spanish label as the booked slot, and as no other.
    now = ctx.clock.now()
    assert unoffered_times(profile, linked, allowed=[WEDNESDAY], now=now) == []
    assert unoffered_times(profile, linked, allowed=[datetime(2026, 12, 3, 9, 0, tzinfo=CHICAGO)], now=now)


def test_a_spanish_lead_out_of_the_area_or_disqualified_is_told_in_spanish(spanish_context, profile, store):
    ctx = spanish_context
    local = profile.localized("es")
    assert _call(ctx, "check_service_area", address_or_zip="77002").data["say"] == \
        local.service_area.out_of_area_message
    recorded = _call(ctx, "record_qualification", field="homeowner", value="no, rentamos")
    assert recorded.data["say"] == local.qualification.get("homeowner").disqualify_message
    assert _call(ctx, "get_free_slots").data["say"] == local.qualification.get("homeowner").disqualify_message


def test_a_hand_off_by_a_model_in_a_spanish_conversation_is_said_in_spanish(spanish_context, profile):
    assert _call(spanish_context, "handoff_to_human", reason="the lead asked for a person").data["say"] == \
        profile.localized("es").handoff.message


def test_a_hand_off_for_a_lead_in_a_language_nobody_speaks_is_said_in_each(spanish_context, profile, store, clock):
    ctx = spanish_context
    store.add_message(ctx.conversation_id, "user", "Bonjour, je voudrais des informations sur les panneaux solaires",
                      at=clock.now())
    say = _call(ctx, "handoff_to_human", reason="a language AVA does not speak").data["say"]
    assert say == "\n\n".join(profile.localized(code).handoff.message for code in profile.served_languages)


# --- any served language, any conversation ---------------------------------------------------------

LEADS: dict[str, dict[str, list[str]]] = {
    "en": {
        "hello": ["hi", "Hi! saw your ad about solar", "hey there, interested in solar panels"],
        "owner": ["yes", "yes I own it", "yeah we own the house"],
        "bill": ["$200", "around 180 a month", "2 hundred bucks"],
        "roof": ["6 years", "about 10 years old", "roof is 4 yrs"],
        "shade": ["full sun", "no shade at all", "sunny all day"],
        "zip": ["78704", "it's 78745", "Round Rock"],
        "junk": ["asdf", "hmm lol", "blah"],
        "choice": ["the second one", "1", "wednesday at 9 works"],
        "after": ["thanks!", "what happens on the call?", "can you resend the link"],
    },
    "es": {
        "hello": [HOLA, "hola, me interesa la energía solar", "buenas tardes, quiero información de los paneles"],
        "owner": ["sí, soy dueña", "si soy dueño", "sí, la casa es mía"],
        "bill": ["como 200 dólares al mes", "unos 250 al mes", "como 180 dólares"],
        "roof": ["unos 8 años", "10 años", "tiene como 5 años"],
        "shade": ["pleno sol", "sol todo el día", "sin sombra"],
        "zip": ["78704", "es el 78745", "Round Rock"],
        "junk": ["asdf", "mmm jaja", "bla"],
        "choice": ["la segunda", "1", "el jueves a las 9 por favor"],
        "after": ["muchas gracias", "¿qué pasa en la llamada?", "¿me manda el enlace otra vez?"],
    },
}
STEPS = ("hello", "owner", "bill", "roof", "shade", "zip", "choice", "after")


def _fixed_words(text: str) -> list[str]:
    """The parts of a line that are the same whatever fills its placeholders, three words or more."""
    return [p.strip(" .,:;!?¡¿()") for p in re.split(r"\{[^}]*\}", text) if len(p.split()) >= 3]


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return list(chain.from_iterable(_strings(v) for v in value.values()))
    if isinstance(value, list):
        return list(chain.from_iterable(_strings(v) for v in value))
    return [value] if isinstance(value, str) else []


def _lines_of(profile, language: str) -> list[str]:
    """Every sentence AVA may say in ``language``, by the fixed words of each line: the playbook's,
    its own lines and the profile's texts in that language."""
    local = profile.localized(language)
    texts = [*_strings(lines(language)), *_strings(said(language).model_dump()), local.handoff.message,
             local.opt_out.confirmation, local.service_area.out_of_area_message, local.persona.greeting,
             local.knowledge.fallback_objection_reply, *(q.question for q in local.qualification.questions),
             *(q.disqualify_message for q in local.qualification.questions)]
    return [fixed for text in texts for fixed in _fixed_words(text)]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(language=st.sampled_from(["en", "es"]), data=st.data())
def test_every_line_of_a_conversation_is_in_the_leads_language(profile, tmp_path_factory, language, data):
    served = profile.served_languages
    other = next(code for code in served if code != language)
    link_works = data.draw(st.booleans(), label="link template fills")
    messages = []
    for step in STEPS:
        if step == "zip" and data.draw(st.booleans(), label="junk at the ZIP question first"):
            messages.append(data.draw(st.sampled_from(LEADS[language]["junk"])))
        messages.append(data.draw(st.sampled_from(LEADS[language][step]), label=step))
    if data.draw(st.booleans(), label="a bare STOP at the end"):
        messages.append("STOP")
    folder = tmp_path_factory.mktemp("conversation")
    clock = FrozenClock(datetime(2026, 12, 1, 9, 30, tzinfo=CHICAGO))
    channel = InProcessChannel("whatsapp")
    assistant = build_assistant(
        Settings(db_path=folder / "ava.sqlite3", qdrant_path=folder / "qdrant"), clock=clock,
        profile=profile if link_works else _with_link_template(profile, "https://meet.example/{meeting_id}"),
        store=Store(folder / "ava.sqlite3"), knowledge=UnconfiguredKnowledge(), channels={"whatsapp": channel})
    for number, text in enumerate(messages):
        clock.advance(minutes=1)
        assistant.handle(InboundMessage(channel="whatsapp", message_id=f"wamid.{number}", sender="+15125550142",
                                        sender_name="Lead One", phone="+15125550142", text=text,
                                        received_at=clock.now()))
    bubbles = _texts(channel)
    theirs = _lines_of(profile, other)
    ours = set(_lines_of(profile, language))
    for bubble in bubbles:
        assert _language_of(profile, bubble) in (None, language), bubble
        strays = [line for line in theirs if line not in ours and line.casefold() in bubble.casefold()]
        assert not strays, f"{bubble!r} says {strays} in {other!r}"


def _playbook_after_search(profile, question: str, language: str, passages: list[dict]) -> str:
    """The playbook's reply to ``question`` once the knowledge base answered with ``passages``."""
    import json

    from ava_core.models.base import ChatMessage
    from ava_core.models.playbook import PlaybookModel
    from ava_core.state import QualificationItem

    state = ConversationState(
        conversation_id=1, channel="whatsapp", now=datetime(2026, 12, 1, 9, 30, tzinfo=CHICAGO), lead_local_time="",
        language=language, missing=[q.field for q in profile.qualification.questions],
        qualification=[QualificationItem(field=q.field, question=q.question, kind=q.kind)
                       for q in profile.qualification.questions])
    calls = [ToolCall(id="k1", name="search_knowledge", args={"query": question, "kind": "objection"})]
    messages = [ChatMessage(role="user", text="hola" if language == "es" else "hi"),
                ChatMessage(role="assistant", text=profile.localized(language).qualification.questions[0].question),
                ChatMessage(role="user", text=question), ChatMessage(role="assistant", tool_calls=calls),
                ChatMessage(role="tool", tool_call_id="k1", name="search_knowledge",
                            text=json.dumps({"ok": True, "passages": passages}))]
    return PlaybookModel(profile).complete(ModelRequest(system="", messages=messages, state=state)).text


SCAM_PAIR = {"kind": "objection", "text": "Is this a scam?", "score": 0.9, "source": "objections.yaml",
             "response": "Totally fair to ask! We've installed solar on over 2,300 Austin-area homes since 2012."}


def test_an_english_answer_from_the_knowledge_base_is_not_quoted_to_a_spanish_lead(profile):
    reply = _playbook_after_search(profile, "no sé, me parece una estafa", "es", [SCAM_PAIR])
    assert reply.startswith(profile.localized("es").knowledge.fallback_objection_reply)
    assert "2,300" not in reply
    english = _playbook_after_search(profile, "idk, sounds like a scam", "en", [SCAM_PAIR])
    assert english.startswith("Totally fair to ask!")
