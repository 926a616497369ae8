"""Location pins in a lead's text: a WhatsApp location message, or a bare "lat, lng" pair."""

from __future__ import annotations

import re

# The pin a WhatsApp location message becomes in the lead's text (channels/whatsapp.py writes
# "(30.267153, -97.743057)"), or a bare "lat, lng" pair.
_PIN = re.compile(r"\(?\s*(-?\d{1,2}\.\d{3,})\s*,\s*(-?\d{1,3}\.\d{3,})\s*\)?")


def pin_in(text: str) -> tuple[float, float] | None:
    """A (lat, lng) location pin in the text, if it holds valid coordinates."""
    match = _PIN.search(text)
    if not match:
        return None
    lat, lng = float(match.group(1)), float(match.group(2))
    return (lat, lng) if -90 <= lat <= 90 and -180 <= lng <= 180 else None
