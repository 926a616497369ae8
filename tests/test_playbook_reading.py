"""The playbook reads leads right: a time is booked only when one is chosen, answers come as
people text them, and times are said the way a person says them."""

from __future__ import annotations

import pytest

from ava_core.channels import InboundMessage

QUALIFY = ("hi", "yes", "$200", "6 years", "full sun", "78704")  # offers Tue 1 PM, Wed 9 AM, Thu 9 AM


def _texts(channel, since=0):
    return [m.text for _, m in channel.sent[since:]]


@pytest.fixture
def burst(clock):
    """Several lead messages before AVA answers: all but the last are only stored."""
    counter = iter(range(1, 10_000))

    def send(assistant, *texts: str, sender: str = "+15125550142", name: str = "Lead One"):
        state = None
        for i, text in enumerate(texts):
            clock.advance(seconds=20)
            inbound = InboundMessage(
                channel="whatsapp", message_id=f"wamid.burst.{next(counter)}", sender=sender, sender_name=name,
                phone=sender, text=text, received_at=clock.now(),
            )
            state = assistant.handle(inbound) if i == len(texts) - 1 else assistant.receive(inbound)
        return state

    return send


def _offered(make_assistant, say):
    assistant = make_assistant()
    for text in QUALIFY:
        state = say(assistant, text)
    return assistant, state


# --- a time is chosen only when the lead chooses one ---------------------------------------------

@pytest.mark.parametrize("text", [
    "I need to talk to my wife first",
    "hold on one second",
    "I have two questions first",
    "ok wait lemme check w my husband first",
    "one sec",
])
def test_a_reply_with_an_ordinal_in_it_books_nothing_unless_it_is_a_choice(make_assistant, say, store, text):
    assistant, state = _offered(make_assistant, say)
    say(assistant, text)
    assert store.active_appointment(state.conversation_id) is None


def test_talking_to_the_wife_first_gets_the_objection_answered_and_the_times_offered_again(
        make_assistant, say, channel, store):
    assistant, state = _offered(make_assistant, say)
    before = len(channel.sent)
    state = say(assistant, "I need to talk to my wife first")
    assert {e.name for e in state.trace if e.kind == "tool"} == {"search_knowledge"}
    reply = "\n".join(_texts(channel, before))
    assert "1. today at 1:00 PM" in reply and "2. tomorrow at 9:00 AM" in reply
    assert store.active_appointment(state.conversation_id) is None


def test_hold_on_is_answered_as_a_wait(make_assistant, say, channel):
    assistant, _ = _offered(make_assistant, say)
    say(assistant, "hold on one second")
    assert _texts(channel)[-1] == "No rush, take your time! I'll be right here."


def test_questions_first_are_invited(make_assistant, say, channel):
    assistant, _ = _offered(make_assistant, say)
    say(assistant, "I have two questions first")
    assert _texts(channel)[-1] == "Of course, ask away! What would you like to know?"


@pytest.mark.parametrize(("choice", "booked"), [
    ("the Wednesday one", "2026-12-02T09:00:00-06:00"),
    ("option 3", "2026-12-03T09:00:00-06:00"),
    ("first one pls", "2026-12-01T13:00:00-06:00"),
    ("2.", "2026-12-02T09:00:00-06:00"),
    ("thursday at 9am works for me", "2026-12-03T09:00:00-06:00"),
])
def test_a_choice_books_the_slot_it_names(make_assistant, say, store, choice, booked):
    assistant, state = _offered(make_assistant, say)
    say(assistant, choice)
    assert store.active_appointment(state.conversation_id).slot_id == booked


def test_a_vague_reply_is_confirmed_before_it_books(make_assistant, say, channel, store):
    assistant, state = _offered(make_assistant, say)
    say(assistant, "wednesday could work i guess")
    assert store.active_appointment(state.conversation_id) is None
    assert _texts(channel)[-1] == "Yes, tomorrow at 9:00 AM is open. Want me to book it for you?"
    say(assistant, "yes")
    assert store.active_appointment(state.conversation_id).slot_id == "2026-12-02T09:00:00-06:00"


# --- understanding the answers people give --------------------------------------------------------

