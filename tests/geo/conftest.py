"""Google Maps served from recorded payloads (tests/fixtures/google/), never the network."""

from __future__ import annotations

from pathlib import Path

import pytest

from ava_core.geo.cache import GeoCache
from ava_core.geo.google import GoogleMapsGeo, build_gmaps_client
from ava_core.geo.profile_area import ProfileAreaGeo
from ava_core.geo.requests_bridge import session_over
from ava_core.geo.routes import RouteMatrix
from ava_core.recorded_http import Exchange, RecordedHttp

GOOGLE = Path(__file__).resolve().parents[1] / "fixtures" / "google"
GEOCODE = "https://maps.googleapis.com/maps/api/geocode/json"
TIMEZONE = "https://maps.googleapis.com/maps/api/timezone/json"
ROUTES = "https://routes.googleapis.com/distanceMatrix/v2:computeRouteMatrix"
BASE = "2100 S Lamar Blvd, Austin, TX 78704"
KEY = "AIzaRecordedTestKeyNotReal000000000000"


def geocode(address: str, file: str) -> dict:
    return {"request": {"url": GEOCODE, "query": {"address": address}}, "response": {"file": file}}


def reverse(latlng: str, file: str) -> dict:
    return {"request": {"url": GEOCODE, "query": {"latlng": latlng}}, "response": {"file": file}}


def timezone(file: str = "timezone_chicago.json") -> dict:
    return {"request": {"url": TIMEZONE}, "response": {"file": file}}


def routes(file: str, status: int = 200) -> dict:
    return {"request": {"method": "POST", "url": ROUTES}, "response": {"file": file, "status": status}}


def recorded(*exchanges: dict) -> RecordedHttp:
    """The base address always geocodes; the rest is what each test records."""
    items = [geocode(BASE, "geocode_base.json"), *exchanges]
    return RecordedHttp([Exchange.model_validate(e) for e in items], base=GOOGLE)


@pytest.fixture
def google_geo(profile, store, clock):
    """A GoogleMapsGeo over recorded answers; ``area`` overrides service_area fields."""

    def make(http: RecordedHttp, **area) -> GoogleMapsGeo:
        service_area = profile.service_area.model_copy(update={"country": "US", **area})
        client = http.client()
        return GoogleMapsGeo(
            service_area, gmaps=build_gmaps_client(KEY, session_over(client), timeout=2),
            cache=GeoCache(store, clock), clock=clock, routes=RouteMatrix(client, KEY, timeout=2),
            fallback=ProfileAreaGeo(service_area, profile.business.timezone),
            business_timezone=profile.business.timezone,
        )

    return make


def google_requests(http: RecordedHttp) -> list[str]:
    return [f"{r.url.path}?{r.url.query.decode()}" for r in http.calls]
