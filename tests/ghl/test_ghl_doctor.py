"""`ava doctor` checks GoHighLevel live: one verdict line each for token, location, calendar, scopes."""

from __future__ import annotations

from ghl_recorded import CALENDAR, LOCATION, answer
from pydantic import SecretStr

from ava_core.cli import doctor
from ava_core.recorded_http import RecordedHttp


def _settings(settings, **extra):
    return settings.model_copy(update={"ghl_access_token": SecretStr("pit-test-token"), "ghl_location_id": LOCATION,
                                       "ghl_calendar_id": CALENDAR, "calendar_backend": "ghl", **extra})


def _run(settings, *exchanges):
    recorded = RecordedHttp(list(exchanges))
    lines: list[str] = []
    code = doctor.run_doctor(settings, echo=lines.append, http_client=recorded.client())
    return code, [line for line in lines if line.split()[1:2] and line.split()[1] == "ghl"], recorded


def test_a_working_location_gets_four_ok_lines(settings):
    code, lines, recorded = _run(_settings(settings),
                                 answer("GET", "/contacts/", "contacts_list.json"),
                                 answer("GET", "/conversations/search", "conversations_search.json"),
                                 answer("GET", "/calendars/", "calendars_list.json"),
                                 answer("GET", "/calendars/events", "calendar_events.json"))
    assert code == 0
    assert [line.split()[:3] for line in lines] == [["ok", "ghl", "token"], ["ok", "ghl", "location"],
                                                    ["ok", "ghl", "calendar"], ["ok", "ghl", "scopes"]]
    assert "Solar consultations" in lines[2]
    assert all(r.url.params["locationId"] == LOCATION for r in recorded.calls)
    assert "pit-test-token" not in "".join(lines)


def test_a_rejected_token_is_one_failing_line_naming_the_setting(settings):
    code, lines, _ = _run(_settings(settings), answer("GET", "/contacts/", "unauthorized_401.json", status=401),
                          answer("GET", "/conversations/search", "unauthorized_401.json", status=401),
                          answer("GET", "/calendars/", "unauthorized_401.json", status=401),
                          answer("GET", "/calendars/events", "unauthorized_401.json", status=401))
    assert code == 1
    [line] = lines
    assert line.startswith("FAIL ghl token") and "AVA_GHL_ACCESS_TOKEN" in line


def test_a_missing_scope_and_an_unknown_calendar_are_named(settings):
    code, lines, _ = _run(_settings(settings, ghl_calendar_id="notInThisLocation01"),
                          answer("GET", "/contacts/", "contacts_list.json"),
                          answer("GET", "/conversations/search", "forbidden_403.json", status=403),
                          answer("GET", "/calendars/", "calendars_list.json"),
                          answer("GET", "/calendars/events", "calendar_events.json"))
    assert code == 1
    assert lines[2].startswith("FAIL ghl calendar") and "AVA_GHL_CALENDAR_ID" in lines[2]
    assert lines[3].startswith("FAIL ghl scopes") and "conversations.readonly" in lines[3]


def test_without_a_ghl_token_the_doctor_checks_no_ghl(settings):
    code, lines, recorded = _run(settings)
    assert (code, lines, recorded.calls) == (0, [], [])
