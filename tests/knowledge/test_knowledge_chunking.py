"""Documents split by heading, within the size cap, with overlap; the demo files stay valid."""

from __future__ import annotations

from pathlib import Path

from ava_core.knowledge.chunking import chunk_document, split_text
from ava_core.knowledge.documents import parse_markdown
from ava_core.knowledge.evaluation import load_eval
from ava_core.knowledge.objections import load_objections

ROOT = Path(__file__).resolve().parents[2]


def test_markdown_splits_at_headings_and_keeps_the_heading_path():
    doc = parse_markdown(
        "# Guide\n\nIntro.\n\n## Money\n\n### Loans\n\nZero down.\n\n```\n# code, not a heading\n```\n\n## Roofs\n\nOld roofs first.\n",
        "guide.md", fallback_title="guide",
    )

    assert doc.title == "Guide"
    assert [(s.path, s.text.splitlines()[0]) for s in doc.sections] == [
        ([], "Intro."), (["Money", "Loans"], "Zero down."), (["Roofs"], "Old roofs first."),
    ]
    chunks = chunk_document(doc)
    assert [(c.section, c.heading) for c in chunks] == [("", ""), ("Money › Loans", "Loans"), ("Roofs", "Roofs")]


def test_long_sections_are_capped_and_overlap():
    sentences = [f"Sentence number {i} talks about solar panels and savings." for i in range(40)]
    pieces = split_text(" ".join(sentences), max_chars=300, overlap=80)

    assert len(pieces) > 5
    assert all(len(p) <= 300 for p in pieces)
    for before, after in zip(pieces, pieces[1:], strict=False):
        first_sentence = after.split(". ")[0] + "."
        assert first_sentence in before  # each piece starts with the end of the one before
    assert all(s in " ".join(pieces) for s in sentences)


def test_a_word_longer_than_the_cap_is_cut_not_lost():
    pieces = split_text("x" * 1000 + " tail", max_chars=300, overlap=50)

    assert all(len(p) <= 300 for p in pieces)
    assert pieces[-1].endswith("tail")


def test_the_demo_objections_are_complete_answers():
    pairs = load_objections(ROOT / "examples" / "knowledge" / "objections.yaml")

    assert len(pairs) >= 25
    for pair in pairs:
        assert pair.response.rstrip().endswith("?"), f"{pair.id}: a setter's answer ends with a question"
        assert pair.tags, pair.id


def test_the_demo_eval_labels_only_pairs_that_exist():
    ids = {p.id for p in load_objections(ROOT / "examples" / "knowledge" / "objections.yaml")}
    cases = load_eval(ROOT / "examples" / "knowledge" / "eval.yaml")

    assert len([c for c in cases if c.expect]) >= 40
    labels = {label for c in cases for label in c.expect if "#" not in label}
    assert labels <= ids
