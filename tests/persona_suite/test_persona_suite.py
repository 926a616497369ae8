"""The persona suite on the offline playbook: every scenario in evals/scenarios through the
engine, every check of evals/checks.py over it. A scenario marked ``known_gap`` is expected
to fall short, and is reported with its reason; the day it passes, the test says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from ava_core.knowledge.client import connect
from ava_core.knowledge.collections import KnowledgeIndex
from ava_core.knowledge.ingest import ingest
from ava_core.knowledge.local_embedder import LocalEmbedder
from ava_core.profile import load_profile
from ava_core.scenario import load_scenario, run_scenario
from ava_core.settings import Settings
from evals.checks import CHECKS, Played, _profile

ROOT = Path(__file__).resolve().parents[2]
SUITE = sorted((ROOT / "evals" / "scenarios").glob("*.yaml"))


@pytest.fixture(scope="module")
def with_demo_knowledge(tmp_path_factory) -> Settings:
    """Settings whose knowledge base holds the demo business's documents, as `make data` leaves it."""
    folder = tmp_path_factory.mktemp("persona-qdrant")
    profile = load_profile(ROOT / "examples" / "profile.yaml")
    ingest([ROOT / "examples" / "knowledge"], KnowledgeIndex(connect(path=folder), profile.business.name),
           LocalEmbedder())
    return Settings(qdrant_path=folder, profile=ROOT / "examples" / "profile.yaml")


def _cases():
    for path in SUITE:
        scenario = load_scenario(path)
        marks = [pytest.mark.xfail(reason=scenario.known_gap, strict=True)] if scenario.known_gap else []
        yield pytest.param(path, id=path.stem, marks=marks)


def test_the_suite_has_the_personas_the_business_asked_for():
    assert len(SUITE) >= 40


@pytest.mark.parametrize("path", list(_cases()))
def test_persona(path, with_demo_knowledge, tmp_path):
    scenario = load_scenario(path)
    result = run_scenario(scenario, with_demo_knowledge, data_dir=tmp_path)
    assert result.knowledge.ok, result.knowledge.reason
    played = Played(scenario=scenario, result=result, profile=_profile(str(scenario.profile or Settings().profile)))
    failures = {kind: check(played) for kind, check in CHECKS.items()}
    assert not {kind: found for kind, found in failures.items() if found}
