"""Retrieval quality: labelled lead messages → recall@1, recall@3 and MRR.

An eval file (YAML)::

    cases:
      - message: "ugh its so expensive tho"
        expect: price-too-high        # a passage id, or a list of ids that all count
      - message: "tuesday at 10 works"
        expect: []                    # nothing in the knowledge answers it
        asked: time                   # optional: what AVA had just asked (a field, time, opening)
      - message: "who else have you talked to on my street"
        expect: privacy               # answered by a rule: privacy or identity

Besides retrieval, it measures two decisions as AVA takes them, after answers to what was
asked are set aside: objection matching (``matching.objection_pair``: the objections answered
from their own pair, recall, and the non-objections answered from any pair, false alarms), and
answering a question (``answering.answer``: the questions answered from a right passage, pair or
rule, and the messages nothing should answer that were answered from the knowledge anyway).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ava_core.knowledge.answering import FROM_KNOWLEDGE, SEARCH_LIMIT, answer
from ava_core.knowledge.base import Kind, Knowledge, Passage
from ava_core.knowledge.matching import objection_pair
from ava_core.language.detection import detect, profile_vocabulary
from ava_core.profile.loader import load_yaml_model
from ava_core.profile.models import Profile
from ava_core.reading import answers_what_was_asked

RECALL_TARGET = 0.85  # objections answered from their own pair
FALSE_ALARM_TARGET = 0.05  # non-objections answered from any pair
QUESTION_TARGET = 0.80  # questions the knowledge answers, answered from a right passage, pair or rule
WRONG_ANSWER_TARGET = 0.05  # messages nothing in the knowledge answers, answered from it anyway
RULES = ("privacy", "identity")  # labels for what AVA answers by its own rules, not from the knowledge

DEPTH = 10  # MRR counts a hit down to this rank


class EvalCase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1, description="what a lead texted")
    expect: list[str] = Field(description="passage ids that count as right; [] for 'no objection'")
    kind: Kind | None = Field(None, description="search one collection only, as a caller would")
    asked: str | None = Field(None, description="what AVA had just asked: a qualification field, time or opening")
    language: str | None = Field(None, description="the lead's language (ISO 639-1); detected when not given")

    @field_validator("expect", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value


class EvalFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cases: list[EvalCase] = Field(min_length=1)


@dataclass
class Miss:
    message: str
    expect: list[str]
    got: list[tuple[str, float]]  # (passage id, score) of the top 3


@dataclass
class EvalReport:
    cases: int = 0
    recall_at_1: float = 0.0
    recall_at_3: float = 0.0
    mrr: float = 0.0
    misses: list[Miss] = field(default_factory=list)  # not in the top 3
    threshold: float = 0.0
    objection_cases: int = 0  # labelled with an objection pair
    objection_above_threshold: int = 0  # … whose pair came first with a score >= threshold
    negatives: int = 0
    false_alarms: list[tuple[str, str, float]] = field(default_factory=list)  # (message, pair id, score)
    # For choosing a threshold: the score of each right pair found first (None: not first),
    # and the best objection score of each non-objection message.
    objection_scores: list[float | None] = field(default_factory=list)
    negative_scores: list[float] = field(default_factory=list)
    # Objection matching as AVA does it, per case: (set aside as an answer, the text, its passages,
    # whether the best pair is the labelled one); decided at any threshold by ``matching_at``.
    matching: list[tuple[bool, str, list[Passage], list[str]]] = field(default_factory=list)
    languages: list[str | None] = field(default_factory=list)  # of each ``matching`` case
    # Answering as AVA does it, per case: (set aside as an answer, the text, its passages, its labels,
    # whether it is a question case, its language); decided at any passage floor by ``answering_at``.
    answering: list[tuple[bool, str, list[Passage], list[str], bool, str | None]] = field(default_factory=list)
    profile: Profile | None = None

    def matching_at(self, threshold: float) -> tuple[int, int, int, int]:
        """(objections answered from their pair, objection cases, false alarms, non-objections), with
        ``threshold`` for the languages the profile gives none of their own."""
        answered = cases = alarms = negatives = 0
        for (aside, text, passages, expect), language in zip(self.matching, self.languages, strict=True):
            pair = None if aside else objection_pair(text, passages, threshold=self._threshold(language, threshold))
            if expect:
                cases += 1
                answered += pair is not None and matches(pair, expect)
            else:
                negatives += 1
                alarms += pair is not None
        return answered, cases, alarms, negatives

    @property
    def matched_false_alarms(self) -> list[tuple[str, str, float]]:
        """Non-objections answered from a pair at the profile's threshold: (message, pair id, score)."""
        found = []
        for (aside, text, passages, expect), language in zip(self.matching, self.languages, strict=True):
            threshold = self._threshold(language, self.threshold)
            pair = None if aside or expect else objection_pair(text, passages, threshold=threshold)
            if pair is not None:
                found.append((text, pair.id, pair.score))
        return found

    def answering_at(self, floor: float | None = None) -> tuple[int, int, int, int]:
        """(questions answered right, question cases, wrong answers, messages nothing should answer)
        with the passage floor at ``floor`` (the profile's when None)."""
        right = questions = wrong = negatives = 0
        for _, _, decided, expect, question in self._answers(floor):
            if question:
                questions += 1
                right += decided is not None and _answered_right(decided, expect)
            elif not expect:
                negatives += 1
                wrong += decided is not None and decided.kind in FROM_KNOWLEDGE
        return right, questions, wrong, negatives

    def answering_misses(self) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """At the profile's floor: (questions not answered right, messages answered from the knowledge
        that nothing should answer), each as (message, what answered it)."""
        unanswered, wrong = [], []
        for _, text, decided, expect, question in self._answers(None):
            said = "set aside as an answer" if decided is None else _said(decided)
            if question and (decided is None or not _answered_right(decided, expect)):
                unanswered.append((text, said))
            elif not question and not expect and decided is not None and decided.kind in FROM_KNOWLEDGE:
                wrong.append((text, said))
        return unanswered, wrong

    def _answers(self, floor: float | None):
        for aside, text, passages, expect, question, language in self.answering:
            decided = None if aside or self.profile is None else answer(text, passages, self.profile,
                                                                        language=language, floor=floor)
            yield aside, text, decided, expect, question

    def _threshold(self, language: str | None, threshold: float) -> float:
        if self.profile is None or language not in self.profile.knowledge.objection_thresholds:
            return threshold
        return self.profile.knowledge.threshold_for(language)

    def at(self, threshold: float) -> tuple[int, int]:
        """(objections answered from the right pair, false alarms) if the threshold were this."""
        answered = sum(1 for s in self.objection_scores if s is not None and s >= threshold)
        return answered, sum(1 for s in self.negative_scores if s >= threshold)


