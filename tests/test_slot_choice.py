"""Reading when a lead means: list choices, days, dates and times, in English and Spanish."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ava_core.models.slot_choice import parse_request
from tests.conftest import CHICAGO

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=CHICAGO)  # a Tuesday


@pytest.mark.parametrize(("text", "position"), [
    ("the first one", 0), ("2", 1), ("option 3", 2), ("second one pls", 1), ("let's do the last one", -1),
    ("I need to talk to my wife first", None), ("hold on one second", None), ("I have two questions first", None),
    ("first I want to know the price", None),
])
def test_a_list_position_is_read_only_from_a_choice(text, position):
    assert parse_request(text, NOW).position == position


@pytest.mark.parametrize(("text", "language", "day", "hour"), [
    ("Dec 10 at 9", "en", date(2026, 12, 10), 9),
    ("december 10th works", "en", date(2026, 12, 10), None),
    ("12/10", "en", date(2026, 12, 10), None),
    ("el 10 de diciembre a las 9", "es", date(2026, 12, 10), 9),
    ("10/12 a las 9", "es", date(2026, 12, 10), 9),
    ("el jueves a las 9", "es", date(2026, 12, 3), 9),
    ("mañana a las 10", "es", date(2026, 12, 2), 10),
    ("jan 5", "en", date(2027, 1, 5), None),
])
def test_days_and_dates_are_read_in_the_leads_language(text, language, day, hour):
    request = parse_request(text, NOW, language)
    assert (request.day, request.hour) == (day, hour)


def test_manana_in_the_morning_is_tomorrow_morning():
    request = parse_request("mañana por la mañana", NOW, "es")
    assert (request.day, request.part) == (date(2026, 12, 2), "morning")


@pytest.mark.parametrize(("text", "expected"), [
    ("after 3", {"earliest": "15:00"}), ("before noon", {"latest": "12:00"}),
    ("mornings are hard", {"part": "afternoon"}), ("afternoons don't work for me", {"part": "morning"}),
    ("next week", {"week": date(2026, 12, 7)}), ("la próxima semana", {"week": date(2026, 12, 7)}),
])
def test_preferences_become_windows(text, expected):
    request = parse_request(text, NOW, "es" if "semana" in text else "en")
    assert {k: getattr(request, k) for k in expected} == expected


@given(
    picks=st.lists(st.tuples(st.integers(0, 12), st.sampled_from([9, 10, 11, 13, 14, 15, 16]),
                             st.sampled_from([0, 30])), min_size=1, max_size=3, unique_by=lambda p: p[:2]),
    language=st.sampled_from(["en", "es"]),
    which=st.integers(0, 2),
)
def test_a_lead_echoing_a_label_ava_said_chooses_that_slot(picks, language, which):
    """Whatever AVA offers, saying its label back (a tapped or copied time) picks that slot."""
    from datetime import timedelta

    from ava_core.calendar.base import slot_label
    from ava_core.models.slot_choice import choose_slot
    from ava_core.state import SlotView

    slots = []
    for days, hour, minute in picks:
        start = datetime(2026, 12, 1, hour, minute, tzinfo=CHICAGO) + timedelta(days=days)
        slots.append(SlotView(id=start.isoformat(), start=start, end=start + timedelta(minutes=30),
                              label=slot_label(start, CHICAGO)))
    chosen = slots[which % len(slots)]
    said = slot_label(chosen.start, CHICAGO, now=NOW, language=language)
    assert choose_slot(said, slots, NOW, language) == chosen, said


def test_a_tapped_quick_reply_for_a_slot_later_today_picks_it():
    """The quick-reply title names today's date; after midnight it is still today, not next year."""
    from datetime import timedelta

    from ava_core.calendar.base import short_slot_label
    from ava_core.models.slot_choice import choose_slot
    from ava_core.state import SlotView

    starts = [datetime(2026, 12, 1, 13, tzinfo=CHICAGO), datetime(2026, 12, 2, 9, tzinfo=CHICAGO)]
    slots = [SlotView(id=s.isoformat(), start=s, end=s + timedelta(minutes=30), label=short_slot_label(s, CHICAGO))
             for s in starts]
    assert choose_slot(short_slot_label(starts[0], CHICAGO), slots, NOW) == slots[0]
