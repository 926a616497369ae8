"""The engine, not the model, decides who qualifies: reading answers and judging them."""

from __future__ import annotations

import pytest

from ava_core.geo import ProfileAreaGeo
from ava_core.qualification import interpret, judge, standing


@pytest.mark.parametrize(
    ("field", "text", "expected"),
    [
        ("homeowner", "yes I own the house", "yes"),
        ("homeowner", "yep", "yes"),
        ("homeowner", "we do", "yes"),
        ("homeowner", "no, we rent an apartment", "no"),
        ("homeowner", "I don't own it, my landlord does", "no"),
        ("homeowner", "banana", None),
        ("monthly_bill", "about $180 a month", "180"),
        ("monthly_bill", "$1,250 in August!", "1250"),
        ("monthly_bill", "like 2k in summer", "2000"),
        ("monthly_bill", "a hundred bucks", "100"),
        ("monthly_bill", "no idea", None),
        ("roof_age", "it's like 8 years old", "8"),
        ("roof_age", "brand new roof", "0"),
        ("roof_age", "twelve", "12"),
        ("roof_shade", "full sun pretty much all day", "full sun"),
        ("roof_shade", "partial shade in the afternoon", "partial shade"),
        ("roof_shade", "heavy shade, lots of oaks", "heavy shade"),
        ("roof_shade", "kinda", None),
        ("roof_shade", "sunny all day", "full sun"),
        ("roof_shade", "partly shaded", "partial shade"),
        ("roof_shade", "heavily shaded by oaks", "heavy shade"),
        ("roof_shade", "some shade", "partial shade"),
        ("roof_shade", "not heavy shade, just a tree or two", "partial shade"),
        ("roof_shade", "no shade at all", "full sun"),
        ("homeowner", "no mortgage, we own it outright", "yes"),
        ("homeowner", "yes, and no HOA", "yes"),
        ("homeowner", "y", "yes"),
        ("homeowner", "👍", "yes"),
        ("homeowner", "actually my landlord said we could", "no"),
        ("monthly_bill", "we have 3 kids so like $280", "280"),
        ("monthly_bill", "around two hundred bucks", "200"),
        ("monthly_bill", "like 2-300 in the summer", "250"),
        ("monthly_bill", "between 90 and 150 depending on the month", "120"),
        ("monthly_bill", "8 years", None),
        ("monthly_bill", "78745", None),
        ("monthly_bill", "can someone just call me? 512-555-0123", None),
        ("monthly_bill", "$3", None),
        ("roof_age", "$200", None),
        ("roof_age", "300 years", None),
        ("zip", "78704", "78704"),
        ("zip", "it's 78745-1234", "78745"),
        ("zip", "south austin", "south austin"),  # a place: the Geo backend judges it
        ("zip", "no idea", None),
    ],
)
def test_short_answers_are_understood(profile, field, text, expected):
    assert interpret(profile.qualification.get(field), text) == expected


def test_a_roof_replaced_in_a_given_year_is_that_many_years_old(profile):
    from datetime import date

    assert interpret(profile.qualification.get("roof_age"), "it was replaced in 2015", today=date(2026, 12, 8)) == "11"


@pytest.mark.parametrize(
    ("field", "answer", "verdict"),
    [
        ("homeowner", "yes", "pass"),
        ("homeowner", "no", "fail"),
        ("monthly_bill", "100", "pass"),
        ("monthly_bill", "99", "fail"),
        ("roof_age", "20", "pass"),
        ("roof_age", "21", "fail"),
        ("roof_shade", "partial shade", "pass"),
        ("roof_shade", "heavy shade", "fail"),
        ("zip", "78704", "pass"),
        ("zip", "79901", "fail"),
    ],
)
def test_rules_from_the_profile_decide_each_verdict(profile, field, answer, verdict):
    geo = ProfileAreaGeo(profile.service_area)
    assert judge(profile.qualification.get(field), answer, geo) == verdict


def test_one_failed_rule_disqualifies_whatever_else_passed(profile):
    result = standing(profile, {"homeowner": "pass", "monthly_bill": "fail"})
    assert result.status == "disqualified"
    assert result.failed.field == "monthly_bill"


def test_all_required_answers_passing_qualifies(profile):
    verdicts = {q.field: "pass" for q in profile.qualification.questions}
    assert standing(profile, verdicts).status == "qualified"


def test_missing_answers_are_listed_in_the_profile_order(profile):
    result = standing(profile, {"monthly_bill": "pass"})
    assert result.status == "unknown"
    assert result.missing == ["homeowner", "roof_age", "roof_shade", "zip"]


@pytest.mark.parametrize("text", ["sol todo el dia", "Sol todo el día", "SIN ARBOLES"])
def test_a_spanish_choice_typed_without_accents_still_matches_its_synonym(text):
    from ava_core.answers import choice

    synonyms = {"full sun": ["sol todo el día", "sin árboles"]}
    assert choice(["full sun", "partial shade", "heavy shade"], text, synonyms) == "full sun"
