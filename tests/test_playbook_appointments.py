"""The offline playbook with a lead who already booked: cancelling (confirmed first), moving to
another day or time they name, "something came up", in English and Spanish, as leads write it;
and a lead who does not qualify asking to book anyway."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ava_core.profile import load_profile

QUALIFY = ("hi", "yes", "$200", "6 years", "full sun", "78704")
QUALIFY_ES = ("hola", "sí, soy dueño", "unos 200 dólares", "5 años", "sol todo el día", "78704")
HANDOFF = "I'll have one of our solar advisors reach out to you personally, usually within the hour during business hours."


def _texts(channel, since=0):
    return [m.text for _, m in channel.sent[since:]]


def _booked(make_assistant, say, choice="the first one", qualify=QUALIFY, **overrides):
    """A lead qualified and booked (the first offer is today 1 PM, tomorrow 9 AM, Thursday 9 AM)."""
    assistant = make_assistant(**overrides)
    for text in (*qualify, choice):
        state = say(assistant, text)
    return assistant, state.conversation_id


# --- cancelling ------------------------------------------------------------------------------------


def test_a_cancel_is_confirmed_first_then_done(make_assistant, say, channel, store):
    assistant, conversation = _booked(make_assistant, say)
    before = len(channel.sent)
    say(assistant, "hey sorry i need to cancle my appt")
    assert _texts(channel, before) == ["Just to confirm, cancel your solar consultation (today at 1:00 PM)?"]
    assert store.active_appointment(conversation) is not None  # nothing cancelled on a guess
    say(assistant, "yes pls")
    assert _texts(channel)[-1] == ("Done, your solar consultation (today at 1:00 PM) is cancelled. "
                                   "If you'd like to pick a new time later, just text me here!")
    assert store.active_appointment(conversation) is None
    assert store.conversation(conversation).status == "active"  # no person needed for that


def test_a_cancel_confirmed_the_next_morning_is_still_a_confirmation(make_assistant, say, channel, store, clock):
    assistant, conversation = _booked(make_assistant, say, "2")
    say(assistant, "i have to cancel")
    assert _texts(channel)[-1] == "Just to confirm, cancel your solar consultation (tomorrow at 9:00 AM)?"
    clock.advance(hours=20)  # the lead answers at 6 AM: it is "today at 9" now
    say(assistant, "yes")
    assert store.active_appointment(conversation) is None
    assert _texts(channel)[-1].startswith("Done, your solar consultation (today at 9:00 AM) is cancelled.")


def test_a_lead_who_thinks_again_keeps_the_booking(make_assistant, say, channel, store):
    assistant, conversation = _booked(make_assistant, say, "2")
    say(assistant, "I need to cancel")
    say(assistant, "actually no, never mind. keep it")
    assert _texts(channel)[-1] == "No problem, you're still on for tomorrow at 9:00 AM. Talk to you then!"
    assert store.active_appointment(conversation).slot_id == "2026-12-02T09:00:00-06:00"


def test_cancel_it_after_a_booking_is_about_the_appointment_not_an_opt_out(make_assistant, say, channel, store):
    assistant, conversation = _booked(make_assistant, say)
    state = say(assistant, "cancel it")
    assert state.outcome == "reply"
    assert not store.contact(state.contact_id).opted_out
    assert _texts(channel)[-1].startswith("Just to confirm, cancel your solar consultation")


def test_a_bare_cancel_stays_the_carriers_opt_out_keyword(make_assistant, say, channel, store):
    assistant, conversation = _booked(make_assistant, say)
    state = say(assistant, "CANCEL")
    assert state.outcome == "opted_out"
    assert store.contact(state.contact_id).opted_out


def test_cancela_la_cita_in_spanish(make_assistant, say, channel, store):
    assistant, conversation = _booked(make_assistant, say, "la primera", qualify=QUALIFY_ES)
    say(assistant, "cancela la cita porfa")
    assert _texts(channel)[-1] == "Solo para confirmar: ¿cancelo su consulta (hoy a las 13:00)?"
    say(assistant, "sí")
    assert _texts(channel)[-1].startswith("Listo, su consulta (hoy a las 13:00) quedó cancelada.")
    assert store.active_appointment(conversation) is None


# --- moving --------------------------------------------------------------------------------------


def test_moving_to_a_named_day_offers_that_day_and_moves_to_the_one_chosen(make_assistant, say, channel, store):
    assistant, conversation = _booked(make_assistant, say)
    before = len(channel.sent)
    say(assistant, "can we move it to thursday?")
    offer = _texts(channel, before)
    assert offer[0] == ("No problem, let's find a better time! Here's what I have:\n1. Thursday, Dec 3 at 9:00 AM\n"
                        "2. Thursday, Dec 3 at 9:30 AM\n3. Thursday, Dec 3 at 10:00 AM")
    assert [c.title for c in channel.sent[-1][1].choices] == [
        "Thu Dec 3, 9:00 AM", "Thu Dec 3, 9:30 AM", "Thu Dec 3, 10:00 AM"]
    say(assistant, "the 9:30 one")
    moved = store.active_appointment(conversation)
    assert moved.slot_id == "2026-12-03T09:30:00-06:00"
    assert _texts(channel)[-2:] == ["Done, I've moved it! You're all set for Thursday, Dec 3 at 9:30 AM. 🎉",
                                    f"Here's your link for the new time: {moved.link}"]
    assert moved.link_sent
    other = make_assistant()
    for text in (*QUALIFY, "1"):
        say(other, text, sender="+15125550999")
    assert store.active_appointment(conversation + 1).slot_id == "2026-12-01T13:00:00-06:00"  # freed for others


def test_a_preferred_part_of_day_is_honoured(make_assistant, say, channel):
    assistant, _ = _booked(make_assistant, say)
    before = len(channel.sent)
    say(assistant, "could we change it to thursday afternoon instead")
    assert _texts(channel, before)[0].splitlines()[1:] == [
        "1. Thursday, Dec 3 at 1:00 PM", "2. Thursday, Dec 3 at 1:30 PM", "3. Thursday, Dec 3 at 2:00 PM"]


def test_something_came_up_asks_whether_to_move_or_cancel(make_assistant, say, channel, store):
    assistant, conversation = _booked(make_assistant, say)
    say(assistant, "ugh something came up")
    assert _texts(channel)[-1] == ("No problem! Should I find you another time for your solar consultation "
                                   "(today at 1:00 PM), or would you rather call it off for now?")
    say(assistant, "friday would be better")
    assert "1. Friday, Dec 4 at 9:00 AM" in _texts(channel)[-2]
    say(assistant, "2")
    assert store.active_appointment(conversation).slot_id == "2026-12-04T09:30:00-06:00"


def test_something_came_up_then_call_it_off_cancels_without_asking_twice(make_assistant, say, channel, store):
    assistant, conversation = _booked(make_assistant, say)
    say(assistant, "cant make it today sorry")
    state = say(assistant, "just call it off")
    assert "cancel_appointment" in state.acted and store.active_appointment(conversation) is None
    assert not store.contact(state.contact_id).opted_out


def test_something_came_up_can_we_do_later_looks_past_the_booked_time(make_assistant, say, channel, store):
    assistant, conversation = _booked(make_assistant, say)
    say(assistant, "something came up, can we do later?")
    offered = _texts(channel)[-2].splitlines()[1:]
    assert offered[0] == "1. today at 1:30 PM"
    say(assistant, "first one")
    assert store.active_appointment(conversation).slot_id == "2026-12-01T13:30:00-06:00"


def test_a_time_asked_for_is_proposed_and_moved_to_on_yes(make_assistant, say, channel, store):
    assistant, conversation = _booked(make_assistant, say)
    say(assistant, "can we push it back, maybe friday at 2?")
    assert _texts(channel)[-1] == "Yes, Friday, Dec 4 at 2:00 PM is open. Want me to move it there?"
    assert store.active_appointment(conversation).slot_id == "2026-12-01T13:00:00-06:00"
    say(assistant, "yes perfect")
    assert store.active_appointment(conversation).slot_id == "2026-12-04T14:00:00-06:00"


def test_a_lead_who_sees_the_new_times_and_keeps_the_old_one(make_assistant, say, channel, store):
    assistant, conversation = _booked(make_assistant, say)
    say(assistant, "can we reschedule?")
    say(assistant, "hmm nvm, keep it as is")
    assert _texts(channel)[-1] == "No problem, you're still on for today at 1:00 PM. Talk to you then!"
    assert store.active_appointment(conversation).slot_id == "2026-12-01T13:00:00-06:00"


def test_a_new_time_taken_by_another_lead_meanwhile_brings_others(make_assistant, say, channel, store):
    assistant, conversation = _booked(make_assistant, say)
    say(assistant, "can we move it to thursday?")
    rival = make_assistant()
    for text in (*QUALIFY, "thursday 9am"):
        say(rival, text, sender="+15125550999")
    say(rival, "yes", sender="+15125550999")
    assert store.active_appointment(conversation + 1).slot_id == "2026-12-03T09:00:00-06:00"
    say(assistant, "the first one")
    assert _texts(channel)[-2].startswith("Ah, that time was just taken, sorry about that!")
    assert store.active_appointment(conversation).slot_id == "2026-12-01T13:00:00-06:00"  # kept until a new pick
    say(assistant, "2")
    assert store.active_appointment(conversation).slot_id != "2026-12-01T13:00:00-06:00"


def test_moving_in_spanish(make_assistant, say, channel, store):
    assistant, conversation = _booked(make_assistant, say, "la primera", qualify=QUALIFY_ES)
    say(assistant, "¿se puede cambiar la cita para el jueves?")
    assert _texts(channel)[-2].startswith("¡Claro, busquemos un mejor horario! Esto es lo que tengo:\n"
                                          "1. jueves 3 de diciembre a las 9:00")
    say(assistant, "la segunda")
    moved = store.active_appointment(conversation)
    assert moved.slot_id == "2026-12-03T09:30:00-06:00"
    assert _texts(channel)[-2:] == ["¡Listo, la cambié! Su consulta ahora es jueves 3 de diciembre a las 9:30. 🎉",
                                    f"Este es su enlace para el nuevo horario: {moved.link}"]


# --- a lead who does not qualify asks to book anyway -------------------------------------------------


def _offering_a_person(tmp_path: Path) -> Path:
    data = yaml.safe_load(Path("examples/profile.yaml").read_text(encoding="utf-8"))
    data["handoff"]["offer_to_disqualified"] = True
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_renter_asking_to_book_anyway_gets_a_kind_honest_no(make_assistant, say, channel, store):
    assistant = make_assistant()
    for text in ("hi interested in solar", "no im renting rn"):
        state = say(assistant, text)
    before = len(channel.sent)
    say(assistant, "can i still book a call?")
    assert _texts(channel, before) == [
        "I wish I could, but I can't book a solar consultation for you. Solar installs need the homeowner's sign-off, "
        "so we can't move forward while you're renting. If anything changes, just text us here and I'll gladly help!"]
    say(assistant, "ok thanks")  # an acknowledgement, not a change of answer
    assert store.answers(state.conversation_id)["homeowner"].verdict == "fail"
    assert store.conversation(state.conversation_id).status == "active"
    assert store.offered_slots(state.conversation_id) == []
    assert store.active_appointment(state.conversation_id) is None


@pytest.mark.parametrize("asks", ["¿puedo agendar igual?", "y no puedo agendar una llamada de todos modos?"])
def test_a_spanish_renter_asking_to_book_anyway(make_assistant, say, channel, store, asks):
    assistant = make_assistant()
    for text in ("hola, me interesa la energía solar", "no, rento"):
        state = say(assistant, text)
    say(assistant, asks)
    assert _texts(channel)[-1].startswith("Ojalá pudiera, pero no puedo agendarle una consulta. Para instalar paneles")
    assert store.conversation(state.conversation_id).status == "active"


def test_where_the_business_allows_it_a_person_is_offered_and_brought_in_on_yes(make_assistant, say, channel, store,
                                                                              tmp_path):
    profile = load_profile(_offering_a_person(tmp_path))
    assistant = make_assistant(profile=profile)
    for text in ("hi", "about $60 a month"):
        say(assistant, text)
    say(assistant, "no i mean yes i own it. $60. can i still book?")
    assert _texts(channel)[-1].endswith(
        "If you'd still like to talk it through, I can ask someone from our team to reach out. Want me to?")
    state = say(assistant, "yes please")
    assert store.conversation(state.conversation_id).status == "paused"
    assert _texts(channel)[-1] == HANDOFF
    assert store.answers(state.conversation_id)["monthly_bill"].verdict == "fail"


def test_an_old_roof_that_is_replaced_is_judged_again(make_assistant, say, store):
    assistant = make_assistant()
    for text in ("hi", "yes", "$200"):
        say(assistant, text)
    state = say(assistant, "like 25 years")
    assert store.answers(state.conversation_id)["roof_age"].verdict == "fail"
    say(assistant, "oh wait sorry, we redid the roof 2 years ago")
    assert store.answers(state.conversation_id)["roof_age"].verdict == "pass"
