"""The model's `search_knowledge` tool over a real ingested knowledge base."""

from __future__ import annotations

import json

import pytest

from ava_core.calendar import LocalCalendar
from ava_core.geo import ProfileAreaGeo
from ava_core.knowledge.base import UnconfiguredKnowledge
from ava_core.knowledge.factory import build_knowledge, open_index
from ava_core.knowledge.ingest import ingest
from ava_core.models.base import ToolCall
from ava_core.settings import Settings
from ava_core.tools import Toolbox, ToolContext, search_knowledge


@pytest.fixture
def context(tmp_path, profile, store, clock, embedder):
    def make(knowledge) -> ToolContext:
        contact = store.upsert_contact("whatsapp", "+15125550142", name="Lead One", phone="+15125550142",
                                       at=clock.now())
        conversation = store.open_conversation(contact.id, "whatsapp", clock.now())
        return ToolContext(
            conversation_id=conversation.id, contact_id=contact.id, turn_id="turn-1", profile=profile,
            store=store, clock=clock, calendar=LocalCalendar(profile.booking, profile.tz, store, clock),
            geo=ProfileAreaGeo(profile.service_area, profile.business.timezone), knowledge=knowledge,
        )

    return make


def _call(ctx: ToolContext, **args) -> dict:
    result = Toolbox([search_knowledge]).execute(ctx, ToolCall(id="call-1", name="search_knowledge", args=args))
    return json.loads(result.for_model())


def test_the_tool_returns_passages_with_their_sources(tmp_path, profile, embedder, context):
    settings = Settings(qdrant_path=tmp_path / "qdrant")
    ingest(["examples/knowledge"], open_index(settings, profile), embedder)
    ctx = context(build_knowledge(settings, profile))

    answer = _call(ctx, query="does the warranty cover roof leaks from the install?")

    assert answer["ok"] is True
    passages = answer["passages"]
    assert 1 <= len(passages) <= 4
    assert passages[0]["source"].startswith("examples/knowledge/")
    assert any(p["source"] == "examples/knowledge/warranty.md › Workmanship warranty" for p in passages)
    objection = _call(ctx, query="I need to ask my husband before we decide", kind="objection")["passages"][0]
    assert objection["source"] == "examples/knowledge/objections.yaml"
    assert objection["response"].endswith("?")
    assert objection["score"] >= profile.knowledge.objection_threshold


def test_without_a_knowledge_base_the_tool_says_to_ingest(context):
    answer = _call(context(UnconfiguredKnowledge()), query="how long is the install")

    assert answer["ok"] is False
    assert "ava ingest" in answer["error"]
    assert answer["passages"] == []
