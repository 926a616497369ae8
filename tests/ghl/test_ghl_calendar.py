"""The GoHighLevel calendar behind AVA's booking tools, on recorded payloads."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from ghl_recorded import CALENDAR, CONTACT, answer

from ava_core.calendar.base import Slot
from ava_core.errors import StoreError
from ava_core.geo import ProfileAreaGeo
from ava_core.ghl.calendars import GhlCalendar
from ava_core.knowledge import UnconfiguredKnowledge
from ava_core.models.base import ToolCall
from ava_core.store.crm import CrmRecords
from ava_core.tools import ToolContext, default_toolbox

FREE = f"/calendars/{CALENDAR}/free-slots"
CREATE = "/calendars/events/appointments"
CONTACT_EVENTS = f"/contacts/{CONTACT}/appointments"


def calendar_on(api, profile, store):
    return GhlCalendar(api, calendar_id=CALENDAR, booking=profile.booking, tz=profile.tz, store=store,
                       contact_of=lambda contact_id: store.contact(contact_id).external_id)


@pytest.fixture
def lead(profile, store, clock):
    """A qualified GoHighLevel lead's conversation, and a tool context on the calendar given."""

    def make(calendar) -> ToolContext:
        now = clock.now()
        contact = store.upsert_contact("ghl", CONTACT, name="Jane Doe", phone="+15125550142", at=now)
        conversation = store.open_conversation(contact.id, "ghl", now)
        for question in profile.qualification.questions:
            store.record_answer(conversation.id, question.field, "x", "pass", now)
        return ToolContext(conversation_id=conversation.id, contact_id=contact.id, turn_id="t1", profile=profile,
                           store=store, clock=clock, calendar=calendar, geo=ProfileAreaGeo(profile.service_area),
                           knowledge=UnconfiguredKnowledge())

    return make


def _call(ctx, name, **args):
    return default_toolbox().execute(ctx, ToolCall(id="c", name=name, args=args))


def test_free_slots_across_the_us_dst_change_keep_their_offsets(ghl, profile, store):
    api, recorded = ghl(answer("GET", FREE, "free_slots_dst.json"))
    chicago = profile.tz
    start, end = datetime(2027, 3, 12, tzinfo=chicago), datetime(2027, 3, 16, tzinfo=chicago)
    slots = calendar_on(api, profile, store).free_slots(start, end)
    assert [s.id_in(chicago) for s in slots] == [
        "2027-03-12T09:00:00-06:00", "2027-03-12T14:00:00-06:00",   # CST, before 2027-03-14
        "2027-03-15T09:00:00-05:00", "2027-03-15T14:00:00-05:00",   # CDT, after
    ]
    assert all((s.end - s.start).total_seconds() == profile.booking.meeting_minutes * 60 for s in slots)
    [request] = recorded.calls
    assert request.headers["Version"] == "2021-04-15"
    assert request.url.params["timezone"] == "America/Chicago"
    assert int(request.url.params["startDate"]) == int(start.timestamp() * 1000)  # epoch milliseconds


def test_free_slots_in_a_european_time_zone(ghl, profile, store):
    berlin = profile.model_copy(update={"business": profile.business.model_copy(update={"timezone": "Europe/Berlin"})})
    api, recorded = ghl(answer("GET", FREE, "free_slots_berlin.json"))
    tz = ZoneInfo("Europe/Berlin")
    slots = calendar_on(api, berlin, store).free_slots(datetime(2027, 3, 26, tzinfo=tz), datetime(2027, 3, 30, tzinfo=tz))
    assert [s.id_in(tz) for s in slots] == [
        "2027-03-26T10:00:00+01:00", "2027-03-29T10:00:00+02:00", "2027-03-29T15:30:00+02:00"]
    assert recorded.calls[0].url.params["timezone"] == "Europe/Berlin"


def test_a_range_longer_than_31_days_is_asked_in_pieces(ghl, profile, store):
    api, recorded = ghl(answer("GET", FREE, "free_slots_week.json"))
    tz = profile.tz
    calendar_on(api, profile, store).free_slots(datetime(2026, 12, 1, tzinfo=tz), datetime(2027, 1, 10, tzinfo=tz))
    spans = [(int(r.url.params["endDate"]) - int(r.url.params["startDate"])) / 86_400_000 for r in recorded.calls]
    assert len(spans) == 2 and max(spans) <= 31


