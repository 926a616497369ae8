"""Named times: a reply may name only the slots offered in the conversation or the booking,
however it writes them, in English or Spanish; numbers that are not times pass."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ava_core.agent.guards import unoffered_times
from ava_core.geo.lead_time import in_lead_time
from tests.conftest import CHICAGO

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=CHICAGO)  # a Tuesday morning
OFFERED = [datetime(2026, 12, 1, 13, 0, tzinfo=CHICAGO), datetime(2026, 12, 2, 9, 0, tzinfo=CHICAGO),
           datetime(2026, 12, 3, 9, 0, tzinfo=CHICAGO)]


def _wrong(profile, text, allowed=OFFERED):
    return unoffered_times(profile, text, allowed=allowed, now=NOW)


@pytest.mark.parametrize("locale", ["en", "es"])
@pytest.mark.parametrize("pattern", ["EEEE d 'de' MMMM, h:mm a", "EEEE, MMMM d, h:mm a", "EEE d MMM, h:mm a",
                                     "full", "medium"])
def test_babel_labels_of_offered_slots_pass(profile, locale, pattern):
    if "'de'" in pattern and locale == "en":
        pattern = "EEEE, MMMM d 'at' h:mm a"
    labels = [format_datetime(s, pattern, tzinfo=CHICAGO, locale=locale) for s in OFFERED]
    assert _wrong(profile, "\n".join(f"{i}. {label}" for i, label in enumerate(labels, 1))) == []


@pytest.mark.parametrize("text", [
    "Thursday at 9am", "Thursday at 9", "Thu 9:00", "Tuesday 1 PM", "Tuesday at 1", "Wed, Dec 2 at 9:00 AM",
    "tomorrow at 9", "today at 1pm", "el jueves a las 9", "el jueves a las 9:00", "jueves 9:00 a. m.",
    "el martes a la 1", "el martes a la 1 de la tarde", "mañana a las 9 de la mañana", "el miércoles 2 a las 9",
    "¿Le queda bien el miércoles 2 de diciembre a las 9:00 a. m.?", "martes 1 de diciembre, 13:00",
    # labels as a person says them: today's and tomorrow's slots by those words, 24-hour Spanish
    "today at 1:00 PM", "tomorrow at 9:00 AM", "Wednesday, Dec 2 at 9:00 AM", "hoy a las 13:00",
    "mañana a las 9:00", "miércoles 2 de diciembre a las 9:00", "jueves 3 de diciembre a las 9:00",
    "1. hoy a las 13:00\n2. mañana a las 9:00\n3. jueves 3 de diciembre a las 9:00",
])
def test_plain_spellings_of_offered_slots_pass(profile, text):
    assert _wrong(profile, text) == []


@pytest.mark.parametrize(("text", "named"), [
    ("How about Friday at 10:00 AM?", ["friday at 10:00 am"]),
    ("Wednesday 9:00 AM or Thursday 9:00 AM", []),
    ("I have Wednesday 1:00 PM", ["wednesday 1:00 pm"]),
    ("Could you do 2:30 PM?", ["2:30 pm"]),
    ("¿Le queda bien el viernes a las 9?", ["viernes a las 9:00"]),
    ("Tengo el jueves 3 de diciembre a las 3:00 p. m.", ["jueves 3 de diciembre a las 3:00 pm"]),
    ("Tomorrow at 1 PM works", ["tomorrow at 1 pm"]),
    ("hoy a las 9:00", ["hoy a las 9:00"]),
    ("mañana a las 13:00", ["mañana a las 13:00"]),
    ("el 4 de diciembre a las 9:00", ["4 de diciembre a las 9:00"]),
])
def test_times_no_tool_offered_are_named(profile, text, named):
    assert _wrong(profile, text) == named


def test_with_nothing_offered_every_time_is_refused(profile):
    assert _wrong(profile, "Wednesday 9:00 AM or Thursday 9:00 AM?", allowed=[]) == [
        "wednesday 9:00 am", "thursday 9:00 am"]


@pytest.mark.parametrize("text", [
    "It's a free 30-minute consultation.", "Panels carry a 25-year warranty.", "Permitting takes 3-6 weeks.",
    "Someone usually replies within the hour.", "Our advisors take calls Mon–Fri 9:00 AM–5:00 PM.",
    "Our advisors take calls Mon–Thu 9:00 AM–5:00 PM, Fri 9:00 AM–4:00 PM, Sat 10:00 AM–1:00 PM.",
"Today or tomorrow?", "Financing from $0 down.",
    "That's $150 a month at 8 cents per kWh.", "Call us at (512) 555-0100.", "Over 2,300 homes since 2012.",
    "A 10-year workmanship warranty and 24/7 monitoring.", "The 30% federal tax credit.", "A 7.5 kW system",
    "ZIP 78704 is in our area!", "Install takes 1 day.", "Your roof is 12 years old, perfect.",
    "Una consulta gratis de 30 minutos.", "Garantía de 25 años.", "El permiso tarda de 3 a 6 semanas.",
    "Desde $0 de enganche.", "Atendemos lun–jue 9:00 a. m.–5:00 p. m.", "En menos de una hora le escriben.",
    "¿Hoy o mañana?", "El crédito fiscal del 30%.", "Su techo tiene 12 años.",
])
def test_what_a_setter_legitimately_writes_is_not_a_time(profile, text):
    assert _wrong(profile, text, allowed=[]) == []


SLOT_STARTS = st.builds(
    lambda day, minutes: datetime(2026, 12, 2, 9, 0, tzinfo=CHICAGO) + timedelta(days=day, minutes=minutes),
    st.integers(0, 12), st.sampled_from(range(0, 8 * 60, 30)),
)
LABELS = st.sampled_from([
    ("en", "EEEE, MMM d, h:mm a"), ("en", "EEEE 'at' h:mm a"), ("en", "EEE, MMMM d 'at' h:mm a"),
    ("en", "EEEE, MMMM d, y 'at' h:mm a"), ("es", "EEEE d 'de' MMMM, h:mm a"), ("es", "EEEE 'a las' H:mm"),
    ("es", "EEE d 'de' MMMM, h:mm a"), ("es", "EEEE, d 'de' MMMM 'de' y, H:mm"),
])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=SLOT_STARTS, label=LABELS)
def test_an_offered_slot_passes_and_the_same_words_an_hour_or_a_day_off_do_not(profile, start, label):
    locale, pattern = label
    said = format_datetime(start, pattern, tzinfo=CHICAGO, locale=locale)
    assert _wrong(profile, said, allowed=[start]) == []
    assert _wrong(profile, said, allowed=[start + timedelta(hours=1)]) != []
    assert _wrong(profile, said, allowed=[start + timedelta(days=1)]) != []


EASTERN = ZoneInfo("America/New_York")


@pytest.mark.parametrize("text", [
    in_lead_time("Wednesday, Dec 2 at 9:00 AM", OFFERED[1], CHICAGO, EASTERN),
    "Wednesday 9:00 AM (10:00 AM your time) works?",
    "el miércoles 2 de diciembre a las 9:00 a. m. (10:00 a. m. en su hora)",
    "¿Le queda bien el jueves a las 10:00 a. m., su hora?",
])
def test_an_offered_slot_said_in_the_leads_own_zone_passes(profile, text):
    assert unoffered_times(profile, text, allowed=OFFERED, now=NOW, lead_tz=EASTERN) == []


def test_a_time_in_the_leads_zone_that_no_slot_starts_at_is_refused(profile):
    # 11:00 Eastern is 10:00 in Chicago: no slot starts then.
    assert unoffered_times(profile, "Thursday at 11:00 AM your time", allowed=OFFERED, now=NOW,
                           lead_tz=EASTERN) == ["thursday at 11:00 am"]