@pytest.mark.parametrize("place", ["Round Rock", "im in round rock", "1200 Oak St, Cedar Park TX"])
def test_a_city_or_address_at_the_zip_question_is_placed_and_recorded(make_assistant, say, store, channel, place):
    assistant = make_assistant()
    for text in QUALIFY[:-1]:
        say(assistant, text)
    state = say(assistant, place)
    names = [e.name for e in state.trace if e.kind == "tool"]
    assert names[:2] == ["check_service_area", "record_qualification"]
    assert store.answers(state.conversation_id)["zip"].verdict == "pass"
    assert "good fit for a free consultation" in "\n".join(_texts(channel))


def test_a_place_outside_the_area_is_not_recorded_as_inside(make_assistant, say, store):
    assistant = make_assistant()
    for text in QUALIFY[:-1]:
        say(assistant, text)
    state = say(assistant, "el paso")
    assert "zip" not in store.answers(state.conversation_id)


@pytest.mark.parametrize(("bill", "value"), [("2 hundred bucks", "200"), ("around 180", "180"),
                                              ("prob like 2-300 in the summer", "250")])
def test_bills_are_read_the_way_people_say_them(make_assistant, say, store, bill, value):
    assistant = make_assistant()
    say(assistant, "hi")
    say(assistant, "yeah")
    state = say(assistant, bill)
    assert store.answers(state.conversation_id)["monthly_bill"].value == value


def test_a_few_trees_is_partial_shade(make_assistant, say, store):
    assistant = make_assistant()
    for text in ("hi", "yes", "$200", "6 years"):
        say(assistant, text)
    state = say(assistant, "a few trees but mostly sunny in the afternoon")
    assert store.answers(state.conversation_id)["roof_shade"].value == "partial shade"


@pytest.mark.parametrize(("text", "args"), [
    ("next week", {"from": "2026-12-07", "to": "2026-12-13"}),
    ("mornings are hard for me, what about next week?", {"from": "2026-12-07", "to": "2026-12-13", "earliest": "12:00"}),
    ("anything after 3?", {"earliest": "15:00"}),
    ("anytime friday", {"from": "2026-12-04", "to": "2026-12-04"}),
])
def test_time_preferences_search_where_the_lead_means(make_assistant, say, text, args):
    assistant, _ = _offered(make_assistant, say)
    state = say(assistant, text)
    searched = [e for e in state.trace if e.kind == "tool" and e.name == "get_free_slots"]
    assert searched and searched[0].args == args


def test_mornings_are_hard_means_the_afternoon_slot(make_assistant, say, channel, store):
    assistant, state = _offered(make_assistant, say)
    say(assistant, "mornings are hard for me")
    assert _texts(channel)[-1] == "Yes, today at 1:00 PM is open. Want me to book it for you?"
    assert store.active_appointment(state.conversation_id) is None


def test_none_of_those_work_offers_other_times_and_asks_what_suits(make_assistant, say, channel, store):
    assistant, state = _offered(make_assistant, say)
    before = len(channel.sent)
    state = say(assistant, "hmm none of those work for me")
    reply = "\n".join(_texts(channel, before))
    assert "other times" in reply and "tell me what day and time suit you better" in reply
    assert store.conversation(state.conversation_id).status == "active"
    assert store.active_appointment(state.conversation_id) is None


def test_slots_today_and_tomorrow_are_said_that_way(make_assistant, say, channel):
    assistant, _ = _offered(make_assistant, say)
    offer = "\n".join(_texts(channel))
    assert "1. today at 1:00 PM\n2. tomorrow at 9:00 AM\n3. Thursday, Dec 3 at 9:00 AM" in offer


def test_several_messages_at_once_with_typos_are_all_read(make_assistant, say, burst, store):
    assistant = make_assistant()
    say(assistant, "hi")
    state = burst(assistant, "ya we own", "bil is abt 2 hundred bucks", "roof is like 8 yrs old")
    answers = store.answers(state.conversation_id)
    assert answers["homeowner"].value == "yes" and answers["monthly_bill"].value == "200"
    assert answers["roof_age"].value == "8"


def test_none_of_those_work_with_nothing_else_open_asks_what_suits_and_keeps_the_conversation(
        make_assistant, say, channel, store, profile):
    short = profile.model_copy(update={"booking": profile.booking.model_copy(update={"days_ahead": 2})})
    assistant = make_assistant(profile=short)
    for text in QUALIFY:
        state = say(assistant, text)
    say(assistant, "none of those work")
    assert _texts(channel)[-1] == ("Those are the only times I have open in the next 2 days, sorry! "
                                   "What day and time would suit you? I'll check what I can do.")
    assert store.conversation(state.conversation_id).status == "active"
