"""The offline ``Geo``: the profile's own ZIP and city lists, no network."""

from __future__ import annotations

import re

from ava_core.geo.base import AreaCheck
from ava_core.profile.models import ServiceArea

BACKEND = "profile list"
_ZIP = re.compile(r"\b(\d{5})(?:-\d{4})?\b")


class ProfileAreaGeo:
    """Judges by ZIP first, then by city name; anything else is 'could not tell'."""

    def __init__(self, area: ServiceArea, timezone: str | None = None):
        self._zips = set(area.zips)
        self._cities = {c.casefold(): c for c in area.cities}
        self._timezone = timezone

    def check(self, address_or_zip: str) -> AreaCheck:
        text = address_or_zip.strip()
        if match := _ZIP.search(text):
            zip_code = match.group(1)
            inside = zip_code in self._zips
            return AreaCheck(
                query=text,
                in_area=inside,
                normalized=zip_code,
                timezone=self._timezone if inside else None,
                detail=f"ZIP {zip_code} is {'inside' if inside else 'outside'} the service area",
                backend=BACKEND,
            )
        folded = text.casefold()
        for key, city in self._cities.items():
            if re.search(rf"\b{re.escape(key)}\b", folded):
                return AreaCheck(
                    query=text, in_area=True, normalized=city, timezone=self._timezone,
                    detail=f"{city} is a city we serve", backend=BACKEND,
                )
        return AreaCheck(
            query=text, in_area=None, detail="no ZIP code or served city found; ask for the 5-digit ZIP",
            backend=BACKEND,
        )
