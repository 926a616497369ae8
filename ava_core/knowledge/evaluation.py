"""Retrieval quality: labelled lead messages → recall@1, recall@3 and MRR.

An eval file (YAML)::

    cases:
      - message: "ugh its so expensive tho"
        expect: price-too-high        # a passage id, or a list of ids that all count
      - message: "tuesday at 10 works"
        expect: []                    # no objection should pass the profile's threshold
        asked: time                   # optional: what AVA had just asked (a field, time, opening)

Besides retrieval, it measures objection matching as AVA does it (``matching.objection_pair``
after answers to what was asked are set aside): the objections answered from their own pair
(recall) and the non-objections answered from any pair (false alarms).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ava_core.knowledge.base import Kind, Knowledge, Passage
from ava_core.knowledge.matching import objection_pair
from ava_core.profile.loader import load_yaml_model
from ava_core.profile.models import Profile
from ava_core.reading import answers_what_was_asked

RECALL_TARGET = 0.85  # objections answered from their own pair
FALSE_ALARM_TARGET = 0.05  # non-objections answered from any pair

DEPTH = 10  # MRR counts a hit down to this rank


class EvalCase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1, description="what a lead texted")
    expect: list[str] = Field(description="passage ids that count as right; [] for 'no objection'")
    kind: Kind | None = Field(None, description="search one collection only, as a caller would")
    asked: str | None = Field(None, description="what AVA had just asked: a qualification field, time or opening")

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

    def matching_at(self, threshold: float) -> tuple[int, int, int, int]:
        """(objections answered from their pair, objection cases, false alarms, non-objections)."""
        answered = cases = alarms = negatives = 0
        for aside, text, passages, expect in self.matching:
            pair = None if aside else objection_pair(text, passages, threshold=threshold)
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
        for aside, text, passages, expect in self.matching:
            pair = None if aside or expect else objection_pair(text, passages, threshold=self.threshold)
            if pair is not None:
                found.append((text, pair.id, pair.score))
        return found

    def at(self, threshold: float) -> tuple[int, int]:
        """(objections answered from the right pair, false alarms) if the threshold were this."""
        answered = sum(1 for s in self.objection_scores if s is not None and s >= threshold)
        return answered, sum(1 for s in self.negative_scores if s >= threshold)


def load_eval(path: Path) -> list[EvalCase]:
    """Read an eval file; errors name the file, line and field."""
    return load_yaml_model(Path(path), EvalFile).cases


def matches(passage: Passage, labels: list[str]) -> bool:
    """A label names a pair or a chunk; ``faq#x`` also covers its continuations ``faq#x~2``…"""
    return any(passage.id == label or passage.id.startswith(label + "~") for label in labels)


def evaluate(knowledge: Knowledge, cases: list[EvalCase], *, threshold: float, profile: Profile | None = None,
             now: datetime | None = None) -> EvalReport:
    """Search each message as AVA would and score where the labelled passage ranks.

    With a ``profile``, cases marked with what AVA had asked are first read as answers to it."""
    report = EvalReport(threshold=threshold)
    hits_1 = hits_3 = 0
    reciprocal = 0.0
    for case in cases:
        if not case.expect or case.kind == "objection":
            aside = profile is not None and answers_what_was_asked(
                profile, case.asked, case.message, now or datetime.now(profile.tz))
            passages = knowledge.search(case.message, kind="objection", limit=3) + \
                knowledge.search(case.message, kind="domain", limit=1)
            report.matching.append((aside, case.message, passages, case.expect))
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
        if all("#" not in label for label in case.expect):  # pair ids; chunk ids are file#section
            report.objection_cases += 1
            report.objection_scores.append(passages[0].score if rank == 1 else None)
            if rank == 1 and passages[0].score >= threshold:
                report.objection_above_threshold += 1
    if report.cases:
        report.recall_at_1 = hits_1 / report.cases
        report.recall_at_3 = hits_3 / report.cases
        report.mrr = reciprocal / report.cases
    return report

