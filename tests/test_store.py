"""The SQLite store: migrations, journal modes, dedupe and encryption at rest."""

from __future__ import annotations

import sqlite3

import pytest
from cryptography.fernet import Fernet

from ava_core.errors import ConfigError, StoreError
from ava_core.store import Sealer, Store
from ava_core.store.migrations import MIGRATIONS


def _sent_message(store, clock):
    """A conversation holding one bubble AVA sent, with channel id wamid.out."""
    contact = store.upsert_contact("whatsapp", "+1", name=None, phone="+1", at=clock.now())
    conversation = store.open_conversation(contact.id, "whatsapp", clock.now())
    store.add_message(conversation.id, "assistant", "hello", at=clock.now(), channel="whatsapp",
                      channel_message_id="wamid.out", status="sent")
    return conversation


def test_a_new_store_is_migrated_to_the_newest_version(tmp_path):
    store = Store(tmp_path / "a.sqlite3")
    assert store.schema_version() == len(MIGRATIONS)
    assert store.ping()


def test_migrating_twice_changes_nothing(tmp_path, clock):
    store = Store(tmp_path / "a.sqlite3")
    store.upsert_contact("web", "x", name="X", phone=None, at=clock.now())
    again = Store(tmp_path / "a.sqlite3")
    assert again.contact(1).name == "X"


def test_local_store_uses_wal_and_network_share_the_rollback_journal(tmp_path):
    Store(tmp_path / "local.sqlite3")
    Store(tmp_path / "share.sqlite3", network_share=True)
    mode = lambda p: sqlite3.connect(p).execute("PRAGMA journal_mode").fetchone()[0]  # noqa: E731
    assert mode(tmp_path / "local.sqlite3") == "wal"
    assert mode(tmp_path / "share.sqlite3") == "delete"


def test_a_store_from_a_newer_ava_is_refused_not_damaged(tmp_path):
    path = tmp_path / "future.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(StoreError, match="newer than this AVA"):
        Store(path)


def test_same_channel_message_id_is_stored_once(store, clock):
    contact = store.upsert_contact("whatsapp", "+1", name=None, phone="+1", at=clock.now())
    conversation = store.open_conversation(contact.id, "whatsapp", clock.now())
    first = store.add_message(conversation.id, "user", "hi", at=clock.now(), channel="whatsapp",
                              channel_message_id="wamid.1")
    second = store.add_message(conversation.id, "user", "hi", at=clock.now(), channel="whatsapp",
                               channel_message_id="wamid.1")
    assert first is not None and second is None
    assert len(store.messages(conversation.id)) == 1


def test_webhook_deliveries_are_remembered(store, clock):
    assert store.mark_processed("whatsapp", "entry-1", clock.now()) is True
    assert store.mark_processed("whatsapp", "entry-1", clock.now()) is False


def test_delivery_receipts_update_the_sent_message(store, clock):
    conversation = _sent_message(store, clock)
    assert store.update_message_status("whatsapp", "wamid.out", "read")
    assert store.messages(conversation.id)[0].status == "read"
    assert not store.update_message_status("whatsapp", "wamid.unknown", "read")


def test_a_late_delivered_receipt_does_not_undo_read(store, clock):
    conversation = _sent_message(store, clock)
    store.update_message_status("whatsapp", "wamid.out", "read")
    store.update_message_status("whatsapp", "wamid.out", "delivered")
    assert store.messages(conversation.id)[0].status == "read"


def test_message_bodies_and_pii_are_encrypted_at_rest(tmp_path, clock):
    key = Fernet.generate_key().decode()
    path = tmp_path / "sealed.sqlite3"
    store = Store(path, sealer=Sealer(key))
    contact = store.upsert_contact("whatsapp", "+15125550142", name="Maria Lopez", phone="+15125550142",
                                   at=clock.now())
    conversation = store.open_conversation(contact.id, "whatsapp", clock.now())
    store.add_message(conversation.id, "user", "my address is 12 Oak St", at=clock.now())
    raw = path.read_bytes() + (path.with_name(path.name + "-wal").read_bytes()
                               if path.with_name(path.name + "-wal").exists() else b"")
    for secret in (b"Maria Lopez", b"+15125550142", b"12 Oak St"):
        assert secret not in raw
    assert store.messages(conversation.id)[0].text == "my address is 12 Oak St"
    same = store.upsert_contact("whatsapp", "+15125550142", name=None, phone=None, at=clock.now())
    assert same.id == contact.id and same.name == "Maria Lopez"


def test_wrong_data_key_is_a_clear_error(tmp_path, clock):
    path = tmp_path / "sealed.sqlite3"
    store = Store(path, sealer=Sealer(Fernet.generate_key().decode()))
    store.upsert_contact("web", "a", name="A", phone=None, at=clock.now())
    other = Store(path, sealer=Sealer(Fernet.generate_key().decode()))
    with pytest.raises(ConfigError, match="does not match"):
        other.contact(1)


def test_invalid_data_key_says_how_to_make_one():
    with pytest.raises(ConfigError, match="Fernet.generate_key"):
        Sealer("not-a-key")


