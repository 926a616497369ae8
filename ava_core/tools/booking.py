"""Booking tools: free slots, booking an offered slot, and the meeting link.

Rules enforced here, not in the prompt: only qualified leads are offered times; only a slot
offered in this conversation can be booked; booking re-checks the calendar and is
idempotent per conversation and slot; the booking's confirmation is one thing and the link
another, so a link that cannot be made never keeps the lead from hearing they are booked.
Cancelling and moving a booking are in ``appointments.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from loguru import logger
from pydantic import BaseModel, Field

from ava_core.calendar.base import Slot, slot_label
from ava_core.geo.lead_time import in_lead_time, lead_zone
from ava_core.language.phrases import said
from ava_core.observability.events import booking_made, event
from ava_core.profile.models import Profile
from ava_core.qualification import standing
from ava_core.store import Appointment, OfferedSlot, SlotTaken
from ava_core.tools.base import ToolContext, ToolResult, tool


class GetFreeSlotsArgs(BaseModel):
    from_: str | None = Field(
        None, alias="from", description="ISO date or date-time to search from; default now"
    )
    to: str | None = Field(None, description="ISO date or date-time to search until; default the booking horizon")
    earliest: str | None = Field(None, pattern=r"^\d{2}:\d{2}$", description="earliest local time of day, HH:MM")
    latest: str | None = Field(None, pattern=r"^\d{2}:\d{2}$", description="latest local start time of day, HH:MM")

    model_config = {"populate_by_name": True}


class BookAppointmentArgs(BaseModel):
    slot_id: str = Field(description="the id of a slot get_free_slots returned, e.g. 2026-12-02T10:00:00-06:00")


class SendMeetingLinkArgs(BaseModel):
    pass


def _not_ready(ctx: ToolContext) -> ToolResult | None:
    verdicts = {f: a.verdict for f, a in ctx.store.answers(ctx.conversation_id).items()}
    state = standing(ctx.profile, verdicts)
    if state.failed is not None:  # disqualified
        failed = ctx.local.qualification.question_for(state.failed.field)
        return ToolResult.failure(
            f"the lead is disqualified ({state.failed.field}); do not offer times", say=failed.disqualify_message
        )
    if state.missing:
        questions = [ctx.profile.qualification.question_for(f).question for f in state.missing]
        return ToolResult.failure(
            "qualification is not finished; ask these first: " + " | ".join(questions), missing=state.missing
        )
    return None


def _parse_when(text: str | None, default: datetime, ctx: ToolContext) -> datetime:
    if not text:
        return default
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO date such as 2026-12-02 or 2026-12-02T09:00") from None
    return value if value.tzinfo else value.replace(tzinfo=ctx.profile.tz)


def spread(slots: list[Slot], count: int) -> list[Slot]:
    """Pick ``count`` slots a person would offer: the soonest, then other days and times of day."""
    chosen: list[Slot] = []
    seen_days: set = set()
    for slot in slots:
        if slot.start.date() not in seen_days:
            chosen.append(slot)
            seen_days.add(slot.start.date())
        if len(chosen) == count:
            return chosen
    for slot in slots:
        if slot not in chosen:
            chosen.append(slot)
        if len(chosen) == count:
            break
    return sorted(chosen, key=lambda s: s.start)


def offer(ctx: ToolContext, start: datetime, end: datetime, *, earliest: str | None = None,
          latest: str | None = None) -> list[dict]:
    """Find free slots, remember them as offered in this conversation, and describe them."""
    tz = ctx.profile.tz
    free = [
        s for s in ctx.calendar.free_slots(start, end)
        if (earliest is None or f"{s.start.astimezone(tz):%H:%M}" >= earliest)
        and (latest is None or f"{s.start.astimezone(tz):%H:%M}" < latest)
    ]
    picked = spread(free, ctx.profile.booking.slots_to_offer)
    lead_tz = lead_zone(ctx.store, ctx.conversation_id)
    # Labels in the lead's language: a model that shows them as they are speaks it too.
    language = ctx.speaking
    described = [(s.id_in(tz), s.start, s.end,
                  in_lead_time(slot_label(s.start, tz, language=language), s.start, tz, lead_tz, language))
                 for s in picked]
    if described:
        ctx.store.record_offer(ctx.conversation_id, described, ctx.clock.now())
    event("slots_offered", conversation_id=ctx.conversation_id, turn_id=ctx.turn_id, count=len(described), calendar=ctx.calendar.name)
    return [{"id": sid, "label": label} for sid, _, _, label in described]


@tool("get_free_slots", GetFreeSlotsArgs)
def get_free_slots(ctx: ToolContext, args: GetFreeSlotsArgs) -> ToolResult:
    """Find open appointment times between two dates (both optional) and offer a few. Only the
    slots returned here can be booked, or a booked appointment moved to; show the lead their labels."""
    blocked = _not_ready(ctx)
    if blocked:
        return blocked
    now = ctx.clock.now()
    try:
        start = _parse_when(args.from_, now, ctx)
        end = _parse_when(args.to, now + timedelta(days=ctx.profile.booking.days_ahead), ctx)
    except ValueError as exc:
        return ToolResult.failure(str(exc))
    if args.to and len(args.to) <= 10:
        end += timedelta(days=1)  # a bare date means "through that day"
    slots = offer(ctx, start, end, earliest=args.earliest, latest=args.latest)
    extra = {}
    if not slots:
        # Nothing then: say so, with the hours the team works, and offer the next open times.
        slots = offer(ctx, max(start, now), now + timedelta(days=ctx.profile.booking.days_ahead))
        extra = {"requested_unavailable": True, "working_hours": working_hours_text(ctx.profile.booking)}
    if not slots:
        return ToolResult.failure("no free times in the booking horizon", slots=[])
    return ToolResult.success(slots=slots, meeting_minutes=ctx.profile.booking.meeting_minutes,
                              timezone=ctx.profile.business.timezone, **extra)


def working_hours_text(booking) -> str:
    """'Mon–Thu 9:00 AM–5:00 PM, Fri 9:00 AM–4:00 PM, Sat 10:00 AM–1:00 PM': days with the same hours grouped."""
    from ava_core.profile.models import WEEKDAYS

    def clock(t) -> str:
        return f"{t.hour % 12 or 12}:{t.minute:02d} {'AM' if t.hour < 12 else 'PM'}"

    spans: list[tuple[int, int, str]] = []  # (first day, last day, hours)
    for index in range(len(WEEKDAYS)):
        ranges = booking.ranges(index)
        if not ranges:
            continue
        hours = f"{clock(ranges[0][0])}–{clock(ranges[-1][1])}"
        if spans and spans[-1][2] == hours and spans[-1][1] == index - 1:
            spans[-1] = (spans[-1][0], index, hours)
        else:
            spans.append((index, index, hours))
    names = [d.title() for d in WEEKDAYS]
    return ", ".join(
        f"{names[a]}{'–' + names[b] if b != a else ''} {hours}" for a, b, hours in spans
    )


@tool("book_appointment", BookAppointmentArgs)
def book_appointment(ctx: ToolContext, args: BookAppointmentArgs) -> ToolResult:
    """Book one of the slots offered earlier in this conversation, by its id. Then call
    send_meeting_link, and tell the lead the confirmation it returns."""
    blocked = _not_ready(ctx)
    if blocked:
        return blocked
    chosen = offered_slot(ctx, args.slot_id)
    if isinstance(chosen, ToolResult):
        return chosen
    existing = ctx.store.active_appointment(ctx.conversation_id)
    if existing is not None and existing.slot_id != chosen.slot_id:
        return ToolResult.failure(
            f"this lead is already booked for {slot_label(existing.start, ctx.profile.tz)}; to change the time, "
            "call reschedule_appointment with the slot id they chose",
        )
    now = ctx.clock.now()
    slot = Slot(start=chosen.start, end=chosen.end)
    still_free = existing is not None or any(
        s.start == slot.start for s in ctx.calendar.free_slots(slot.start, slot.start + timedelta(minutes=1))
    )
    try:
        if not still_free:
            raise SlotTaken(args.slot_id)
        appointment, created = ctx.calendar.book(
            slot, slot_id=chosen.slot_id, conversation_id=ctx.conversation_id, contact_id=ctx.contact_id, at=now
        )
    except SlotTaken:
        event("booking_failed", conversation_id=ctx.conversation_id, turn_id=ctx.turn_id, reason="slot no longer free")
        alternatives = offer(ctx, now, now + timedelta(days=ctx.profile.booking.days_ahead))
        return ToolResult.failure(
            f"{chosen.label} is no longer free; offer these instead", alternatives=alternatives
        )
    booking_made(ctx, appointment, created)
    return ToolResult.success(
        booked=True,
        already_booked=not created,
        appointment_id=appointment.id,
        slot_id=chosen.slot_id,
        label=chosen.label,
        start=appointment.start.astimezone(ctx.profile.tz).isoformat(),
        end=appointment.end.astimezone(ctx.profile.tz).isoformat(),
        confirmation=confirmation(ctx.profile, appointment, ctx.speaking),
    )


def confirmation(profile: Profile, appointment: Appointment, language: str, next_step: str = "") -> str:
    """What the lead must hear about their booking, in ``language``: the time, the meeting, and
    what comes next.

    Each booking tool's result carries it, so a turn that ends in a hand-off before AVA said
    it (the link failed, the model failed or misbehaved) still sends it: see ``owed_confirmation``.
    """
    booked = said(language).booked.format(
        label=slot_label(appointment.start, profile.tz, language=language), minutes=profile.booking.meeting_minutes,
        title=profile.localized(language).booking.meeting_title.lower())
    return f"{booked} {next_step}".strip()


def meeting_link(template: str, appointment: Appointment) -> str:
    """The profile's link template filled for this appointment; ValueError says why it cannot be."""
    try:
        return template.format(appointment_id=appointment.id, slot_id=appointment.slot_id)
    except KeyError as exc:
        problem = f"unknown placeholder {{{exc.args[0]}}} (use {{appointment_id}} or {{slot_id}})"
    except (IndexError, ValueError, AttributeError, TypeError) as exc:
        problem = f"{type(exc).__name__}: {exc}"
    raise ValueError(f"booking.link_template {template!r} cannot be filled: {problem}")


