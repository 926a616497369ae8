"""`ava simulate` with `channel: ghl` against recorded GoHighLevel exchanges."""

from __future__ import annotations

import json

import yaml
from typer.testing import CliRunner

from ava_core.cli import build_app
from ava_core.recorded_http import RecordedHttp
from ava_core.scenario import load_scenario, run_scenario

SCENARIO = "examples/scenarios/ghl-qualified-and-booked.yaml"


def test_a_ghl_lead_qualifies_and_books_in_the_ghl_calendar_end_to_end():
    result = CliRunner().invoke(build_app(), ["simulate", "--json", SCENARIO])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["outcome"]["appointment"] == {
        "start": "2026-12-02T09:00:00-06:00", "end": "2026-12-02T09:30:00-06:00",
        "link": "https://meet.google.com/yqp-gogr-wve", "id": "0TkCdp9PfvLeWKYRRvIz"}
    assert any("https://meet.google.com/yqp-gogr-wve" in t["text"] for t in body["transcript"])


def test_the_printed_transcript_shows_the_appointment_id_and_link():
    result = CliRunner().invoke(build_app(), ["simulate", SCENARIO])
    assert result.exit_code == 0, result.output
    assert "appointment 0TkCdp9PfvLeWKYRRvIz" in result.stdout
    assert "https://meet.google.com/yqp-gogr-wve" in result.stdout


def test_a_call_no_exchange_answers_fails_the_scenario(settings, tmp_path):
    scenario = load_scenario(SCENARIO)
    recording = yaml.safe_load(scenario.http_fixtures.read_text())
    recording["exchanges"] = [e for e in recording["exchanges"] if not e["request"]["url"].endswith("/tags")]
    partial = tmp_path / "partial.yaml"
    partial.write_text(yaml.safe_dump(recording))
    scenario.http_fixtures = partial
    result = run_scenario(scenario, settings)
    assert not result.passed
    assert ("no recorded exchange for POST https://services.leadconnectorhq.com/contacts/cI08i1Bls3iTB9bKgFJh/tags"
            in result.failures)


def test_an_exchange_file_answers_matching_requests_only(tmp_path):
    path = tmp_path / "recording.yaml"
    path.write_text("exchanges:\n"
                    "  - request: {method: POST, url: https://api.example/x, json: {a: 1}}\n"
                    "    response: {status: 201, json: {ok: true}}\n"
                    "    times: 1\n")
    recorded = RecordedHttp.load(path)
    with recorded.client() as client:
        assert client.post("https://api.example/x", json={"a": 2}).status_code == 599
        assert client.post("https://api.example/x", json={"a": 1, "b": 2}).json() == {"ok": True}
        assert client.post("https://api.example/x", json={"a": 1}).status_code == 599  # used up
    assert len(recorded.unmatched) == 2
