"""Driving distance and time over the Routes API ``computeRouteMatrix``.

The legacy Distance Matrix API cannot be enabled for new Google Cloud projects (closed to
them in October 2026), so AVA calls its replacement directly over httpx. The response field
mask is required, and must name ``status``: without it every element reads as OK.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from ava_core.errors import AvaError

ROUTE_MATRIX_URL = "https://routes.googleapis.com/distanceMatrix/v2:computeRouteMatrix"
FIELD_MASK = "originIndex,destinationIndex,status,condition,distanceMeters,duration"


class RoutesError(AvaError):
    """The Routes API refused or failed; the caller falls back to the profile's lists."""


@dataclass(frozen=True)
class Drive:
    meters: int
    seconds: int


def matrix_body(origin: tuple[float, float], destination: tuple[float, float]) -> dict[str, Any]:
    """One origin, one destination, by car, without traffic (the cheapest billing tier)."""

    def waypoint(point: tuple[float, float]) -> dict[str, Any]:
        return {"waypoint": {"location": {"latLng": {"latitude": point[0], "longitude": point[1]}}}}

    return {
        "origins": [waypoint(origin)],
        "destinations": [waypoint(destination)],
        "travelMode": "DRIVE",
        "routingPreference": "TRAFFIC_UNAWARE",
    }


def parse_drive(payload: Any) -> Drive | None:
    """The single element of a one-by-one matrix; None when no road route exists."""
    elements = payload if isinstance(payload, list) else []
    if not elements:
        raise RoutesError("the Routes API answered with no matrix element")
    element = elements[0]
    status = element.get("status") or {}
    if status.get("code"):  # google.rpc.Status: an empty object means OK
        raise RoutesError(f"route element failed: {status.get('message') or status.get('code')}")
    if element.get("condition") == "ROUTE_NOT_FOUND":
        return None
    return Drive(meters=int(element.get("distanceMeters") or 0),
                 seconds=int(str(element.get("duration") or "0s").rstrip("s") or 0))


class RouteMatrix:
    """Driving distance between two points; the httpx client is injected."""

    def __init__(self, client: httpx.Client, api_key: str, *, timeout: float = 5.0):
        self._client = client
        self._key = api_key
        self._timeout = timeout

    def fetch(self, origin: tuple[float, float], destination: tuple[float, float]) -> Any:
        """The raw matrix JSON (cacheable); raises RoutesError on any failure."""
        try:
            response = self._client.post(
                ROUTE_MATRIX_URL, json=matrix_body(origin, destination), timeout=self._timeout,
                headers={"X-Goog-Api-Key": self._key, "X-Goog-FieldMask": FIELD_MASK},
            )
        except httpx.HTTPError as exc:
            raise RoutesError(f"the Routes API did not answer: {type(exc).__name__}") from exc
        if response.status_code != 200:
            try:
                error = response.json().get("error", {})
            except ValueError:
                error = {}
            raise RoutesError(
                f"the Routes API answered HTTP {response.status_code} {error.get('status', '')}: "
                f"{error.get('message', '')[:200]} (is the Routes API enabled for this key?)"
            )
        return response.json()
