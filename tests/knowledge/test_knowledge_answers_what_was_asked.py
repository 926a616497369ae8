"""The playbook answers what was asked: a question about the business from the documents, an
objection from its pair, a question about something else with a brief honest word."""

from __future__ import annotations

from pathlib import Path

import pytest

from ava_core.knowledge.client import connect
from ava_core.knowledge.collections import KnowledgeIndex
from ava_core.knowledge.ingest import ingest
from ava_core.knowledge.objections import load_objections
from ava_core.knowledge.qdrant import QdrantKnowledge

DEMO = Path(__file__).resolve().parents[2] / "examples" / "knowledge"


@pytest.fixture
def demo_knowledge(tmp_path, profile, embedder):
    index = KnowledgeIndex(connect(path=tmp_path / "demo-qdrant"), profile.business.name)
    ingest([DEMO], index, embedder)
    return QdrantKnowledge(index, embedder)


def _pair(pair_id: str) -> str:
    return next(p.response for p in load_objections(DEMO / "objections.yaml") if p.id == pair_id)


def _reply(channel, before):
    return "\n".join(m.text for _, m in channel.sent[before:])


def test_how_the_free_consultation_works_is_answered_from_the_documents_not_the_scam_pair(
        make_assistant, say, channel, demo_knowledge):
    assistant = make_assistant(knowledge=demo_knowledge)
    say(assistant, "hi")
    say(assistant, "yes I own it")
    before = len(channel.sent)
    say(assistant, "how does the free solar thing work?")
    reply = _reply(channel, before)
    assert _pair("scam-distrust")[:40] not in reply
    assert reply.startswith("A free 30-minute video call with a solar advisor.")
    assert reply.endswith("roughly how much is your average monthly electric bill?")


def test_the_weather_gets_a_brief_honest_reply_and_the_next_question(make_assistant, say, channel, demo_knowledge):
    assistant = make_assistant(knowledge=demo_knowledge)
    say(assistant, "hi")
    say(assistant, "yes I own it")
    before = len(channel.sent)
    say(assistant, "what's the weather in Austin today?")
    reply = _reply(channel, before)
    assert _pair("hail-damage")[:40] not in reply and "ZIP" not in reply
    assert reply.startswith("Ha, I wish I could help with that one, but it's not something I can answer here.")
    assert reply.endswith("roughly how much is your average monthly electric bill?")


def test_a_hello_about_the_ad_is_greeted_not_searched(make_assistant, say, channel, demo_knowledge):
    state = say(make_assistant(knowledge=demo_knowledge), "hi, saw your ad about solar")
    assert not [e for e in state.trace if e.kind == "tool"]
    assert channel.sent[-1][1].text.endswith("Do you own your home?")


def test_a_real_objection_is_still_answered_from_its_pair(make_assistant, say, channel, demo_knowledge):
    assistant = make_assistant(knowledge=demo_knowledge)
    say(assistant, "hi")
    before = len(channel.sent)
    say(assistant, "how do i know this isnt a scam lol")
    assert _reply(channel, before).startswith(_pair("scam-distrust").split(".")[0])
