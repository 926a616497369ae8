"""What AVA keeps about a lead's CRM record: ids, the tags it added, the fields it wrote, a
person's takeover of the conversation, the CRM calendar's appointment ids, the history summary.

Kept beside the repository (same file, same transactions) so the CRM pieces stay in one place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from ava_core.errors import StoreError
from ava_core.store.repository import Store, _datetime, _dt, _iso


@dataclass(frozen=True)
class CrmContact:
    contact_id: int
    crm_contact_id: str
    tags: tuple[str, ...]
    fields: dict[str, str]
    dnd: bool
    handed_off: bool
    name_read: bool = False  # the contact's name was asked of the CRM (the webhook gave none)


@dataclass(frozen=True)
class CrmConversation:
    conversation_id: int
    crm_conversation_id: str | None
    reply_type: str | None
    paused_until: datetime | None
    history_read: bool = False  # the CRM's messages from before AVA were read into the summary


class CrmRecords:
    """The ``crm_contacts`` and ``crm_conversations`` tables of a ``Store``."""

    def __init__(self, store: Store):
        self._store = store

    # --- contacts -----------------------------------------------------------------------

    def link_contact(self, contact_id: int, crm_contact_id: str, at: datetime) -> CrmContact:
        with self._store._unit(write=True) as conn:
            conn.execute(
                "INSERT INTO crm_contacts (contact_id, crm_contact_id, updated_at) VALUES (?,?,?) "
                "ON CONFLICT (contact_id) DO UPDATE SET crm_contact_id = excluded.crm_contact_id",
                (contact_id, crm_contact_id, _iso(at)),
            )
        linked = self.contact(contact_id)
        if linked is None:  # the row was just written: only a vanished contact leaves none
            raise StoreError(f"contact {contact_id} could not be linked to CRM contact {crm_contact_id}")
        return linked

    def contact(self, contact_id: int) -> CrmContact | None:
        with self._store._unit() as conn:
            row = conn.execute("SELECT * FROM crm_contacts WHERE contact_id = ?", (contact_id,)).fetchone()
        if row is None:
            return None
        return CrmContact(row["contact_id"], row["crm_contact_id"], tuple(json.loads(row["tags"])),
                          json.loads(row["fields"]), row["dnd_at"] is not None, row["handed_off_at"] is not None,
                          row["name_read_at"] is not None)

    def mark_name_read(self, contact_id: int, crm_contact_id: str, at: datetime) -> None:
        """The contact's name was read from the CRM (found or not): it is not asked for again."""
        with self._store._unit(write=True) as conn:
            conn.execute(
                "INSERT INTO crm_contacts (contact_id, crm_contact_id, name_read_at, updated_at) VALUES (?,?,?,?) "
                "ON CONFLICT (contact_id) DO UPDATE SET name_read_at = COALESCE(name_read_at, excluded.name_read_at)",
                (contact_id, crm_contact_id, _iso(at), _iso(at)),
            )

    def mark_synced(self, contact_id: int, at: datetime, *, tags: list[str] | None = None,
                    untagged: list[str] | None = None, fields: dict[str, str] | None = None, dnd: bool = False,
                    handed_off: bool = False) -> None:
        """Remember what reached the CRM, so the next sync writes only what changed: ``tags`` added,
        ``untagged`` removed."""
        with self._store._unit(write=True) as conn:
            row = conn.execute("SELECT tags, fields FROM crm_contacts WHERE contact_id = ?", (contact_id,)).fetchone()
            if row is None:
                return
            known = [t for t in json.loads(row["tags"]) if t not in (untagged or [])]
            conn.execute(
                "UPDATE crm_contacts SET tags = ?, fields = ?, dnd_at = CASE WHEN ? THEN COALESCE(dnd_at, ?) "
                "ELSE dnd_at END, handed_off_at = CASE WHEN ? THEN COALESCE(handed_off_at, ?) ELSE handed_off_at END, "
                "updated_at = ? WHERE contact_id = ?",
                (json.dumps(known + [t for t in tags or [] if t not in known]),
                 json.dumps({**json.loads(row["fields"]), **(fields or {})}),
                 dnd, _iso(at), handed_off, _iso(at), _iso(at), contact_id),
            )

    # --- conversations ------------------------------------------------------------------

    def note_conversation(self, conversation_id: int, at: datetime, *, crm_conversation_id: str | None = None,
                          reply_type: str | None = None) -> None:
        """Remember the CRM conversation and the channel type the lead last wrote on."""
        with self._store._unit(write=True) as conn:
            conn.execute(
                "INSERT INTO crm_conversations (conversation_id, crm_conversation_id, reply_type, updated_at) "
                "VALUES (?,?,?,?) ON CONFLICT (conversation_id) DO UPDATE SET "
                "crm_conversation_id = COALESCE(excluded.crm_conversation_id, crm_conversation_id), "
                "reply_type = COALESCE(excluded.reply_type, reply_type), updated_at = excluded.updated_at",
                (conversation_id, crm_conversation_id, reply_type, _iso(at)),
            )

    def conversation(self, conversation_id: int) -> CrmConversation | None:
        with self._store._unit() as conn:
            row = conn.execute("SELECT * FROM crm_conversations WHERE conversation_id = ?",
                               (conversation_id,)).fetchone()
        if row is None:
            return None
        return CrmConversation(row["conversation_id"], row["crm_conversation_id"], row["reply_type"],
                               _dt(row["paused_until"]), row["history_read_at"] is not None)

    def reply_type(self, channel: str, address: str) -> str | None:
        """The channel type of the newest conversation of the contact at ``address`` (its CRM id)."""
        key = self._store._sealer.blind(address)
        with self._store._unit() as conn:
            row = conn.execute(
                "SELECT x.reply_type FROM crm_conversations x JOIN conversations c ON c.id = x.conversation_id "
                "JOIN contacts k ON k.id = c.contact_id WHERE k.channel = ? AND k.external_key = ? "
                "AND x.reply_type IS NOT NULL ORDER BY x.updated_at DESC, c.id DESC LIMIT 1",
                (channel, key),
            ).fetchone()
        return row["reply_type"] if row else None

    def open_conversation_of(self, channel: str, address: str) -> int | None:
        """The newest open conversation of the contact at ``address`` (its CRM id; for a lead of
        another channel, the CRM contact it is mirrored to), without creating either."""
        key = self._store._sealer.blind(address)
        with self._store._unit() as conn:
            row = conn.execute(
                "SELECT c.id FROM conversations c JOIN contacts k ON k.id = c.contact_id WHERE "
                "((k.channel = ? AND k.external_key = ?) OR k.id IN "
                "(SELECT contact_id FROM crm_contacts WHERE crm_contact_id = ?)) "
                "AND c.status != 'closed' ORDER BY c.id DESC LIMIT 1",
                (channel, key, address),
            ).fetchone()
        return row["id"] if row else None

    def pause(self, conversation_id: int, until: datetime, at: datetime, *, reason: str) -> None:
        """A person took the conversation over: AVA stays quiet until ``until``."""
        with self._store._unit(write=True) as conn:
            conn.execute(
                "INSERT INTO crm_conversations (conversation_id, paused_until, updated_at) VALUES (?,?,?) "
                "ON CONFLICT (conversation_id) DO UPDATE SET paused_until = excluded.paused_until, "
                "updated_at = excluded.updated_at",
                (conversation_id, _iso(until), _iso(at)),
            )
            conn.execute(
                "UPDATE conversations SET status = 'paused', handoff_reason = ?, updated_at = ? "
                "WHERE id = ? AND status != 'closed'",
                (reason, _iso(at), conversation_id),
            )

    def resume_if_due(self, conversation_id: int, at: datetime) -> bool:
        """End a takeover pause whose time is up; True when AVA has the conversation again."""
        with self._store._unit(write=True) as conn:
            row = conn.execute("SELECT paused_until FROM crm_conversations WHERE conversation_id = ?",
                               (conversation_id,)).fetchone()
            if row is None or row["paused_until"] is None or _datetime(row["paused_until"]) > at:
                return False
            return self._resume(conn, conversation_id, at)

    def resume(self, conversation_id: int, at: datetime) -> bool:
        """End a pause now, a takeover's or a hand-off's (the pause tag was removed in the CRM)."""
        with self._store._unit(write=True) as conn:
            return self._resume(conn, conversation_id, at)

    @staticmethod
    def _resume(conn, conversation_id: int, at: datetime) -> bool:
        conn.execute("UPDATE crm_conversations SET paused_until = NULL, updated_at = ? WHERE conversation_id = ?",
                     (_iso(at), conversation_id))
        # A later hand-off is written to the CRM again: the team finished with this one.
        conn.execute("UPDATE crm_contacts SET handed_off_at = NULL WHERE contact_id = "
                     "(SELECT contact_id FROM conversations WHERE id = ?)", (conversation_id,))
        return conn.execute(
            "UPDATE conversations SET status = 'active', updated_at = ? WHERE id = ? AND status = 'paused'",
            (_iso(at), conversation_id),
        ).rowcount > 0

    def fold(self, conversation_id: int, message_ids: list[int], summary: dict, at: datetime, *,
             history_read: bool = False) -> None:
        """Replace these messages by the running summary, in one transaction; ``history_read`` notes
        that the CRM's older messages are in it. The summary holds the lead's words: sealed."""
        with self._store._unit(write=True) as conn:
            conn.execute(
                "INSERT INTO crm_conversations (conversation_id, summary, history_read_at, updated_at) "
                "VALUES (?,?,?,?) ON CONFLICT (conversation_id) DO UPDATE SET summary = excluded.summary, "
                "history_read_at = COALESCE(history_read_at, excluded.history_read_at)",
                (conversation_id, self._store._sealer.seal(json.dumps(summary, ensure_ascii=False)),
                 _iso(at) if history_read else None, _iso(at)),
            )
            conn.executemany("DELETE FROM messages WHERE conversation_id = ? AND id = ?",
                             [(conversation_id, i) for i in message_ids])

    def mark_history_read(self, conversation_id: int, at: datetime) -> None:
        """Nothing (more) to read from the CRM for this conversation."""
        with self._store._unit(write=True) as conn:
            conn.execute(
                "INSERT INTO crm_conversations (conversation_id, history_read_at, updated_at) VALUES (?,?,?) "
                "ON CONFLICT (conversation_id) DO UPDATE SET history_read_at = COALESCE(history_read_at, "
                "excluded.history_read_at)",
                (conversation_id, _iso(at), _iso(at)),
            )

    def set_appointment_external(self, appointment_id: int, external_id: str, link: str | None) -> None:
        """The CRM calendar's id for a booking held in the store, and its meeting link when known."""
        with self._store._unit(write=True) as conn:
            conn.execute("UPDATE appointments SET external_id = ?, link = COALESCE(?, link) WHERE id = ?",
                         (external_id, link, appointment_id))

    def summary(self, conversation_id: int) -> dict | None:
        with self._store._unit() as conn:
            row = conn.execute("SELECT summary FROM crm_conversations WHERE conversation_id = ?",
                               (conversation_id,)).fetchone()
        return json.loads(self._store._sealer.open(row["summary"])) if row and row["summary"] else None
