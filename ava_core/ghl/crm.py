"""AVA's CRM: what it learned about a lead, mirrored into the lead's GoHighLevel contact.

After each turn ``sync`` writes what changed: qualification answers into the mapped custom
fields, outcome tags (qualified, disqualified, booked, cancelled, handoff, opted-out) added one
by one with a note giving the lead's brief when a qualification or appointment tag is new, DND
for an opt-out, and on a hand-off the assignment, the pause tag, a task and a note that gives
the person the context. The appointment's tag follows it: when the lead cancels, the booked tag
is removed and the cancelled one added (a move keeps booked); a new booking swaps them back.
Tags change only through the add and remove endpoints, never an upsert (which replaces them
all). The store remembers what was written, so a sync repeats nothing; a CRM failure is logged
for the team and never reaches the lead's conversation.
"""

from __future__ import annotations

from datetime import timedelta

from loguru import logger

from ava_core.calendar.base import slot_label
from ava_core.clock import Clock
from ava_core.errors import AvaError, StoreError
from ava_core.ghl.contacts import GhlContacts
from ava_core.ghl.history import CrmHistory
from ava_core.ghl.http import GhlError
from ava_core.ghl.webhook import CHANNEL
from ava_core.profile.models import Profile
from ava_core.qualification import standing
from ava_core.store import Contact, Store
from ava_core.store.crm import CrmRecords

LAST_MESSAGES = 4


