"""The evals' tool check reads moves of a booking as it reads bookings: only to offered times."""

from __future__ import annotations

from pathlib import Path

from ava_core.scenario import Outcome, ScenarioResult, ToolCallView, load_scenario
from evals.checks import Played, _profile, tools

ROOT = Path(__file__).resolve().parents[2]


def _played(*calls: ToolCallView) -> Played:
    scenario = load_scenario(ROOT / "evals" / "scenarios" / "changes-slot.yaml")
    result = ScenarioResult(name="x", passed=True, failures=[], transcript=[], tool_calls=list(calls),
                            outcome=Outcome(qualified=True, booked=True, appointment=None, handoff=False,
                                            opted_out=False))
    return Played(scenario=scenario, result=result, profile=_profile(str(ROOT / "examples" / "profile.yaml")))


def _ok(name, args=None, **data) -> ToolCallView:
    return ToolCallView(name=name, args=args or {}, result={"ok": True, "data": data}, ok=True)


OFFERED = [_ok("check_service_area"), _ok("get_free_slots", slots=[{"id": "A"}, {"id": "B"}]),
           _ok("book_appointment", {"slot_id": "A"}, booked=True), _ok("send_meeting_link")]


def test_a_move_to_an_offered_time_passes():
    assert tools(_played(*OFFERED, _ok("reschedule_appointment", {"slot_id": "B"}, rescheduled=True))) == []


def test_a_move_to_a_time_never_offered_is_reported():
    found = tools(_played(*OFFERED, _ok("reschedule_appointment", {"slot_id": "Z"}, rescheduled=True)))
    assert found == ["moved a booking to Z, a time that was never offered"]
