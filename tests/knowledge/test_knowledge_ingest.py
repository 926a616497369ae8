"""`ava ingest`: every format in, idempotent re-ingest, changed and deleted files handled."""

from __future__ import annotations

from pathlib import Path

import pytest

from ava_core.errors import KnowledgeError
from ava_core.knowledge.ingest import ingest
from ava_core.knowledge.qdrant import QdrantKnowledge


def _sources(index, kind):
    return {p.source for p in index.stored(kind)}


def test_ingest_reads_every_format_and_counts_what_was_added(corpus, index, embedder):
    report = ingest([corpus], index, embedder)

    assert report.collections == "created"
    assert report.counts["objection"].added == 4  # three from YAML, one from CSV
    assert report.counts["objection"].points_written == 3 + 2 + 1 + 3  # one point per phrasing
    assert report.counts["domain"].added == 9  # pdf 1, html 2, markdown 5, text 1
    assert _sources(index, "domain") == {
        "corpus/guide.md", "corpus/notes.txt", "corpus/financing.html", "corpus/battery-brochure.pdf",
    }
    assert report.skipped == [("corpus/eval.yaml", "no top-level `objections:` list")]


def test_reingesting_unchanged_files_writes_nothing(corpus, index, embedder):
    ingest([corpus], index, embedder)
    again = ingest([corpus], index, embedder)

    assert again.collections is None
    for counts in again.counts.values():
        assert (counts.added, counts.updated, counts.removed, counts.points_written) == (0, 0, 0, 0)
    assert again.counts["domain"].unchanged == 9
    assert again.counts["objection"].unchanged == 4


def test_reingest_with_one_file_changed_and_one_removed(corpus, index, embedder):
    ingest([corpus], index, embedder)
    guide = corpus / "guide.md"
    guide.write_text(guide.read_text().replace("covered for 25 years", "covered for 30 years"))
    (corpus / "notes.txt").unlink()

    report = ingest([corpus], index, embedder)

    domain = report.counts["domain"]
    assert (domain.added, domain.updated, domain.unchanged, domain.removed) == (0, 1, 7, 1)
    assert (domain.points_written, domain.points_deleted) == (1, 2)
    assert report.counts["objection"].unchanged == 4
    assert "corpus/notes.txt" not in _sources(index, "domain")
    knowledge = QdrantKnowledge(index, embedder)
    hits = knowledge.search("office hours closed on public holidays", kind="domain", limit=10)
    assert all(p.source != "corpus/notes.txt" for p in hits)
    warranty = next(p for p in knowledge.search("how long is the warranty", kind="domain", limit=3)
                    if p.id == "guide#warranty")
    assert "30 years" in warranty.text


def test_ingesting_one_file_leaves_the_others_alone(corpus, index, embedder):
    ingest([corpus], index, embedder)
    (corpus / "notes.txt").write_text("Office hours: weekdays 8 am to 6 pm.")

    report = ingest([corpus / "notes.txt"], index, embedder)

    assert report.counts["domain"].updated == 1
    assert report.counts["domain"].removed == 0
    assert report.counts["objection"].unchanged == 0  # out of scope: neither counted nor touched
    assert index.count("objection") == 9


def test_a_changed_objection_replaces_all_its_phrasings(corpus, index, embedder):
    ingest([corpus], index, embedder)
    pairs = corpus / "objections.yaml"
    pairs.write_text(pairs.read_text().replace("Makes sense!", "Of course!"))

    report = ingest([corpus], index, embedder)

    assert report.counts["objection"].updated == 1
    assert report.counts["objection"].points_deleted == 2  # the pair and its one paraphrase
    assert index.count("objection") == 9


def test_another_embedder_rebuilds_the_collections(corpus, index, embedder, hash_embedder):
    ingest([corpus], index, embedder)

    report = ingest([corpus], index, hash_embedder)

    assert report.collections == "rebuilt: built with local:all-MiniLM-L6-v2, now test:hash"
    assert report.counts["objection"].added == 4
    assert index.built_with() == ("test:hash", 8)


def test_objection_csv_errors_name_the_row(tmp_path, index, hash_embedder):
    bad = tmp_path / "objections.csv"
    bad.write_text("id,objection,response\nok-one,Too expensive,Fair point. Want numbers?\nBad Id,x,\n")

    with pytest.raises(KnowledgeError, match=r"objections.csv: row 3: id") as caught:
        ingest([bad], index, hash_embedder)
    assert "row 3: response" in str(caught.value)


def test_duplicate_objection_ids_across_files_are_refused(corpus, index, hash_embedder):
    (corpus / "extra.yaml").write_text(
        "objections:\n  - {id: hail, objection: Hail worries me, response: 'Fair. Want details?'}\n"
    )
    with pytest.raises(KnowledgeError, match="'hail' is in both corpus/extra.yaml and corpus/objections.yaml"):
        ingest([corpus], index, hash_embedder)


def test_an_objection_id_already_ingested_from_another_file_is_refused_before_any_write(corpus, index,
                                                                                        hash_embedder):
    ingest([corpus], index, hash_embedder)
    later = Path("later.yaml")
    later.write_text("objections:\n  - {id: hail, objection: Hail would wreck panels, response: 'Rated for it.'}\n"
                     "  - {id: brand-new, objection: Who makes the panels, response: 'Tier-1 makers.'}\n")
    before = (index.count("domain"), index.count("objection"))

    with pytest.raises(KnowledgeError, match="'hail' is in both later.yaml and corpus/objections.yaml"):
        ingest([later], index, hash_embedder)
    assert (index.count("domain"), index.count("objection")) == before


def test_a_missing_path_says_which(tmp_path, index, hash_embedder):
    with pytest.raises(KnowledgeError, match="nowhere: no such file or folder"):
        ingest([Path("nowhere")], index, hash_embedder)


def test_a_broken_yaml_file_stops_ingest_instead_of_deleting_its_pairs(corpus, index, hash_embedder):
    ingest([corpus], index, hash_embedder)
    (corpus / "objections.yaml").write_text("objections:\n  - {id: hail, response: 'unclosed\n")

    with pytest.raises(KnowledgeError, match=r"corpus/objections.yaml:\d+: invalid YAML"):
        ingest([corpus], index, hash_embedder)
    assert index.count("objection") == 9