def test_booking_offers_books_in_ghl_and_sends_the_calendars_meeting_link(ghl, profile, store, lead):
    api, recorded = ghl(answer("GET", FREE, "free_slots_week.json"),
                        answer("GET", CONTACT_EVENTS, "contact_appointments_none.json"),
                        answer("POST", CREATE, "appointment_created.json", status=201))
    ctx = lead(calendar_on(api, profile, store))
    offered = _call(ctx, "get_free_slots")
    assert [s["id"] for s in offered.data["slots"]] == [
        "2026-12-02T09:00:00-06:00", "2026-12-03T09:00:00-06:00", "2026-12-04T13:00:00-06:00"]
    booked = _call(ctx, "book_appointment", slot_id="2026-12-02T09:00:00-06:00")
    assert booked.ok, booked.error
    [create] = recorded.requests("POST", CREATE)
    sent = json.loads(create.content)
    assert sent["calendarId"] == CALENDAR and sent["contactId"] == CONTACT
    assert sent["locationId"] == "l1C08ntBrFjLS0elLIYU"
    assert (sent["startTime"], sent["endTime"]) == ("2026-12-02T09:00:00-06:00", "2026-12-02T09:30:00-06:00")
    assert sent["ignoreFreeSlotValidation"] is False
    appointment = store.active_appointment(ctx.conversation_id)
    assert appointment.external_id == "0TkCdp9PfvLeWKYRRvIz"
    link = _call(ctx, "send_meeting_link")
    assert link.data["link"] == "https://meet.google.com/yqp-gogr-wve"


def test_without_a_link_in_ghl_the_profile_link_template_is_used(ghl, profile, store, lead):
    created = answer("POST", CREATE, "appointment_created.json", status=201)
    created.response.json_body = {k: v for k, v in created.response.json_body.items() if k != "address"}
    api, _ = ghl(answer("GET", FREE, "free_slots_week.json"),
                 answer("GET", CONTACT_EVENTS, "contact_appointments_none.json"), created,
                 answer("GET", f"{CREATE}/0TkCdp9PfvLeWKYRRvIz", None, status=404),
                 answer("GET", f"/calendars/{CALENDAR}", "calendar.json"))
    ctx = lead(calendar_on(api, profile, store))
    _call(ctx, "get_free_slots")
    assert _call(ctx, "book_appointment", slot_id="2026-12-02T09:00:00-06:00").ok
    appointment = store.active_appointment(ctx.conversation_id)
    link = _call(ctx, "send_meeting_link")
    assert link.data["link"] == profile.booking.link_template.format(appointment_id=appointment.id,
                                                                     slot_id=appointment.slot_id)


def test_a_slot_taken_in_ghl_meanwhile_makes_the_tool_offer_fresh_slots(ghl, profile, store, lead):
    api, _ = ghl(answer("GET", FREE, "free_slots_week.json", times=2),   # offered, then still free on re-check
                 answer("GET", FREE, "free_slots_after_taken.json"),       # gone once GHL refused it
                 answer("GET", CONTACT_EVENTS, "contact_appointments_none.json"),
                 answer("POST", CREATE, "slot_unavailable_422.json", status=422))
    ctx = lead(calendar_on(api, profile, store))
    _call(ctx, "get_free_slots")
    result = _call(ctx, "book_appointment", slot_id="2026-12-02T09:00:00-06:00")
    assert not result.ok and "no longer free" in result.error
    assert [s["id"] for s in result.data["alternatives"]] == [
        "2026-12-02T10:00:00-06:00", "2026-12-03T09:00:00-06:00", "2026-12-04T13:00:00-06:00"]
    assert store.active_appointment(ctx.conversation_id) is None  # the hold was released


def test_a_booking_retried_after_a_crash_finds_the_appointment_ghl_already_has(ghl, profile, store, lead,
                                                                               monkeypatch):
    api, recorded = ghl(answer("GET", FREE, "free_slots_week.json"),
                        answer("GET", CONTACT_EVENTS, "contact_appointments_none.json", times=1),
                        answer("GET", CONTACT_EVENTS, "contact_appointments_booked.json"),
                        answer("POST", CREATE, "appointment_created.json", status=201))
    ctx = lead(calendar_on(api, profile, store))
    _call(ctx, "get_free_slots")
    def crash(*args):
        raise StoreError("disk I/O error")

    monkeypatch.setattr(CrmRecords, "set_appointment_external", crash)
    slot = next(o for o in store.offered_slots(ctx.conversation_id) if o.slot_id == "2026-12-02T09:00:00-06:00")
    with pytest.raises(StoreError):  # GHL made it; AVA died before noting its id
        ctx.calendar.book(Slot(start=slot.start, end=slot.end), slot_id=slot.slot_id,
                          conversation_id=ctx.conversation_id, contact_id=ctx.contact_id, at=ctx.clock.now())
    monkeypatch.undo()
    for _ in range(2):  # the durable retry, then the model asking again
        assert _call(ctx, "book_appointment", slot_id=slot.slot_id).ok
    assert len(recorded.requests("POST", CREATE)) == 1
    appointment = store.active_appointment(ctx.conversation_id)
    assert appointment.external_id == "0TkCdp9PfvLeWKYRRvIz"


def test_a_rejected_token_tells_the_tool_which_setting_to_fix(ghl, profile, store, lead):
    api, _ = ghl(answer("GET", FREE, "unauthorized_401.json", status=401))
    result = _call(lead(calendar_on(api, profile, store)), "get_free_slots")
    assert not result.ok
    assert "AVA_GHL_ACCESS_TOKEN" in result.error


