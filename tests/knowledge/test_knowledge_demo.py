"""The demo business's knowledge files stay valid and useful."""

from __future__ import annotations

from pathlib import Path

from ava_core.knowledge.evaluation import load_eval
from ava_core.knowledge.objections import load_objections

ROOT = Path(__file__).resolve().parents[2]


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
