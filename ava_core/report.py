"""The funnel report: leads → qualified → booked, rates, speed and model cost, from the store.

``funnel_report`` returns a pydantic model, so the CLI prints it, ``--json`` dumps it, and a
web page can show the same figures. ``draw_png`` needs matplotlib (the ``report`` extra) and
imports it only when called: the Functions app never loads it.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path
from statistics import median

from pydantic import BaseModel, Field

from ava_core.profile.models import Profile
from ava_core.qualification import standing
from ava_core.store import Store
from ava_core.store.reporting import conversation_facts

_SPAN = re.compile(r"^\s*(\d+)\s*([hdw])\s*$")
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


class FunnelStep(BaseModel):
    name: str
    conversations: int
    rate_from_previous: float | None = Field(description="share of the step before; None for the first")
    rate_from_leads: float | None


class FunnelReport(BaseModel):
    since: datetime
    until: datetime
    funnel: list[FunnelStep] = Field(description="leads → qualified → booked")
    disqualified: int
    handoffs: int
    handoff_rate: float | None
    opted_out: int
    opt_out_rate: float | None
    cancelled: int
    median_seconds_to_first_reply: float | None
    median_seconds_to_booking: float | None
    model_calls: int
    model_tokens: int
    model_cost_usd: float
    model_cost_per_booking_usd: float | None
    conversations_per_day: dict[date, int]
    channels: dict[str, int]

    def step(self, name: str) -> FunnelStep:
        return next(s for s in self.funnel if s.name == name)


def parse_since(text: str, now: datetime) -> datetime:
    """``7d``, ``24h``, ``2w`` back from ``now``, or an ISO date / date-time (the profile's zone if naive)."""
    match = _SPAN.match(text)
    if match:
        return now - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--since {text!r}: give a span such as 7d, 24h or 2w, or a date such as 2026-11-01") from None
    return value if value.tzinfo else value.replace(tzinfo=now.tzinfo)


def funnel_report(store: Store, profile: Profile, *, since: datetime, until: datetime) -> FunnelReport:
    """The figures for conversations started in [since, until)."""
    facts = conversation_facts(store, since, until)
    status = {f.id: standing(profile, f.verdicts).status for f in facts}
    leads = len(facts)
    qualified = [f for f in facts if status[f.id] == "qualified"]
    booked = [f for f in facts if f.booked_at is not None]
    first_reply = [(f.first_reply - f.first_inbound).total_seconds() for f in facts
                   if f.first_reply and f.first_inbound]
    to_booking = [(f.booked_at - (f.first_inbound or f.started)).total_seconds() for f in facts
                  if f.booked_at is not None]
    cost = round(sum(f.cost_usd for f in facts), 6)
    per_day: dict[date, int] = {}
    for f in facts:
        day = f.started.astimezone(profile.tz).date()
        per_day[day] = per_day.get(day, 0) + 1
    channels: dict[str, int] = {}
    for f in facts:
        channels[f.channel] = channels.get(f.channel, 0) + 1
    return FunnelReport(
        since=since,
        until=until,
        funnel=_funnel([("leads", leads), ("qualified", len(qualified)), ("booked", len(booked))]),
        disqualified=sum(1 for f in facts if status[f.id] == "disqualified"),
        handoffs=sum(f.handed_off for f in facts),
        handoff_rate=_rate(sum(f.handed_off for f in facts), leads),
        opted_out=sum(f.opted_out for f in facts),
        opt_out_rate=_rate(sum(f.opted_out for f in facts), leads),
        cancelled=sum(f.cancelled for f in booked),
        median_seconds_to_first_reply=median(first_reply) if first_reply else None,
        median_seconds_to_booking=median(to_booking) if to_booking else None,
        model_calls=sum(f.model_calls for f in facts),
        model_tokens=sum(f.tokens for f in facts),
        model_cost_usd=cost,
        model_cost_per_booking_usd=round(cost / len(booked), 6) if booked else None,
        conversations_per_day=dict(sorted(per_day.items())),
        channels=channels,
    )


def _funnel(counts: list[tuple[str, int]]) -> list[FunnelStep]:
    steps, previous, leads = [], None, counts[0][1]
    for name, count in counts:
        steps.append(FunnelStep(name=name, conversations=count,
                                rate_from_previous=None if previous is None else _rate(count, previous),
                                rate_from_leads=_rate(count, leads)))
        previous = count
    return steps


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def text_lines(report: FunnelReport) -> list[str]:
    """The report as plain lines for a terminal."""

    def pct(value: float | None) -> str:
        return "—" if value is None else f"{value:.1%}"

    def span(seconds: float | None) -> str:
        if seconds is None:
            return "—"
        if seconds < 120:
            return f"{seconds:.0f} s"
        if seconds < 7200:
            return f"{seconds / 60:.1f} min"
        return f"{seconds / 3600:.1f} h"

    lines = [f"AVA funnel, {report.since:%Y-%m-%d %H:%M} to {report.until:%Y-%m-%d %H:%M} ({report.since:%Z})", ""]
    for s in report.funnel:
        step = "" if s.rate_from_previous is None else f"  {pct(s.rate_from_previous)} of the step before"
        lines.append(f"  {s.name:<10} {s.conversations:>6}{step}")
    cost_each = "—" if report.model_cost_per_booking_usd is None else f"${report.model_cost_per_booking_usd:.4f}"
    lines += [
        "",
        f"  disqualified          {report.disqualified}",
        f"  hand-offs             {report.handoffs} ({pct(report.handoff_rate)} of leads)",
        f"  opted out             {report.opted_out} ({pct(report.opt_out_rate)} of leads)",
        f"  cancelled bookings    {report.cancelled}",
        f"  median first reply    {span(report.median_seconds_to_first_reply)}",
        f"  median to booking     {span(report.median_seconds_to_booking)}",
        f"  model calls / tokens  {report.model_calls} / {report.model_tokens:,}",
        f"  model cost            ${report.model_cost_usd:.4f} ({cost_each} per booking)",
    ]
    return lines


def draw_png(report: FunnelReport, path: Path) -> Path:
    """The funnel and the conversations per day as one PNG (needs the ``report`` extra)."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only, no display
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        raise RuntimeError("--png needs matplotlib: pip install 'ava[report]'") from None
    figure, (funnel, daily) = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    names = [s.name for s in report.funnel]
    counts = [s.conversations for s in report.funnel]
    bars = funnel.barh(names[::-1], counts[::-1], color=["#2e7d32", "#f9a825", "#1565c0"])
    for bar, step in zip(bars, report.funnel[::-1], strict=True):
        label = f"{step.conversations}" + ("" if step.rate_from_leads is None else f"  ({step.rate_from_leads:.0%})")
        funnel.annotate(label, (bar.get_width(), bar.get_y() + bar.get_height() / 2), xytext=(4, 0),
                        textcoords="offset points", va="center")
    funnel.set_xlim(0, max(counts + [1]) * 1.3)  # room for the labels
    funnel.set_title("Funnel: leads → qualified → booked")
    funnel.set_xlabel("conversations")
    days = list(report.conversations_per_day)
    daily.bar([d.isoformat() for d in days], [report.conversations_per_day[d] for d in days], color="#1565c0")
    daily.yaxis.set_major_locator(MaxNLocator(integer=True))
    daily.set_title("Conversations per day")
    daily.tick_params(axis="x", labelrotation=45)
    figure.suptitle(f"AVA, {report.since:%Y-%m-%d} to {report.until:%Y-%m-%d} · "
                    f"${report.model_cost_usd:.2f} model cost")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path
