"""The offline playbook model: it runs the profile's flow like a human setter would."""

from __future__ import annotations

import pytest


def _texts(channel, since=0):
    return [m.text for _, m in channel.sent[since:]]


def test_it_greets_by_first_name_and_asks_the_first_question(make_assistant, say, channel):
    say(make_assistant(), "Hi! I saw your ad about solar panels", name="Maria Lopez")
    assert _texts(channel) == [
        "Hi Maria! This is Ava with Lone Star Sun Solar ☀️ Thanks for reaching out about solar.",
        "To see if your home is a good fit, a few quick questions. Do you own your home?",
    ]


def test_it_says_plainly_that_it_is_the_offline_mode_when_asked(make_assistant, say, channel):
    assistant = make_assistant()
    say(assistant, "hi")
    before = len(channel.sent)
    say(assistant, "wait, are you a bot?")
    reply = " ".join(_texts(channel, before))
    assert "AI assistant" in reply and "offline mode" in reply
    assert reply.endswith("Do you own your home?")


def test_it_hands_off_when_the_lead_asks_for_a_person(make_assistant, say, channel, store):
    assistant = make_assistant()
    say(assistant, "hi")
    state = say(assistant, "can I talk to a real person please")
    assert store.conversation(state.conversation_id).status == "paused"
    assert "reach out to you personally" in _texts(channel)[-1]


def test_two_answers_in_one_message_are_both_recorded(make_assistant, say, store):
    assistant = make_assistant()
    say(assistant, "hi")
    state = say(assistant, "yes we own it, bill is about $210")
    answers = store.answers(state.conversation_id)
    assert answers["homeowner"].value == "yes" and answers["monthly_bill"].value == "210"


@pytest.mark.parametrize(
    ("choice", "booked"),
    [
        ("the second one", "2026-12-02T09:00:00-06:00"),
        ("2", "2026-12-02T09:00:00-06:00"),
        ("Thursday at 9", "2026-12-03T09:00:00-06:00"),
        ("1pm today works", "2026-12-01T13:00:00-06:00"),
        ("let's do the last one", "2026-12-03T09:00:00-06:00"),
    ],
)
def test_it_understands_which_slot_the_lead_means(make_assistant, say, store, choice, booked):
    assistant = make_assistant()
    for text in ("hi", "yes", "$200", "6 years", "full sun", "78704"):
        state = say(assistant, text)
    say(assistant, choice)
    assert store.active_appointment(state.conversation_id).slot_id == booked


def test_a_bare_hour_picks_the_slot_on_the_hour(make_assistant, say, store):
    assistant = make_assistant()
    for text in ("hi", "yes", "$200", "6 years", "full sun", "78704", "anything on saturday?"):
        state = say(assistant, text)
    say(assistant, "10")
    assert store.active_appointment(state.conversation_id).slot_id == "2026-12-05T10:00:00-06:00"


def test_asking_for_another_day_offers_times_on_that_day(make_assistant, say, channel):
    assistant = make_assistant()
    for text in ("hi", "yes", "$200", "6 years", "full sun", "78704"):
        say(assistant, text)
    before = len(channel.sent)
    state = say(assistant, "do you have anything on friday?")
    offered = state.trace[-2]
    assert offered.name == "get_free_slots" and offered.args == {"from": "2026-12-04", "to": "2026-12-04"}
    assert "Friday, Dec 4 at 9:00 AM" in " ".join(_texts(channel, before))


def test_an_unsure_lead_is_told_a_rough_guess_is_fine_then_given_examples_then_a_person_takes_over(
        make_assistant, say, channel):
    assistant = make_assistant()
    say(assistant, "hi")
    say(assistant, "yes")
    say(assistant, "hmm not sure, whatever it usually is")
    assert _texts(channel)[-1] == (
        "No problem, a rough guess is fine. Roughly how much is your average monthly electric bill?"
    )
    say(assistant, "dunno")
    assert _texts(channel)[-1] == ("Let me put it another way: Roughly how much is your average monthly electric "
                                   'bill? For example: "about $150" or "around 200 bucks".')
    say(assistant, "no clue honestly")
    assert "reach out to you personally" in _texts(channel)[-1]


