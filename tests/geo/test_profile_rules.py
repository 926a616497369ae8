"""The profile's service-area and browsing sections refuse settings that cannot work."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ava_core.profile.models import ServiceArea, WebBrowsing


def test_a_drive_time_limit_needs_driving_distance_and_a_base():
    with pytest.raises(ValidationError, match="max_drive_minutes needs distance: driving"):
        ServiceArea(base_address="2100 S Lamar Blvd, Austin, TX", max_drive_minutes=45, zips=["78704"])
    with pytest.raises(ValidationError, match="measured from base_address"):
        ServiceArea(radius_miles=40, zips=["78704"])
    area = ServiceArea(base_address="2100 S Lamar Blvd", distance="driving", max_drive_minutes=45, zips=["78704"])
    assert area.max_drive_minutes == 45


def test_a_polygon_needs_three_points():
    with pytest.raises(ValidationError, match="at least 3"):
        ServiceArea(zips=["78704"], polygon=[(30.0, -97.0), (30.5, -97.5)])


def test_domain_lists_take_bare_names_and_not_both():
    with pytest.raises(ValidationError, match="bare domain names"):
        WebBrowsing(allow_domains=["https://irs.gov/credits"])
    with pytest.raises(ValidationError, match="not both"):
        WebBrowsing(allow_domains=["irs.gov"], deny_domains=["spam.example.net"])
    assert WebBrowsing(allow_domains=[" IRS.gov "]).allow_domains == ["irs.gov"]
