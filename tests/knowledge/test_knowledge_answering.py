"""AVA answers what was asked: other customers' details stay private, who the business is comes
from the profile, an objection from its pair, a question from the passage that speaks to it, and
nothing is answered with the nearest passage however far off. The playbook says it; a language
model is told the same decision."""

from __future__ import annotations

from pathlib import Path

import pytest

from ava_core.knowledge.answering import answer
from ava_core.knowledge.base import Passage
from ava_core.knowledge.client import connect
from ava_core.knowledge.collections import KnowledgeIndex
from ava_core.knowledge.ingest import ingest
from ava_core.knowledge.qdrant import QdrantKnowledge
from ava_core.models.base import ModelResponse

DEMO = Path(__file__).resolve().parents[2] / "examples" / "knowledge"


def pair(pair_id: str, text: str, score: float, *, tags: tuple[str, ...] = ()) -> Passage:
    return Passage(id=pair_id, kind="objection", text=text, source="objections.yaml", response=f"[{pair_id}]",
                   tags=list(tags), score=score)


def chunk(chunk_id: str, text: str, score: float, *, section: str = "") -> Passage:
    return Passage(id=chunk_id, kind="domain", text=text, source="faq.md", section=section, score=score)


# --- the decision, on passages as a search would return them ---------------------------------


def test_other_customers_details_are_private_whatever_the_knowledge_finds(profile):
    found = [pair("how-got-number", "How did you get my number?", 0.9)]
    assert answer("what did the last customer say to you? give me their phone number", found, profile).kind \
        == "privacy"
    assert answer("me pasa el telefono de otros clientes?", found, profile, language="es").kind == "privacy"


def test_who_the_business_is_is_a_rule_not_a_search(profile):
    assert answer("how do i know u guys know what ur doing", [], profile).kind == "identity"
    assert answer("how long have yall been in business", [], profile).kind == "identity"
    assert answer("¿cómo sé que saben lo que hacen?", [], profile, language="es").kind == "identity"
    assert answer("how do i know this isnt a scam lol", [], profile).kind != "identity"  # the scam pair's


def test_a_question_the_knowledge_does_not_answer_is_not_given_the_nearest_passage(profile):
    found = [pair("price-too-expensive", "Solar is too expensive for us.", 0.52),
             pair("lease-vs-buy", "Should I lease or buy the panels?", 0.51),
             chunk("faq#bill", "Solar usually makes sense when the average electric bill is $100 a month.", 0.45)]
    decided = answer("do you guys also install solar pool heaters? how much?", found, profile)
    assert decided.kind == "unknown" and decided.topic == "pool heaters"


def test_a_question_about_something_else_entirely_is_off_topic(profile):
    found = [pair("hail-damage", "Won't hail destroy the panels?", 0.55),
             chunk("service-area#zips", "Our crews cover Austin ZIP codes from 78701 to 78759.", 0.50)]
    assert answer("what's the weather in Austin today?", found, profile).kind == "off_topic"
    assert answer("do u guys do round rock", [chunk("service-area#area", "We cover Austin and Round Rock.", 0.21)],
                  profile, floor=0.2).kind == "passage"


def test_a_pair_must_lead_the_other_pairs_for_a_question(profile):
    look_alikes = [pair("hoa-rules", "My HOA won't allow solar panels.", 0.66),
                   pair("panels-ugly", "Solar panels are ugly, I don't want them on my house.", 0.60),
                   chunk("faq#hail", "Tier-1 panels are tested for hail impact.", 0.39)]
    assert answer("can you put panels on a mobile home", look_alikes, profile).kind == "unknown"
    # Named by a word only the best pair has, it answers though its rivals score close.
    quote = [pair("competitor-quote", "I already got a quote from another solar company.", 0.41),
             pair("net-metering", "What happens to the extra power?", 0.36),
             chunk("financing#cash", "Paying cash gives the lowest total cost.", 0.21)]
    decided = answer("got a quote from another company for 18k. can u beat that?", quote, profile)
    assert decided.kind == "objection" and decided.passage.id == "competitor-quote"


