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


class Geo(Protocol):
    def check(self, address_or_zip: str) -> AreaCheck:
        """Judge one address, city or ZIP against the business's service area."""
        ...