def _booked(ghl, profile, store, lead, *more):
    """A lead booked in GHL for Wed Dec 2, 9:00, on a calendar that also answers ``more``."""
    api, recorded = ghl(answer("GET", FREE, "free_slots_week.json", times=2),  # offered, re-checked
                        answer("GET", CONTACT_EVENTS, "contact_appointments_none.json"),
                        answer("POST", CREATE, "appointment_created.json", status=201), *more)
    ctx = lead(calendar_on(api, profile, store))
    _call(ctx, "get_free_slots")
    assert _call(ctx, "book_appointment", slot_id="2026-12-02T09:00:00-06:00").ok
    return ctx, recorded


EVENT = f"{CREATE}/0TkCdp9PfvLeWKYRRvIz"


def test_cancelling_cancels_the_ghl_appointment_once_and_a_retry_answers_the_same(ghl, profile, store, lead):
    ctx, recorded = _booked(ghl, profile, store, lead, answer("PUT", EVENT, "appointment_cancelled.json", times=1))
    first = _call(ctx, "cancel_appointment", reason="something came up")
    again = _call(ctx, "cancel_appointment")  # the durable retry, or the model asking twice
    assert first.ok and again.ok, (first.error, again.error)
    [put] = recorded.requests("PUT", EVENT)
    assert json.loads(put.content) == {"appointmentStatus": "cancelled"}
    assert again.data["already_cancelled"] is True and first.data["already_cancelled"] is False
    assert again.data["confirmation"] == first.data["confirmation"] == (
        "Your solar consultation on Wednesday, Dec 2 at 9:00 AM is cancelled.")
    assert store.active_appointment(ctx.conversation_id) is None
    [row] = store.appointments(ctx.conversation_id)
    assert (row.status, row.cancel_reason, row.cancelled_at) == ("cancelled", "something came up", ctx.clock.now())


def test_a_cancel_ghl_refuses_leaves_the_booking_and_says_why(ghl, profile, store, lead):
    ctx, _ = _booked(ghl, profile, store, lead, answer("PUT", EVENT, "unauthorized_401.json", status=401))
    result = _call(ctx, "cancel_appointment")
    assert not result.ok and "AVA_GHL_ACCESS_TOKEN" in result.error
    assert store.active_appointment(ctx.conversation_id).external_id == "0TkCdp9PfvLeWKYRRvIz"


def test_rescheduling_moves_the_ghl_appointment_and_sends_its_link_for_the_new_time(ghl, profile, store, lead):
    ctx, recorded = _booked(ghl, profile, store, lead,
                            answer("GET", FREE, "free_slots_after_taken.json"),   # Thursday, then the re-check
                            answer("PUT", EVENT, "appointment_rescheduled.json"))
    offered = _call(ctx, "get_free_slots", **{"from": "2026-12-03", "to": "2026-12-03"})
    assert [s["id"] for s in offered.data["slots"]] == ["2026-12-03T09:00:00-06:00", "2026-12-03T11:00:00-06:00"]
    moved = _call(ctx, "reschedule_appointment", slot_id="2026-12-03T11:00:00-06:00")
    assert moved.ok, moved.error
    [put] = recorded.requests("PUT", EVENT)
    assert json.loads(put.content) == {"calendarId": CALENDAR, "startTime": "2026-12-03T11:00:00-06:00",
                                       "endTime": "2026-12-03T11:30:00-06:00", "ignoreFreeSlotValidation": False}
    now_booked = store.active_appointment(ctx.conversation_id)
    assert (now_booked.slot_id, now_booked.external_id, now_booked.link, now_booked.link_sent) == (
        "2026-12-03T11:00:00-06:00", "0TkCdp9PfvLeWKYRRvIz", "https://meet.google.com/yqp-gogr-wve", True)
    assert moved.data["confirmation"] == (
        "Your solar consultation is moved from Wednesday, Dec 2 at 9:00 AM to Thursday, Dec 3 at 11:00 AM. "
        "Here's your meeting link: https://meet.google.com/yqp-gogr-wve")
    before = store.appointments(ctx.conversation_id)[0]
    assert (before.status, before.moved_to) == ("cancelled", now_booked.id)


def test_a_move_ghl_refuses_because_the_slot_went_keeps_the_old_time_and_offers_others(ghl, profile, store, lead):
    ctx, recorded = _booked(ghl, profile, store, lead,
                            answer("GET", FREE, "free_slots_week.json", times=2),   # offered, still free on re-check
                            answer("GET", FREE, "free_slots_thursday_taken.json"),   # gone once GHL refused it
                            answer("PUT", EVENT, "slot_unavailable_422.json", status=422))
    _call(ctx, "get_free_slots", **{"from": "2026-12-03", "to": "2026-12-03"})
    result = _call(ctx, "reschedule_appointment", slot_id="2026-12-03T11:00:00-06:00")
    assert not result.ok and "no longer free" in result.error
    assert "2026-12-03T11:00:00-06:00" not in [s["id"] for s in result.data["alternatives"]]
    kept = store.active_appointment(ctx.conversation_id)
    assert (kept.slot_id, kept.external_id) == ("2026-12-02T09:00:00-06:00", "0TkCdp9PfvLeWKYRRvIz")
    assert [a.status for a in store.appointments(ctx.conversation_id)] == ["booked"]
