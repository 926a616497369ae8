"""Changing a booking: cancelling it, or moving it to another offered time.

Rules enforced here, not in the prompt: only the lead's own booked appointment is changed;
it moves only to a slot offered in this conversation, re-checked on the calendar; a retried
cancel or move changes nothing and answers as the first did; the old time is kept in the
store, cancelled, so the history stays whole. Each result carries what the lead must hear,
and a move sends the meeting link for the new time.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, Field

from ava_core.calendar.base import Slot, slot_label
from ava_core.observability.events import event
from ava_core.store import Appointment, SlotTaken
from ava_core.tools.base import ToolContext, ToolResult, tool
from ava_core.tools.booking import _not_ready, link_for, offer, offered_slot


class CancelAppointmentArgs(BaseModel):
    reason: str | None = Field(
        None, max_length=200, description="why, in a few words of your own (no names or details), e.g. 'schedule "
        "conflict'")


class RescheduleAppointmentArgs(BaseModel):
    slot_id: str = Field(description="the id of a slot get_free_slots returned, e.g. 2026-12-03T09:00:00-06:00")


@tool("cancel_appointment", CancelAppointmentArgs)
def cancel_appointment(ctx: ToolContext, args: CancelAppointmentArgs) -> ToolResult:
    """Cancel the lead's booked appointment. Ask first ("Just to confirm, cancel your Tuesday
    2 PM call?") and call it only once they say yes; then tell them the confirmation it returns.
    To change the time instead, use get_free_slots and reschedule_appointment."""
    appointment = ctx.store.active_appointment(ctx.conversation_id)
    if appointment is None:
        done = _cancelled_by_lead(ctx)
        if done is None:
            return ToolResult.failure("nothing is booked in this conversation, so there is nothing to cancel")
        return _cancel_result(ctx, done, already=True)  # a retry: it is cancelled already
    reason = args.reason or "the lead asked to cancel"
    changed = ctx.calendar.cancel(appointment, at=ctx.clock.now(), reason=reason)
    if changed:
        event("cancelled", conversation_id=ctx.conversation_id, turn_id=ctx.turn_id, appointment_id=appointment.id,
              calendar=appointment.calendar, reason=reason)
    return _cancel_result(ctx, appointment, already=not changed)


@tool("reschedule_appointment", RescheduleAppointmentArgs)
def reschedule_appointment(ctx: ToolContext, args: RescheduleAppointmentArgs) -> ToolResult:
    """Move the lead's booked appointment to another time: a slot id get_free_slots returned in
    this conversation (call it for the day or time they want first). It re-checks the slot,
    sends the meeting link for the new time, and returns the confirmation to tell the lead."""
    blocked = _not_ready(ctx)
    if blocked:
        return blocked
    tz = ctx.profile.tz
    chosen = offered_slot(ctx, args.slot_id)
    if isinstance(chosen, ToolResult):
        return chosen
    appointment = ctx.store.active_appointment(ctx.conversation_id)
    if appointment is None:
        return ToolResult.failure("nothing is booked in this conversation to move; book_appointment books a time")
    slot = Slot(start=chosen.start, end=chosen.end)
    now = ctx.clock.now()
    if appointment.start == chosen.start:
        before = _moved_from(ctx, appointment)
        if before is None:
            return ToolResult.failure(f"the lead is already booked for {slot_label(appointment.start, tz)}; "
                                      "nothing to move")
        # A retry: moved already. The calendar is asked again, so an outside calendar the first
        # attempt never reached is brought in line; the store changes nothing.
        moved = ctx.calendar.reschedule(before, slot, slot_id=chosen.slot_id, at=now)
        return _move_result(ctx, moved, before, already=True)
    still_free = any(s.start == slot.start for s in ctx.calendar.free_slots(slot.start, slot.start + timedelta(minutes=1)))
    try:
        if not still_free:
            raise SlotTaken(args.slot_id)
        moved = ctx.calendar.reschedule(appointment, slot, slot_id=chosen.slot_id, at=now)
    except SlotTaken:
        event("booking_failed", conversation_id=ctx.conversation_id, turn_id=ctx.turn_id, reason="slot no longer free")
        alternatives = offer(ctx, now, now + timedelta(days=ctx.profile.booking.days_ahead))
        return ToolResult.failure(
            f"{chosen.label} is no longer free; the appointment stays at {slot_label(appointment.start, tz)}. "
            "Offer these instead",
            alternatives=alternatives, booked_label=slot_label(appointment.start, tz),
        )
    event("rescheduled", conversation_id=ctx.conversation_id, turn_id=ctx.turn_id, appointment_id=moved.id,
          calendar=moved.calendar)
    return _move_result(ctx, moved, appointment, already=False)


# Each result's ``confirmation`` is what the lead hears about the change, in their language,
# whatever else the turn does (see ``owed_confirmation``).
def _cancel_result(ctx: ToolContext, appointment: Appointment, *, already: bool) -> ToolResult:
    label = slot_label(appointment.start, ctx.profile.tz, language=ctx.speaking)
    return ToolResult.success(
        cancelled=True, already_cancelled=already, appointment_id=appointment.id, label=label,
        confirmation=ctx.said.cancelled.format(title=ctx.local.booking.meeting_title.lower(), label=label),
    )


def _move_result(ctx: ToolContext, moved: Appointment, before: Appointment, *, already: bool) -> ToolResult:
    tz = ctx.profile.tz
    label = slot_label(moved.start, tz, language=ctx.speaking)
    was = slot_label(before.start, tz, language=ctx.speaking)
    link, _ = link_for(ctx, moved)  # a link that cannot be made alerts the team; the move stands
    told = ctx.said.moved.format(title=ctx.local.booking.meeting_title.lower(), before=was, label=label)
    told += " " + (ctx.said.link_here.format(link=link) if link else ctx.said.link_by_team)
    return ToolResult.success(
        rescheduled=True, already_rescheduled=already, appointment_id=moved.id, slot_id=moved.slot_id,
        label=label, previous_label=was, link=link,
        start=moved.start.astimezone(tz).isoformat(), end=moved.end.astimezone(tz).isoformat(),
        confirmation=told,
    )


def _cancelled_by_lead(ctx: ToolContext) -> Appointment | None:
    """The newest appointment of this conversation cancelled at the lead's request (not moved)."""
    return next((a for a in reversed(ctx.store.appointments(ctx.conversation_id))
                 if a.status == "cancelled" and a.cancelled_at is not None and a.moved_to is None), None)


def _moved_from(ctx: ToolContext, appointment: Appointment) -> Appointment | None:
    return next((a for a in ctx.store.appointments(ctx.conversation_id) if a.moved_to == appointment.id), None)
