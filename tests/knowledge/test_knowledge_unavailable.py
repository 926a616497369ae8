"""A knowledge base that cannot be used is said once, with the fix: in `ava chat`, in
`ava simulate`, in the log, and by `/api/health` (see tests/functions)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from loguru import logger
from typer.testing import CliRunner

from ava_core.cli import build_app
from ava_core.knowledge.base import knowledge_status
from ava_core.knowledge.factory import build_knowledge
from ava_core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
HOLD = "from qdrant_client import QdrantClient; c = QdrantClient(path={path!r}); print('held', flush=True); input()"


@pytest.fixture
def held_folder(tmp_path):
    """A knowledge folder another process has open, as the R&D app or a second `ava chat` would."""
    folder = tmp_path / "held"
    holder = subprocess.Popen([sys.executable, "-c", HOLD.format(path=str(folder))],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        yield folder
    finally:
        holder.communicate("\n", timeout=30)


def _knowledge_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if "knowledge base" in line]


def test_chat_before_any_ingest_says_so_once_with_the_fix():
    result = CliRunner().invoke(build_app(), ["chat"], input="hi\nyes I own it\n/quit\n")
    assert result.exit_code == 0, result.output
    [line] = _knowledge_lines(result.output)
    assert "nothing has been ingested" in line and "ava ingest" in line


def test_chat_on_a_folder_another_process_holds_says_so_once_with_the_fix(held_folder, monkeypatch):
    monkeypatch.setenv("AVA_QDRANT_PATH", str(held_folder))
    result = CliRunner().invoke(build_app(), ["chat"], input="hi\n/quit\n")
    assert result.exit_code == 0, result.output
    [line] = _knowledge_lines(result.output)
    assert "open in another process" in line and "AVA_QDRANT_URL" in line


def test_simulate_says_it_once_for_all_its_scenarios_and_keeps_json_clean():
    scenarios = ["examples/scenarios/opt-out.yaml", "examples/scenarios/renter-disqualified.yaml"]
    result = CliRunner().invoke(build_app(), ["simulate", "--json", *scenarios])
    assert result.exit_code == 0, result.output
    [line] = _knowledge_lines(result.stderr)
    assert "ava ingest" in line
    assert [json.loads(line)["passed"] for line in result.stdout.splitlines()] == [True, True]


def test_simulate_says_it_before_the_first_transcript():
    result = CliRunner().invoke(build_app(), ["simulate", "examples/scenarios/opt-out.yaml"])
    assert result.exit_code == 0, result.output
    assert "knowledge base" in result.output.splitlines()[0]


def test_a_folder_with_nothing_ingested_names_the_fix(tmp_path, profile):
    (tmp_path / "empty").mkdir()
    status = knowledge_status(build_knowledge(Settings(qdrant_path=tmp_path / "empty"), profile))
    assert not status.ok
    assert "nothing has been ingested" in status.reason and "ava ingest" in status.fix


def test_a_held_folder_names_both_fixes(held_folder, profile):
    status = knowledge_status(build_knowledge(Settings(qdrant_path=held_folder), profile))
    assert not status.ok
    assert "open in another process" in status.reason
    assert "AVA_QDRANT_URL" in status.fix


def test_the_warning_is_logged_once_per_process(tmp_path, profile):
    warnings: list[str] = []
    sink = logger.add(lambda m: warnings.append(m.record["message"]), level="WARNING",
                      filter=lambda r: r["extra"].get("alert") == "knowledge")
    try:
        for _ in range(3):
            build_knowledge(Settings(qdrant_path=tmp_path / "never-ingested"), profile)
    finally:
        logger.remove(sink)
    assert len(warnings) == 1 and "ava ingest" in warnings[0]


def test_a_usable_knowledge_base_is_ok(tmp_path, profile, embedder):
    from ava_core.knowledge.factory import open_index
    from ava_core.knowledge.ingest import ingest

    settings = Settings(qdrant_path=tmp_path / "qdrant")
    ingest([ROOT / "examples/knowledge/objections.yaml"], open_index(settings, profile), embedder)
    assert knowledge_status(build_knowledge(settings, profile)).ok
