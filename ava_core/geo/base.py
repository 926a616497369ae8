"""The ``Geo`` seam: is this address inside the service area, how far, which time zone."""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel


class AreaCheck(BaseModel):
    query: str
    in_area: bool | None  # None: the place could not be understood
    normalized: str = ""  # e.g. the ZIP or formatted address that was judged
    distance_miles: float | None = None
    timezone: str | None = None
    detail: str = ""
    address: str | None = None  # the place found, as the geocoder formats it
    lat: float | None = None
    lng: float | None = None
    drive_minutes: float | None = None
    candidates: list[str] | None = None  # several places matched: the lead must pick one
    ask: str | None = None  # what to ask the lead before judging
    backend: str | None = None  # google | profile list


class Geo(Protocol):
    def check(self, address_or_zip: str) -> AreaCheck:
        """Judge one address, city or ZIP against the business's service area."""
        ...
