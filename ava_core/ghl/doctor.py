"""``ava doctor`` for GoHighLevel: token, location, calendar and scopes, checked live.

Only read calls are made (the doctor changes nothing in the CRM), so write scopes are named
but cannot be proved; a token that can read a resource was almost always issued with its
write scope in the same Private Integration or app.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from ava_core.ghl.http import CALENDARS, CONTACTS, CONVERSATIONS, GhlApi, GhlError
from ava_core.settings import Settings

# What AVA reads, and the read scope each call proves.
READ_SCOPES = (
    ("contacts.readonly", "GET", "/contacts/", CONTACTS),
    ("conversations.readonly", "GET", "/conversations/search", CONVERSATIONS),
    ("calendars.readonly", "GET", "/calendars/", CALENDARS),
    ("calendars/events.readonly", "GET", "/calendars/events", CALENDARS),
)
WRITE_SCOPES = "contacts.write, conversations/message.write, calendars/events.write"


def check_ghl(settings: Settings, *, http_client: httpx.Client | None = None,
              now: datetime | None = None) -> list[tuple[str, bool, str]]:
    """(what, ok, detail) for the token, the location, the calendar and the scopes."""
    if settings.ghl_access_token is None:
        return []
    if not settings.ghl_location_id:
        return [("ghl location", False, "AVA_GHL_LOCATION_ID is not set")]
    api = GhlApi(client=http_client or httpx.Client(timeout=15.0), token=settings.ghl_access_token.get_secret_value(),
                 location_id=settings.ghl_location_id, base_url=settings.ghl_base_url, max_attempts=1)
    location = settings.ghl_location_id
    now = now or datetime.now(UTC)
    params = {
        "/contacts/": {"locationId": location, "limit": 1},
        "/conversations/search": {"locationId": location, "limit": 1},
        "/calendars/": {"locationId": location},
        "/calendars/events": {"locationId": location, "calendarId": settings.ghl_calendar_id or "",
                              "startTime": int(now.timestamp() * 1000),
                              "endTime": int((now + timedelta(days=1)).timestamp() * 1000)},
    }
    results: dict[str, GhlError | dict] = {}
    for scope, method, path, version in READ_SCOPES:
        try:
            results[scope] = api.request(method, path, version=version, params=params[path], what=f"check {scope}")
        except GhlError as exc:
            results[scope] = exc
    errors = [r for r in results.values() if isinstance(r, GhlError)]
    lines = []
    if any(e.status == 401 for e in errors):
        lines.append(("ghl token", False, next(str(e) for e in errors if e.status == 401)))
        return lines
    unreachable = [e for e in errors if e.status == 0]
    if len(unreachable) == len(results):
        return [("ghl token", False, f"GoHighLevel not reachable: {unreachable[0]}")]
    lines.append(("ghl token", True, "accepted by GoHighLevel"))
    calendars = results["calendars.readonly"]
    if isinstance(calendars, GhlError):
        lines.append(("ghl location", False, f"location {location}: {calendars}"))
    else:
        names = {c.get("id"): c.get("name") for c in calendars.get("calendars") or [] if isinstance(c, dict)}
        lines.append(("ghl location", True, f"location {location} readable, {len(names)} calendar(s)"))
        if settings.calendar_backend == "ghl" or settings.ghl_calendar_id:
            wanted = settings.ghl_calendar_id
            if not wanted:
                lines.append(("ghl calendar", False, "AVA_CALENDAR_BACKEND=ghl but AVA_GHL_CALENDAR_ID is not set"))
            elif wanted in names:
                lines.append(("ghl calendar", True, f"calendar {wanted} ({names[wanted]}) found"))
            else:
                lines.append(("ghl calendar", False, f"calendar {wanted} is not in location {location}: "
                                                     "check AVA_GHL_CALENDAR_ID"))
    missing = [scope for scope, result in results.items() if isinstance(result, GhlError)]
    if missing:
        lines.append(("ghl scopes", False, f"missing or refused: {', '.join(missing)}; add them to the token"))
    else:
        lines.append(("ghl scopes", True, f"{', '.join(results)} work; also needed (not probed, "
                                          f"they would write): {WRITE_SCOPES}"))
    return lines
