"""Which objection pair, if any, a lead's message raises.

A pair answers a message only when it is close (the profile's ``objection_threshold``) and
clearly closer than anything in the business's own documents: when a document matches about
as well, the lead asked about the business ("how does the free solar thing work?") or about
something else ("what's the weather in Austin today?"), and an objection's answer would be
a non sequitur. A question needs a wider lead than a statement, since the documents are
written to answer questions, and must also stand out from the other pairs. The margins are
measured with ``ava knowledge eval``.
"""

from __future__ import annotations

import re

from ava_core.knowledge.base import Passage
from ava_core.language.asks import common_words, is_question
from ava_core.language.phrases import fold

__all__ = ["content_words", "is_question", "objection_pair"]

STATEMENT_MARGIN = 0.06
QUESTION_MARGIN = 0.12
# A question must also lead the next pair on another subject, unless it names a word only the
# best pair's objection has: a question about something no pair covers ("can you put panels on a
# mobile home?") scores several pairs about as high. A statement needs no lead: measured, asking
# one loses more objections than it saves false alarms.
STATEMENT_LEAD = 0.0
QUESTION_LEAD = 0.10

def objection_pair(text: str, passages: list[Passage], *, threshold: float) -> Passage | None:
    """The best objection pair for ``text`` among ``passages`` (both kinds, best first), or None."""
    pairs = [p for p in passages if p.kind == "objection" and p.response]
    if not pairs:
        return None
    best = max(pairs, key=lambda p: p.score)
    document = max((p.score for p in passages if p.kind == "domain"), default=0.0)
    # A runner-up on the same subject (a tag in common) agrees with the best pair rather than competing.
    runner_up = max((p.score for p in pairs if p is not best and not set(p.tags) & set(best.tags)), default=0.0)
    question = is_question(text)
    margin, lead = (QUESTION_MARGIN, QUESTION_LEAD) if question else (STATEMENT_MARGIN, STATEMENT_LEAD)
    if best.score < threshold or best.score < document + margin:
        return None
    if best.score >= runner_up + lead or _says_what_only_it_says(text, best, pairs):
        return best
    return None


def _says_what_only_it_says(text: str, best: Passage, pairs: list[Passage]) -> bool:
    """Whether the message shares a word with the best pair's objection that no other pair found has:
    "got a quote from another company, can u beat that?" names the competitor pair's "quote"."""
    others = set().union(*(content_words(p.text) for p in pairs if p is not best))
    return bool(content_words(text) & (content_words(best.text) - others))


def content_words(text: str, ignore: frozenset[str] = frozenset()) -> set[str]:
    """The words of ``text`` that carry meaning, folded and cut to their first five letters, and
    its numbers of three digits or more (a ZIP code, "$100")."""
    common = common_words()
    return {w[:5] for w in _WORD.findall(fold(text)) if w not in common and w not in ignore}


_WORD = re.compile(r"[^\W\d_]{4,}|\d{3,}")