def test_a_rival_on_the_same_subject_does_not_count_against_the_best_pair(profile):
    found = [pair("payback-doubt", "I don't believe solar actually saves money.", 0.71, tags=("savings", "price")),
             pair("low-bill", "My electric bill isn't that high.", 0.68, tags=("savings", "qualification")),
             chunk("financing#cash", "Paying cash gives the largest savings.", 0.37)]
    assert answer("will you guarantee i save 50% on my bill? yes or no", found, profile).passage.id == "payback-doubt"


def test_a_spanish_question_is_not_answered_by_an_english_passage_that_shares_letters(profile):
    found = [chunk("process#install", "Our own NABCEP-certified crew installs the system, usually in one day.", 0.41)]
    decided = answer("instalan calentadores solares para alberca?", found, profile, language="es", floor=0.2)
    assert decided.kind != "passage"


def test_spanish_pairs_need_the_spanish_threshold(profile):
    found = [pair("spouse-decision-es", "Tengo que hablarlo con mi esposo.", 0.54)]
    assert answer("muchas gracias", found, profile, language="es").kind == "concern"
    assert answer("tengo mal credito", [pair("credit-es", "Mi crédito no es muy bueno.", 0.69)], profile,
                  language="es").kind == "objection"


# --- through the playbook, as leads write ------------------------------------------------------


@pytest.fixture
def demo_knowledge(tmp_path, profile, embedder):
    index = KnowledgeIndex(connect(path=tmp_path / "demo-qdrant"), profile.business.name)
    ingest([DEMO], index, embedder)
    return QdrantKnowledge(index, embedder)


def _replies(channel, before: int) -> list[str]:
    return [m.text for _, m in channel.sent[before:]]


def test_pool_heaters_get_an_honest_the_advisor_will_answer_that(make_assistant, say, channel, demo_knowledge):
    assistant = make_assistant(knowledge=demo_knowledge)
    say(assistant, "hi")
    before = len(channel.sent)
    say(assistant, "do u guys install solar pool heaters too?? how much")
    reply = _replies(channel, before)
    assert "pool heaters" in reply[0] and "advisor" in reply[0]
    assert "$100" not in " ".join(reply)
    assert reply[-1] == "So I can see if it's a fit: do you own your home?"


def test_a_guaranteed_saving_is_never_promised(make_assistant, say, channel, demo_knowledge):
    assistant = make_assistant(knowledge=demo_knowledge)
    say(assistant, "will u guarantee i save 50% on my bill?? yes or no")
    reply = " ".join(m.text for _, m in channel.sent)
    assert "won't promise a number" in reply and "50%" not in reply


def test_a_sceptic_hears_who_the_business_is_and_the_first_question(make_assistant, say, channel, profile):
    say(make_assistant(), "how do i know you guys actually know what your doing")
    reply = [m.text for _, m in channel.sent]
    assert reply[0].startswith("Hi Lead!")
    assert reply[1] == f"Fair question! {profile.business.about}"
    assert reply[-1] == "So I can see if it's a fit: do you own your home?"


def test_the_last_customers_number_stays_private(make_assistant, say, channel):
    assistant = make_assistant()
    say(assistant, "hi")
    say(assistant, "yes i own it")
    before = len(channel.sent)
    state = say(assistant, "whats the last customer's number? i wanna ask them")
    assert _replies(channel, before) == [
        "I can't share anything about other customers. Their details stay private, just like yours.",
        "So I can see if it's a fit: roughly how much is your average monthly electric bill?"]
    assert not [e for e in state.trace if e.kind == "tool"]


def test_a_spanish_lead_asking_about_financing_is_answered_in_spanish(make_assistant, say, channel, demo_knowledge):
    say(make_assistant(knowledge=demo_knowledge), "hola buenas, tienen financiamiento? no me alcanza pa pagar todo junto")
    reply = [m.text for _, m in channel.sent]
    assert reply[0].startswith("¡Hola Lead!")
    assert "financiamiento desde $0 de enganche" in reply[1]
    assert reply[-1] == "Para ver si califica: ¿es usted dueño de su casa?"


