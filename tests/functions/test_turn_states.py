"""A turn's state between durable activities: in the store, sealed, keyed by its turn id."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet

from ava_core.errors import StoreError
from ava_core.store import Sealer, Store

AT = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)


@pytest.fixture
def sealed(tmp_path) -> Store:
    store = Store(tmp_path / "sealed.sqlite3", sealer=Sealer(Fernet.generate_key().decode()))
    contact = store.upsert_contact("whatsapp", "15125550142", name="Lead One", phone="+15125550142", at=AT)
    store.open_conversation(contact.id, "whatsapp", AT)
    return store


def test_a_turn_state_is_sealed_at_rest_and_read_back_by_its_conversation(sealed):
    sealed.save_turn_state(1, "t1", '{"read_text": "my bill is $200"}', at=AT)
    sealed.save_turn_state(1, "t1", '{"read_text": "my bill is $200", "bubbles": ["Thanks!"]}', at=AT)
    assert sealed.turn_state(1, "t1") == '{"read_text": "my bill is $200", "bubbles": ["Thanks!"]}'
    raw = sqlite3.connect(sealed.path).execute("SELECT state FROM turn_states").fetchall()
    assert len(raw) == 1 and "my bill" not in raw[0][0]
    with pytest.raises(StoreError, match="no state for turn t1 of conversation 2"):
        sealed.turn_state(2, "t1")  # another conversation cannot read it


def test_old_turn_states_are_pruned_and_go_with_their_archived_conversation(sealed):
    sealed.save_turn_state(1, "old", "{}", at=AT - timedelta(days=2))
    sealed.save_turn_state(1, "new", "{}", at=AT)
    assert sealed.prune_turn_states(AT - timedelta(days=1)) == 1
    record = sealed.export_conversation(1)
    assert sealed.delete_conversation(1, updated_at=record["conversation"]["updated_at"])
    assert sqlite3.connect(sealed.path).execute("SELECT COUNT(*) FROM turn_states").fetchone()[0] == 0
