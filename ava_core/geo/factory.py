"""Builds the configured ``Geo``: Google Maps when a key is set, else the profile's lists."""

from __future__ import annotations

from datetime import timedelta

import httpx

from ava_core.clock import Clock
from ava_core.errors import ConfigError
from ava_core.geo.base import Geo
from ava_core.geo.profile_area import ProfileAreaGeo
from ava_core.profile.models import Profile
from ava_core.settings import Settings, required
from ava_core.store import Store


def geo_backend(settings: Settings) -> str:
    """google or profile, as AVA_GEO and the key decide; ConfigError when google lacks its key."""
    if settings.geo == "google" and not settings.google_maps_api_key:
        raise ConfigError("AVA_GEO=google needs AVA_GOOGLE_MAPS_API_KEY")
    if settings.geo == "profile" or not settings.google_maps_api_key:
        return "profile"
    return "google"


def build_geo(settings: Settings, profile: Profile, store: Store, clock: Clock, *,
              http: httpx.Client | None = None) -> Geo:
    """The service-area backend; ``http`` carries every Google request (tests pass a recorded one)."""
    lists = ProfileAreaGeo(profile.service_area, profile.business.timezone)
    if geo_backend(settings) == "profile":
        return lists
    from ava_core.geo.cache import GeoCache
    from ava_core.geo.google import GoogleMapsGeo, build_gmaps_client
    from ava_core.geo.requests_bridge import session_over
    from ava_core.geo.routes import RouteMatrix

    key = required(settings.google_maps_api_key, "AVA_GOOGLE_MAPS_API_KEY").get_secret_value()
    http = http or httpx.Client(timeout=settings.geo_timeout_seconds)
    gmaps = build_gmaps_client(key, session_over(http), timeout=settings.geo_timeout_seconds)
    routes = RouteMatrix(http, key, timeout=settings.geo_timeout_seconds) \
        if profile.service_area.distance == "driving" else None
    cache = GeoCache(store, clock, max_age=timedelta(days=settings.geo_cache_days))
    return GoogleMapsGeo(profile.service_area, gmaps=gmaps, cache=cache, clock=clock, routes=routes,
                         fallback=lists, business_timezone=profile.business.timezone)
