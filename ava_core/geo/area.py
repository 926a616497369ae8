"""Geometry of a service area: straight-line distance and whether a point is inside an outline."""

from __future__ import annotations

from math import asin, cos, radians, sin, sqrt

EARTH_RADIUS_MILES = 3958.8
METERS_PER_MILE = 1609.344


def miles_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle (haversine) distance in miles between two (lat, lng) points."""
    lat1, lng1, lat2, lng2 = map(radians, (*a, *b))
    h = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos(lat2) * sin((lng2 - lng1) / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * asin(sqrt(h))


def inside_polygon(point: tuple[float, float], polygon: list[tuple[float, float]]) -> bool:
    """Ray casting over (lat, lng) vertices; fine for a service area a few dozen miles across."""
    lat, lng = point
    inside = False
    for (lat1, lng1), (lat2, lng2) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        if (lng1 > lng) != (lng2 > lng):
            crossing = lat1 + (lng - lng1) * (lat2 - lat1) / (lng2 - lng1)
            if lat < crossing:
                inside = not inside
    return inside
