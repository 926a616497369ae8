"""PII masking, applied to every log record before any sink sees it.

Phone numbers are found by libphonenumber's matcher (``phonenumbers``), street addresses by
``pyap``, e-mail addresses by their one fixed shape (RFC 5322's ``local@domain``). A lead's
message body is replaced by its length unless ``AVA_LOG_MESSAGE_BODIES`` allows it (even then
the numbers, addresses and e-mails inside it are masked).
"""

from __future__ import annotations

import re
from typing import Any

import phonenumbers
import pyap

PHONE = "[phone]"
EMAIL = "[email]"
ADDRESS = "[address]"

# An e-mail address has one shape everywhere; no language-specific rule is involved.
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# pyap knows these countries' address formats (each one checked costs a pass over the text).
ADDRESS_COUNTRIES = ("US", "CA", "GB")


class Masker:
    """Masks PII in strings and in the values of nested documents."""

    def __init__(self, *, message_bodies: bool = False, region: str = "US"):
        """``region``: the country whose national phone numbers and address formats leads use
        (numbers written with a ``+`` country code are found whatever it is)."""
        self.message_bodies = message_bodies
        self.phone_region = region.upper()
        self.address_countries = [self.phone_region] if self.phone_region in ADDRESS_COUNTRIES else ["US"]

    def text(self, value: str) -> str:
        """``value`` with every e-mail, phone number and street address replaced by a marker."""
        if not value:
            return value
        if "@" in value:
            value = _EMAIL.sub(EMAIL, value)
        digits = sum(c.isdigit() for c in value)
        if digits >= 3:  # an address starts with a house number
            value = self._addresses(value)
        if digits >= 7:  # the shortest phone numbers libphonenumber accepts in running text
            value = self._phones(value)
        return value

    def body(self, value: str | None) -> str | None:
        """A lead's or AVA's message: kept (masked) only when bodies may be logged."""
        if value is None:
            return None
        if self.message_bodies:
            return self.text(value)
        return f"[message: {len(value)} characters]"

    def document(self, value: Any) -> Any:
        """Every string in a JSON-like value, masked."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.document(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.document(v) for v in value]
        return value

    def _phones(self, value: str) -> str:
        spans = [(m.start, m.end) for m in phonenumbers.PhoneNumberMatcher(value, self.phone_region)]
        return _replace(value, spans, PHONE)

    def _addresses(self, value: str) -> str:
        spans = []
        for country in self.address_countries:
            spans += [(a.match_start, a.match_end) for a in pyap.parse(value, country=country)]
        return _replace(value, spans, ADDRESS)


def _replace(value: str, spans: list[tuple[int, int]], marker: str) -> str:
    """Replace the (possibly overlapping) spans, right to left so earlier offsets stay valid."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    for start, end in reversed(merged):
        value = value[:start] + marker + value[end:]
    return value
