"""Which objection pair, if any, a lead's message raises.

A pair answers a message only when it is close (the profile's ``objection_threshold``) and
clearly closer than anything in the business's own documents: when a document matches about
as well, the lead asked about the business ("how does the free solar thing work?") or about
something else ("what's the weather in Austin today?"), and an objection's answer would be
a non sequitur. A question needs a wider lead than a statement, since the documents are
written to answer questions. Both margins are measured with ``ava knowledge eval``.
"""

from __future__ import annotations

import re

from ava_core.knowledge.base import Passage

STATEMENT_MARGIN = 0.06
QUESTION_MARGIN = 0.12
_QUESTION = re.compile(
    r"\?\s*$|^\W*(how|what|whats|what's|when|where|why|who|which|does|do|is|are|can|will|would|should|could)\b", re.I
)


def is_question(text: str) -> bool:
    """Asked as a question: a question mark at the end or a question word first."""
    return bool(_QUESTION.search(text.strip()))


def objection_pair(text: str, passages: list[Passage], *, threshold: float) -> Passage | None:
    """The best objection pair for ``text`` among ``passages`` (both kinds, best first), or None."""
    pairs = [p for p in passages if p.kind == "objection" and p.response]
    if not pairs:
        return None
    best = max(pairs, key=lambda p: p.score)
    document = max((p.score for p in passages if p.kind == "domain"), default=0.0)
    margin = QUESTION_MARGIN if is_question(text) else STATEMENT_MARGIN
    if best.score >= threshold and best.score >= document + margin:
        return best
    return None


_COMMON = frozenset({
    "what", "whats", "when", "where", "which", "while", "with", "would", "could", "should", "there", "their",
    "them", "they", "this", "that", "these", "those", "your", "yours", "have", "does", "doing", "done", "about",
    "from", "into", "just", "like", "some", "more", "much", "many", "also", "only", "then", "than", "will",
    "were", "been", "being", "here", "able", "guys", "yall", "need", "want", "know", "tell", "really", "thing"
})


def on_topic(text: str, passage: str, *, ignore: frozenset[str] = frozenset()) -> bool:
    """Whether a document passage speaks to the message: they share a word that carries meaning
    (four letters or more, compared by its first five, not a common word or one of ``ignore``,
    e.g. the business's own city). "What's the weather in Austin today?" shares none with a
    passage about Austin ZIP codes, however close the embeddings."""
    return bool(_content(text, ignore) & _content(passage, ignore))


def _content(text: str, ignore: frozenset[str]) -> set[str]:
    return {w[:5] for w in re.findall(r"[^\W\d_]{4,}", text.casefold()) if w not in _COMMON and w not in ignore}
