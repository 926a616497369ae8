"""The service-area verdict with Google Maps: what a lead gives, judged like a person would."""

from __future__ import annotations

import json

import pytest
from loguru import logger

from ava_core.geo.profile_area import ProfileAreaGeo
from tests.geo.conftest import geocode, recorded, reverse, routes, timezone


def test_a_street_address_inside_the_radius_is_in_the_area(google_geo):
    http = recorded(geocode("1100 Congress Ave, Austin, TX 78701", "geocode_inside.json"), timezone())
    check = google_geo(http).check("1100 Congress Ave, Austin, TX 78701")
    assert check.in_area is True
    assert check.backend == "google"
    assert check.address == "1100 Congress Ave, Austin, TX 78701, USA"
    assert (check.lat, check.lng) == (30.2747, -97.7404)
    assert 2 < check.distance_miles < 4
    assert check.timezone == "America/Chicago"
    assert "within 40" in check.detail
    lookup = next(r for r in http.calls if "address=1100" in str(r.url))
    assert lookup.url.params["components"] == "country:US"  # restricted to the business's country


def test_an_address_beyond_the_radius_is_outside(google_geo):
    geo = google_geo(recorded(geocode("901 Bagby St, Houston, TX 77002", "geocode_outside.json"), timezone()))
    check = geo.check("901 Bagby St, Houston, TX 77002")
    assert check.in_area is False
    assert 140 < check.distance_miles < 150
    assert "beyond 40" in check.detail


def test_a_zip_missing_from_the_list_but_within_the_radius_is_inside(google_geo, profile):
    assert ProfileAreaGeo(profile.service_area).check("78666").in_area is False  # the list alone says no
    geo = google_geo(recorded(geocode("78666", "geocode_zip_78666.json"), timezone()))
    check = geo.check("78666")
    assert check.in_area is True
    assert check.address == "San Marcos, TX 78666, USA"
    assert 25 < check.distance_miles < 30


def test_a_whatsapp_location_pin_is_reverse_geocoded_and_judged_at_the_pin(google_geo):
    http = recorded(reverse("30.4021,-97.7253", "reverse_pin_north_austin.json"), timezone())
    check = google_geo(http).check("[location] (30.402100, -97.725300)")
    assert check.in_area is True
    assert check.address == "11410 Century Oaks Terrace, Austin, TX 78758, USA"
    assert (check.lat, check.lng) == (30.4021, -97.7253)
    assert not any("address=" in str(r.url) and "30.4021" in str(r.url) for r in http.calls)


def test_an_ambiguous_city_asks_the_lead_which_one(google_geo):
    geo = google_geo(recorded(geocode("Georgetown", "geocode_ambiguous_georgetown.json")))
    check = geo.check("Georgetown")
    assert check.in_area is None
    assert check.candidates == ["Georgetown, TX, USA", "Georgetown, KY, USA"]
    assert check.ask == "Just to be sure: is that Georgetown, TX, USA or Georgetown, KY, USA?"


def test_a_partial_match_asks_the_lead_to_confirm_the_address(google_geo):
    geo = google_geo(recorded(geocode("123 Main Stret Round Rock", "geocode_partial_main_st.json")))
    check = geo.check("123 Main Stret Round Rock")
    assert check.in_area is None
    assert check.ask == "Just to be sure: is that 123 Main St, Round Rock, TX 78664, USA?"


def test_zero_results_asks_for_the_zip(google_geo):
    geo = google_geo(recorded(geocode("the blue house past the creek", "geocode_zero_results.json")))
    check = geo.check("the blue house past the creek")
    assert check.in_area is None
    assert "ZIP" in check.ask


@pytest.mark.parametrize("answer", [
    {"file": "geocode_over_query_limit.json"},
    {"file": "geocode_request_denied.json"},
    {"error": "timeout"},
    {"status": 503, "text": "Service Unavailable"},
], ids=["over-quota", "denied-key", "timeout", "server-error"])
def test_google_failing_falls_back_to_the_list_and_raises_an_alert(google_geo, answer):
    address = "4501 Duval St, Austin, TX 78751"
    http = recorded({"request": {"url": "https://maps.googleapis.com/maps/api/geocode/json",
                                 "query": {"address": address}}, "response": answer})
    alerts = []
    sink = logger.add(lambda m: alerts.append(m.record), level="ERROR", filter=lambda r: r["extra"].get("alert") == "geo")
    try:
        check = google_geo(http).check(address)
    finally:
        logger.remove(sink)
    assert check.backend == "profile list"
    assert check.in_area is True  # 78751 is on the profile's list
    assert "Google Maps unavailable" in check.detail
    assert len(alerts) == 1


