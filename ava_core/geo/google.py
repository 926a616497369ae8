"""``Geo`` over Google Maps: geocoding and time zones (``googlemaps``), driving distance (Routes API).

What the lead gives — a street address, a ZIP, a city, a landmark, a shared location pin — is
geocoded within the business's country and judged against the profile's rules:

- ``radius_miles`` from ``base_address`` (straight line, or by road with ``distance: driving``),
  ``max_drive_minutes``, and the ``polygon`` outline, whichever the profile gives;
- with none of these, the ZIP code or city of the place found, against the profile's lists.

Anything a person would ask about is asked: several candidates or a partial match come back
with ``ask`` (and no verdict); no match asks for the ZIP. A quota, a refused key, a timeout or
any transport failure falls back to the profile's lists (``ProfileAreaGeo``) and logs an alert,
so the lead never meets a dead end.
"""

from __future__ import annotations

from typing import Any

import googlemaps
from loguru import logger

from ava_core.clock import Clock
from ava_core.geo.area import METERS_PER_MILE, inside_polygon, miles_between
from ava_core.geo.base import AreaCheck
from ava_core.geo.cache import GeoCache, normalise
from ava_core.geo.pins import pin_in
from ava_core.geo.profile_area import ProfileAreaGeo
from ava_core.geo.routes import Drive, RouteMatrix, RoutesError, parse_drive
from ava_core.profile.models import ServiceArea

BACKEND = "google"
_GOOGLE_FAILURES = (googlemaps.exceptions.ApiError, googlemaps.exceptions.TransportError,
                    googlemaps.exceptions.Timeout)


class GeoUnavailable(Exception):
    """Google could not answer (quota, key, network): judge by the lists instead."""


def transport_reason(exc: googlemaps.exceptions.TransportError) -> str:
    """The failure's kind and HTTP status, never its text: that can hold the request URL and its key."""
    base = getattr(exc, "base_exception", None)  # an HTTPError (a 5xx) carries only its status
    status = getattr(exc, "status_code", None)
    return f"HTTP {status}" if status else type(base).__name__ if base is not None else "no answer"


def build_gmaps_client(api_key: str, session: Any, *, timeout: float) -> googlemaps.Client:
    """The googlemaps client, with its quota retries off: AVA falls back instead of waiting."""
    return googlemaps.Client(
        key=api_key, timeout=timeout, retry_timeout=timeout * 2, retry_over_query_limit=False,
        requests_session=session,
    )


