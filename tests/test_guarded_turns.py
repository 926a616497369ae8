"""What the engine's guards do to a turn: opt-outs in any wording, replies that claim or name
what no tool did or offered, in English and Spanish."""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_datetime

from ava_core.channels import InProcessChannel
from ava_core.models.replay import ReplayModel, ScriptedStep
from tests.conftest import CHICAGO
from tests.scripted import call, qualify

CONFIRMATION_EN = "Understood, you won't hear from us again. Have a great day!"
CONFIRMATION_ES = "Entendido, no le volveremos a escribir. ¡Que tenga un excelente día!"
HANDOFF_EN = "I'll have one of our solar advisors reach out to you personally, usually within the hour during business hours."
HANDOFF_ES = ("Le pido a uno de nuestros asesores solares que se comunique con usted personalmente, normalmente en "
              "menos de una hora en horario de atención.")


def _replay(*steps):
    return ReplayModel([s if isinstance(s, ScriptedStep) else ScriptedStep(**s) for s in steps])


def _sent(channel, since=0):
    return [m.text for _, m in channel.sent[since:]]


QUALIFY = [
    qualify(),
    call("get_free_slots"),
]


# --- opt-out -----------------------------------------------------------------------------------


def test_after_a_worded_opt_out_the_next_message_is_not_an_answer(make_assistant, say, channel, store):
    assistant = make_assistant()
    say(assistant, "hi")
    before = len(channel.sent)
    state = say(assistant, "please don't message me again")
    assert state.outcome == "opted_out"
    assert _sent(channel, before) == [CONFIRMATION_EN]
    later = say(assistant, "ok?")
    assert later.outcome == "silent"
    assert store.answers(state.conversation_id) == {}
    assert len(channel.sent) == before + 1


def test_a_spanish_opt_out_is_confirmed_in_spanish(make_assistant, say, channel):
    assistant = make_assistant()
    say(assistant, "hola")
    before = len(channel.sent)
    assert say(assistant, "no me escribas más").outcome == "opted_out"
    assert _sent(channel, before) == [CONFIRMATION_ES]


def test_start_on_whatsapp_opts_the_lead_back_in_and_ava_answers(make_assistant, say, channel, store):
    assistant = make_assistant()
    say(assistant, "hi")
    state = say(assistant, "STOP")
    assert store.contact(state.contact_id).opted_out
    before = len(channel.sent)
    again = say(assistant, "START")
    assert again.outcome == "reply"
    assert not store.contact(state.contact_id).opted_out
    assert len(channel.sent) > before


def test_start_on_the_web_chat_stays_silent(make_assistant, say, store, clock):
    web = InProcessChannel("web")
    assistant = make_assistant(channels={"web": web})
    from ava_core.channels import InboundMessage

    def send(text, n):
        clock.advance(minutes=1)
        return assistant.handle(InboundMessage(channel="web", message_id=f"w{n}", sender="visitor-1",
                                               text=text, received_at=clock.now()))

    send("hi", 1)
    state = send("STOP", 2)
    again = send("START", 3)
    assert again.outcome == "silent"
    assert store.contact(state.contact_id).opted_out


def test_the_model_can_opt_a_lead_out_and_the_turn_ends_with_the_confirmation(make_assistant, say, channel, store):
    model = _replay(call("opt_out_lead", reason="the lead said they are done with us", language="es"),
                    {"text": "this text must never be sent"})
    assistant = make_assistant(model=model)
    state = say(assistant, "ya estuvo, no quiero saber nada de ustedes")
    assert state.outcome == "opted_out"
    assert _sent(channel) == [CONFIRMATION_ES]
    assert store.contact(state.contact_id).opted_out
    assert model.remaining == 1


def test_the_opt_out_tool_is_offered_to_the_model(make_assistant):
    assert "opt_out_lead" in make_assistant().engine.toolbox.names


# --- claims --------------------------------------------------------------------------------------


def test_a_spanish_booking_claim_without_a_booking_is_not_sent(make_assistant, say, channel):
    model = _replay(
        {"text": "¡Listo! Quedaste agendada. Te envié el enlace por aquí."},
        {"text": "¡Con gusto le ayudo a agendar! Primero, ¿es usted dueño de su casa?"},
    )
    state = say(make_assistant(model=model), "quiero una cita el jueves")
    assert _sent(channel) == ["¡Con gusto le ayudo a agendar! Primero, ¿es usted dueño de su casa?"]
    guard = next(e for e in state.trace if e.kind == "guard")
    assert guard.args["claims"] == ["booked", "link_sent"]


def test_the_meeting_links_address_is_a_link_claim_in_any_words(make_assistant, say, channel):
    model = _replay({"text": "👉 https://meet.lonestarsun.example/consult/7"}, {"text": "Do you own your home?"})
    say(make_assistant(model=model), "send it")
    assert _sent(channel) == ["Do you own your home?"]


def test_a_spanish_hand_off_claim_without_a_hand_off_is_refused(make_assistant, say, channel, store):
    model = _replay(*[{"text": "Uno de nuestros asesores le va a llamar en un momento."}] * 3)
    state = say(make_assistant(model=model), "quiero hablar con alguien")
    assert _sent(channel) == [HANDOFF_ES]  # the hand-off that does happen is said in the lead's language
    assert store.conversation(state.conversation_id).status == "paused"


# --- times ---------------------------------------------------------------------------------------


