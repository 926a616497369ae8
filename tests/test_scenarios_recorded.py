"""Scenarios that run on Google Maps and the web, answered from recorded HTTP (no network)."""

from __future__ import annotations

import pytest

from ava_core.errors import ScenarioError
from ava_core.scenario import load_scenario, run_scenario


def test_a_street_address_off_the_zip_list_is_qualified_by_its_distance(settings):
    result = run_scenario(load_scenario("examples/scenarios/address-qualified-by-distance.yaml"), settings)
    assert result.passed, result.failures
    area = next(c for c in result.tool_calls if c.name == "check_service_area").result["data"]
    assert area["backend"] == "google" and area["in_area"] is True
    assert area["address"] == "San Marcos, TX 78666, USA" and 25 < area["distance_miles"] < 30


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
        "name: x\nnow: '2026-12-01T09:30:00-06:00'\nturns: [{user: hi}]\nbackends: {geo: google}\n"
        "http_fixtures: nowhere.yaml\n"
    )
    with pytest.raises(ScenarioError, match="nowhere.yaml: recorded HTTP fixtures not found"):
        run_scenario(load_scenario(path))
