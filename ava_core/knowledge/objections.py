"""The objection→response file format, in YAML or CSV.

YAML (``objections.yaml``)::

    objections:
      - id: price-too-high                 # unique, lower-case, kebab-case; labels in eval files
        objection: Solar is too expensive for us.
        paraphrases: [We can't afford panels right now]   # optional, other ways leads say it
        response: Totally get it ...       # what a great setter answers
        follow_up: Would a quick call ...  # optional question to ask next
        tags: [price]

CSV: a header row with ``id,objection,response`` and optionally ``follow_up``, ``tags``
(separated by ``;``) and ``paraphrases`` (separated by ``|``).
"""

from __future__ import annotations

import csv
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ava_core.errors import KnowledgeError
from ava_core.profile.loader import load_yaml_model

YAML_SUFFIXES = {".yaml", ".yml"}
CSV_SUFFIXES = {".csv"}
OBJECTION_SUFFIXES = YAML_SUFFIXES | CSV_SUFFIXES


class ObjectionPair(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", description="unique label, e.g. price-too-high")
    objection: str = Field(min_length=3, description="the objection as a lead would say it")
    response: str = Field(min_length=3, description="the answer that worked")
    follow_up: str | None = Field(None, description="a question to ask after the response")
    tags: list[str] = Field(default_factory=list)
    paraphrases: list[str] = Field(default_factory=list, description="other ways leads say the same thing")

    @field_validator("paraphrases")
    @classmethod
    def _no_blank(cls, values: list[str]) -> list[str]:
        return [v.strip() for v in values if v.strip()]

    @property
    def phrasings(self) -> list[str]:
        """The objection and each paraphrase: each one is a vector that finds this pair."""
        seen: dict[str, None] = {}
        for text in (self.objection, *self.paraphrases):
            seen.setdefault(" ".join(text.split()), None)
        return list(seen)


class ObjectionFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    objections: list[ObjectionPair] = Field(min_length=1)

    @field_validator("objections")
    @classmethod
    def _unique_ids(cls, pairs: list[ObjectionPair]) -> list[ObjectionPair]:
        seen: set[str] = set()
        for pair in pairs:
            if pair.id in seen:
                raise ValueError(f"id {pair.id!r} is used twice")
            seen.add(pair.id)
        return pairs


def is_objection_file(path: Path) -> bool:
    """True for a YAML file with a top-level ``objections:`` or a CSV with objection/response columns.

    A file that cannot be parsed is an error, not a skip: skipping a broken objections file
    would make ingest delete every pair it held.
    """
    suffix = path.suffix.lower()
    try:
        if suffix in YAML_SUFFIXES:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            return isinstance(data, dict) and "objections" in data
        if suffix in CSV_SUFFIXES:
            with path.open(newline="", encoding="utf-8-sig") as handle:
                header = next(csv.reader(handle), [])
            return {"objection", "response"} <= {h.strip().lower() for h in header}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise KnowledgeError(
            f"{where}: invalid YAML ({getattr(exc, 'problem', None) or exc}); fix it or move it out of the knowledge folder"
        ) from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise KnowledgeError(f"{path}: cannot read: {exc}") from None
    return False


def load_objections(path: Path) -> list[ObjectionPair]:
    """Read and validate one objections file; errors name the file and line or row."""
    if path.suffix.lower() in CSV_SUFFIXES:
        return _load_csv(path)
    return load_yaml_model(path, ObjectionFile).objections


def _load_csv(path: Path) -> list[ObjectionPair]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeError(f"{path}: cannot read as UTF-8 CSV: {exc}") from None
    pairs, problems = [], []
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        try:
            pairs.append(ObjectionPair(
                id=row.get("id", ""), objection=row.get("objection", ""), response=row.get("response", ""),
                follow_up=row.get("follow_up") or None,
                tags=[t.strip() for t in row.get("tags", "").split(";") if t.strip()],
                paraphrases=row.get("paraphrases", "").split("|"),
            ))
        except ValidationError as exc:
            problems += [f"{path}: row {number}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
    try:
        ObjectionFile(objections=pairs)
    except ValidationError as exc:
        problems += [f"{path}: {e['msg'].removeprefix('Value error, ')}" for e in exc.errors()]
    if problems:
        raise KnowledgeError("\n".join(problems))
    return pairs
