"""Retention: idle conversations are archived as compressed JSON lines, and nothing is lost."""

from __future__ import annotations

from datetime import timedelta

from typer.testing import CliRunner

from ava_core.archive import archive_idle_conversations, read_archive
from ava_core.cli import build_app


def _talk(make_assistant, say):
    assistant = make_assistant()
    for text in ("hi", "yes", "$200", "6 years", "full sun", "78704"):
        state = say(assistant, text)
    return assistant, state.conversation_id


def test_idle_conversations_are_archived_then_deleted(make_assistant, say, store, clock, tmp_path):
    assistant, conversation_id = _talk(make_assistant, say)
    stored = len(store.messages(conversation_id))
    report = archive_idle_conversations(store, tmp_path / "archive", now=clock.now() + timedelta(days=200),
                                        retention_days=180)
    assert (report.conversations, report.messages, report.kept) == (1, stored, 0)
    [record] = read_archive(report.file)
    assert record["conversation"]["id"] == conversation_id
    assert len(record["messages"]) == stored
    assert {a["field"] for a in record["qualification_answers"]} >= {"homeowner", "zip"}
    assert store.inactive_conversations(clock.now() + timedelta(days=200)) == []


def test_recent_conversations_and_upcoming_appointments_stay(make_assistant, say, store, clock, tmp_path):
    assistant, conversation_id = _talk(make_assistant, say)
    report = archive_idle_conversations(store, tmp_path, now=clock.now() + timedelta(days=10), retention_days=180)
    assert report.conversations == 0
    say(assistant, "the first one")  # books Dec 1 1:00 PM
    assert store.inactive_conversations(clock.now() + timedelta(hours=1)) == []  # its appointment is ahead


def test_contacts_and_their_opt_out_survive_archiving(make_assistant, say, store, clock, tmp_path):
    assistant = make_assistant()
    state = say(assistant, "STOP")
    archive_idle_conversations(store, tmp_path, now=clock.now() + timedelta(days=365), retention_days=180)
    assert store.contact(state.contact_id).opted_out
    clock.advance(days=365)
    assert say(assistant, "hi again").outcome == "silent"


def test_a_conversation_that_changed_during_export_is_kept(make_assistant, say, store, clock):
    assistant, conversation_id = _talk(make_assistant, say)
    exported = store.export_conversation(conversation_id)
    say(assistant, "one more thing")
    assert not store.delete_conversation(conversation_id, updated_at=exported["conversation"]["updated_at"])
    assert store.messages(conversation_id)


def test_ava_archive_reports_what_it_moved(tmp_path):
    result = CliRunner().invoke(build_app(), ["archive", "--dir", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    assert "0 conversations archived; none left idle for more than 180 days" in result.output
