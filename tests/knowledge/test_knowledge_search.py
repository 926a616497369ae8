"""Searching: kinds, one passage per pair, scores, and the errors a deployment can meet."""

from __future__ import annotations

import pytest
from qdrant_client import QdrantClient

from ava_core.errors import KnowledgeError
from ava_core.knowledge.base import UnconfiguredKnowledge
from ava_core.knowledge.client import connect
from ava_core.knowledge.factory import build_knowledge
from ava_core.knowledge.ingest import ingest
from ava_core.knowledge.qdrant import QdrantKnowledge
from ava_core.knowledge.unavailable import UnavailableKnowledge
from ava_core.settings import Settings


@pytest.fixture
def knowledge(corpus, index, embedder):
    ingest([corpus], index, embedder)
    return QdrantKnowledge(index, embedder)


def test_an_objection_search_returns_the_pair_with_its_response(knowledge):
    hits = knowledge.search("honestly we can't afford it", kind="objection", limit=3)

    best = hits[0]
    assert best.id == "too-expensive"
    assert best.kind == "objection"
    assert best.text == "Solar is too expensive for us."  # the pair's objection, not the paraphrase hit
    assert best.response.startswith("Totally fair.")
    assert best.follow_up == "What's your average monthly bill?"
    assert best.tags == ["price"]
    assert best.source == "corpus/objections.yaml"
    assert 0.5 < best.score <= 1.0
    assert all(h.kind == "objection" for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_a_pair_comes_back_once_however_many_phrasings_match(knowledge):
    hits = knowledge.search("we cannot afford solar, too expensive", kind="objection", limit=4)

    assert len({h.id for h in hits}) == len(hits) == 4


def test_a_domain_search_returns_chunks_with_title_and_section(knowledge):
    hits = knowledge.search("how long does it take to install the panels", kind="domain", limit=3)

    assert hits[0].id == "guide#how-long-does-the-install-take"
    assert hits[0].title == "Homeowner guide"
    assert hits[0].section == "Installation › How long does the install take?"
    assert hits[0].response is None
    assert all(h.kind == "domain" for h in hits)


def test_pdf_and_html_passages_are_searchable(knowledge):
    battery = knowledge.search("will a battery keep my fridge on in an outage", kind="domain", limit=1)[0]
    lease = knowledge.search("who takes the tax credit on a lease", kind="domain", limit=1)[0]

    assert (battery.source, battery.section) == ("corpus/battery-brochure.pdf", "page 1")
    assert (lease.source, lease.id) == ("corpus/financing.html", "financing#leases")


def test_a_search_without_kind_mixes_both_collections(knowledge):
    hits = knowledge.search("hail storms and panel warranty", limit=5)

    assert {h.kind for h in hits} == {"domain", "objection"}


def test_tags_narrow_the_search(knowledge):
    hits = knowledge.search("too expensive", kind="objection", tags=["weather"], limit=3)

    assert [h.id for h in hits] == ["hail"]


def test_a_blank_message_finds_nothing(knowledge):
    assert knowledge.search("   ", kind="objection") == []


def test_searching_with_another_embedder_says_to_reingest(knowledge, index, hash_embedder):
    other = QdrantKnowledge(index, hash_embedder)

    with pytest.raises(KnowledgeError) as caught:
        other.search("too expensive")
    message = str(caught.value)
    assert "built with local:all-MiniLM-L6-v2 (384 dimensions)" in message
    assert "configured for test:hash (8 dimensions)" in message
    assert "re-ingest with `ava ingest`" in message


def test_build_knowledge_before_any_ingest_is_unconfigured(tmp_path, profile):
    settings = Settings(qdrant_path=tmp_path / "never-ingested")

    assert isinstance(build_knowledge(settings, profile), UnconfiguredKnowledge)
    assert not (tmp_path / "never-ingested").exists()  # looking does not create the folder


def test_build_knowledge_after_ingest_searches_qdrant(tmp_path, profile, embedder, monkeypatch):
    from ava_core.knowledge.factory import open_index

    settings = Settings(qdrant_path=tmp_path / "qdrant")
    ingest(["examples/knowledge/objections.yaml"], open_index(settings, profile), embedder)

    knowledge = build_knowledge(settings, profile)

    assert isinstance(knowledge, QdrantKnowledge)
    assert knowledge.search("my wife and I decide together", kind="objection", limit=1)[0].id == "spouse-decision"


def test_a_folder_held_by_another_client_is_reported_plainly(tmp_path, profile):
    folder = tmp_path / "qdrant"
    holder = QdrantClient(path=str(folder))  # what the R&D app in another process would hold
    try:
        with pytest.raises(KnowledgeError, match="is open in another process"):
            connect(path=folder)
        knowledge = build_knowledge(Settings(qdrant_path=folder), profile)
        assert isinstance(knowledge, UnavailableKnowledge)
        with pytest.raises(KnowledgeError, match="AVA_QDRANT_URL"):
            knowledge.search("anything")
    finally:
        holder.close()