def load_eval(path: Path) -> list[EvalCase]:
    """Read an eval file; errors name the file, line and field."""
    return load_yaml_model(Path(path), EvalFile).cases


def _language(text: str, profile: Profile) -> str:
    """The language a lead wrote ``text`` in, as AVA tells it; AVA's first when it cannot tell."""
    return detect(text, profile.served_languages, profile_vocabulary(profile)) or profile.persona.language


def _answered_right(decided, labels: list[str]) -> bool:
    if decided.kind in RULES:
        return decided.kind in labels
    return decided.passage is not None and matches(decided.passage, labels)


def _said(decided) -> str:
    return f"{decided.kind} {decided.passage.id} ({decided.passage.score:.2f})" if decided.passage else decided.kind


def matches(passage: Passage, labels: list[str]) -> bool:
    """A label names a pair or a chunk; ``faq#x`` also covers its continuations ``faq#x~2``…"""
    return any(passage.id == label or passage.id.startswith(label + "~") for label in labels)


def evaluate(knowledge: Knowledge, cases: list[EvalCase], *, threshold: float, profile: Profile | None = None,
             now: datetime | None = None) -> EvalReport:
    """Search each message as AVA would and score where the labelled passage ranks.

    With a ``profile``, cases marked with what AVA had asked are first read as answers to it, and
    each message is answered as AVA would answer it."""
    report = EvalReport(threshold=threshold, profile=profile)
    hits_1 = hits_3 = 0
    reciprocal = 0.0
    for case in cases:
        aside = profile is not None and answers_what_was_asked(
            profile, case.asked, case.message, now or datetime.now(profile.tz))
        passages = knowledge.search(case.message, kind="objection", limit=SEARCH_LIMIT) + \
            knowledge.search(case.message, kind="domain", limit=SEARCH_LIMIT)
        language = case.language or (_language(case.message, profile) if profile is not None else None)
        if not case.expect or case.kind == "objection":
            report.matching.append((aside, case.message, passages, case.expect))
            report.languages.append(language)
        report.answering.append((aside, case.message, passages, case.expect,
                                 bool(case.expect) and case.kind != "objection", language))
        if case.expect and all(label in RULES for label in case.expect):
            continue  # answered by a rule: no passage to rank
        if not case.expect:
            report.negatives += 1
            top = knowledge.search(case.message, kind="objection", limit=1)
            report.negative_scores.append(top[0].score if top else 0.0)
            if top and top[0].score >= threshold:
                report.false_alarms.append((case.message, top[0].id, top[0].score))
            continue
        report.cases += 1
        passages = knowledge.search(case.message, kind=case.kind, limit=DEPTH)
        rank = next((i for i, p in enumerate(passages, start=1) if matches(p, case.expect)), None)
        if rank == 1:
            hits_1 += 1
        if rank is not None and rank <= 3:
            hits_3 += 1
        else:
            report.misses.append(Miss(case.message, case.expect, [(p.id, p.score) for p in passages[:3]]))
        reciprocal += 1 / rank if rank else 0.0
        if all("#" not in label and label not in RULES for label in case.expect):  # pair ids; chunks are file#section
            report.objection_cases += 1
            report.objection_scores.append(passages[0].score if rank == 1 else None)
            if rank == 1 and passages[0].score >= threshold:
                report.objection_above_threshold += 1
    if report.cases:
        report.recall_at_1 = hits_1 / report.cases
        report.recall_at_3 = hits_3 / report.cases
        report.mrr = reciprocal / report.cases
    return report