def test_a_played_voice_message_receipt_counts_as_read_or_later(store, clock):
    conversation = _sent_message(store, clock)
    store.update_message_status("whatsapp", "wamid.out", "played")
    store.update_message_status("whatsapp", "wamid.out", "read")
    assert store.messages(conversation.id)[0].status == "played"


def test_a_bubble_is_claimed_once_under_its_key(store, clock):
    contact = store.upsert_contact("whatsapp", "+1", name=None, phone="+1", at=clock.now())
    conversation = store.open_conversation(contact.id, "whatsapp", clock.now())
    claim = store.claim_delivery(conversation.id, "turn-1:0", "Hello!", at=clock.now(), channel="whatsapp")
    assert claim is not None
    assert store.claim_delivery(conversation.id, "turn-1:0", "Hello!", at=clock.now(), channel="whatsapp") is None
    assert store.messages(conversation.id)[0].status == "sending"
    assert store.confirm_delivery(claim, "wamid.out-1")
    [sent] = store.messages(conversation.id)
    assert (sent.status, sent.channel_message_id, sent.delivery_key) == ("sent", "wamid.out-1", "turn-1:0")


def test_a_refused_bubble_is_released_so_it_can_be_sent_again(store, clock):
    contact = store.upsert_contact("whatsapp", "+1", name=None, phone="+1", at=clock.now())
    conversation = store.open_conversation(contact.id, "whatsapp", clock.now())
    claim = store.claim_delivery(conversation.id, "turn-1:0", "Hello!", at=clock.now(), channel="whatsapp")
    store.release_delivery(claim)
    assert store.messages(conversation.id) == []
    assert store.claim_delivery(conversation.id, "turn-1:0", "Hello!", at=clock.now(), channel="whatsapp")


def test_a_voice_notes_media_id_is_kept(store, clock):
    contact = store.upsert_contact("whatsapp", "+1", name=None, phone="+1", at=clock.now())
    conversation = store.open_conversation(contact.id, "whatsapp", clock.now())
    store.add_message(conversation.id, "user", "[voice note]", at=clock.now(), kind="audio", channel="whatsapp",
                      channel_message_id="wamid.in", media_id="media-1")
    assert store.messages(conversation.id)[0].media_id == "media-1"


def test_a_store_from_before_idempotent_sends_is_migrated_in_place(tmp_path, clock):
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0] + "PRAGMA user_version = 1;")  # a store as the first release left it
    conn.execute("INSERT INTO contacts (channel, external_key, address, created_at) VALUES ('whatsapp','k','+1','t')")
    conn.commit()
    conn.close()
    store = Store(path)
    assert store.schema_version() == len(MIGRATIONS)
    assert store.contact(1).external_id == "+1"


def test_a_store_from_before_team_messages_keeps_every_message_and_takes_the_teams(tmp_path, clock):
    path = tmp_path / "v5.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript("".join(MIGRATIONS[:5]) + "PRAGMA user_version = 5;")  # as the GoHighLevel release left it
    conn.execute("INSERT INTO contacts (channel, external_key, address, created_at) VALUES ('ghl','c1','c1','t')")
    conn.execute("INSERT INTO conversations (contact_id, channel, created_at, updated_at) VALUES (1,'ghl','t','t')")
    rows = [(1, "user", "yes we own it", "ghl", "in-1", None, None), (1, "assistant", "Great!", "ghl", "out-1",
                                                                    "turn-1:0", None),
            (1, "user", "[voice note]", "whatsapp", "wamid.1", None, "media-1")]
    conn.executemany("INSERT INTO messages (conversation_id, role, text, channel, channel_message_id, delivery_key, "
                     "media_id, created_at) VALUES (?,?,?,?,?,?,?,'2026-12-01T15:00:00+00:00')", rows)
    conn.execute("INSERT INTO crm_conversations (conversation_id, summary, updated_at) VALUES (1, '{}', 't')")
    conn.commit()
    conn.close()
    store = Store(path)
    assert store.schema_version() == len(MIGRATIONS)
    kept = store.messages(1)
    assert [(m.id, m.role, m.text, m.channel_message_id, m.delivery_key, m.media_id) for m in kept] == [
        (1, "user", "yes we own it", "in-1", None, None), (2, "assistant", "Great!", "out-1", "turn-1:0", None),
        (3, "user", "[voice note]", "wamid.1", None, "media-1")]
    team = store.add_message(1, "team", "Maria here, I'll call you at 3", at=clock.now(), channel="ghl",
                             channel_message_id="team-1", status="sent")
    assert store.messages(1)[-1].role == "team" and team == 4
    # The indexes came along: a channel message id is still stored once, a bubble claimed once.
    assert store.add_message(1, "user", "again", at=clock.now(), channel="ghl", channel_message_id="in-1") is None
    assert store.claim_delivery(1, "turn-1:0", "Great!", at=clock.now(), channel="ghl") is None
    assert store.answered_after(1, 3)  # the team's message answered the lead
