"""Documents split by heading, within the size cap, with overlap."""

from __future__ import annotations

from ava_core.knowledge.chunking import chunk_document, split_text
from ava_core.knowledge.documents import parse_markdown


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