def offered_slot(ctx: ToolContext, slot_id: str) -> OfferedSlot | ToolResult:
    """The slot offered in this conversation that ``slot_id`` names (an id written with another
    offset or 'Z' counts if it names the same instant), or the failure to hand back: a booking or
    a move only ever goes to a time the lead was offered."""
    offered = {o.slot_id: o for o in ctx.store.offered_slots(ctx.conversation_id)}
    chosen = offered.get(slot_id) or _same_instant(offered.values(), slot_id)
    if chosen is not None:
        return chosen
    event("booking_failed", conversation_id=ctx.conversation_id, turn_id=ctx.turn_id, reason="slot not offered")
    return ToolResult.failure(
        f"slot {slot_id} was not offered in this conversation; call get_free_slots and use one of the ids it returns",
        offered=[{"id": o.slot_id, "label": o.label} for o in offered.values()],
    )


def _same_instant(offered: Iterable[OfferedSlot], slot_id: str) -> OfferedSlot | None:
    try:
        when = datetime.fromisoformat(slot_id.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        return None
    return next((o for o in offered if o.start == when), None)


@tool("send_meeting_link", SendMeetingLinkArgs)
def send_meeting_link(ctx: ToolContext, args: SendMeetingLinkArgs) -> ToolResult:
    """Get the meeting link for the lead's booked appointment, to include in your reply."""
    appointment = ctx.store.active_appointment(ctx.conversation_id)
    if appointment is None:
        return ToolResult.failure("nothing is booked yet; book a slot with book_appointment first")
    label = slot_label(appointment.start, ctx.profile.tz, language=ctx.speaking)
    link, problem = link_for(ctx, appointment)
    if link is None:
        told = confirmation(ctx.profile, appointment, ctx.speaking, ctx.said.link_by_team)
        return ToolResult.failure(
            f"the meeting link could not be made ({problem}); the team was alerted. The booking stands: "
            f"tell the lead exactly this: {told}",
            confirmation=told, label=label,
        )
    return ToolResult.success(
        link=link,
        label=label,
        title=ctx.local.booking.meeting_title,
        minutes=ctx.profile.booking.meeting_minutes,
        confirmation=confirmation(ctx.profile, appointment, ctx.speaking, ctx.said.link_here.format(link=link)),
    )


def link_for(ctx: ToolContext, appointment: Appointment) -> tuple[str | None, str | None]:
    """The appointment's meeting link, recorded as sent: (link, None); or (None, why) when it
    cannot be made, and then the team is alerted to send it by hand (the booking stands)."""
    try:
        link = appointment.link or meeting_link(ctx.profile.booking.link_template, appointment)
    except ValueError as exc:
        logger.bind(alert="booking", conversation_id=ctx.conversation_id).error(
            "no meeting link for appointment {} ({}): {}; send it to the lead by hand", appointment.id,
            slot_label(appointment.start, ctx.profile.tz), exc)
        return None, str(exc)
    ctx.store.set_appointment_link(appointment.id, link, sent_at=ctx.clock.now())
    return link, None


# The tools whose results carry what the lead must hear about their appointment; of them, the
# booking leaves the link still to send (a move sends its own).
BOOKING_TOOLS = ("book_appointment", "reschedule_appointment", "cancel_appointment", "send_meeting_link")


def owed_confirmation(results: Iterable[tuple[str, dict[str, Any]]], language: str) -> str | None:
    """The newest confirmation a booking tool gave in a turn, from its ``(tool name, result)``
    pairs (a result as stored: ``{"ok": …, "data": {…}}``); None when the turn booked, moved or
    cancelled nothing.

    A hand-off ends the turn with words the model did not choose, so they must include it; and
    after a hand-off a person, not AVA, sends a link the turn did not get to (said in ``language``,
    the confirmation's own).
    """
    owed, by = None, None
    for name, result in results:
        data = (result or {}).get("data") or {}
        if name in BOOKING_TOOLS and data.get("confirmation"):
            owed, by = data["confirmation"], name
    return f"{owed} {said(language).link_by_team}" if by == "book_appointment" else owed
