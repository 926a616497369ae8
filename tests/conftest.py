"""Shared fixtures: the demo profile, a fresh store, a frozen clock, an assistant on them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ava_core.app import build_assistant
from ava_core.calendar import LocalCalendar
from ava_core.channels import InboundMessage, InProcessChannel
from ava_core.clock import FrozenClock
from ava_core.geo import ProfileAreaGeo
from ava_core.knowledge import UnconfiguredKnowledge
from ava_core.profile import load_profile
from ava_core.settings import Settings
from ava_core.store import Store
from ava_core.tools import ToolContext

ROOT = Path(__file__).resolve().parents[1]
CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path, monkeypatch):
    """No test reads the developer's data folder or keys."""
    for name in list(__import__("os").environ):
        if name.startswith("AVA_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AVA_DB_PATH", str(tmp_path / "ava.sqlite3"))
    monkeypatch.setenv("AVA_QDRANT_PATH", str(tmp_path / "qdrant"))
    monkeypatch.setenv("AVA_PROFILE", str(ROOT / "examples" / "profile.yaml"))
    monkeypatch.chdir(ROOT)


@pytest.fixture
def profile():
    return load_profile(ROOT / "examples" / "profile.yaml")


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(db_path=tmp_path / "ava.sqlite3", qdrant_path=tmp_path / "qdrant")


@pytest.fixture
def store(settings) -> Store:
    return Store(settings.db_path)


@pytest.fixture
def clock() -> FrozenClock:
    # A Tuesday morning in Austin.
    return FrozenClock(datetime(2026, 12, 1, 9, 30, tzinfo=CHICAGO))


@pytest.fixture
def channel() -> InProcessChannel:
    return InProcessChannel("whatsapp")


@pytest.fixture
def make_assistant(settings, profile, clock, store, channel):
    """An assistant on the demo profile; pass ``model=`` to replace the playbook."""

    def make(**overrides):
        overrides.setdefault("profile", profile)
        overrides.setdefault("clock", clock)
        overrides.setdefault("store", store)
        overrides.setdefault("channels", {"whatsapp": channel})
        return build_assistant(settings, **overrides)

    return make


@pytest.fixture
def say(clock):
    """Send one lead message through an assistant; returns the turn state."""
    counter = iter(range(1, 10_000))

    def send(assistant, text: str, *, sender: str = "+15125550142", name: str = "Lead One", message_id=None):
        clock.advance(minutes=1)
        inbound = InboundMessage(
            channel="whatsapp", message_id=message_id or f"wamid.{next(counter)}", sender=sender,
            sender_name=name, phone=sender, text=text, received_at=clock.now(),
        )
        return assistant.handle(inbound)

    return send


@pytest.fixture
def context_for(profile, store, clock):
    """``context_for(address, first_words=None)``: a tool context for a fresh, fully qualified
    conversation on the local calendar; ``first_words`` are the lead's opening message (its
    language is the conversation's)."""

    def make(address: str, first_words: str | None = None, name: str | None = None) -> ToolContext:
        now = clock.now()
        contact = store.upsert_contact("whatsapp", address, name=name, phone=address, at=now)
        conversation = store.open_conversation(contact.id, "whatsapp", now)
        if first_words:
            store.add_message(conversation.id, "user", first_words, at=now)
        for question in profile.qualification.questions:
            store.record_answer(conversation.id, question.field, "x", "pass", now)
        return ToolContext(
            conversation_id=conversation.id, contact_id=contact.id, turn_id="t1", profile=profile, store=store,
            clock=clock, calendar=LocalCalendar(profile.booking, profile.tz, store, clock),
            geo=ProfileAreaGeo(profile.service_area), knowledge=UnconfiguredKnowledge(),
        )

    return make
