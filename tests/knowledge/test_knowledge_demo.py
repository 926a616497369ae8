"""The demo business's knowledge files stay valid and useful."""

from __future__ import annotations

from pathlib import Path

from ava_core.knowledge.evaluation import RULES, load_eval
from ava_core.knowledge.objections import load_objections
from ava_core.language.detection import detect

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE = ROOT / "examples" / "knowledge"


def _pairs():
    return load_objections(KNOWLEDGE / "objections.yaml") + load_objections(KNOWLEDGE / "objeciones.yaml")


def test_the_demo_objections_are_complete_answers():
    pairs = _pairs()

    assert len(pairs) >= 25
    for pair in pairs:
        assert pair.response.rstrip().endswith("?"), f"{pair.id}: a setter's answer ends with a question"
        assert pair.tags, pair.id


def test_the_demo_eval_labels_only_pairs_that_exist():
    ids = {p.id for p in _pairs()}
    cases = load_eval(KNOWLEDGE / "eval.yaml")

    assert len([c for c in cases if c.expect]) >= 40
    labels = {label for c in cases for label in c.expect if "#" not in label and label not in RULES}
    assert labels <= ids


def test_the_spanish_pairs_are_all_in_spanish():
    # The playbook quotes only what reads in the lead's language: a Spanish pair must, whole.
    for pair in load_objections(KNOWLEDGE / "objeciones.yaml"):
        assert pair.id.endswith("-es")
        assert detect(pair.response, ["en", "es"]) == "es", pair.id
