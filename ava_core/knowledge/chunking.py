"""Cuts a document's sections into chunks small enough to embed whole, overlapping a little."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ava_core.knowledge.documents import Document

# all-MiniLM-L6-v2 reads at most 256 word pieces (≈1,000 characters of English) and
# silently drops the rest, so a chunk plus its title and section line stays under that.
MAX_CHARS = 800
OVERLAP_CHARS = 120

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"'(\[]?[A-Z0-9$])")


@dataclass(frozen=True)
class Chunk:
    title: str
    section: str  # the headings above the chunk, joined with " › "
    heading: str  # the nearest heading, or "" before the first one
    text: str
    part: int  # 1 for a section's first chunk, 2 for its continuation, …


def chunk_document(doc: Document, *, max_chars: int = MAX_CHARS, overlap: int = OVERLAP_CHARS) -> list[Chunk]:
    """Chunks by heading; a section longer than ``max_chars`` is split at paragraphs, then sentences."""
    chunks = []
    for section in doc.sections:
        for part, text in enumerate(split_text(section.text, max_chars=max_chars, overlap=overlap), start=1):
            chunks.append(Chunk(
                title=doc.title, section=" › ".join(section.path),
                heading=section.path[-1] if section.path else "", text=text, part=part,
            ))
    return chunks


def split_text(text: str, *, max_chars: int = MAX_CHARS, overlap: int = OVERLAP_CHARS) -> list[str]:
    """Pack paragraphs into pieces of at most ``max_chars``; each piece after the first
    starts with the end of the one before, so an idea cut in two is findable from both halves."""
    text = text.strip()
    if len(text) <= max_chars:
        return [text] if text else []
    units = [u for p in re.split(r"\n\s*\n", text) for u in _fit(p.strip(), max_chars - overlap) if u]
    pieces: list[str] = []
    current = ""
    for unit in units:
        joined = f"{current}\n\n{unit}" if current else unit
        if len(joined) <= max_chars:
            current = joined
            continue
        pieces.append(current)
        tail = _tail(current, overlap)
        current = f"{tail} {unit}" if tail and len(tail) + 1 + len(unit) <= max_chars else unit
    if current:
        pieces.append(current)
    return pieces


def _fit(paragraph: str, limit: int) -> list[str]:
    """A paragraph as units no longer than ``limit``: itself, its sentences, or word runs."""
    if len(paragraph) <= limit:
        return [paragraph]
    units: list[str] = []
    for sentence in _SENTENCE_END.split(paragraph):
        if len(sentence) <= limit:
            if units and len(units[-1]) + 1 + len(sentence) <= limit:
                units[-1] = f"{units[-1]} {sentence}"
            else:
                units.append(sentence)
            continue
        words, run = sentence.split(), ""
        for word in words:
            word = word[:limit]
            if run and len(run) + 1 + len(word) > limit:
                units.append(run)
                run = word
            else:
                run = f"{run} {word}" if run else word
        if run:
            units.append(run)
    return units


def _tail(text: str, size: int) -> str:
    """The last whole sentences (or words) of ``text`` within ``size`` characters."""
    if size <= 0:
        return ""
    window = text[-size:]
    sentences = _SENTENCE_END.split(window)
    if len(sentences) > 1:
        return " ".join(sentences[1:]).strip()
    space = window.find(" ")
    return window[space + 1:].strip() if space >= 0 else ""
