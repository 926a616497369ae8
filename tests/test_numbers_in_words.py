"""A number said in words is an answer only when it is said as one: "about twelve", "twelve years",
"two hundred bucks". "Is this one of those scams tho", "hold on one second" and "I have a few
questions" hold no roof age and no bill."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ava_core.language.asks import is_question
from ava_core.qualification import interpret
from ava_core.reading import answers_what_was_asked

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=ZoneInfo("America/Chicago"))
NUMBER_WORDS = ["one", "two", "three", "four", "five", "six", "ten", "twelve", "fifteen", "twenty", "a couple",
                "a few", "twenty five", "two hundred"]
# Words leads put around a question; none is a unit of years or money, none a digit.
FILLER = ["this", "of", "those", "scams", "tho", "is", "it", "the", "guys", "you", "really", "panels", "deal", "more",
          "thing", "real", "company", "lol", "ok", "so", "my", "neighbor", "got", "like", "just", "other"]
QUESTION_STARTS = ["is", "are", "how", "what", "why", "can", "do", "does", "will", "who"]
words = st.lists(st.sampled_from(FILLER), max_size=6).map(" ".join)


@pytest.fixture(scope="module")
def questions():
    from ava_core.profile import load_profile

    profile = load_profile("examples/profile.yaml")
    return profile, {q.field: q for q in profile.qualification.questions}


@given(start=st.sampled_from(QUESTION_STARTS), number=st.sampled_from(NUMBER_WORDS), before=words, after=words,
       mark=st.sampled_from(["", "?", "??", " ?"]))
def test_a_question_with_number_words_states_no_roof_age_or_bill(questions, start, number, before, after, mark):
    profile, by_field = questions
    text = " ".join(filter(None, [start, before, number, after])) + mark
    assert is_question(text)
    for field in ("roof_age", "monthly_bill"):
        assert interpret(by_field[field], text, today=NOW.date()) is None, (field, text)
        assert not answers_what_was_asked(profile, field, text, NOW)


@given(start=st.sampled_from(QUESTION_STARTS), before=words,
       said=st.sampled_from([("twelve years", "12"), ("fifteen yrs", "15"), ("a couple years", "2"),
                             ("twenty years old", "20")]))
def test_a_question_that_also_states_the_age_is_read_for_it(questions, start, before, said):
    _, by_field = questions
    words_said, value = said
    text = f"{start} {before} {words_said} too old?".replace("  ", " ")
    assert interpret(by_field["roof_age"], text, today=NOW.date()) == value


@given(number=st.sampled_from(NUMBER_WORDS), thing=st.sampled_from(["second", "sec", "minute", "moment", "questions",
                                                                     "of those", "of my neighbors", "more thing"]))
def test_a_number_word_counting_something_else_is_no_answer(questions, number, thing):
    _, by_field = questions
    for opening in ("hold on", "i have", "give me", "got"):
        text = f"{opening} {number} {thing}"
        assert interpret(by_field["roof_age"], text, today=NOW.date()) is None, text


@pytest.mark.parametrize(("text", "field", "expected"), [
    ("twelve", "roof_age", "12"),
    ("about twelve", "roof_age", "12"),
    ("fifteen or so", "roof_age", "15"),
    ("its like fifteen i think", "roof_age", "15"),
    ("a few years", "roof_age", "3"),
    ("roof is 12 yrs", "roof_age", "12"),
    ("two hundred", "monthly_bill", "200"),
    ("like two hundred bucks a month", "monthly_bill", "200"),
    ("around 180", "monthly_bill", "180"),
])
def test_numbers_said_as_answers_are_still_read(questions, text, field, expected):
    _, by_field = questions
    assert interpret(by_field[field], text, today=NOW.date()) == expected


@pytest.mark.parametrize("text", ["is this one of those scams tho", "is this one of those scams tho?",
                                  "hold on one second", "hold on 1 sec", "I have two questions first",
                                  "one of my neighbors got ripped off by a solar company"])
def test_the_roof_question_is_not_answered_by(questions, text):
    _, by_field = questions
    assert interpret(by_field["roof_age"], text, today=NOW.date()) is None


def test_como_is_about_and_cómo_is_how():
    # Accents are kept for question words: "como 220" answers the bill question.
    assert not is_question("como 220")
    assert is_question("cómo funciona eso")
    assert is_question("tienen financiamiento? no tengo para pagar todo")
