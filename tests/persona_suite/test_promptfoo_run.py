"""The promptfoo run itself, offline: a small subset passes, and a broken assertion fails it."""

from __future__ import annotations

import json

import pytest

from evals.run import PROMPTFOO, ROOT, graded, run

pytestmark = pytest.mark.skipif(not PROMPTFOO.exists(), reason="promptfoo is not installed: run make evals")

SUBSET = "evals/scenarios/opt-out-*.yaml"  # no knowledge search, so no ingested data is needed


def test_promptfoo_plays_the_subset_offline_and_every_check_passes(tmp_path, monkeypatch):
    monkeypatch.setenv("AVA_EVALS_SCENARIOS", SUBSET)
    code = run(ROOT / "evals" / "promptfooconfig.yaml", tmp_path / "out.json")
    rows = json.loads((tmp_path / "out.json").read_text())["results"]["results"]
    assert code == 0
    assert len(rows) == len(list(ROOT.glob(SUBSET)))
    assert all(row["response"]["metadata"]["result"]["outcome"]["opted_out"] for row in rows)
    kinds = {part["assertion"]["metric"] for row in rows for part in row["gradingResult"]["componentResults"]}
    assert kinds == {"outcome", "tools", "whatsapp_fit", "no_promises", "language", "no_leaks"}


def test_a_broken_assertion_makes_the_run_fail(tmp_path, monkeypatch):
    monkeypatch.setenv("AVA_EVALS_SCENARIOS", "evals/scenarios/opt-out-stop.yaml")
    (tmp_path / "broken.py").write_text(
        "def get_assert(output, context):\n    return {'pass': 'booked' in output, 'score': 0, 'reason': 'broken'}\n")
    config = (ROOT / "evals" / "promptfooconfig.yaml").read_text()
    config = config.replace("file://provider.py", f"file://{ROOT}/evals/provider.py")
    config = config.replace("file://tests.py", f"file://{ROOT}/evals/tests.py")
    config = config.replace("file://assertions/outcome.py", f"file://{tmp_path}/broken.py")
    config = config.replace("file://assertions/", f"file://{ROOT}/evals/assertions/")
    (tmp_path / "promptfooconfig.yaml").write_text(config)
    assert run(tmp_path / "promptfooconfig.yaml", tmp_path / "out.json") == 100
    [row] = json.loads((tmp_path / "out.json").read_text())["results"]["results"]
    failed = [p["reason"] for p in row["gradingResult"]["componentResults"] if not p["pass"]]
    assert failed == ["broken"]  # only the broken assertion: the run itself worked


def test_with_a_grader_the_tone_rubric_is_judged_by_it(tmp_path, monkeypatch):
    # A stand-in grader that fails every rubric: the run must call it and fail on "tone" alone.
    (tmp_path / "grader.py").write_text(
        "import json\n"
        "def call_api(prompt, options, context):\n"
        "    assert 'skilled human appointment' in prompt\n"
        "    return {'output': json.dumps({'pass': False, 'score': 0, 'reason': 'stand-in grader'})}\n")
    monkeypatch.setenv("AVA_EVALS_SCENARIOS", "evals/scenarios/opt-out-stop.yaml")
    config = graded(ROOT / "evals" / "promptfooconfig.yaml", f"file://{tmp_path}/grader.py")
    assert run(config, tmp_path / "out.json") == 100
    [row] = json.loads((tmp_path / "out.json").read_text())["results"]["results"]
    failed = [p["assertion"]["metric"] for p in row["gradingResult"]["componentResults"] if not p["pass"]]
    assert failed == ["tone"]
