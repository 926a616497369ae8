"""Per-message expectations in a scenario file (``turns[].expect``): the reply to a question is
about that question, not a true line on another subject or a reply to some other message."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from ava_core.cli import build_app
from ava_core.errors import ScenarioError
from ava_core.scenario import ScenarioTurn, TurnExpect, check_turns, load_scenario, run_scenario
from evals.checks import Played, _profile, answers, outcome

POOL = "do you guys also install solar pool heaters? how much?"
OFF_TOPIC = "Solar usually makes sense when the average electric bill is $100 a month or more."


def transcript(*lines: tuple[str, str]) -> list[dict[str, str]]:
    return [{"role": role, "text": text, "at": ""} for role, text in lines]


def test_an_answer_on_another_subject_fails_and_one_about_the_question_passes():
    turns = [ScenarioTurn(user=POOL, expect=TurnExpect(reply_contains=["pool"]))]
    off = check_turns(turns, transcript(("user", POOL), ("assistant", "Hi Nia!"), ("assistant", OFF_TOPIC)))
    assert off == [f"turn 1 ({POOL[:40]!r}): no reply to it contains 'pool'"]
    on = transcript(("user", POOL), ("assistant", "Pool heaters I'd have to check: I'll ask an advisor."))
    assert check_turns(turns, on) == []


def test_only_the_replies_to_that_message_count():
    # The topic comes up, but in the reply to a later message: the question itself went unanswered.
    turns = [ScenarioTurn(user="is this a scam?", expect=TurnExpect(reply_contains_any=["since 2012", "NABCEP"])),
             ScenarioTurn(user="ok yes i own")]
    lines = transcript(("user", "is this a scam?"), ("assistant", "Do you own your home?"),
                       ("user", "ok yes i own"), ("assistant", "Family-owned since 2012. Your monthly bill?"))
    assert check_turns(turns, lines) == [
        "turn 1 ('is this a scam?'): no reply to it mentions any of ['since 2012', 'NABCEP']"]


def test_a_message_with_no_reply_fails_its_expectation():
    turns = [ScenarioTurn(user="hello?", expect=TurnExpect(reply_contains_any=["hi"]))]
    assert check_turns(turns, transcript(("user", "hello?"))) != []


# Words whose upper and lower case fold to the same text: for a few letters (Turkish dotless ı,
# German ß against ẞ…) case is not a round trip, and no case-blind check can match them both ways.
words = st.text(alphabet=st.characters(whitelist_categories=("Ll", "Lu")), min_size=3, max_size=12).filter(
    lambda w: w.upper().casefold() == w.lower().casefold() == w.casefold())


@given(topic=words, before=st.text(max_size=40), after=st.text(max_size=40), upper=st.booleans())
def test_a_reply_naming_the_topic_in_any_case_passes(topic, before, after, upper):
    # A letter whose upper case is another's ("ı" → "I") cannot be found again without its case.
    reply = before + (topic.upper() if upper else topic.lower()) + after
    turns = [ScenarioTurn(user="q", expect=TurnExpect(reply_contains=[topic], reply_contains_any=[topic, "zzz"]))]
    assert check_turns(turns, transcript(("user", "q"), ("assistant", reply))) == []


@given(topic=words, reply=st.text(max_size=80))
def test_a_reply_without_the_topic_fails(topic, reply):
    if topic.casefold() in reply.casefold():
        reply = ""
    turns = [ScenarioTurn(user="q", expect=TurnExpect(reply_contains=[topic]))]
    assert len(check_turns(turns, transcript(("user", "q"), ("assistant", reply)))) == 1


def test_the_scenario_file_reads_turn_expectations_and_names_a_misspelt_one(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("name: x\nnow: '2026-12-01T09:30:00-06:00'\n"
                    "turns:\n  - user: hi\n    expect: {reply_contains_any: [hello, hi]}\n")
    assert load_scenario(path).turns[0].expect.reply_contains_any == ["hello", "hi"]
    path.write_text("name: x\nnow: '2026-12-01T09:30:00-06:00'\n"
                    "turns:\n  - user: hi\n    expect: {reply_mentions: [hello]}\n")
    with pytest.raises(ScenarioError, match=re.escape("turns.0.expect.reply_mentions")):
        load_scenario(path)


def test_simulate_fails_a_scenario_whose_question_goes_unanswered(tmp_path, settings):
    path = tmp_path / "s.yaml"
    path.write_text("name: the opt-out is confirmed\nnow: '2026-12-01T12:00:00-06:00'\nchannel: whatsapp\n"
                    "lead: {name: Tom Baker, phone: '+15125550111'}\n"
                    "turns:\n  - user: hi\n  - user: STOP\n    expect: {reply_contains: [\"won't hear from us\"]}\n"
                    "  - user: wait, how much are panels?\n    expect: {reply_contains: [price]}\n"
                    "expect: {opted_out: true}\n")
    result = run_scenario(load_scenario(path), settings)
    assert not result.passed
    assert result.failures == ["turn 3 ('wait, how much are panels?'): no reply to it contains 'price'"]
    out = CliRunner().invoke(build_app(), ["simulate", str(path)])
    assert out.exit_code == 1 and "no reply to it contains 'price'" in out.output

    # The evals report it once, as an unanswered message, not as an outcome too.
    scenario = load_scenario(path)
    played = Played(scenario=scenario, result=result, profile=_profile("examples/profile.yaml"))
    assert answers(played) == result.failures
    assert outcome(played) == []
