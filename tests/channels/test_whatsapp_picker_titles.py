"""Property: whatever the titles, a WhatsApp picker's titles are distinct and within Meta's limits."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ava_core.channels.whatsapp import BUTTON_TITLE_LIMIT, LIST_ROW_TITLE_LIMIT, distinct_titles

titles = st.lists(st.sampled_from(["Wed 9:00 AM", "wed 9:00 am", "Wed 9:00 AM (2)", ""])
                  | st.text(min_size=0, max_size=40), min_size=1, max_size=10)


@given(titles, st.sampled_from([BUTTON_TITLE_LIMIT, LIST_ROW_TITLE_LIMIT]))
def test_picker_titles_are_distinct_and_short_enough(given_titles, limit):
    out = distinct_titles(given_titles, limit)
    assert len(out) == len(given_titles)
    assert len({t.casefold() for t in out}) == len(out)
    assert all(len(t) <= limit for t in out)


@given(st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=3, unique_by=str.casefold))
def test_distinct_short_titles_are_left_as_they_are(given_titles):
    assert distinct_titles(given_titles, BUTTON_TITLE_LIMIT) == given_titles