class CrmMirror:
    def __init__(self, contacts: GhlContacts, store: Store, profile: Profile, clock: Clock, *, mirror_all: bool,
                 write_contacts: bool = True, history: CrmHistory | None = None):
        """``mirror_all``: leads of other channels (WhatsApp) get a GHL contact too, found by phone;
        ``write_contacts`` off leaves contacts alone (``history`` still keeps the store to its window)."""
        self._contacts = contacts
        self._write = write_contacts
        self._history = history
        self._store = store
        self._records = CrmRecords(store)
        self._profile = profile
        self._clock = clock
        self._mirror_all = mirror_all

    def contact_of(self, contact_id: int) -> str | None:
        """The lead's GHL contact id, linking (and for other channels creating) it on first use."""
        known = self._records.contact(contact_id)
        if known is not None:
            return known.crm_contact_id
        contact = self._store.contact(contact_id)
        crm_id = self._find(contact)
        if crm_id:
            self._records.link_contact(contact_id, crm_id, self._clock.now())
        return crm_id

    def _find(self, contact: Contact) -> str | None:
        if contact.channel == CHANNEL:
            return contact.external_id
        if not self._mirror_all or not contact.phone:
            return None
        return self._contacts.find_or_create(phone=contact.phone, name=contact.name)

    def sync(self, conversation_id: int) -> None:
        """Write what changed since the last sync; failures are logged, never raised."""
        log = logger.bind(conversation_id=conversation_id)
        if self._history is not None:
            try:
                folded = self._history.compact(conversation_id)
                if folded:
                    log.info("{} older message(s) folded into the summary; GoHighLevel keeps them", folded)
            except AvaError as exc:
                log.bind(alert="store").warning("history not folded: {}", exc)
        if not self._write:
            return
        try:
            self._sync(conversation_id)
        except AvaError as exc:
            log.bind(alert="crm").error("GoHighLevel contact not updated: {}", exc)

    def catch_up(self, conversation_id: int) -> None:
        """Before a turn: the lead's name from their GHL contact when no webhook gave it, and what
        GoHighLevel held of the conversation before AVA, folded into its summary (first turn only).
        Never raises: a lead waiting for a reply matters more than their name or older messages."""
        self.read_name(conversation_id)
        if self._history is None:
            return
        log = logger.bind(conversation_id=conversation_id)
        try:
            self._history.catch_up(conversation_id)
        except AvaError as exc:
            log.bind(alert="crm").warning("earlier GoHighLevel messages not read; answering without them: {}", exc)
        except Exception as exc:  # an answer shaped unlike GHL's documents: still never in the reply's way
            log.bind(alert="crm").opt(exception=exc).error(
                "earlier GoHighLevel messages not read ({}); answering without them", type(exc).__name__)

    def read_name(self, conversation_id: int) -> None:
        """A GHL lead's name read from their contact (GET /contacts/{id}) and stored, once, when the
        webhook carried none (a marketplace InboundMessage never does, a workflow's may not), so a
        lead the business knows is greeted by name. Reading needs no contact writing. Never raises;
        a contact GHL could not answer for is asked again next turn, one it has no name for is not."""
        conversation = self._store.conversation(conversation_id)
        if conversation.channel != CHANNEL:
            return
        contact = self._store.contact(conversation.contact_id)
        record = self._records.contact(contact.id)
        if contact.name or (record is not None and record.name_read):
            return
        log = logger.bind(conversation_id=conversation_id)
        try:
            name = self._contacts.name(contact.external_id)
        except GhlError as exc:
            log.bind(alert="crm").warning("the lead's name not read from GoHighLevel; answering without it: {}", exc)
            if exc.status in (404, 422):  # nothing to read for this contact, now or later
                self._records.mark_name_read(contact.id, contact.external_id, self._clock.now())
            return
        except Exception as exc:  # an answer shaped unlike GHL's documents: still never in the reply's way
            log.bind(alert="crm").opt(exception=exc).error(
                "the lead's name not read from GoHighLevel ({}); answering without it", type(exc).__name__)
            return
        if name:
            self._store.upsert_contact(contact.channel, contact.external_id, name=name, phone=None,
                                       at=self._clock.now())
            log.info("the lead's name read from their GoHighLevel contact")
        self._records.mark_name_read(contact.id, contact.external_id, self._clock.now())

    def _sync(self, conversation_id: int) -> None:
        conversation = self._store.conversation(conversation_id)
        crm_id = self.contact_of(conversation.contact_id)
        if not crm_id:
            return
        record = self._records.contact(conversation.contact_id)
        if record is None:  # contact_of links the record before it answers: the store lost it since
            raise StoreError(f"the CRM record of contact {conversation.contact_id} is missing")
        contact = self._store.contact(conversation.contact_id)
        now = self._clock.now()
        answers = self._store.answers(conversation_id)
        mapping = self._profile.crm.custom_fields
        fields = {mapping[f]: a.value for f, a in answers.items() if f in mapping and record.fields.get(mapping[f])
                  != a.value}
        if fields:
            self._contacts.set_custom_fields(crm_id, fields)
            self._records.mark_synced(contact.id, now, fields=fields)
        tags = self._profile.crm.tags
        wanted = []
        state = standing(self._profile, {f: a.verdict for f, a in answers.items()}).status
        if state == "qualified":
            wanted.append(tags.qualified)
        elif state == "disqualified":
            wanted.append(tags.disqualified)
        # The appointment's tag follows it: booked (a move keeps it), or cancelled by the lead.
        stale: list[str] = []
        if self._store.active_appointment(conversation_id) is not None:
            wanted.append(tags.booked)
            stale.append(tags.cancelled)
        elif self._store.cancelled_appointment(conversation_id) is not None:
            wanted.append(tags.cancelled)
            stale.append(tags.booked)
        if contact.opted_out:
            wanted.append(tags.opted_out)
        # Only what AVA itself added is taken off; the remove endpoint leaves every other tag alone.
        gone = [t for t in stale if t in record.tags]
        if gone:
            self._contacts.remove_tags(crm_id, gone)
            self._records.mark_synced(contact.id, now, untagged=gone)
        new = [t for t in wanted if t not in record.tags]
        if new:
            self._contacts.add_tags(crm_id, new)
            self._records.mark_synced(contact.id, now, tags=new)
            if any(t in (tags.qualified, tags.disqualified, tags.booked, tags.cancelled) for t in new):
                # The team sees where each lead stands in the CRM, whatever channel it came from.
                self._contacts.add_note(crm_id, f"AVA: {', '.join(new)}\n" + self.summary(conversation_id))
        if contact.opted_out and not record.dnd:
            reply = self._records.conversation(conversation_id)
            self._contacts.set_dnd(crm_id, reply.reply_type if reply else None)
            self._records.mark_synced(contact.id, now, dnd=True)
        reason = conversation.handoff_reason
        if conversation.status == "paused" and not record.handed_off and reason is not None \
                and self._handed_off_by_ava(conversation_id, reason):
            self.hand_off(conversation_id, crm_id, reason)

    def _handed_off_by_ava(self, conversation_id: int, reason: str) -> bool:
        """Paused by AVA's hand-off (its latest, for this reason), not by a person taking over."""
        handoffs = [r for r in self._store.tool_calls(conversation_id) if r.name == "handoff_to_human" and r.ok]
        return bool(handoffs) and handoffs[-1].args.get("reason") == reason

    def hand_off(self, conversation_id: int, crm_id: str, reason: str) -> None:
        """Assign the contact, tag it, and leave a task and a note so the person starts with context."""
        crm = self._profile.crm
        contact = self._store.contact(self._store.conversation(conversation_id).contact_id)
        now = self._clock.now()
        if crm.handoff_user_id:
            self._contacts.assign(crm_id, crm.handoff_user_id)
        self._contacts.add_tags(crm_id, [crm.tags.handoff, crm.pause_tag])
        summary = self.summary(conversation_id, reason=reason)
        self._contacts.add_task(crm_id, title=crm.handoff_task_title.format(lead_name=contact.name or "the lead"),
                                body=summary, due=now + timedelta(minutes=crm.handoff_task_due_minutes),
                                user_id=crm.handoff_user_id)
        self._contacts.add_note(crm_id, summary, user_id=crm.handoff_user_id)
        self._records.mark_synced(contact.id, now, tags=[crm.tags.handoff, crm.pause_tag], handed_off=True)
        logger.bind(conversation_id=conversation_id).info("hand-off written to GoHighLevel contact {}", crm_id)

    def pause_tag(self, conversation_id: int) -> None:
        """Tag the contact as paused, so the team sees it and can resume AVA by removing the tag."""
        if not self._write:
            return
        crm_id = self.contact_of(self._store.conversation(conversation_id).contact_id)
        if crm_id:
            self._contacts.add_tags(crm_id, [self._profile.crm.pause_tag])

    def summary(self, conversation_id: int, *, reason: str | None = None) -> str:
        """A short, structured brief built from the store alone: who, answers, objections, asks."""
        return lead_summary(self._store, self._profile, conversation_id, reason=reason)


