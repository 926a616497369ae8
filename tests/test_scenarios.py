"""Every example scenario passes, and `ava simulate` keeps its output format and exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ava_core.cli import build_app
from ava_core.errors import ScenarioError
from ava_core.scenario import load_scenario, run_scenario

SCENARIOS = sorted(Path("examples/scenarios").glob("*.yaml"))


def test_there_are_scenarios_for_each_required_flow():
    names = {p.stem for p in SCENARIOS}
    assert {"qualified-and-booked", "renter-disqualified", "out-of-area", "objection-then-booking", "opt-out",
            "unclear-then-handoff", "replay-bad-tool-calls"} <= names


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_example_scenario_passes(path, settings):
    result = run_scenario(load_scenario(path), settings)
    assert result.failures == []
    assert result.passed


def test_simulation_is_deterministic(settings):
    scenario = load_scenario("examples/scenarios/qualified-and-booked.yaml")
    first, second = run_scenario(scenario, settings), run_scenario(scenario, settings)
    assert first.transcript == second.transcript


def test_failed_expectations_are_listed(settings):
    scenario = load_scenario("examples/scenarios/renter-disqualified.yaml")
    scenario.expect = scenario.expect.model_copy(update={"booked": True, "reply_contains": ["pizza"]})
    scenario.expect.model_fields_set.update({"booked", "reply_contains"})
    result = run_scenario(scenario, settings)
    assert not result.passed
    assert result.failures == ["expected booked: True, got False", "no reply contains 'pizza'"]


def test_simulate_json_prints_the_stable_format():
    result = CliRunner().invoke(build_app(), ["simulate", "--json", "examples/scenarios/qualified-and-booked.yaml"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)  # notes for people (e.g. knowledge unavailable) go to stderr
    assert set(body) == {"name", "passed", "failures", "transcript", "tool_calls", "outcome"}
    assert set(body["transcript"][0]) == {"role", "text", "at"}
    assert set(body["tool_calls"][0]) == {"name", "args", "result", "ok"}
    assert body["outcome"]["booked"] is True
    assert body["outcome"]["appointment"] == {
        "start": "2026-12-02T09:00:00-06:00",
        "end": "2026-12-02T09:30:00-06:00",
        "link": "https://meet.lonestarsun.example/consult/1",
    }


def test_simulate_exits_1_when_an_expectation_fails(tmp_path):
    text = Path("examples/scenarios/opt-out.yaml").read_text().replace("opted_out: true", "opted_out: false")
    path = tmp_path / "s.yaml"
    path.write_text(text)
    result = CliRunner().invoke(build_app(), ["simulate", str(path)])
    assert result.exit_code == 1
    assert "expected opted_out: False, got True" in result.output


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: x\nnow: '2026-12-01T09:30:00'\nturns: [{user: hi}]\n", "now: give a UTC offset"),
        ("name: x\nnow: '2026-12-01T09:30:00-06:00'\nturns: []\n", "turns: List should have at least 1 item"),
        ("name: x\nnow: '2026-12-01T09:30:00-06:00'\nmodel: replay\nturns: [{user: hi}]\n", "needs a `replay:` list"),
        ("name: x\nnow: '2026-12-01T09:30:00-06:00'\nturns: [{usr: hi}]\n", "turns.0.user: Field required"),
        ("name: [x\n", "invalid YAML"),
    ],
)
def test_a_bad_scenario_file_gets_one_line_and_exit_2(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError, match=re.escape(message)):
        load_scenario(path)
    result = CliRunner().invoke(build_app(), ["simulate", str(path)])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and str(path) in result.output


def test_a_scenario_file_that_is_not_utf8_gets_one_line_and_exit_2(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: café\nnow: '2026-12-01T09:30:00-06:00'\nturns: [{user: hola}]\n".encode("latin-1"))
    with pytest.raises(ScenarioError, match=re.escape(f"{path}: not UTF-8 text")):
        load_scenario(path)
    result = CliRunner().invoke(build_app(), ["simulate", str(path)])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [f"{path}: not UTF-8 text (byte 9 is 0xe9); save it as UTF-8"]


def test_a_scenario_whose_profile_is_not_utf8_gets_one_line_and_exit_2(tmp_path):
    profile = tmp_path / "profile.yaml"
    profile.write_bytes(Path("examples/profile.yaml").read_text(encoding="utf-8").encode("utf-16"))
    path = tmp_path / "s.yaml"
    path.write_text(f"name: x\nprofile: {profile}\nnow: '2026-12-01T09:30:00-06:00'\nturns: [{{user: hi}}]\n")
    result = CliRunner().invoke(build_app(), ["simulate", str(path)])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [f"{path}: {profile}: not UTF-8 text (byte 0 is 0xff); save it as UTF-8"]


def test_a_scenario_naming_an_unconfigured_provider_is_skipped_with_a_reason(tmp_path):
    text = Path("examples/scenarios/opt-out.yaml").read_text() + "model: azure\n"
    path = tmp_path / "azure.yaml"
    path.write_text(text.replace("model: azure\n", "").replace("name:", "model: azure\nname:", 1))
    result = CliRunner().invoke(build_app(), ["simulate", str(path)])
    assert result.exit_code == 0
    assert "skipped" in result.output and "azure" in result.output
