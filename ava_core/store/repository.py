"""The SQLite repository: the only module that writes SQL.

One connection per unit of work, a busy timeout, WAL locally and the rollback journal on a
network share (WAL needs shared memory that SMB does not give; see ``placement``). The journal
mode SQLite actually took is checked, never assumed. Times are stored as UTC ISO 8601 text.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ava_core.errors import StoreError
from ava_core.store import placement
from ava_core.store.migrations import MIGRATIONS
from ava_core.store.sealing import Sealer

# The role of a message a person on the business's team wrote to the lead (in GoHighLevel):
# neither the lead's ('user') nor AVA's ('assistant').
TEAM = "team"
# The role of a message the business's automation sent the lead (a GoHighLevel workflow or
# campaign, no person on it): the business's, yet neither a person's answer nor AVA's words.
BUSINESS = "business"


class SlotTaken(StoreError):
    """Another conversation booked this slot first."""


@dataclass(frozen=True)
class Contact:
    id: int
    channel: str
    external_id: str
    name: str | None
    phone: str | None
    opted_out: bool


@dataclass(frozen=True)
class Conversation:
    id: int
    contact_id: int
    channel: str
    status: str
    handoff_reason: str | None
    summary: str | None
    last_inbound_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class StoredMessage:
    id: int
    role: str
    text: str
    kind: str
    tool_calls: list[dict[str, Any]]
    tool_call_id: str | None
    tool_name: str | None
    channel_message_id: str | None
    status: str | None
    created_at: datetime
    media_id: str | None = None
    delivery_key: str | None = None


@dataclass(frozen=True)
class Answer:
    field: str
    value: str
    verdict: str
    recorded_at: datetime


@dataclass(frozen=True)
class OfferedSlot:
    slot_id: str
    start: datetime
    end: datetime
    label: str
    offered_at: datetime


@dataclass(frozen=True)
class Appointment:
    id: int
    conversation_id: int
    contact_id: int
    calendar: str
    slot_id: str
    start: datetime
    end: datetime
    status: str
    external_id: str | None
    link: str | None
    link_sent: bool
    created_at: datetime | None = None
    cancelled_at: datetime | None = None  # set when the lead cancelled it or it was moved
    cancel_reason: str | None = None
    moved_to: int | None = None  # the appointment that replaced it at another time


@dataclass(frozen=True)
class ToolCallRecord:
    turn_id: str
    name: str
    args: dict[str, Any]
    result: dict[str, Any]
    ok: bool
    latency_ms: float


# "played" is WhatsApp's receipt for a voice message listened to: it comes after "read".
_STATUS_RANK = {"received": 0, "sending": 0, "sent": 1, "delivered": 2, "read": 3, "played": 4}


# An assistant message the lead got, or may have got: sent with an id, or claimed for sending.
_REPLY_SENT = "a.role = 'assistant' AND (a.channel_message_id IS NOT NULL OR a.delivery_key IS NOT NULL)"
# A message that answered the lead: AVA's reply, or one a person on the business's team wrote in the CRM.
_ANSWERED = f"(({_REPLY_SENT}) OR (a.role = '{TEAM}' AND a.channel_message_id IS NOT NULL))"


def _iso(at: datetime) -> str:
    if at.tzinfo is None:
        raise StoreError("naive datetime passed to the store; use timezone-aware times")
    return at.astimezone(UTC).isoformat()


def _dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _datetime(text: str) -> datetime:
    """A NOT NULL time column."""
    return datetime.fromisoformat(text)


class Store:
    """AVA's state in one SQLite file."""

    def __init__(
        self,
        path: str | Path,
        *,
        network_share: bool = False,
        busy_timeout_ms: int = 5000,
        sealer: Sealer | None = None,
    ):
        self.path = Path(path)
        self._journal = "delete" if network_share else "wal"
        # Under the rollback journal only FULL syncs the journal before the database is
        # written; NORMAL can leave a corrupt file after a crash (sqlite.org/pragma.html#pragma_synchronous).
        # WAL is safe with NORMAL.
        self._synchronous = "FULL" if network_share else "NORMAL"
        self._busy_timeout_ms = busy_timeout_ms
        self._sealer = sealer or Sealer()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the folder for the store {self.path}: {exc.strerror}") from None
        if network_share:
            placement.check_share(self.path)
        self._local = threading.local()
        self.migrate()

    # --- plumbing -----------------------------------------------------------------------

    @contextmanager
    def _unit(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """One short transaction; writes take the lock up front so they never deadlock on upgrade.

        Each thread keeps its own connection between units: opening one re-reads the schema
        (~0.5 ms, most of a unit's cost), and a connection is never shared by two units at once.
        """
        conn = self._connection()
        try:
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            self._discard()
            raise StoreError(f"store {self.path}: {exc}") from None

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        try:
            conn = sqlite3.connect(self.path, timeout=self._busy_timeout_ms / 1000, isolation_level=None,
                                   check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the store {self.path}: {exc}") from None
        conn.row_factory = sqlite3.Row
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
            conn.execute("PRAGMA foreign_keys = ON")
            if self._journal != "wal":
                # WAL is a property of the file (set once by migrate); the rollback journal is per
                # connection, and a file another process switched to WAL would take this one with it.
                self._set_journal(conn)
            conn.execute(f"PRAGMA synchronous = {self._synchronous}")
        except StoreError:
            conn.close()
            raise
        except sqlite3.Error as exc:
            conn.close()
            raise StoreError(f"cannot open the store {self.path}: {exc}") from None
        self._local.conn = conn
        return conn

    def _set_journal(self, conn: sqlite3.Connection) -> None:
        """Switch to this store's journal mode and check SQLite took it: it answers with the mode
        in force, and keeps the old one when it cannot switch (a file system without shared
        memory refuses WAL; a WAL file open in another process cannot leave WAL)."""
        mode = str(conn.execute(f"PRAGMA journal_mode = {self._journal}").fetchone()[0]).lower()
        if mode == self._journal:
            return
        if self._journal == "wal":
            raise StoreError(
                f"store {self.path}: SQLite could not use WAL here (it kept journal_mode={mode}); on a network "
                "share such as Azure Files set AVA_DB_NETWORK_SHARE=true"
            )
        raise StoreError(
            f"store {self.path}: SQLite kept journal_mode={mode} instead of the rollback journal that "
            "AVA_DB_NETWORK_SHARE=true asks for; a process that still opens it in WAL mode (a local "
            "AVA, or an older deployment) must stop before AVA can switch it"
        )

    def _discard(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            conn.close()

    def close(self) -> None:
        """Close this thread's connection (others close with their threads)."""
        self._discard()

    def migrate(self) -> int:
        """Bring the schema to the newest version; returns that version."""
        conn = sqlite3.connect(self.path, timeout=self._busy_timeout_ms / 1000, isolation_level=None)
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
            self._set_journal(conn)
            conn.execute(f"PRAGMA synchronous = {self._synchronous}")
            conn.execute("BEGIN IMMEDIATE")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > len(MIGRATIONS):
                conn.execute("ROLLBACK")
                raise StoreError(
                    f"store {self.path} is at schema version {version}, newer than this AVA "
                    f"({len(MIGRATIONS)}): upgrade AVA instead of downgrading the data"
                )
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in _statements(script):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
            return len(MIGRATIONS)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot migrate the store {self.path}: {exc}") from None
        finally:
            conn.close()

    def schema_version(self) -> int:
        with self._unit() as conn:
            return conn.execute("PRAGMA user_version").fetchone()[0]

    def ping(self) -> bool:
        try:
            with self._unit() as conn:
                conn.execute("SELECT 1").fetchone()
            return True
        except StoreError:
            return False

    # --- contacts and conversations -----------------------------------------------------

    def upsert_contact(
        self, channel: str, external_id: str, *, name: str | None, phone: str | None, at: datetime
    ) -> Contact:
        """The contact for this channel address, created on first sight; a new name is kept."""
        key = self._sealer.blind(external_id)
        with self._unit(write=True) as conn:
            row = conn.execute(
                "SELECT * FROM contacts WHERE channel = ? AND external_key = ?", (channel, key)
            ).fetchone()
            if row is None:
                cur = conn.execute(
                    "INSERT INTO contacts (channel, external_key, address, name, phone, created_at) "
                    "VALUES (?,?,?,?,?,?)",
                    (channel, key, self._sealer.seal(external_id), self._sealer.seal(name),
                     self._sealer.seal(phone), _iso(at)),
                )
                row = conn.execute("SELECT * FROM contacts WHERE id = ?", (cur.lastrowid,)).fetchone()
            elif name and self._sealer.open(row["name"]) != name:
                conn.execute("UPDATE contacts SET name = ? WHERE id = ?", (self._sealer.seal(name), row["id"]))
                row = conn.execute("SELECT * FROM contacts WHERE id = ?", (row["id"],)).fetchone()
        return self._contact(row)

    def contact(self, contact_id: int) -> Contact:
        with self._unit() as conn:
            row = conn.execute("SELECT * FROM contacts WHERE id = ?", (contact_id,)).fetchone()
        if row is None:
            raise StoreError(f"no contact with id {contact_id}")
        return self._contact(row)

    def _contact(self, row: sqlite3.Row) -> Contact:
        return Contact(
            id=row["id"],
            channel=row["channel"],
            external_id=self._sealer.open(row["address"]),
            name=self._sealer.open(row["name"]),
            phone=self._sealer.open(row["phone"]),
            opted_out=row["opted_out_at"] is not None,
        )

    def set_opted_out(self, contact_id: int, at: datetime) -> None:
        with self._unit(write=True) as conn:
            conn.execute(
                "UPDATE contacts SET opted_out_at = COALESCE(opted_out_at, ?) WHERE id = ?",
                (_iso(at), contact_id),
            )

    def set_opted_in(self, contact_id: int) -> None:
        """The contact asked to hear from AVA again (START, where the channel allows it)."""
        with self._unit(write=True) as conn:
            conn.execute("UPDATE contacts SET opted_out_at = NULL WHERE id = ?", (contact_id,))

    def open_conversation(self, contact_id: int, channel: str, at: datetime) -> Conversation:
        """The contact's current conversation on this channel, or a new one."""
        with self._unit(write=True) as conn:
            row = conn.execute(
                "SELECT * FROM conversations WHERE contact_id = ? AND channel = ? AND status != 'closed' "
                "ORDER BY id DESC LIMIT 1",
                (contact_id, channel),
            ).fetchone()
            if row is None:
                cur = conn.execute(
                    "INSERT INTO conversations (contact_id, channel, created_at, updated_at) VALUES (?,?,?,?)",
                    (contact_id, channel, _iso(at), _iso(at)),
                )
                row = conn.execute("SELECT * FROM conversations WHERE id = ?", (cur.lastrowid,)).fetchone()
        return _conversation(row)

    def conversation(self, conversation_id: int) -> Conversation:
        with self._unit() as conn:
            row = conn.execute("SELECT * FROM conversations WHERE id = ?", (conversation_id,)).fetchone()
        if row is None:
            raise StoreError(f"no conversation with id {conversation_id}")
        return _conversation(row)

    def set_conversation_status(
        self, conversation_id: int, status: str, at: datetime, *, reason: str | None = None
    ) -> None:
        with self._unit(write=True) as conn:
            conn.execute(
                "UPDATE conversations SET status = ?, handoff_reason = COALESCE(?, handoff_reason), "
                "updated_at = ? WHERE id = ?",
                (status, reason, _iso(at), conversation_id),
            )

    # --- messages -----------------------------------------------------------------------

    def add_message(
        self,
        conversation_id: int,
        role: str,
        text: str,
        *,
        at: datetime,
        kind: str = "text",
        tool_calls: list[dict[str, Any]] | None = None,
        tool_call_id: str | None = None,
        tool_name: str | None = None,
        channel: str | None = None,
        channel_message_id: str | None = None,
        status: str | None = None,
        media_id: str | None = None,
    ) -> int | None:
        """Append a message; returns its id, or None when this channel message id is already stored."""
        with self._unit(write=True) as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO messages (conversation_id, role, text, kind, tool_calls, tool_call_id, "
                "tool_name, channel, channel_message_id, status, created_at, media_id) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    conversation_id,
                    role,
                    self._sealer.seal(text),
                    kind,
                    json.dumps(tool_calls) if tool_calls else None,
                    tool_call_id,
                    tool_name,
                    channel,
                    channel_message_id,
                    status,
                    _iso(at),
                    media_id,
                ),
            )
            if cur.rowcount == 0:
                return None
            stamp = ", last_inbound_at = ?" if role == "user" else ""
            params = (_iso(at), _iso(at), conversation_id) if role == "user" else (_iso(at), conversation_id)
            conn.execute(f"UPDATE conversations SET updated_at = ?{stamp} WHERE id = ?", params)
            return cur.lastrowid

    def messages(self, conversation_id: int, *, last: int | None = None) -> list[StoredMessage]:
        """The conversation's messages in order; ``last`` keeps only the newest N."""
        with self._unit() as conn:
            if last is None:
                rows = conn.execute(
                    "SELECT * FROM messages WHERE conversation_id = ? ORDER BY id", (conversation_id,)
                ).fetchall()
            else:
                rows = conn.execute(
                    "SELECT * FROM (SELECT * FROM messages WHERE conversation_id = ? ORDER BY id DESC LIMIT ?) "
                    "ORDER BY id",
                    (conversation_id, last),
                ).fetchall()
        return [self._message(r) for r in rows]

    def messages_after(self, conversation_id: int, message_id: int) -> list[StoredMessage]:
        with self._unit() as conn:
            rows = conn.execute(
                "SELECT * FROM messages WHERE conversation_id = ? AND id > ? ORDER BY id",
                (conversation_id, message_id),
            ).fetchall()
        return [self._message(r) for r in rows]

    def _message(self, r: sqlite3.Row) -> StoredMessage:
        return StoredMessage(
            id=r["id"],
            role=r["role"],
            text=self._sealer.open(r["text"]) or "",
            kind=r["kind"],
            tool_calls=json.loads(r["tool_calls"]) if r["tool_calls"] else [],
            tool_call_id=r["tool_call_id"],
            tool_name=r["tool_name"],
            channel_message_id=r["channel_message_id"],
            status=r["status"],
            created_at=datetime.fromisoformat(r["created_at"]),
            media_id=r["media_id"],
            delivery_key=r["delivery_key"],
        )

    def message(self, conversation_id: int, message_id: int) -> StoredMessage | None:
        """One message of a conversation by the store's id."""
        with self._unit() as conn:
            row = conn.execute(
                "SELECT * FROM messages WHERE conversation_id = ? AND id = ?", (conversation_id, message_id)
            ).fetchone()
        return self._message(row) if row else None

    def message_by_channel_id(self, channel: str, channel_message_id: str) -> tuple[int, StoredMessage] | None:
        """(conversation id, message) of a stored channel message, e.g. a webhook delivered twice."""
        with self._unit() as conn:
            row = conn.execute(
                "SELECT * FROM messages WHERE channel = ? AND channel_message_id = ?", (channel, channel_message_id)
            ).fetchone()
        return (row["conversation_id"], self._message(row)) if row else None

    def answered_after(self, conversation_id: int, message_id: int) -> bool:
        """True when a reply went out (or was on its way) after this message, AVA's or the team's."""
        with self._unit() as conn:
            row = conn.execute(
                f"SELECT 1 FROM messages a WHERE a.conversation_id = ? AND a.id > ? AND {_ANSWERED} LIMIT 1",
                (conversation_id, message_id),
            ).fetchone()
        return row is not None

    # --- outgoing bubbles: claimed before the channel is called, confirmed after --------

    def claim_delivery(
        self, conversation_id: int, key: str, text: str, *, at: datetime, channel: str
    ) -> int | None:
        """Record a bubble as "sending" under ``key`` before it is posted; None when the key is
        already recorded (an earlier attempt sent it, or may have: never post it twice)."""
        with self._unit(write=True) as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO messages (conversation_id, role, text, kind, channel, status, delivery_key, "
                "created_at) VALUES (?, 'assistant', ?, 'text', ?, 'sending', ?, ?)",
                (conversation_id, self._sealer.seal(text), channel, key, _iso(at)),
            )
            if cur.rowcount == 0:
                return None
            conn.execute("UPDATE conversations SET updated_at = ? WHERE id = ?", (_iso(at), conversation_id))
            return cur.lastrowid

    def confirm_delivery(
        self, message_id: int, channel_message_id: str | None, *, text: str | None = None, kind: str | None = None
    ) -> bool:
        """Mark a claimed bubble sent with the channel's id; ``text``/``kind`` record what actually
        went out when it differs from the claim (a template instead of free text).

        False when the channel reused an id already stored: the bubble is kept, without that id."""
        sets = "status = 'sent', text = COALESCE(?, text), kind = COALESCE(?, kind)"
        params = (self._sealer.seal(text) if text is not None else None, kind)
        with self._unit(write=True) as conn:
            try:
                conn.execute(f"UPDATE messages SET {sets}, channel_message_id = ? WHERE id = ?",
                             (*params, channel_message_id, message_id))
                return True
            except sqlite3.IntegrityError:
                conn.execute(f"UPDATE messages SET {sets} WHERE id = ?", (*params, message_id))
                return False

    def unconfirmed_deliveries(self, conversation_id: int) -> list[StoredMessage]:
        """AVA's bubbles claimed for sending whose channel id is not recorded yet: on their way, or
        sent by a call whose answer never came back."""
        with self._unit() as conn:
            rows = conn.execute(
                "SELECT * FROM messages WHERE conversation_id = ? AND role = 'assistant' AND delivery_key IS NOT NULL "
                "AND channel_message_id IS NULL ORDER BY id", (conversation_id,)).fetchall()
        return [self._message(r) for r in rows]

    def delivery(self, conversation_id: int, key: str) -> StoredMessage | None:
        """The bubble recorded under ``key``, if any."""
        with self._unit() as conn:
            row = conn.execute(
                "SELECT * FROM messages WHERE conversation_id = ? AND delivery_key = ?", (conversation_id, key)
            ).fetchone()
        return self._message(row) if row else None

    def release_delivery(self, message_id: int) -> None:
        """Forget a claimed bubble the channel refused, so a retry may send it."""
        with self._unit(write=True) as conn:
            conn.execute("DELETE FROM messages WHERE id = ? AND status = 'sending'", (message_id,))

    def update_message_status(self, channel: str, channel_message_id: str, status: str) -> bool:
        """Apply a delivery receipt; returns False when no such message is stored.

        Receipts can arrive out of order (WhatsApp does not guarantee it), so a status only
        moves forward: sent → delivered → read; ``failed`` always applies.
        """
        with self._unit(write=True) as conn:
            row = conn.execute(
                "SELECT id, status FROM messages WHERE channel = ? AND channel_message_id = ?",
                (channel, channel_message_id),
            ).fetchone()
            if row is None:
                return False
            if status == "failed" or _STATUS_RANK.get(status, 0) > _STATUS_RANK.get(row["status"], 0):
                conn.execute("UPDATE messages SET status = ? WHERE id = ?", (status, row["id"]))
            return True

    def set_message_text(self, message_id: int, text: str) -> None:
        """Replace a stored message's text, e.g. a voice note's placeholder by its transcript."""
        with self._unit(write=True) as conn:
            conn.execute("UPDATE messages SET text = ? WHERE id = ?", (self._sealer.seal(text), message_id))

    def last_inbound_at(self, channel: str, external_id: str) -> datetime | None:
        """When this channel address last wrote to us, in any conversation (None: never)."""
        with self._unit() as conn:
            row = conn.execute(
                "SELECT MAX(c.last_inbound_at) AS at FROM conversations c JOIN contacts k ON k.id = c.contact_id "
                "WHERE k.channel = ? AND k.external_key = ?",
                (channel, self._sealer.blind(external_id)),
            ).fetchone()
        return _dt(row["at"])

    def awaiting_reply(
        self, *, since: datetime, before: datetime, limit: int = 100
    ) -> list[tuple[int, str, int, str | None]]:
        """Active conversations whose newest lead message (written between ``since`` and ``before``)
        has no reply sent after it: (conversation id, channel, message id, channel message id)."""
        with self._unit() as conn:
            rows = conn.execute(
                "WITH recent AS (SELECT c.id AS conversation_id, c.channel AS channel, c.last_inbound_at AS at, "
                "(SELECT MAX(m.id) FROM messages m WHERE m.conversation_id = c.id AND m.role = 'user') AS message_id "
                "FROM conversations c JOIN contacts k ON k.id = c.contact_id "
                "WHERE c.status = 'active' AND k.opted_out_at IS NULL AND c.last_inbound_at >= ? "
                "AND c.last_inbound_at < ?) "
                "SELECT r.*, u.channel_message_id FROM recent r JOIN messages u ON u.id = r.message_id "
                "WHERE NOT EXISTS (SELECT 1 FROM messages a "
                f"WHERE a.conversation_id = r.conversation_id AND a.id > r.message_id AND {_ANSWERED}) "
                "ORDER BY r.at LIMIT ?",
                (_iso(since), _iso(before), limit),
            ).fetchall()
        return [(r["conversation_id"], r["channel"], r["message_id"], r["channel_message_id"]) for r in rows]

    # --- a turn's working state, between durable activities -----------------------------

    def save_turn_state(self, conversation_id: int, turn_id: str, state: str, *, at: datetime) -> None:
        """Keep a turn's state (JSON text, sealed) under its id, replacing the previous step's."""
        with self._unit(write=True) as conn:
            conn.execute(
                "INSERT INTO turn_states (turn_id, conversation_id, state, updated_at) VALUES (?,?,?,?) "
                "ON CONFLICT (turn_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at "
                "WHERE turn_states.conversation_id = excluded.conversation_id",
                (turn_id, conversation_id, self._sealer.seal(state), _iso(at)),
            )

    def turn_state(self, conversation_id: int, turn_id: str) -> str:
        """A turn's state as saved by its last step."""
        with self._unit() as conn:
            row = conn.execute(
                "SELECT state FROM turn_states WHERE turn_id = ? AND conversation_id = ?", (turn_id, conversation_id)
            ).fetchone()
        if row is None:
            raise StoreError(f"no state for turn {turn_id} of conversation {conversation_id}: "
                             "it was pruned, or the turn never began")
        return self._sealer.open(row["state"])

    def prune_turn_states(self, before: datetime) -> int:
        """Forget the states of turns untouched since ``before`` (a turn lasts minutes)."""
        with self._unit(write=True) as conn:
            return conn.execute("DELETE FROM turn_states WHERE updated_at < ?", (_iso(before),)).rowcount

    # --- retention ----------------------------------------------------------------------

    # Child tables of a conversation, in the order they are exported and deleted.
    _CONVERSATION_TABLES = (
        "messages", "qualification_answers", "area_checks", "offered_slots", "appointments", "tool_calls",
        "model_calls", "crm_conversations", "trace_events",
    )

    def inactive_conversations(self, before: datetime, *, limit: int = 500) -> list[int]:
        """Conversations untouched since ``before`` with no appointment still to come."""
        with self._unit() as conn:
            rows = conn.execute(
                "SELECT c.id FROM conversations c WHERE c.updated_at < ? AND NOT EXISTS ("
                "SELECT 1 FROM appointments a WHERE a.conversation_id = c.id AND a.status = 'booked' "
                "AND a.end_utc >= ?) ORDER BY c.updated_at LIMIT ?",
                (_iso(before), _iso(before), limit),
            ).fetchall()
        return [r["id"] for r in rows]

    def export_conversation(self, conversation_id: int) -> dict[str, Any]:
        """Every row of one conversation as stored (sealed text stays sealed), for the archive."""
        with self._unit() as conn:
            row = conn.execute("SELECT * FROM conversations WHERE id = ?", (conversation_id,)).fetchone()
            if row is None:
                raise StoreError(f"no conversation with id {conversation_id}")
            record: dict[str, Any] = {"conversation": dict(row)}
            for table in self._CONVERSATION_TABLES:
                record[table] = [
                    dict(r) for r in conn.execute(f"SELECT * FROM {table} WHERE conversation_id = ?", (conversation_id,))
                ]
        return record

    def delete_conversation(self, conversation_id: int, *, updated_at: str) -> bool:
        """Delete an archived conversation, unless it changed since it was exported (then keep it)."""
        with self._unit(write=True) as conn:
            current = conn.execute("SELECT updated_at FROM conversations WHERE id = ?", (conversation_id,)).fetchone()
            if current is None or current["updated_at"] != updated_at:
                return False
            for table in self._CONVERSATION_TABLES:
                conn.execute(f"DELETE FROM {table} WHERE conversation_id = ?", (conversation_id,))
            # Working state of finished turns: not archived (the messages and audit rows are).
            conn.execute("DELETE FROM turn_states WHERE conversation_id = ?", (conversation_id,))
            conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
        return True

    def prune_processed_webhooks(self, before: datetime) -> int:
        """Forget webhook ids older than any retry a provider would still send."""
        with self._unit(write=True) as conn:
            return conn.execute("DELETE FROM processed_webhooks WHERE received_at < ?", (_iso(before),)).rowcount

    def mark_processed(self, channel: str, delivery_id: str, at: datetime) -> bool:
        """Remember a webhook delivery; False when it was seen before (a retry)."""
        with self._unit(write=True) as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO processed_webhooks (channel, delivery_id, received_at) VALUES (?,?,?)",
                (channel, delivery_id, _iso(at)),
            )
            return cur.rowcount > 0

    # --- qualification and service area -------------------------------------------------

    def record_answer(self, conversation_id: int, field: str, value: str, verdict: str, at: datetime) -> None:
        with self._unit(write=True) as conn:
            conn.execute(
                "INSERT INTO qualification_answers (conversation_id, field, value, verdict, recorded_at) "
                "VALUES (?,?,?,?,?) ON CONFLICT (conversation_id, field) DO UPDATE SET "
                "value = excluded.value, verdict = excluded.verdict, recorded_at = excluded.recorded_at",
                (conversation_id, field, value, verdict, _iso(at)),
            )

    def answers(self, conversation_id: int) -> dict[str, Answer]:
        with self._unit() as conn:
            rows = conn.execute(
                "SELECT * FROM qualification_answers WHERE conversation_id = ?", (conversation_id,)
            ).fetchall()
        return {
            r["field"]: Answer(r["field"], r["value"], r["verdict"], datetime.fromisoformat(r["recorded_at"]))
            for r in rows
        }

    def record_area_check(
        self, conversation_id: int, query: str, in_area: bool | None, detail: str, at: datetime,
        *, place: dict[str, Any] | None = None, timezone: str | None = None,
        distance_miles: float | None = None, backend: str | None = None,
    ) -> None:
        """One service-area verdict; ``place`` (address, lat, lng) is sealed like other PII."""
        with self._unit(write=True) as conn:
            conn.execute(
                "INSERT INTO area_checks (conversation_id, query, in_area, detail, checked_at, place, timezone, "
                "distance_miles, backend) VALUES (?,?,?,?,?,?,?,?,?)",
                (conversation_id, query, None if in_area is None else int(in_area), detail, _iso(at),
                 self._sealer.seal(json.dumps(place)) if place else None, timezone, distance_miles, backend),
            )

    def area_place(self, conversation_id: int) -> dict[str, Any] | None:
        """The newest located place of this lead: address, lat, lng, timezone, distance, backend."""
        with self._unit() as conn:
            row = conn.execute(
                "SELECT * FROM area_checks WHERE conversation_id = ? AND (place IS NOT NULL OR timezone IS NOT NULL) "
                "ORDER BY rowid DESC LIMIT 1",
                (conversation_id,),
            ).fetchone()
        if row is None:
            return None
        place = json.loads(self._sealer.open(row["place"]) or "{}") if row["place"] else {}
        return {**place, "timezone": row["timezone"], "distance_miles": row["distance_miles"],
                "backend": row["backend"], "in_area": None if row["in_area"] is None else bool(row["in_area"])}

    def cached_geo(self, kind: str, key: str, *, newer_than: datetime) -> Any | None:
        """A cached provider answer for this normalised query, unless older than ``newer_than``."""
        with self._unit() as conn:
            row = conn.execute(
                "SELECT payload, fetched_at FROM geo_cache WHERE kind = ? AND key = ?",
                (kind, self._sealer.blind(key)),
            ).fetchone()
        if row is None or datetime.fromisoformat(row["fetched_at"]) < newer_than:
            return None
        return json.loads(self._sealer.open(row["payload"]))

    def cache_geo(self, kind: str, key: str, payload: Any, at: datetime) -> None:
        with self._unit(write=True) as conn:
            conn.execute(
                "INSERT INTO geo_cache (kind, key, payload, fetched_at) VALUES (?,?,?,?) "
                "ON CONFLICT (kind, key) DO UPDATE SET payload = excluded.payload, fetched_at = excluded.fetched_at",
                (kind, self._sealer.blind(key), self._sealer.seal(json.dumps(payload)), _iso(at)),
            )

    def last_area_check(self, conversation_id: int) -> tuple[str, bool | None, str] | None:
        with self._unit() as conn:
            row = conn.execute(
                "SELECT * FROM area_checks WHERE conversation_id = ? ORDER BY rowid DESC LIMIT 1",
                (conversation_id,),
            ).fetchone()
        if row is None:
            return None
        return row["query"], None if row["in_area"] is None else bool(row["in_area"]), row["detail"]

    # --- slots and appointments ---------------------------------------------------------

    def record_offer(self, conversation_id: int, slots: list[tuple[str, datetime, datetime, str]], at: datetime) -> None:
        """Remember the slots shown to this lead: only these can be booked in this conversation."""
        with self._unit(write=True) as conn:
            conn.executemany(
                "INSERT INTO offered_slots (conversation_id, slot_id, start_utc, end_utc, label, offered_at) "
                "VALUES (?,?,?,?,?,?) ON CONFLICT (conversation_id, slot_id) DO UPDATE SET "
                "offered_at = excluded.offered_at, label = excluded.label",
                [(conversation_id, sid, _iso(s), _iso(e), label, _iso(at)) for sid, s, e, label in slots],
            )

    def offered_slots(self, conversation_id: int) -> list[OfferedSlot]:
        """Slots offered in this conversation, latest offer first, each offer in time order."""
        with self._unit() as conn:
            rows = conn.execute(
                "SELECT * FROM offered_slots WHERE conversation_id = ? ORDER BY offered_at DESC, start_utc",
                (conversation_id,),
            ).fetchall()
        return [
            OfferedSlot(r["slot_id"], _datetime(r["start_utc"]), _datetime(r["end_utc"]), r["label"],
                        _datetime(r["offered_at"]))
            for r in rows
        ]

    def booked_between(self, calendar: str, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        with self._unit() as conn:
            rows = conn.execute(
                "SELECT start_utc, end_utc FROM appointments WHERE calendar = ? AND status = 'booked' "
                "AND start_utc < ? AND end_utc > ? ORDER BY start_utc",
                (calendar, _iso(end), _iso(start)),
            ).fetchall()
        return [(_datetime(r["start_utc"]), _datetime(r["end_utc"])) for r in rows]

    def book_appointment(
        self,
        *,
        conversation_id: int,
        contact_id: int,
        calendar: str,
        slot_id: str,
        start: datetime,
        end: datetime,
        at: datetime,
        external_id: str | None = None,
    ) -> tuple[Appointment, bool]:
        """Book atomically; returns (appointment, created). The same conversation booking the same
        slot again gets its appointment back; a slot someone else holds raises SlotTaken."""
        with self._unit(write=True) as conn:
            mine = conn.execute(
                "SELECT * FROM appointments WHERE conversation_id = ? AND calendar = ? AND start_utc = ? "
                "AND status = 'booked'",
                (conversation_id, calendar, _iso(start)),
            ).fetchone()
            if mine is not None:
                return _appointment(mine), False
            clash = conn.execute(
                "SELECT 1 FROM appointments WHERE calendar = ? AND status = 'booked' AND start_utc < ? AND end_utc > ?",
                (calendar, _iso(end), _iso(start)),
            ).fetchone()
            if clash is not None:
                raise SlotTaken(f"slot {slot_id} is no longer free")
            try:
                cur = conn.execute(
                    "INSERT INTO appointments (conversation_id, contact_id, calendar, slot_id, start_utc, end_utc, "
                    "external_id, created_at) VALUES (?,?,?,?,?,?,?,?)",
                    (conversation_id, contact_id, calendar, slot_id, _iso(start), _iso(end), external_id, _iso(at)),
                )
            except sqlite3.IntegrityError:
                raise SlotTaken(f"slot {slot_id} is no longer free") from None
            row = conn.execute("SELECT * FROM appointments WHERE id = ?", (cur.lastrowid,)).fetchone()
        return _appointment(row), True

    def set_appointment_link(self, appointment_id: int, link: str, *, sent_at: datetime | None = None) -> None:
        with self._unit(write=True) as conn:
            conn.execute(
                "UPDATE appointments SET link = ?, link_sent_at = COALESCE(?, link_sent_at) WHERE id = ?",
                (link, _iso(sent_at) if sent_at else None, appointment_id),
            )

    def cancel_appointment(self, appointment_id: int, *, at: datetime | None = None,
                           reason: str | None = None) -> bool:
        """Cancel a booked appointment; False when it was not booked (already cancelled).

        With ``at`` it is a cancellation the lead asked for, kept with its time and reason;
        without, a hold released because the booking never happened (no one cancelled anything).
        """
        with self._unit(write=True) as conn:
            return conn.execute(
                "UPDATE appointments SET status = 'cancelled', cancelled_at = ?, cancel_reason = ? "
                "WHERE id = ? AND status = 'booked'",
                (_iso(at) if at else None, reason, appointment_id),
            ).rowcount == 1

    def move_appointment(self, appointment_id: int, *, slot_id: str, start: datetime, end: datetime, at: datetime,
                         link: str | None = None) -> tuple[Appointment, bool]:
        """Move a booked appointment to another slot, atomically; returns (appointment, created): a
        new booked row (same calendar and external id), the old one cancelled and pointing at it.
        Moving it again to the same slot returns that row, not created (a retry); a slot someone
        else holds raises SlotTaken and nothing changes."""
        with self._unit(write=True) as conn:
            old = conn.execute("SELECT * FROM appointments WHERE id = ?", (appointment_id,)).fetchone()
            if old is None:
                raise StoreError(f"no appointment with id {appointment_id}")
            if old["status"] != "booked":
                moved = conn.execute("SELECT * FROM appointments WHERE id = ? AND status = 'booked'",
                                     (old["moved_to"],)).fetchone() if old["moved_to"] else None
                if moved is not None and moved["start_utc"] == _iso(start):
                    return _appointment(moved), False
                raise StoreError(f"appointment {appointment_id} is no longer booked: there is nothing to move")
            if old["start_utc"] == _iso(start):
                return _appointment(old), False
            clash = conn.execute(
                "SELECT 1 FROM appointments WHERE calendar = ? AND status = 'booked' AND id != ? "
                "AND start_utc < ? AND end_utc > ?",
                (old["calendar"], appointment_id, _iso(end), _iso(start)),
            ).fetchone()
            if clash is not None:
                raise SlotTaken(f"slot {slot_id} is no longer free")
            conn.execute("UPDATE appointments SET status = 'cancelled', cancelled_at = ?, cancel_reason = 'moved' "
                         "WHERE id = ?", (_iso(at), appointment_id))
            try:
                cur = conn.execute(
                    "INSERT INTO appointments (conversation_id, contact_id, calendar, slot_id, start_utc, end_utc, "
                    "external_id, link, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
                    (old["conversation_id"], old["contact_id"], old["calendar"], slot_id, _iso(start), _iso(end),
                     old["external_id"], link, _iso(at)),
                )
            except sqlite3.IntegrityError:
                raise SlotTaken(f"slot {slot_id} is no longer free") from None
            conn.execute("UPDATE appointments SET moved_to = ? WHERE id = ?", (cur.lastrowid, appointment_id))
            row = conn.execute("SELECT * FROM appointments WHERE id = ?", (cur.lastrowid,)).fetchone()
        return _appointment(row), True

    def undo_move(self, moved: Appointment) -> None:
        """Put a move back (the outside calendar refused it): the earlier appointment is booked again."""
        with self._unit(write=True) as conn:
            try:
                conn.execute("UPDATE appointments SET status = 'booked', cancelled_at = NULL, cancel_reason = NULL, "
                             "moved_to = NULL WHERE moved_to = ?", (moved.id,))
            except sqlite3.IntegrityError:
                raise StoreError(f"appointment {moved.id} could not be moved back: its earlier time was booked "
                                 "by another lead meanwhile") from None
            conn.execute("DELETE FROM appointments WHERE id = ?", (moved.id,))

    def appointments(self, conversation_id: int) -> list[Appointment]:
        """Every appointment of a conversation, booked, moved or cancelled, oldest first."""
        with self._unit() as conn:
            rows = conn.execute("SELECT * FROM appointments WHERE conversation_id = ? ORDER BY id",
                                (conversation_id,)).fetchall()
        return [_appointment(r) for r in rows]

    def active_appointment(self, conversation_id: int) -> Appointment | None:
        with self._unit() as conn:
            row = conn.execute(
                "SELECT * FROM appointments WHERE conversation_id = ? AND status = 'booked' ORDER BY id DESC LIMIT 1",
                (conversation_id,),
            ).fetchone()
        return _appointment(row) if row else None

    def cancelled_appointment(self, conversation_id: int) -> Appointment | None:
        """The newest appointment the lead cancelled (not moved, not a released hold), when
        nothing is booked in the conversation now."""
        history = self.appointments(conversation_id)
        if any(a.status == "booked" for a in history):
            return None
        return next((a for a in reversed(history) if a.cancelled_at is not None and a.moved_to is None), None)

    # --- audit --------------------------------------------------------------------------

    def record_tool_call(
        self,
        conversation_id: int,
        turn_id: str,
        name: str,
        args: dict[str, Any],
        result: dict[str, Any],
        *,
        ok: bool,
        latency_ms: float,
        at: datetime,
    ) -> None:
        with self._unit(write=True) as conn:
            conn.execute(
                "INSERT INTO tool_calls (conversation_id, turn_id, name, args, result, ok, latency_ms, created_at) "
                "VALUES (?,?,?,?,?,?,?,?)",
                (conversation_id, turn_id, name, json.dumps(args, default=str), json.dumps(result, default=str),
                 int(ok), latency_ms, _iso(at)),
            )

    def tool_calls(self, conversation_id: int) -> list[ToolCallRecord]:
        with self._unit() as conn:
            rows = conn.execute(
                "SELECT * FROM tool_calls WHERE conversation_id = ? ORDER BY id", (conversation_id,)
            ).fetchall()
        return [
            ToolCallRecord(r["turn_id"], r["name"], json.loads(r["args"]), json.loads(r["result"]), bool(r["ok"]),
                           r["latency_ms"])
            for r in rows
        ]

    def record_model_call(
        self,
        conversation_id: int,
        turn_id: str,
        *,
        provider: str,
        model: str,
        input_tokens: int,
        cached_tokens: int,
        output_tokens: int,
        latency_ms: float,
        cost_usd: float | None,
        at: datetime,
    ) -> None:
        with self._unit(write=True) as conn:
            conn.execute(
                "INSERT INTO model_calls (conversation_id, turn_id, provider, model, input_tokens, cached_tokens, "
                "output_tokens, latency_ms, cost_usd, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (conversation_id, turn_id, provider, model, input_tokens, cached_tokens, output_tokens,
                 latency_ms, cost_usd, _iso(at)),
            )

    def record_trace_event(
        self,
        conversation_id: int,
        turn_id: str,
        kind: str,
        name: str,
        args: Any,
        result: Any,
        *,
        ok: bool,
        latency_ms: float,
        at: datetime,
    ) -> None:
        """A turn's trace event that no audit table holds (knowledge guidance, a guard, a fallback)."""
        with self._unit(write=True) as conn:
            conn.execute(
                "INSERT INTO trace_events (conversation_id, turn_id, kind, name, args, result, ok, latency_ms, "
                "created_at) VALUES (?,?,?,?,?,?,?,?,?)",
                (conversation_id, turn_id, kind, name,
                 self._sealer.seal(json.dumps(args, default=str, ensure_ascii=False)),
                 self._sealer.seal(json.dumps(result, default=str, ensure_ascii=False)),
                 int(ok), latency_ms, _iso(at)),
            )

    def usage_totals(self, conversation_id: int) -> dict[str, float]:
        """Tokens and cost summed over a conversation."""
        with self._unit() as conn:
            row = conn.execute(
                "SELECT COUNT(*) AS calls, COALESCE(SUM(input_tokens),0) AS input_tokens, "
                "COALESCE(SUM(cached_tokens),0) AS cached_tokens, COALESCE(SUM(output_tokens),0) AS output_tokens, "
                "COALESCE(SUM(cost_usd),0) AS cost_usd FROM model_calls WHERE conversation_id = ?",
                (conversation_id,),
            ).fetchone()
        return dict(row)


def _statements(script: str) -> list[str]:
    """Split a migration into statements (sqlite3.executescript would commit mid-migration)."""
    parts, buf = [], []
    for line in script.splitlines():
        buf.append(line.split("--", 1)[0])
        if line.rstrip().endswith(";") or line.split("--", 1)[0].rstrip().endswith(";"):
            stmt = "\n".join(buf).strip()
            if stmt.strip(";").strip():
                parts.append(stmt)
            buf = []
    tail = "\n".join(buf).strip()
    if tail:
        parts.append(tail)
    return parts


def _conversation(row: sqlite3.Row) -> Conversation:
    return Conversation(
        id=row["id"],
        contact_id=row["contact_id"],
        channel=row["channel"],
        status=row["status"],
        handoff_reason=row["handoff_reason"],
        summary=row["summary"],
        last_inbound_at=_dt(row["last_inbound_at"]),
        created_at=_datetime(row["created_at"]),
    )


def _appointment(row: sqlite3.Row) -> Appointment:
    return Appointment(
        id=row["id"],
        conversation_id=row["conversation_id"],
        contact_id=row["contact_id"],
        calendar=row["calendar"],
        slot_id=row["slot_id"],
        start=_datetime(row["start_utc"]),
        end=_datetime(row["end_utc"]),
        status=row["status"],
        external_id=row["external_id"],
        link=row["link"],
        link_sent=row["link_sent_at"] is not None,
        created_at=_datetime(row["created_at"]),
        cancelled_at=_dt(row["cancelled_at"]),
        cancel_reason=row["cancel_reason"],
        moved_to=row["moved_to"],
    )
