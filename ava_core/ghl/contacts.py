"""GoHighLevel Contacts API: find or create a lead's contact, tags one by one, custom fields,
DND, assignment, notes and tasks.

Tags go through the add/remove endpoints only: ``tags`` in an upsert or update replaces the
contact's whole list (UpsertContactDto/UpdateContactDto), which would wipe the sales team's tags.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ava_core.ghl.http import CONTACTS, GhlApi, GhlError

# DND channels of DndSettingsSchema, by the send API's channel type.
DND_CHANNELS = {"SMS": "SMS", "WhatsApp": "WhatsApp", "Email": "Email", "GMB": "GMB", "FB": "FB", "Call": "Call"}


class GhlContacts:
    def __init__(self, api: GhlApi, *, source: str = "AVA"):
        self._api = api
        self._source = source

    def find_or_create(self, *, phone: str | None = None, email: str | None = None, name: str | None = None) -> str:
        """The contact id for this phone or email (GHL matches by the location's duplicate rules)."""
        if not phone and not email:
            raise GhlError("a GoHighLevel contact needs a phone number or an email")
        body: dict[str, Any] = {"locationId": self._api.location_id, "source": self._source}
        if phone:
            body["phone"] = phone
        if email:
            body["email"] = email
        if name:
            first, _, last = name.partition(" ")
            body["firstName"] = first
            if last:
                body["lastName"] = last
        data = self._api.request("POST", "/contacts/upsert", version=CONTACTS, json=body,
                                 what="find or create the contact")
        contact = data.get("contact") or {}
        if not contact.get("id"):
            raise GhlError("GoHighLevel's contact upsert returned no contact id")
        return str(contact["id"])

    def add_tags(self, contact_id: str, tags: list[str]) -> None:
        if tags:
            self._api.request("POST", f"/contacts/{contact_id}/tags", version=CONTACTS, json={"tags": tags},
                              what="tag the contact")

    def remove_tags(self, contact_id: str, tags: list[str]) -> None:
        if tags:
            self._api.request("DELETE", f"/contacts/{contact_id}/tags", version=CONTACTS, json={"tags": tags},
                              what="untag the contact")

    def set_custom_fields(self, contact_id: str, values: Mapping[str, str | float | list[str]]) -> None:
        """Write custom fields by id: ``{"customFields": [{"id": …, "field_value": …}]}``."""
        if values:
            self._update(contact_id, {"customFields": [{"id": k, "field_value": v} for k, v in values.items()]},
                         "write the qualification answers")

    def set_dnd(self, contact_id: str, channel: str | None) -> None:
        """Do-not-disturb for the lead's channel (all channels when it is not known)."""
        kind = DND_CHANNELS.get(channel or "")
        body: dict[str, Any] = ({"dndSettings": {kind: {"status": "active", "message": "opted out via AVA"}}}
                                if kind else {"dnd": True})
        self._update(contact_id, body, "set do-not-disturb")

    def assign(self, contact_id: str, user_id: str) -> None:
        self._update(contact_id, {"assignedTo": user_id}, "assign the contact")

    def add_note(self, contact_id: str, body: str, *, user_id: str | None = None) -> None:
        note: dict[str, Any] = {"body": body}
        if user_id:
            note["userId"] = user_id
        self._api.request("POST", f"/contacts/{contact_id}/notes", version=CONTACTS, json=note,
                          what="write a note on the contact")

    def add_task(self, contact_id: str, *, title: str, body: str, due: datetime, user_id: str | None = None) -> None:
        task: dict[str, Any] = {"title": title, "body": body, "dueDate": due.astimezone(UTC).isoformat().replace("+00:00", "Z"),
                                "completed": False}
        if user_id:
            task["assignedTo"] = user_id
        self._api.request("POST", f"/contacts/{contact_id}/tasks", version=CONTACTS, json=task,
                          what="create a follow-up task")

    def get(self, contact_id: str) -> dict[str, Any]:
        data = self._api.request("GET", f"/contacts/{contact_id}", version=CONTACTS, what="read the contact")
        contact = data.get("contact")
        return contact if isinstance(contact, dict) else {}

    def name(self, contact_id: str) -> str | None:
        """The contact's name as GoHighLevel has it (GET /contacts/{id}), None when it has none."""
        return contact_name(self.get(contact_id))

    def _update(self, contact_id: str, body: dict[str, Any], what: str) -> None:
        self._api.request("PUT", f"/contacts/{contact_id}", version=CONTACTS, json=body, what=what)


def contact_name(contact: dict[str, Any]) -> str | None:
    """A person's name from a contact (GetContectByIdSchema): first and last name, else ``name``.
    GHL shows a nameless contact by its phone or email; neither is a name to greet anyone by."""
    parts = [v.strip() for k in ("firstName", "lastName") if isinstance(v := contact.get(k), str)]
    for candidate in (" ".join(p for p in parts if p), contact.get("name")):
        if isinstance(candidate, str):
            candidate = " ".join(candidate.split())
            if candidate and "@" not in candidate and any(c.isalpha() for c in candidate):
                return candidate
    return None
