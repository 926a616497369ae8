"""Retrieval quality: labelled lead messages → recall@1, recall@3 and MRR.

An eval file (YAML)::

    cases:
      - message: "ugh its so expensive tho"
        expect: price-too-high        # a passage id, or a list of ids that all count
      - message: "tuesday at 10 works"
        expect: []                    # no objection should pass the profile's threshold
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ava_core.knowledge.base import Kind, Knowledge, Passage
from ava_core.profile.loader import load_yaml_model

DEPTH = 10  # MRR counts a hit down to this rank


class EvalCase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1, description="what a lead texted")
    expect: list[str] = Field(description="passage ids that count as right; [] for 'no objection'")
    kind: Kind | None = Field(None, description="search one collection only, as a caller would")

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


def evaluate(knowledge: Knowledge, cases: list[EvalCase], *, threshold: float) -> EvalReport:
    """Search each message as AVA would and score where the labelled passage ranks."""
    report = EvalReport(threshold=threshold)
    hits_1 = hits_3 = 0
    reciprocal = 0.0
    for case in cases:
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