def test_an_unreadable_answer_gets_a_hint_then_examples_before_a_hand_off(make_assistant, say, channel, store):
    assistant = make_assistant()
    say(assistant, "hi")
    say(assistant, "yes")
    say(assistant, "blue")
    assert _texts(channel)[-1] == (
        "Sorry, I didn't quite catch that. Roughly how much is your average monthly electric bill? "
        "A rough dollar amount is fine, like $150."
    )
    state = say(assistant, "purple")
    assert store.conversation(state.conversation_id).status == "active"
    assert _texts(channel)[-1].startswith("Let me put it another way:")
    state = say(assistant, "green")
    assert store.conversation(state.conversation_id).status == "paused"


def test_offered_times_come_as_quick_replies_on_the_last_bubble(make_assistant, say, channel):
    assistant = make_assistant()
    for text in ("hi", "yes", "$200", "6 years", "full sun"):
        say(assistant, text)
    before = len(channel.sent)
    say(assistant, "78704")
    messages = [m for _, m in channel.sent[before:]]
    assert [c.title for c in messages[-1].choices] == ["Tue Dec 1, 1:00 PM", "Wed Dec 2, 9:00 AM", "Thu Dec 3, 9:00 AM"]
    assert all(not m.choices for m in messages[:-1])
    assert all(len(c.title) <= 20 for c in messages[-1].choices)


def test_tapping_a_quick_reply_books_that_time(make_assistant, say, store):
    assistant = make_assistant()
    for text in ("hi", "yes", "$200", "6 years", "full sun", "78704"):
        state = say(assistant, text)
    say(assistant, "Wed Dec 2, 9:00 AM")
    assert store.active_appointment(state.conversation_id).slot_id == "2026-12-02T09:00:00-06:00"


def test_a_zip_given_out_of_turn_is_recorded_and_the_question_asked_again(make_assistant, say, channel, store):
    assistant = make_assistant()
    for text in ("hi", "yes", "$200", "6 years"):
        say(assistant, text)
    state = say(assistant, "its 78664")
    assert store.answers(state.conversation_id)["zip"].verdict == "pass"
    assert _texts(channel)[-1].endswith("How much sun does your roof get? Full sun, partial shade, or heavy shade?")
    say(assistant, "sunny")
    assert "Great news, you're a good fit" in " ".join(_texts(channel)[-2:])


def test_a_question_about_a_time_is_confirmed_before_booking(make_assistant, say, channel, store):
    assistant = make_assistant()
    for text in ("hi", "yes", "$200", "6 years", "full sun", "78704"):
        state = say(assistant, text)
    say(assistant, "is wednesday at 9 still open?")
    assert _texts(channel)[-1] == "Yes, tomorrow at 9:00 AM is open. Want me to book it for you?"
    assert store.active_appointment(state.conversation_id) is None
    say(assistant, "yes please")
    assert store.active_appointment(state.conversation_id).slot_id == "2026-12-02T09:00:00-06:00"


QUALIFY = ("hi", "yes", "$200", "6 years", "full sun", "78704")


def _qualified(make_assistant, say):
    assistant = make_assistant()
    for text in QUALIFY:
        state = say(assistant, text)
    return assistant, state


def test_owning_outright_is_a_yes_even_with_a_no_in_the_sentence(make_assistant, say, store):
    assistant = make_assistant()
    say(assistant, "hi")
    state = say(assistant, "no mortgage, we own it outright")
    assert store.answers(state.conversation_id)["homeowner"].verdict == "pass"


