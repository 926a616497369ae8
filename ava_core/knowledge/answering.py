"""What answers a lead's question or objection: decided once, for the playbook and for language models.

In this order:

1. ``privacy``: a question about other customers or leads ("what did the last customer say?").
   Their details stay private, whatever the knowledge base holds.
2. ``identity``: who the business is and whether it knows its job ("how do i know you know
   what your doing"), said from the profile's ``about``.
3. ``objection``: an objection pair that clearly fits (``matching.objection_pair``).
4. ``passage``: the best document passage, when it scores at least the profile's
   ``passage_threshold``, is written in the lead's language, and has at least half of the
   words of the message that carry meaning (the business's own name and cities do not count:
   every passage of a solar installer says "solar").
5. Nothing in the knowledge answers it. Never the nearest passage however far off: a question
   about what the business does is ``unknown`` (the advisor answers it on the call, and the
   conversation goes on), a question about anything else is ``off_topic`` (a brief honest
   word), and a statement no pair fits is a ``concern`` (the profile's fallback reply).

Both floors are measured with ``ava knowledge eval`` on labelled messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ava_core.knowledge.base import Passage
from ava_core.knowledge.matching import content_words, objection_pair
from ava_core.language.asks import asked_about, is_question
from ava_core.language.detection import detect, profile_vocabulary
from ava_core.language.phrases import fold
from ava_core.profile.models import Profile

Kind = Literal["privacy", "identity", "objection", "passage", "unknown", "off_topic", "concern"]
FROM_KNOWLEDGE: frozenset[str] = frozenset({"objection", "passage"})
SEARCH_LIMIT = 4  # passages per collection, as the search_knowledge tool returns them
TOPIC_WORDS = 4  # an unknown subject longer than this is not echoed back: it would read as a parrot


@dataclass(frozen=True)
class Answer:
    kind: Kind
    passage: Passage | None = None  # objection: the pair; passage: the document chunk
    topic: str | None = None  # unknown: what was asked about, in the lead's own words ("pool heaters")


def answer(text: str, passages: list[Passage], profile: Profile, *, language: str | None = None,
           threshold: float | None = None, floor: float | None = None) -> Answer:
    """What answers ``text``, written in ``language``, given the passages a search found for it
    (both collections).

    ``threshold`` and ``floor`` stand in for the profile's objection threshold (for that
    language) and passage threshold: ``ava knowledge eval`` sweeps them."""
    intent = asked_about(text)
    if intent is not None:
        return Answer(intent)
    settings = profile.knowledge
    pair = objection_pair(text, passages, threshold=settings.threshold_for(language) if threshold is None else threshold)
    if pair is not None:
        return Answer("objection", pair)
    names = _names(profile)
    documents = sorted((p for p in passages if p.kind == "domain"), key=lambda p: -p.score)
    floor = settings.passage_threshold if floor is None else floor
    best = documents[0] if documents else None
    if best is not None and best.score >= floor and _speaks_to(text, best, names) and \
            _same_language(best, language, profile):
        return Answer("passage", best)
    if not is_question(text):
        return Answer("concern")
    known = _vocabulary(passages, profile)
    cities = _cities(profile)
    if (content_words(text, cities) or content_words(text)) & known:  # "do u guys do round rock" is about the area
        return Answer("unknown", topic=_topic(text, known | {w[:5] for w in names}))
    return Answer("off_topic")


def _speaks_to(text: str, passage: Passage, names: frozenset[str]) -> bool:
    """Whether the passage (its heading too) has at least half of the words of the message that
    carry meaning: "can you install an ev charger in the garage" is not answered by a passage that
    only says "install". The business's name and cities count only when the message says nothing
    else: "do u guys do round rock" is about Round Rock, "what's the weather in Austin today?" is
    about the weather."""
    ignore = names if content_words(text, names) else frozenset()
    asked = content_words(text, ignore)
    shared = asked & content_words(f"{passage.section} {passage.text}", ignore)
    return bool(shared) and len(shared) * 2 >= len(asked)


def _same_language(passage: Passage, language: str | None, profile: Profile) -> bool:
    """Shared words only mean something in a shared language: "instalan" is not "installs"."""
    if language is None:
        return True
    return detect(passage.text, profile.served_languages, profile_vocabulary(profile)) in (None, language)


def _names(profile: Profile) -> frozenset[str]:
    """Words that say nothing about what a message asks for this business: its cities and its name."""
    return _cities(profile) | frozenset(fold(profile.business.name).split())


def _cities(profile: Profile) -> frozenset[str]:
    return frozenset(w for city in profile.service_area.cities for w in fold(city).split())


def _vocabulary(passages: list[Passage], profile: Profile) -> set[str]:
    """What the business talks about: the words of the passages found and of its own profile."""
    business = profile.business
    texts = [p.text + " " + (p.response or "") for p in passages]
    texts += [business.name, business.description, business.offer, business.about or "", *business.facts]
    texts += [q.question for q in profile.qualification.questions] + profile.service_area.cities
    return set().union(*(content_words(t) for t in texts))


def _topic(text: str, known: set[str]) -> str | None:
    """The words of the question the business's texts do not have, as the lead wrote them: "do you
    guys also install solar pool heaters?" → "pool heaters". None when that is not a short phrase."""
    words = re.findall(r"[\w'’-]+", text)
    unknown = [i for i, w in enumerate(words) if content_words(w) and not content_words(w) & known]
    if not unknown:
        return None
    span = words[unknown[0]:unknown[-1] + 1]
    # A name of a thing, not a clause: "pool heaters", "mobile homes"; never "guarantee i save".
    if not 2 <= len(span) <= TOPIC_WORDS or not all(content_words(w) for w in span):
        return None
    return " ".join(span)
