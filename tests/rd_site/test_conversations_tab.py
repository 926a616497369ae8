"""The Conversations tab without a browser: stored conversations found by name, phone or
outcome with phones masked, and one opened with its transcript and per-turn trace."""

from __future__ import annotations

import pytest

from ava_core.errors import StoreError
from ava_core.settings import Settings
from gradio_app import conversations
from gradio_app.session import build_engines
from gradio_app.site import Site

QUALIFYING = ["hi", "yes we own the house", "about $210 a month", "roof is 6 years old", "full sun", "78704"]


@pytest.fixture
def site(tmp_path) -> Site:
    site = Site(build_engines(Settings(db_path=tmp_path / "ava.sqlite3", qdrant_path=tmp_path / "qdrant")))
    jordan = site.new_lead(model="playbook", name="Jordan Reyes", phone="+15125550142", start="2026-12-01 09:30")
    for text in [*QUALIFYING, "the first one"]:
        site.send(jordan, text)
    maria = site.new_lead(model="playbook", name="María Gómez", phone="+1 (737) 555-0199", start="2026-12-01 10:00")
    for text in ["hola", "no, rento el apartamento"]:
        site.send(maria, text)
    sam = site.new_lead(model="playbook", name="Sam", phone="+15125550177", start="2026-12-01 11:00")
    for text in ["hey", "STOP"]:
        site.send(sam, text)
    pat = site.new_lead(model="playbook", name="Pat", phone="+15125550188", start="2026-12-01 11:30")
    site.send(pat, "hi is this the solar company")
    return site


def _names(found) -> list[str]:
    return sorted(s.name for s in found)


def test_every_conversation_of_the_window_is_listed_with_its_outcome_and_a_masked_phone(site):
    rows = conversations.list_rows(site.engines, conversations.find(site.engines, days=30), reveal=False)
    by_name = {r[2]: r for r in rows}

    assert set(by_name) == {"Jordan Reyes", "María Gómez", "Sam", "Pat"}
    assert by_name["Jordan Reyes"][3] == "+•••••••0142"
    assert by_name["Jordan Reyes"][5] == "booked, qualified"
    assert by_name["María Gómez"][5] == "disqualified"
    assert by_name["Sam"][5] == "opted out"
    assert by_name["Pat"][5] == "qualifying"
    jordan = next(s for s in site.sessions.values() if s.name == "Jordan Reyes")
    assert by_name["Jordan Reyes"][6] == len(jordan.turns) + sum(len(t.bubbles) for t in jordan.turns)
    assert "+1 (737) 555-0199" in [r[3] for r in conversations.list_rows(
        site.engines, conversations.find(site.engines, days=30), reveal=True)]


@pytest.mark.parametrize(("text", "names"), [
    ("jordan", ["Jordan Reyes"]),
    ("GÓMEZ", ["María Gómez"]),
    ("0142", ["Jordan Reyes"]),
    ("737-555", ["María Gómez"]),
    ("(512) 555", ["Jordan Reyes", "Pat", "Sam"]),
    ("nobody", []),
    ("", ["Jordan Reyes", "María Gómez", "Pat", "Sam"]),
])
def test_a_lead_is_found_by_part_of_their_name_or_phone(site, text, names):
    assert _names(conversations.find(site.engines, days=30, text=text)) == names


@pytest.mark.parametrize(("outcome", "names"), [
    ("booked", ["Jordan Reyes"]),
    ("qualified", ["Jordan Reyes"]),
    ("disqualified", ["María Gómez"]),
    ("opted out", ["Sam"]),
    ("handed off", []),
    ("qualifying", ["Pat"]),
    ("any", ["Jordan Reyes", "María Gómez", "Pat", "Sam"]),
])
def test_conversations_are_found_by_outcome(site, outcome, names):
    assert _names(conversations.find(site.engines, days=30, outcome=outcome)) == names


def test_an_unknown_outcome_is_refused():
    with pytest.raises(ValueError, match="outcome must be one of"):
        conversations.find(None, days=1, outcome="won")  # type: ignore[arg-type]


def test_an_opened_conversation_shows_its_outcome_transcript_and_each_turns_trace(site):
    (jordan,) = conversations.find(site.engines, days=30, text="jordan")
    header, transcript, trace = conversations.open_conversation(site.engines, jordan.facts.id, reveal=False)

    assert "booked, qualified" in header and "+•••••••0142" in header and "+15125550142" not in header
    assert "https://meet.lonestarsun.example/consult/" in header
    assert "| zip | 78704 | pass |" in header
    assert transcript.count("#### Turn") == 7
    assert transcript.index("**lead**: hi") < transcript.index("Do you own your home?") \
        < transcript.index("**lead**: yes we own the house")
    tools = [(row[0], row[2]) for row in trace if row[1] == "tool"]
    assert (6, "get_free_slots") in tools and (7, "book_appointment") in tools
    assert all(row[4] == "✓" for row in trace)


def test_a_phone_the_lead_typed_is_masked_in_the_transcript_unless_revealed(site):
    key = site.new_lead(model="playbook", name="Lee", phone="+15125550111", start="2026-12-01 12:00")
    site.send(key, "hi, text me at 512 555 0199 instead")
    (lee,) = conversations.find(site.engines, days=30, text="lee")

    _, hidden, _ = conversations.open_conversation(site.engines, lee.facts.id, reveal=False)
    _, shown, _ = conversations.open_conversation(site.engines, lee.facts.id, reveal=True)
    assert "512 555 0199" not in hidden and "0199" in hidden
    assert "512 555 0199" in shown


def test_opening_a_conversation_that_does_not_exist_says_so(site):
    with pytest.raises(StoreError, match="no conversation with id 999"):
        conversations.open_conversation(site.engines, 999, reveal=False)