def lead_summary(store: Store, profile: Profile, conversation_id: int, *, reason: str | None = None) -> str:
    """Deterministic: the same store gives the same text, with or without a model configured."""
    conversation = store.conversation(conversation_id)
    contact = store.contact(conversation.contact_id)
    lines = [f"Lead: {contact.name or 'unknown name'}" + (f", {contact.phone}" if contact.phone else "")
             + f" (via {conversation.channel})"]
    if reason:
        lines.append(f"Why AVA handed over: {reason}")
    answers = store.answers(conversation_id)
    if answers:
        lines.append("Qualification:")
        for question in profile.qualification.questions:
            answer = answers.get(question.field)
            if answer:
                lines.append(f"- {question.field}: {answer.value} ({answer.verdict})")
    state = standing(profile, {f: a.verdict for f, a in answers.items()})
    lines.append(f"Standing: {state.status}" + (f" (still to ask: {', '.join(state.missing)})"
                                                if state.missing and state.status == "unknown" else ""))
    calls = store.tool_calls(conversation_id)
    objections = [str(c.args.get("query")) for c in calls if c.name == "search_knowledge" and c.args.get("query")]
    if objections:
        lines.append("Objections raised: " + "; ".join(dict.fromkeys(objections)))
    appointment = store.active_appointment(conversation_id)
    cancelled = store.cancelled_appointment(conversation_id) if appointment is None else None
    if appointment is not None:
        lines.append(f"Booked: {slot_label(appointment.start, profile.tz)}"
                     + (f" ({appointment.link})" if appointment.link else ""))
    elif cancelled is not None:
        lines.append(f"Cancelled by the lead: {slot_label(cancelled.start, profile.tz)}"
                     + (f" ({cancelled.cancel_reason})" if cancelled.cancel_reason else ""))
    else:
        offered = store.offered_slots(conversation_id)
        if offered:
            lines.append("Offered: " + "; ".join(dict.fromkeys(o.label for o in offered[:3])))
    asked = [m.text for m in store.messages(conversation_id) if m.role == "user" and m.text][-LAST_MESSAGES:]
    if asked:
        lines.append("Last from the lead: " + " | ".join(asked))
    return "\n".join(lines)