def test_a_lead_who_corrects_a_disqualifying_answer_is_judged_again(make_assistant, say, store, channel):
    assistant = make_assistant()
    for text in ("hi", "yes"):
        say(assistant, text)
    state = say(assistant, "about $80")
    assert store.answers(state.conversation_id)["monthly_bill"].verdict == "fail"
    say(assistant, "wait sorry thats winter, summer its like $250")
    assert store.answers(state.conversation_id)["monthly_bill"].verdict == "pass"
    assert _texts(channel)[-1].endswith("About how old is your roof, in years?")


def test_a_job_title_is_not_a_request_for_a_person(make_assistant, say, store):
    assistant = make_assistant()
    say(assistant, "hi")
    state = say(assistant, "I'm a manager at dell so I'm busy lol, but yes I own")
    assert store.conversation(state.conversation_id).status == "active"
    assert store.answers(state.conversation_id)["homeowner"].value == "yes"


def test_a_first_message_with_every_answer_is_read_before_the_greeting(make_assistant, say, channel, store):
    state = say(make_assistant(), "I own my home in 78704, bill is around $250/mo, roof is 6 years old, full sun")
    answers = store.answers(state.conversation_id)
    assert {f: a.value for f, a in answers.items()} == {
        "homeowner": "yes", "monthly_bill": "250", "roof_age": "6", "roof_shade": "full sun", "zip": "78704"}
    texts = _texts(channel)
    assert texts[0].startswith("Hi Lead! This is Ava") and "good fit for a free consultation" in texts[1]


def test_asking_for_a_time_that_was_not_offered_checks_the_calendar_and_confirms(make_assistant, say, channel, store):
    assistant, state = _qualified(make_assistant, say)
    say(assistant, "can we do 2:30?")
    assert _texts(channel)[-1] == "Yes, today at 2:30 PM is open. Want me to book it for you?"
    say(assistant, "👍")
    assert store.active_appointment(state.conversation_id).slot_id == "2026-12-01T14:30:00-06:00"


def test_next_weekday_on_that_weekday_means_a_week_later(make_assistant, say, channel):
    assistant, _ = _qualified(make_assistant, say)
    state = say(assistant, "do you have anything next tuesday?")
    search = [e for e in state.trace if e.name == "get_free_slots"][-1]
    assert search.args == {"from": "2026-12-08", "to": "2026-12-08"}


def test_a_part_of_day_searches_that_part_of_the_day(make_assistant, say, channel):
    assistant, _ = _qualified(make_assistant, say)
    say(assistant, "tomorrow afternoon works best")
    assert "1. tomorrow at 1:00 PM" in _texts(channel)[-2]


def test_asking_for_evenings_explains_the_hours_and_offers_the_closest_times(make_assistant, say, channel):
    assistant, _ = _qualified(make_assistant, say)
    say(assistant, "I work till 6. any evenings?")
    assert _texts(channel)[-2].startswith(
        "Sorry, nothing's open then. Our advisors take calls Mon–Thu 9:00 AM–5:00 PM, Fri 9:00 AM–4:00 PM, "
        "Sat 10:00 AM–1:00 PM.")


def test_changing_a_booked_time_offers_that_day_without_a_person(make_assistant, say, store, channel):
    assistant, state = _qualified(make_assistant, say)
    say(assistant, "the first one")
    say(assistant, "actually can we do friday instead?")
    assert store.conversation(state.conversation_id).status == "active"
    assert "1. Friday, Dec 4 at 9:00 AM" in _texts(channel)[-2]


def test_when_the_chosen_time_was_just_taken_the_alternatives_come_as_quick_replies(make_assistant, say, channel):
    assistant = make_assistant()
    for text in QUALIFY:
        say(assistant, text, sender="+15125550001")
        say(assistant, text, sender="+15125550002")
    say(assistant, "the first one", sender="+15125550001")
    before = len(channel.sent)
    say(assistant, "the first one", sender="+15125550002")
    messages = [m for _, m in channel.sent[before:]]
    assert messages[0].text.startswith("Ah, that time was just taken")
    assert [c.title for c in messages[-1].choices] == ["Tue Dec 1, 1:30 PM", "Wed Dec 2, 9:00 AM", "Thu Dec 3, 9:00 AM"]
