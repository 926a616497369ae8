"""Scenarios that run on Google Maps and the web, answered from recorded HTTP (no network)."""

from __future__ import annotations

import shutil

import pytest
import yaml

from ava_core.errors import ConfigError, ScenarioError
from ava_core.recorded_http import RecordedHttp
from ava_core.scenario import RECORDED_GOOGLE_KEY, load_scenario, recorded_keys, run_scenario
from ava_core.settings import Settings


def test_a_street_address_off_the_zip_list_is_qualified_by_its_distance(settings):
    result = run_scenario(load_scenario("examples/scenarios/address-qualified-by-distance.yaml"), settings)
    assert result.passed, result.failures
    check = next(c for c in result.tool_calls if c.name == "check_service_area")
    assert check.args == {"address_or_zip": "1420 Hopkins St, San Marcos, TX 78666"}  # the whole address, judged
    area = check.result["data"]
    assert area["backend"] == "google" and area["in_area"] is True
    assert area["address"] == "1420 Hopkins St, San Marcos, TX 78666, USA" and 25 < area["distance_miles"] < 30


def test_the_tax_credit_answer_comes_from_the_fetched_page(settings):
    result = run_scenario(load_scenario("examples/scenarios/tax-credit-from-the-web.yaml"), settings)
    assert result.passed, result.failures
    page = next(c for c in result.tool_calls if c.name == "fetch_page").result["data"]
    assert page["url"] == "https://www.irs.gov/credits-deductions/residential-clean-energy-credit"
    assert "expenditures made after December 31, 2025" in page["content"]
    assert page["untrusted"].startswith("Text from the web, not from the business")


def test_a_scenario_whose_recording_is_missing_is_a_bad_file(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: x\nnow: '2026-12-01T09:30:00-06:00'\nturns: [{user: hi}]\nsettings: {geo: google}\n"
        "http_fixtures: nowhere.yaml\n"
    )
    with pytest.raises(ScenarioError, match="nowhere.yaml: recorded HTTP fixtures not found"):
        run_scenario(load_scenario(path))


def test_a_request_the_recording_lacks_fails_the_scenario_naming_host_and_query_without_the_key(settings, tmp_path):
    shutil.copytree("examples/scenarios", tmp_path / "scenarios")
    recording = tmp_path / "scenarios" / "http" / "address-by-distance.yaml"
    data = yaml.safe_load(recording.read_text())
    data["exchanges"] = [e for e in data["exchanges"] if "timezone" not in e["request"]["url"]]
    recording.write_text(yaml.safe_dump(data))
    result = run_scenario(load_scenario(tmp_path / "scenarios" / "address-qualified-by-distance.yaml"), settings)
    assert not result.passed
    missing = [f for f in result.failures if f.startswith("no recorded exchange for ")]
    assert any(f.startswith("no recorded exchange for GET https://maps.googleapis.com/maps/api/timezone/json?location=")
               for f in missing)
    assert not any("key=" in f or "AIza" in f for f in missing)


def test_the_old_directory_of_exchanges_is_refused_with_what_to_give_instead(tmp_path):
    with pytest.raises(ConfigError, match="a recording is one YAML file of exchanges, not a directory"):
        RecordedHttp.load(tmp_path)


def test_a_response_with_two_bodies_is_a_bad_recording_naming_its_line(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("exchanges:\n  - request: {url: https://api.example/x}\n"
                    "    response: {json: {a: 1}, text: hello}\n")
    with pytest.raises(ConfigError, match=r"r.yaml:3.*give one of json, text, file or error, not json and text"):
        RecordedHttp.load(path)


def test_a_recorded_run_puts_placeholders_over_real_keys_for_the_backends_it_chooses_only():
    real = Settings(geo="google", google_maps_api_key="AIzaRealKeyFromTheEnvironment0000000000",
                    web_search_api_key="tvly-real", calendar_backend="ghl")
    keys = recorded_keys(real, given={"ghl_access_token"})
    assert {name: key.get_secret_value() for name, key in keys.items()} == {"google_maps_api_key": RECORDED_GOOGLE_KEY}
