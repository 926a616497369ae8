"""The R&D site's logic without a browser: sessions, traces, scenarios, compare, login, masking."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from ava_core.errors import ConfigError
from ava_core.scenario import load_scenario, run_scenario
from ava_core.settings import Settings
from gradio_app import lab
from gradio_app.security import (
    Authenticator,
    check_login,
    hash_password,
    mask_phone,
    verify_password,
)
from gradio_app.session import ShiftedClock, build_engines
from gradio_app.settings import SiteSettings
from gradio_app.site import Site, mask_text, parse_start, play_seconds, trace_rows

CHICAGO = ZoneInfo("America/Chicago")
QUALIFYING = ["hi", "yes we own the house", "about $210 a month", "roof is 6 years old", "full sun", "78704"]


@pytest.fixture
def site(tmp_path) -> Site:
    return Site(build_engines(Settings(db_path=tmp_path / "ava.sqlite3", qdrant_path=tmp_path / "qdrant")))


@pytest.fixture
def tuesday(site) -> str:
    return site.new_lead(model="playbook", name="Jordan", phone="+15125550142", start="2026-12-01 09:30")


def test_hi_gets_avas_greeting_with_paced_delays_and_the_model_call_in_the_trace(site, tuesday):
    turn = site.send(tuesday, "hi")
    assert "Lone Star Sun Solar" in turn.bubbles[0].text
    assert all(b.delay_seconds > 0 for b in turn.bubbles)
    rows = trace_rows(turn, reveal=False)
    assert rows[0][:2] == ["model", "playbook:playbook"]
    assert turn.trace.summary() == "qualifying"


def test_answers_carry_verdicts_and_the_offer_comes_with_clickable_slots(site, tuesday):
    for text in QUALIFYING:
        turn = site.send(tuesday, text)
    assert {a["field"]: a["verdict"] for a in turn.trace.answers}["homeowner"] == "pass"
    assert turn.trace.summary() == "qualified"
    assert [c.title for c in turn.choices][0] == "Tue Dec 1, 1:00 PM"
    tools = [s.name for s in turn.trace.steps if s.kind == "tool"]
    assert tools[-1] == "get_free_slots"


def test_picking_the_first_slot_books_it_with_the_meeting_link(site, tuesday):
    for text in [*QUALIFYING, "the first one"]:
        turn = site.send(tuesday, text)
    assert turn.trace.outcome.booked
    assert turn.trace.summary().startswith("booked 2026-12-01T13:00:00-06:00 · https://")


def test_the_chosen_clock_starts_at_the_chosen_time_in_the_business_zone():
    start = parse_start("2026-03-08 01:30", CHICAGO)
    assert start.utcoffset() == CHICAGO.utcoffset(datetime(2026, 3, 8, 1, 30))
    ticks = iter([100.0, 160.0])
    clock = ShiftedClock(start, monotonic=lambda: next(ticks))
    assert (clock.now() - start).total_seconds() == 60
    assert parse_start("now", CHICAGO) is None
    with pytest.raises(ConfigError, match="cannot read"):
        parse_start("when pigs fly", CHICAGO)


def test_delays_are_compressed_unless_real_time_is_asked():
    assert play_seconds(8.0, real_time=True) == 8.0
    assert play_seconds(8.0, real_time=False) < 1.0


def test_phone_numbers_are_masked_unless_revealed(site, tuesday):
    assert mask_phone("+15125550142") == "+•••••••0142"
    assert mask_phone("+15125550142", reveal=True) == "+15125550142"
    assert "0142" in mask_text("call me at +1 512 555 0142", reveal=False)
    assert "555" not in mask_text("call me at +1 512 555 0142", reveal=False)
    assert "555" not in mask_text('{"phone": "(512) 555-0142"}', reveal=False)
    times = '{"slot_id": "2026-12-01T13:00:00-06:00", "on": "2026-12-01 09:30", "bill": 210}'
    assert mask_text(times, reveal=False) == times
    assert "+15125550142" not in site.header(tuesday, reveal=False)
    assert "+15125550142" in site.header(tuesday, reveal=True)


def test_a_password_matches_only_its_own_hash():
    stored = hash_password("lemon-tree")
    assert verify_password("lemon-tree", stored)
    assert not verify_password("lemon-trees", stored)
    assert not verify_password("lemon-tree", "plain-text")
    login = Authenticator({"ana": stored})
    assert login("ana", "lemon-tree") and not login("bob", "lemon-tree")


def test_the_site_refuses_to_listen_beyond_loopback_without_users():
    with pytest.raises(ConfigError, match="AVA_RD_USERS"):
        check_login("0.0.0.0", {})
    check_login("0.0.0.0", {"ana": hash_password("x")})
    check_login("127.0.0.1", {})
    check_login("localhost", {})


def test_site_settings_take_the_dockerfiles_gradio_variables_and_users_as_json(monkeypatch):
    monkeypatch.setenv("GRADIO_SERVER_NAME", "0.0.0.0")
    monkeypatch.setenv("GRADIO_SERVER_PORT", "7860")
    monkeypatch.setenv("AVA_RD_USERS", json.dumps({"ana": "scrypt$1$1$1$a$b"}))
    settings = SiteSettings()
    assert (settings.host, settings.port, list(settings.users)) == ("0.0.0.0", 7860, ["ana"])


def test_the_site_module_refuses_to_start_on_all_interfaces_without_users(monkeypatch):
    pytest.importorskip("gradio", reason="the R&D site needs the `gradio` extra")
    from gradio_app import app

    monkeypatch.setenv("AVA_RD_HOST", "0.0.0.0")
    with pytest.raises(ConfigError, match="no login"):
        app.main()


def test_a_scenario_file_runs_and_says_passed(site):
    results = lab.run_files(site.engines, ["examples/scenarios/qualified-and-booked.yaml", "no/such.yaml"])
    rows = lab.result_rows(results)
    assert rows[0][:2] == ["qualified-and-booked.yaml", "passed"]
    assert rows[1][1] == "error"
    assert "**lead**" in lab.transcript_markdown(results, reveal=False)


def test_a_saved_chat_is_a_scenario_that_passes_when_replayed(site, tuesday, tmp_path):
    for text in [*QUALIFYING, "the first one"]:
        site.send(tuesday, text)
    path = lab.save_scenario(lab.scenario_of(site.session(tuesday), "Jordan books Tuesday"), tmp_path)
    assert path.name == "jordan-books-tuesday.yaml"
    scenario = load_scenario(path)
    assert scenario.expect.booked is True and len(scenario.turns) == 7
    result = run_scenario(scenario, site.engines.settings)
    assert result.passed, result.failures


def test_compare_runs_one_script_on_each_model(site):
    rows = lab.compare(site.engines, "\n".join([*QUALIFYING, "the first one"]), ["playbook", "playbook"],
                       now=datetime(2026, 12, 1, 9, 30, tzinfo=CHICAGO))
    assert [r[:3] for r in rows] == [["playbook", "booked", 7]] * 2


def test_the_funnel_counts_stored_conversations(site, tuesday):
    for text in [*QUALIFYING, "the first one"]:
        site.send(tuesday, text)
    rows = {r[0]: r[1] for r in lab.funnel_rows(site.engines, since_days=3650)}
    assert rows["leads"] == 1 and rows["booked"] == 1


def test_clicking_the_first_slot_button_books_it(site, tuesday):
    for text in QUALIFYING:
        turn = site.send(tuesday, text)
    turn = site.send(tuesday, turn.choices[0].title)  # a click sends the button's title
    assert turn.trace.outcome.booked
    assert turn.trace.outcome.appointment["start"] == "2026-12-01T13:00:00-06:00"


def test_the_rd_image_checks_the_site_answers_on_its_port():
    from pathlib import Path

    dockerfile = (Path(__file__).resolve().parents[2] / "gradio_app" / "Dockerfile").read_text()
    assert 'CMD ["python", "-m", "gradio_app.healthcheck"]' in dockerfile
    assert "GRADIO_SERVER_PORT=7860" in dockerfile
