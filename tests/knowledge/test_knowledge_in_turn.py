"""The demo knowledge inside a conversation: guidance in the prompt, answers from the pairs."""

from __future__ import annotations

from pathlib import Path

import pytest

from ava_core.knowledge.client import connect
from ava_core.knowledge.collections import KnowledgeIndex
from ava_core.knowledge.ingest import ingest
from ava_core.knowledge.qdrant import QdrantKnowledge
from ava_core.models.base import ModelResponse

DEMO = Path(__file__).resolve().parents[2] / "examples" / "knowledge"


@pytest.fixture
def demo_knowledge(tmp_path, profile, embedder):
    index = KnowledgeIndex(connect(path=tmp_path / "demo-qdrant"), profile.business.name)
    ingest([DEMO], index, embedder)
    return QdrantKnowledge(index, embedder)


def test_objection_guidance_reaches_the_prompt_with_its_source(make_assistant, say, demo_knowledge):
    seen = []

    class Spy:
        name = "spy"

        def complete(self, request):
            seen.append(request)
            return ModelResponse(text="I hear you. Do you own your home?")

    state = say(make_assistant(model=Spy(), knowledge=demo_knowledge), "solar is way too expensive for us")
    assert "Answers that worked for objections like the lead's latest message" in seen[0].context
    assert "(examples/knowledge/objections.yaml)" in seen[0].context
    guidance = [e for e in state.trace if e.kind == "knowledge"]
    assert guidance and guidance[0].result[0]["source"] == "examples/knowledge/objections.yaml"


def test_the_playbook_answers_a_price_objection_from_the_pairs(make_assistant, say, channel, demo_knowledge):
    assistant = make_assistant(knowledge=demo_knowledge)
    say(assistant, "hi")
    say(assistant, "yes I own it")
    before = len(channel.sent)
    state = say(assistant, "honestly solar sounds really expensive, how much does it cost?")
    reply = [m.text for _, m in channel.sent[before:]]
    search = next(e for e in state.trace if e.name == "search_knowledge")
    best = search.result["data"]["passages"][0]
    assert best["kind"] == "objection" and best["source"] == "examples/knowledge/objections.yaml"
    assert reply[0] in best["response"]  # the pair's answer, less its closing question
    assert reply[-1].startswith("So I can see if it's a fit")


def _spy(seen):
    class Spy:
        name = "spy"

        def complete(self, request):
            seen.append(request)
            return ModelResponse(text="Hi! Do you own your home?")

    return Spy()


def test_a_hello_hands_a_language_model_no_objection_pair(make_assistant, say, demo_knowledge):
    seen = []
    state = say(make_assistant(model=_spy(seen), knowledge=demo_knowledge), "hi, saw your ad about solar")
    assert not [e for e in state.trace if e.kind == "knowledge"]
    assert "Answers that worked for objections" not in seen[0].context


def test_a_question_about_the_business_hands_a_language_model_the_passage_not_a_pair(make_assistant, say,
                                                                                      demo_knowledge):
    # The playbook answers this from the documents; a language model is steered there too, not to a pair.
    seen = []
    state = say(make_assistant(model=_spy(seen), knowledge=demo_knowledge), "how does the free solar thing work?")
    [guidance] = [e for e in state.trace if e.kind == "knowledge"]
    assert [g["kind"] for g in guidance.result] == ["passage"]
    assert "Answers that worked for objections" not in seen[0].context
    assert "The business's documents answer the lead's latest message (examples/knowledge/process.md" \
        in seen[0].context
    assert "A free 30-minute video call with a solar advisor." in seen[0].context