def test_driving_time_within_the_limit_is_inside(google_geo):
    http = recorded(geocode("1100 Congress Ave, Austin, TX 78701", "geocode_inside.json"), timezone(),
                    routes("routes_inside.json"))
    check = google_geo(http, distance="driving", max_drive_minutes=60).check("1100 Congress Ave, Austin, TX 78701")
    assert check.in_area is True
    assert check.drive_minutes == 14
    assert check.distance_miles == 4.0
    call = next(r for r in http.calls if r.url.host == "routes.googleapis.com")
    assert "status" in call.headers["x-goog-fieldmask"].split(",")
    body = json.loads(call.content)
    assert body["travelMode"] == "DRIVE"
    assert body["destinations"][0]["waypoint"]["location"]["latLng"] == {"latitude": 30.2747, "longitude": -97.7404}


def test_driving_time_over_the_limit_is_outside(google_geo):
    http = recorded(geocode("901 Bagby St, Houston, TX 77002", "geocode_outside.json"), timezone(),
                    routes("routes_outside.json"))
    check = google_geo(http, distance="driving", max_drive_minutes=60, radius_miles=None).check(
        "901 Bagby St, Houston, TX 77002")
    assert check.in_area is False
    assert check.drive_minutes == 162
    assert "over 60 min" in check.detail


def test_routes_api_refused_falls_back_to_the_list(google_geo):
    http = recorded(geocode("1100 Congress Ave, Austin, TX 78701", "geocode_inside.json"), timezone(),
                    routes("routes_permission_denied.json", status=403))
    check = google_geo(http, distance="driving", max_drive_minutes=60).check("1100 Congress Ave, Austin, TX 78701")
    assert check.backend == "profile list" and check.in_area is True
    assert "Routes API" in check.detail


def test_a_polygon_decides_when_the_profile_gives_one(google_geo):
    west_of_i35 = [(30.0, -98.2), (30.7, -98.2), (30.7, -97.75), (30.0, -97.75)]
    http = recorded(geocode("1100 Congress Ave, Austin, TX 78701", "geocode_inside.json"), timezone())
    check = google_geo(http, polygon=west_of_i35).check("1100 Congress Ave, Austin, TX 78701")
    assert check.in_area is False  # 2.7 miles away, but east of the outline's edge
    assert "outside the service outline" in check.detail


def test_the_same_address_twice_costs_one_request(google_geo):
    http = recorded(geocode("1100 Congress Ave, Austin, TX 78701", "geocode_inside.json"), timezone())
    geo = google_geo(http)
    first = geo.check("1100 Congress Ave, Austin, TX 78701")
    sent = len(http.calls)
    again = geo.check("  1100 congress ave,  Austin, TX 78701. ")
    assert again.in_area == first.in_area and again.address == first.address
    assert len(http.calls) == sent  # geocode, base and time zone all came from the cache


def test_the_cache_expires(google_geo, clock):
    http = recorded(geocode("1100 Congress Ave, Austin, TX 78701", "geocode_inside.json"), timezone())
    geo = google_geo(http)
    geo.check("1100 Congress Ave, Austin, TX 78701")
    sent = len(http.calls)
    clock.advance(days=31)
    geo.check("1100 Congress Ave, Austin, TX 78701")
    assert len(http.calls) > sent


def test_a_lead_in_another_time_zone_gets_that_zone(google_geo):
    http = recorded(geocode("300 N Campbell St, El Paso, TX 79901", "geocode_el_paso.json"),
                    timezone("timezone_denver.json"))
    check = google_geo(http, radius_miles=None, zips=[], cities=[],
                       polygon=[(25.0, -107.0), (37.0, -107.0), (37.0, -93.0), (25.0, -93.0)]).check(
        "300 N Campbell St, El Paso, TX 79901")
    assert check.in_area is True
    assert check.timezone == "America/Denver"


def test_an_answer_in_an_unexpected_shape_falls_back_to_the_list(google_geo):
    http = recorded({"request": {"url": "https://maps.googleapis.com/maps/api/geocode/json",
                                 "query": {"address": "78704"}},
                     "response": {"json": {"status": "OK", "results": [{"formatted_address": "somewhere"}]}}})
    check = google_geo(http).check("78704")
    assert check.backend == "profile list" and check.in_area is True
    assert "unexpected answer" in check.detail
