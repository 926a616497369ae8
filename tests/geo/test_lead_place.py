"""What the service-area tool records, and times shown in the lead's own zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from cryptography.fernet import Fernet

from ava_core.agent.guards import unoffered_times
from ava_core.calendar import LocalCalendar
from ava_core.geo.lead_time import in_lead_time
from ava_core.knowledge import UnconfiguredKnowledge
from ava_core.models.base import ToolCall
from ava_core.store import Sealer, Store
from ava_core.tools import ToolContext, default_toolbox
from tests.geo.conftest import geocode, recorded, timezone

EL_PASO = "300 N Campbell St, El Paso, TX 79901"
WHOLE_TEXAS = [(25.0, -107.0), (37.0, -107.0), (37.0, -93.0), (25.0, -93.0)]


def _context(profile, store, clock, geo) -> ToolContext:
    now = clock.now()
    contact = store.upsert_contact("whatsapp", "+19155550101", name="Lead", phone="+19155550101", at=now)
    conversation = store.open_conversation(contact.id, "whatsapp", now)
    return ToolContext(
        conversation_id=conversation.id, contact_id=contact.id, turn_id="t1", profile=profile, store=store,
        clock=clock, calendar=LocalCalendar(profile.booking, profile.tz, store, clock), geo=geo,
        knowledge=UnconfiguredKnowledge(),
    )


def _call(ctx, name, **args):
    return default_toolbox().execute(ctx, ToolCall(id="c", name=name, args=args))


def test_the_address_and_coordinates_are_recorded_with_the_check_and_sealed(google_geo, profile, settings, clock):
    store = Store(settings.db_path, sealer=Sealer(Fernet.generate_key().decode()))
    http = recorded(geocode("1100 Congress Ave, Austin, TX 78701", "geocode_inside.json"), timezone())
    geo = google_geo(http)
    geo._cache._store = store  # the cache lives in the sealed store too
    ctx = _context(profile, store, clock, geo)
    result = _call(ctx, "check_service_area", address_or_zip="1100 Congress Ave, Austin, TX 78701")
    assert result.ok and result.data["in_area"] is True
    place = store.area_place(ctx.conversation_id)
    assert place["address"] == "1100 Congress Ave, Austin, TX 78701, USA"
    assert (place["lat"], place["lng"]) == (30.2747, -97.7404)
    assert place["timezone"] == "America/Chicago" and place["backend"] == "google"
    with store._unit() as conn:
        raw = conn.execute("SELECT place FROM area_checks").fetchone()["place"]
        cached = [r["key"] for r in conn.execute("SELECT key FROM geo_cache")]
    assert "Congress" not in raw
    assert not any("congress" in key for key in cached)


def test_a_lead_in_another_time_zone_sees_slots_in_their_own_time(google_geo, profile, store, clock):
    http = recorded(geocode(EL_PASO, "geocode_el_paso.json"), timezone("timezone_denver.json"))
    geo = google_geo(http, radius_miles=None, polygon=WHOLE_TEXAS)
    ctx = _context(profile, store, clock, geo)
    assert _call(ctx, "check_service_area", address_or_zip=EL_PASO).data["timezone"] == "America/Denver"
    for question in profile.qualification.questions:
        store.record_answer(ctx.conversation_id, question.field, "x", "pass", clock.now())
    slots = _call(ctx, "get_free_slots").data["slots"]
    assert slots[1]["label"] == "Wednesday, Dec 2 at 9:00 AM (8:00 AM your time, MST)"
    offered = store.offered_slots(ctx.conversation_id)
    assert any("your time" in o.label for o in offered)  # the playbook and the prompt show the same label


def test_a_lead_in_the_business_zone_sees_plain_labels():
    start = datetime(2026, 12, 2, 15, 0, tzinfo=ZoneInfo("UTC"))
    chicago = ZoneInfo("America/Chicago")
    assert in_lead_time("Wednesday, Dec 2 at 9:00 AM", start, chicago, chicago) == "Wednesday, Dec 2 at 9:00 AM"
    assert in_lead_time("Wednesday, Dec 2 at 9:00 AM", start, chicago, None) == "Wednesday, Dec 2 at 9:00 AM"
    assert in_lead_time("Wednesday, Dec 2 at 9:00 AM", start, chicago, ZoneInfo("America/New_York")) == (
        "Wednesday, Dec 2 at 9:00 AM (10:00 AM your time, EST)")


def test_a_spanish_lead_in_another_time_zone_sees_their_own_time_in_spanish(google_geo, profile, store, clock):
    http = recorded(geocode(EL_PASO, "geocode_el_paso.json"), timezone("timezone_denver.json"))
    ctx = _context(profile, store, clock, google_geo(http, radius_miles=None, polygon=WHOLE_TEXAS))
    store.add_message(ctx.conversation_id, "user", "hola, me interesan los paneles solares", at=clock.now())
    _call(ctx, "check_service_area", address_or_zip=EL_PASO)
    for question in profile.qualification.questions:
        store.record_answer(ctx.conversation_id, question.field, "x", "pass", clock.now())
    label = _call(ctx, "get_free_slots").data["slots"][1]["label"]
    assert label == "miércoles 2 de diciembre a las 9:00 (8:00 en su hora, MST)"
    # The time guard reads it back as the offered slot, on the business's clock and the lead's.
    starts = [o.start for o in store.offered_slots(ctx.conversation_id)]
    reply = f"¿Le queda bien el {label}?"
    assert unoffered_times(profile, reply, allowed=starts, now=clock.now(), lead_tz=ZoneInfo("America/Denver")) == []
    assert unoffered_times(profile, reply, allowed=starts[:1], now=clock.now(), lead_tz=ZoneInfo("America/Denver"))


def test_the_leads_own_clock_is_said_in_their_language():
    start = datetime(2026, 12, 2, 15, 0, tzinfo=ZoneInfo("UTC"))
    chicago, denver = ZoneInfo("America/Chicago"), ZoneInfo("America/Denver")
    assert in_lead_time("miércoles 2 de diciembre a las 9:00", start, chicago, denver, "es") == (
        "miércoles 2 de diciembre a las 9:00 (8:00 en su hora, MST)")
    assert "your time" not in in_lead_time("x", start, chicago, denver, "es")