def test_a_spanish_lead_asking_for_other_customers_data_hears_it_is_private(make_assistant, say, channel):
    assistant = make_assistant()
    say(assistant, "hola, buenas tardes")
    before = len(channel.sent)
    say(assistant, "oiga y me puede pasar el numero del ultimo cliente?")
    assert _replies(channel, before)[0] == "No puedo compartir nada sobre otros clientes. Sus datos son privados, " \
                                           "igual que los suyos."


def test_is_this_one_of_those_scams_is_no_roof_age(make_assistant, say, channel, store, demo_knowledge):
    assistant = make_assistant(knowledge=demo_knowledge)
    say(assistant, "hi")
    say(assistant, "yes i own")
    say(assistant, "like 200")
    before = len(channel.sent)
    state = say(assistant, "is this one of those scams tho")
    assert not [e for e in state.trace if e.name == "record_qualification"]
    reply = _replies(channel, before)
    assert "since 2012" in reply[0]
    assert reply[-1] == "So I can see if it's a fit: about how old is your roof, in years?"
    state = say(assistant, "ok fair. roofs about twelve years old")
    recorded = [e.args for e in state.trace if e.name == "record_qualification"]
    assert recorded == [{"field": "roof_age", "value": "12"}]


def test_hold_on_one_second_is_no_roof_age(make_assistant, say, channel):
    assistant = make_assistant()
    for text in ("hi", "yes i own", "200"):
        say(assistant, text)
    state = say(assistant, "hold on one second")
    assert not [e for e in state.trace if e.name == "record_qualification"]
    assert channel.sent[-1][1].text == "No rush, take your time! I'll be right here."


# --- a language model is told the same decision -----------------------------------------------


class Spy:
    """A scripted language model: it records what it was told and answers with the next question."""

    name = "spy"

    def __init__(self):
        self.seen = []

    def complete(self, request):
        self.seen.append(request)
        return ModelResponse(text="Got it. Do you own your home?")


def test_a_language_model_is_told_other_customers_details_stay_private(make_assistant, say):
    spy = Spy()
    state = say(make_assistant(model=spy), "what did the last customer say to you? give me their phone number")
    assert "say plainly that other customers' details stay private" in spy.seen[0].context
    assert [g.kind for g in state.guidance] == ["privacy"]


def test_a_language_model_is_told_who_the_business_is_in_the_leads_language(make_assistant, say, profile):
    spy = Spy()
    say(make_assistant(model=spy), "oigan y como se que ustedes saben lo que hacen?")
    assert profile.languages["es"].about.split(":")[0] in spy.seen[0].context


def test_a_language_model_is_told_not_to_guess_about_pool_heaters(make_assistant, say, demo_knowledge):
    spy = Spy()
    say(make_assistant(model=spy, knowledge=demo_knowledge), "do you guys also install solar pool heaters? how much?")
    context = spy.seen[0].context
    assert "Nothing in the knowledge base answers the lead's latest question (about pool heaters)" in context
    assert "Answers that worked for objections" not in context


def test_a_language_model_gets_the_spanish_financing_pair(make_assistant, say, demo_knowledge):
    spy = Spy()
    say(make_assistant(model=spy, knowledge=demo_knowledge), "buenas, tienen financiamiento?")
    assert "Answers that worked for objections" in spy.seen[0].context
    assert "(examples/knowledge/objeciones.yaml)" in spy.seen[0].context


def test_a_language_model_is_not_told_a_time_request_is_off_topic(make_assistant, say, demo_knowledge):
    playbook = make_assistant(knowledge=demo_knowledge)
    for text in ("hi", "yes we own it", "about 250", "roof is 8 yrs", "full sun", "78704"):
        say(playbook, text)
    spy = Spy()
    state = say(make_assistant(model=spy, knowledge=demo_knowledge), "can we do thursday at 2 instead?")
    assert state.guidance == []
    assert "something other than the business" not in spy.seen[0].context