def test_a_disqualified_lead_is_not_offered_times_in_text(make_assistant, say, channel):
    model = _replay(
        call("record_qualification", field="homeowner", value="no"),
        call("get_free_slots"),
        {"text": "No problem! I have Wednesday 9:00 AM or Thursday 9:00 AM if you'd like to chat anyway."},
        {"text": "Thanks for letting me know! Solar needs the homeowner's sign-off, so we can't move forward."},
    )
    state = say(make_assistant(model=model), "I rent")
    assert _sent(channel) == ["Thanks for letting me know! Solar needs the homeowner's sign-off, so we can't move forward."]
    guard = next(e for e in state.trace if e.kind == "guard")
    assert guard.name == "unoffered_time"
    assert guard.args["times"] == ["wednesday 9:00 am", "thursday 9:00 am"]
    nudge = [e for e in state.trace if e.kind == "model"]
    assert len(nudge) == 4


def test_the_nudge_names_the_times_that_were_not_offered(make_assistant, say, store):
    seen = []

    class Recording(ReplayModel):
        def complete(self, request):
            seen.append(request.messages[-1].text)
            return super().complete(request)

    model = Recording([ScriptedStep(text="How about Friday at 2 PM?"), ScriptedStep(text="Do you own your home?")])
    say(make_assistant(model=model), "when can we meet?")
    assert "'friday at 2 pm' was not offered" in seen[-1]
    assert "no time at all until get_free_slots returns some" in seen[-1]


def test_times_never_offered_are_refused_and_offered_ones_pass(make_assistant, say, channel, store):
    model = _replay(
        *QUALIFY,
        {"text": "You qualify! How about Friday at 3:30 PM?"},
        {"text": "You qualify! I have Tuesday 1:00 PM, Wednesday 9:00 AM or Thursday 9:00 AM. Which works?"},
    )
    state = say(make_assistant(model=model), "I own, $300, 3 years, full sun, 78704")
    offered = {o.start.astimezone(CHICAGO).strftime("%a %H:%M") for o in store.offered_slots(state.conversation_id)}
    assert offered == {"Tue 13:00", "Wed 09:00", "Thu 09:00"}
    assert _sent(channel)[-1].startswith("You qualify! I have Tuesday 1:00 PM")
    assert [e.args["times"] for e in state.trace if e.kind == "guard"] == [["friday at 3:30 pm"]]


def _offered_then(make_assistant, say, store, text):
    """Offer the three usual slots, then let the model say ``text``; the guard events of that turn."""
    model = _replay(*QUALIFY, {"text": text}, {"text": "fallback reply"})
    state = say(make_assistant(model=model), "I own, $300, 3 years, full sun, 78704")
    return [e for e in state.trace if e.kind == "guard"], state


def test_babel_labels_of_offered_slots_pass_in_both_languages(make_assistant, say, store, channel):
    slot = datetime(2026, 12, 3, 9, 0, tzinfo=CHICAGO)
    es = format_datetime(slot, "EEEE d 'de' MMMM, h:mm a", locale="es")
    en = format_datetime(slot, "EEEE, MMMM d 'at' h:mm a", locale="en")
    afternoon = format_datetime(datetime(2026, 12, 1, 13, 0, tzinfo=CHICAGO), "EEEE d 'de' MMMM, h:mm a", locale="es")
    guards, _ = _offered_then(make_assistant, say, store, f"Tengo {es}, o {afternoon}. In English: {en}.")
    assert guards == []


def test_plain_spellings_of_an_offered_slot_pass(make_assistant, say, store):
    for text in ["¿Le queda bien el jueves a las 9?", "Thursday at 9am works!", "el miércoles a las 9 de la mañana",
                 "Tuesday at 1 then?", "mañana a las 9:00 a. m."]:
        guards, _ = _offered_then(make_assistant, say, store, text)
        assert guards == [], text


def test_a_spanish_time_on_the_wrong_day_is_refused(make_assistant, say, store):
    guards, _ = _offered_then(make_assistant, say, store, "¿Le queda bien el viernes 4 de diciembre a las 9:00 a. m.?")
    assert guards and guards[0].args["times"] == ["viernes 4 de diciembre a las 9:00 am"]


def test_what_a_setter_legitimately_writes_is_not_a_time(make_assistant, say, store):
    text = ("It's a 30-minute consultation, panels carry a 25-year warranty, permitting takes 3-6 weeks, "
            "and financing starts at $0 down. An advisor usually replies within the hour; our advisors take "
            "calls Mon–Thu 9:00 AM–5:00 PM, Fri 9:00 AM–4:00 PM, Sat 10:00 AM–1:00 PM. Today or tomorrow?")
    guards, _ = _offered_then(make_assistant, say, store, text)
    assert guards == []


def test_the_booked_appointment_may_be_named_in_spanish(make_assistant, say, store, channel):
    model = _replay(
        *QUALIFY,
        {"text": "Tengo martes 1:00 p. m., miércoles 9:00 a. m. o jueves 9:00 a. m."},
        call("book_appointment", slot_id="2026-12-02T09:00:00-06:00"),
        call("send_meeting_link"),
        {"text": "¡Listo! Quedaste agendada para el miércoles 2 de diciembre a las 9:00 a. m. "
                 "Te envié el enlace: https://meet.lonestarsun.example/consult/1"},
    )
    assistant = make_assistant(model=model)
    say(assistant, "soy dueña, pago $300, techo de 3 años, pleno sol, 78704")
    state = say(assistant, "el miércoles a las 9")
    assert [e for e in state.trace if e.kind == "guard"] == []
    assert _sent(channel)[-1].startswith("¡Listo! Quedaste agendada para el miércoles 2 de diciembre")


def test_the_guard_scenarios_ship_with_the_examples():
    from pathlib import Path

    names = {p.stem for p in Path("examples/scenarios").glob("*.yaml")}
    assert {"guard-spanish-false-claim", "guard-disqualified-times-in-text", "guard-times-never-offered",
            "guard-spanish-booking", "optout-worded", "optout-spanish"} <= names
