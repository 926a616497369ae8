"""Builds the ``ConversationState`` a model step sees, fresh from the store."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from ava_core.agent.history import WINDOW
from ava_core.calendar.base import slot_label
from ava_core.language.detection import lead_language
from ava_core.profile.models import Profile
from ava_core.qualification import standing
from ava_core.state import (
    AppointmentView,
    AreaView,
    ConversationState,
    EarlierView,
    QualificationItem,
    SlotView,
)
from ava_core.store import BUSINESS, TEAM, Appointment, Contact, Conversation, Store
from ava_core.store.crm import CrmRecords


def build_state(
    store: Store, profile: Profile, conversation: Conversation, contact: Contact, now: datetime
) -> ConversationState:
    tz = profile.tz
    answers = store.answers(conversation.id)
    items = [
        QualificationItem(
            field=q.field,
            question=q.question,
            kind=q.kind,
            answer=answers[q.field].value if q.field in answers else None,
            verdict=answers[q.field].verdict if q.field in answers else None,
        )
        for q in profile.qualification.questions
    ]
    state = standing(profile, {f: a.verdict for f, a in answers.items()})
    area = store.last_area_check(conversation.id)
    offered = store.offered_slots(conversation.id)
    latest_offer = [o for o in offered if offered and o.offered_at == offered[0].offered_at]
    history = store.appointments(conversation.id)
    appointment = next((a for a in reversed(history) if a.status == "booked"), None)
    cancelled = None if appointment else next(
        (a for a in reversed(history) if a.cancelled_at is not None and a.moved_to is None), None)
    local_now = now.astimezone(tz)
    shown = store.messages(conversation.id, last=WINDOW)
    return ConversationState(
        conversation_id=conversation.id,
        channel=conversation.channel,
        lead_name=contact.name,
        lead_phone=contact.phone,
        now=local_now,
        lead_local_time=f"{local_now:%A, %B} {local_now.day}, {local_now.hour % 12 or 12}:{local_now:%M %p}",
        qualification=items,
        status=state.status,
        missing=state.missing,
        disqualified_reason=state.failed.field if state.failed else None,
        service_area=AreaView(query=area[0], in_area=area[1], detail=area[2]) if area else None,
        offered_slots=[SlotView(id=o.slot_id, start=o.start, end=o.end, label=o.label, offered_at=o.offered_at)
                       for o in latest_offer],
        appointment=_view(appointment, history, tz) if appointment else None,
        cancelled=_view(cancelled, history, tz) if cancelled else None,
        handoff=conversation.status == "paused",
        opted_out=contact.opted_out,
        language=lead_language(store, profile, conversation.id),
        # What left the window (a CRM conversation's running summary) and who else spoke in it.
        earlier=EarlierView.from_summary(CrmRecords(store).summary(conversation.id)),
        team_wrote=any(m.role == TEAM for m in shown),
        business_wrote=any(m.role == BUSINESS for m in shown),
    )


def _view(appointment: Appointment, history: list[Appointment], tz: ZoneInfo) -> AppointmentView:
    before = next((a for a in history if a.moved_to == appointment.id), None)
    return AppointmentView(
        id=appointment.id,
        slot_id=appointment.slot_id,
        start=appointment.start,
        end=appointment.end,
        label=slot_label(appointment.start, tz),
        link=appointment.link,
        link_sent=appointment.link_sent,
        booked_at=appointment.created_at,
        moved_from=slot_label(before.start, tz) if before else None,
    )