class GoogleMapsGeo:
    """Judges places by Google's geocoder and the profile's distance, drive-time and outline rules."""

    def __init__(
        self,
        area: ServiceArea,
        *,
        gmaps: googlemaps.Client,
        cache: GeoCache,
        clock: Clock,
        routes: RouteMatrix | None = None,
        fallback: ProfileAreaGeo | None = None,
        business_timezone: str | None = None,
    ):
        self._area = area
        self._gmaps = gmaps
        self._cache = cache
        self._clock = clock
        self._routes = routes
        self._fallback = fallback or ProfileAreaGeo(area, business_timezone)
        self._components = {"country": area.country.upper()} if area.country else None

    def check(self, address_or_zip: str) -> AreaCheck:
        text = address_or_zip.strip()
        try:
            return self._check(text)
        except (KeyError, TypeError, ValueError) as exc:  # an answer not in the documented shape
            return self._fall_back(text, GeoUnavailable(f"unexpected answer ({type(exc).__name__}: {exc})"))
        except GeoUnavailable as exc:
            return self._fall_back(text, exc)

    def _fall_back(self, text: str, exc: GeoUnavailable) -> AreaCheck:
        """Never a dead end: the profile's lists judge, and whoever watches the logs is alerted."""
        logger.bind(alert="geo").error("Google Maps unavailable, judging {!r} by the profile's lists: {}",
                                       text[:80], exc)
        check = self._fallback.check(text)
        return check.model_copy(update={"detail": f"{check.detail} (Google Maps unavailable: {exc})"})

    # --- the steps ----------------------------------------------------------------------

    def _check(self, text: str) -> AreaCheck:
        pin = pin_in(text)
        results = self._reverse(pin) if pin else self._geocode(text)
        if not results:
            return AreaCheck(query=text, in_area=None, backend=BACKEND,
                             detail="Google Maps found no such place", ask="What's the 5-digit ZIP code of the property?")
        if not pin:
            distinct = list(dict.fromkeys(r["formatted_address"] for r in results))
            if len(distinct) > 1:
                options = distinct[:3]
                return AreaCheck(query=text, in_area=None, backend=BACKEND, candidates=options,
                                 detail=f"{len(distinct)} places match; confirm which one before judging",
                                 ask=f"Just to be sure: is that {' or '.join(options)}?")
            if results[0].get("partial_match"):
                found = distinct[0]
                return AreaCheck(query=text, in_area=None, backend=BACKEND, candidates=[found], address=found,
                                 detail="only a partial match; confirm the address before judging",
                                 ask=f"Just to be sure: is that {found}?")
        place = results[0]
        location = place["geometry"]["location"]
        point = pin or (location["lat"], location["lng"])
        verdict = self._judge(place, point)
        return verdict.model_copy(update={
            "query": text, "address": place.get("formatted_address"), "lat": point[0], "lng": point[1],
            "normalized": _postal_code(place) or verdict.normalized,
            "timezone": self._timezone(point), "backend": BACKEND,
        })

    def _judge(self, place: dict[str, Any], point: tuple[float, float]) -> AreaCheck:
        area = self._area
        name = place.get("formatted_address", "that place")
        reasons: list[str] = []
        inside = True
        miles = minutes = None
        if area.base_address and (area.radius_miles or area.max_drive_minutes):
            base = self._base()
            if area.distance == "driving":
                drive = self._drive(base, point)
                if drive is None:
                    return AreaCheck(query="", in_area=False, detail=f"no road route from our base to {name}")
                miles, minutes = drive.meters / METERS_PER_MILE, drive.seconds / 60
                if area.max_drive_minutes:
                    ok = minutes <= area.max_drive_minutes
                    inside &= ok
                    reasons.append(f"{minutes:.0f} min drive ({'within' if ok else 'over'} "
                                   f"{area.max_drive_minutes:g} min)")
            else:
                miles = miles_between(base, point)
            if area.radius_miles:
                ok = miles <= area.radius_miles
                inside &= ok
                how = "by road" if area.distance == "driving" else "straight line"
                reasons.append(f"{miles:.1f} miles {how} ({'within' if ok else 'beyond'} {area.radius_miles:g})")
        if area.polygon:
            ok = inside_polygon(point, list(area.polygon))
            inside &= ok
            reasons.append("inside the service outline" if ok else "outside the service outline")
        if not reasons:
            # No distance or outline rule: the place's ZIP or city against the lists.
            listed = self._fallback.check(_postal_code(place) or _locality(place) or name)
            return listed.model_copy(update={"detail": f"{name}: {listed.detail}"})
        return AreaCheck(
            query="", in_area=inside, distance_miles=round(miles, 1) if miles is not None else None,
            drive_minutes=round(minutes) if minutes is not None else None,
            detail=f"{name} is {'inside' if inside else 'outside'} the service area: {'; '.join(reasons)}",
        )

    # --- Google calls, each cached -------------------------------------------------------

    def _geocode(self, text: str) -> list[dict[str, Any]]:
        scope = f"{normalise(text)} | {self._area.country or ''}"
        return self._call("geocode", scope, lambda: self._gmaps.geocode(text, components=self._components))

    def _reverse(self, pin: tuple[float, float]) -> list[dict[str, Any]]:
        return self._call("reverse", f"{pin[0]:.5f},{pin[1]:.5f}", lambda: self._gmaps.reverse_geocode(pin))

    def _base(self) -> tuple[float, float]:
        results = self._geocode(self._area.base_address or "")
        if not results:
            raise GeoUnavailable(f"the base address {self._area.base_address!r} cannot be geocoded; fix service_area")
        location = results[0]["geometry"]["location"]
        return location["lat"], location["lng"]

    def _drive(self, base: tuple[float, float], point: tuple[float, float]) -> Drive | None:
        routes = self._routes
        if routes is None:
            raise GeoUnavailable("distance: driving needs the Routes API, which is not configured")
        key = f"{base[0]:.5f},{base[1]:.5f}>{point[0]:.5f},{point[1]:.5f}"
        try:
            payload = self._cache.get_or_fetch("route", key, lambda: routes.fetch(base, point))
            return parse_drive(payload)
        except RoutesError as exc:
            raise GeoUnavailable(str(exc)) from exc

    def _timezone(self, point: tuple[float, float]) -> str | None:
        """The IANA zone at the place; a failure only loses the zone, never the verdict."""
        now = self._clock.now()
        try:
            # Zone boundaries do not move within a cache lifetime; ~1 km of rounding is safe.
            answer = self._cache.get_or_fetch(
                "timezone", f"{point[0]:.2f},{point[1]:.2f}",
                lambda: self._gmaps.timezone(point, timestamp=now),
            )
        except _GOOGLE_FAILURES as exc:
            reason = transport_reason(exc) if isinstance(exc, googlemaps.exceptions.TransportError) else exc
            logger.bind(alert="geo").warning("Time Zone API failed: {}", reason)
            return None
        return answer.get("timeZoneId") if answer.get("status", "OK") == "OK" else None

    def _call(self, kind: str, key: str, fetch) -> Any:
        try:
            return self._cache.get_or_fetch(kind, key, fetch)
        except googlemaps.exceptions.ApiError as exc:
            raise GeoUnavailable(f"{exc.status}{f' ({exc.message})' if exc.message else ''}") from exc
        except googlemaps.exceptions.Timeout as exc:
            raise GeoUnavailable("the request timed out") from exc
        except googlemaps.exceptions.TransportError as exc:
            raise GeoUnavailable(f"transport failure: {transport_reason(exc)}") from exc


def _component(place: dict[str, Any], kind: str) -> str | None:
    for part in place.get("address_components", []):
        if kind in part.get("types", []):
            return part.get("long_name")
    return None


def _postal_code(place: dict[str, Any]) -> str | None:
    return _component(place, "postal_code")


def _locality(place: dict[str, Any]) -> str | None:
    return _component(place, "locality")
