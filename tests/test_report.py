"""``ava report``: the funnel figures on a store filled by simulated conversations."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ava_core.cli import build_app
from ava_core.models.base import ModelResponse
from ava_core.report import FunnelReport, draw_png, funnel_report, parse_since, text_lines

BOOKED = ["Hi! I saw your ad about solar panels", "yes I own the house", "about $180 a month",
          "it's like 8 years old", "full sun pretty much all day", "78704", "the second one works"]
RENTER = ["hello, how does the free solar thing work?", "no, we rent an apartment"]
OPT_OUT = ["what is this?", "STOP"]
UNCLEAR = ["hey", "banana", "lol idk 🤷", "whatever"]  # the third miss hands off
MODEL_SECONDS = 20  # each model step takes this long on the simulated clock


class SlowModel:
    """The playbook, taking ``MODEL_SECONDS`` of the frozen clock per step, as a real model takes time."""

    def __init__(self, inner, clock):
        self.inner, self.clock, self.name = inner, clock, inner.name

    def complete(self, request) -> ModelResponse:
        self.clock.advance(seconds=MODEL_SECONDS)
        return self.inner.complete(request)


@pytest.fixture
def filled(make_assistant, say, clock, profile, settings, store):
    """Two booked leads, a renter, an opt-out and a hand-off, over two days; a little model spend."""
    from ava_core.models.registry import build_model

    assistant = make_assistant(model=SlowModel(build_model("playbook", settings, profile), clock))
    started = clock.now()
    for lead, (number, words) in enumerate([("+15125550101", BOOKED), ("+15125550102", RENTER),
                                            ("+15125550103", OPT_OUT)]):
        for text in words:
            say(assistant, text, sender=number, name=f"Lead {lead}")
    clock.advance(days=1)
    for number, words in [("+15125550104", UNCLEAR), ("+15125550105", BOOKED)]:
        for text in words:
            say(assistant, text, sender=number)
    for conversation_id in (1, 5):  # what a paid provider would have cost for the two bookings
        store.record_model_call(conversation_id, "t", provider="azure", model="gpt-4o", input_tokens=1000,
                                cached_tokens=0, output_tokens=100, latency_ms=900, cost_usd=0.015, at=clock.now())
    return started - timedelta(hours=1), clock.now() + timedelta(hours=1)


def test_the_funnel_counts_what_the_simulated_leads_did(filled, store, profile):
    since, until = filled
    report = funnel_report(store, profile, since=since, until=until)

    assert [(s.name, s.conversations) for s in report.funnel] == [("leads", 5), ("qualified", 2), ("booked", 2)]
    assert report.step("qualified").rate_from_previous == 0.4
    assert report.step("booked").rate_from_previous == 1.0
    assert report.step("booked").rate_from_leads == 0.4
    assert report.disqualified == 1
    assert (report.handoffs, report.handoff_rate) == (1, 0.2)
    assert (report.opted_out, report.opt_out_rate) == (1, 0.2)
    assert report.cancelled == 0
    assert sum(report.conversations_per_day.values()) == 5
    assert list(report.conversations_per_day.values()) == [3, 2]
    assert report.channels == {"whatsapp": 5}


def test_speed_and_cost_come_from_the_store(filled, store, profile):
    since, until = filled
    report = funnel_report(store, profile, since=since, until=until)

    # Each lead's first message is answered after the first turn's model steps (the simulated
    # model takes MODEL_SECONDS a step); none of these first turns needed a tool.
    assert report.median_seconds_to_first_reply == MODEL_SECONDS
    # The two bookings: seven messages a minute apart, each turn taking its steps' time.
    assert report.median_seconds_to_booking is not None and report.median_seconds_to_booking > 6 * 60
    assert report.model_cost_usd == pytest.approx(0.03)
    assert report.model_cost_per_booking_usd == pytest.approx(0.015)
    assert report.model_tokens == 2200


def test_a_window_that_holds_nothing_reports_no_rates(store, profile, clock):
    report = funnel_report(store, profile, since=clock.now() - timedelta(days=7), until=clock.now())
    assert [s.conversations for s in report.funnel] == [0, 0, 0]
    assert report.handoff_rate is None and report.model_cost_per_booking_usd is None
    assert "—" in "\n".join(text_lines(report))


def test_since_reads_spans_and_dates(clock):
    now = clock.now()
    assert parse_since("7d", now) == now - timedelta(days=7)
    assert parse_since("24h", now) == now - timedelta(hours=24)
    assert parse_since("2w", now) == now - timedelta(weeks=2)
    assert parse_since("2026-11-20", now).isoformat() == "2026-11-20T00:00:00-06:00"  # the profile's zone
    with pytest.raises(ValueError, match="7d"):
        parse_since("last week", now)


def test_the_report_is_a_model_a_web_page_can_show(filled, store, profile):
    since, until = filled
    report = funnel_report(store, profile, since=since, until=until)
    again = FunnelReport.model_validate_json(report.model_dump_json())
    assert again == report


def test_png_draws_the_chart(filled, store, profile, tmp_path):
    pytest.importorskip("matplotlib", reason="the `report` extra is not installed")
    since, until = filled
    path = draw_png(funnel_report(store, profile, since=since, until=until), tmp_path / "funnel.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_ava_report_prints_the_funnel_and_writes_the_png(filled, tmp_path, monkeypatch):
    monkeypatch.setattr("ava_core.clock.SystemClock.now", lambda self: filled[1])
    png = tmp_path / "out" / "funnel.png"
    result = CliRunner().invoke(build_app(), ["report", "--since", "3d", "--png", str(png)])
    assert result.exit_code == 0, result.output
    assert "leads" in result.output and "booked" in result.output
    assert "40.0% of the step before" in result.output
    assert Path(png).exists()


def test_ava_report_refuses_a_since_it_cannot_read():
    result = CliRunner().invoke(build_app(), ["report", "--since", "yesterday-ish"])
    assert result.exit_code == 2
    assert "7d" in result.output


def test_the_functions_app_does_not_import_matplotlib():
    import subprocess
    import sys

    code = "import sys, function_app, ava_core.report; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1], check=True)
    assert out.stdout.strip() == "False"
