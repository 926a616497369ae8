"""The demo business does not promise an incentive that has ended."""

from __future__ import annotations

from pathlib import Path

import yaml


def test_the_demo_no_longer_promises_the_expired_federal_residential_credit(profile):
    # The residential clean energy credit (25D) ended for expenditures after 31 December 2025.
    credit = [f for f in profile.business.facts if "federal" in f]
    assert credit and all("ended" in f and "December 31, 2025" in f for f in credit)
    financing = Path("examples/knowledge/financing.md").read_text()
    section = financing.split("## Federal tax credit", 1)[1].split("##", 1)[0]
    assert "ended" in section and "applies to systems installed" not in section
    pairs = yaml.safe_load(Path("examples/knowledge/objections.yaml").read_text())
    pairs = pairs.get("objections", pairs) if isinstance(pairs, dict) else pairs
    answer = next(p for p in pairs if p["id"] == "tax-credit-eligibility")["response"]
    assert "ended" in answer and "applies to systems" not in answer
