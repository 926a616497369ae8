"""Recorded GoHighLevel exchanges for tests: ids of the recorded location, and ``answer(...)``."""

from __future__ import annotations

import json
from pathlib import Path

from ava_core.ghl.http import BASE_URL
from ava_core.recorded_http import Exchange

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ghl"
LOCATION = "l1C08ntBrFjLS0elLIYU"
CALENDAR = "CVokAlI8fgw4WYWoCtQz"
CONTACT = "cI08i1Bls3iTB9bKgFJh"


def body(name: str):
    return json.loads((FIXTURES / name).read_text())


def answer(method: str, path: str, fixture: str | None = None, *, status: int = 200, times: int | None = None,
           headers: dict | None = None, query: dict | None = None, json_subset: dict | None = None) -> Exchange:
    """One recorded exchange with GoHighLevel: ``fixture`` names the response body under tests/fixtures/ghl."""
    return Exchange.model_validate({
        "request": {"method": method, "url": BASE_URL + path, "query": query or {}, "json": json_subset},
        "response": {"status": status, "headers": headers or {}, "json": body(fixture) if fixture else None},
        "times": times,
    })
