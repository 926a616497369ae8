"""A stored conversation reads back turn by turn: the lead's messages, the steps AVA took (model
and tool calls, refused replies, objection guidance) and the bubbles it sent."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from cryptography.fernet import Fernet

from ava_core.channels import InboundMessage
from ava_core.clock import FrozenClock
from ava_core.models.replay import ReplayModel, ScriptedStep
from ava_core.store import Sealer, Store
from ava_core.store.browsing import conversation_record, conversation_summaries
from tests.conftest import CHICAGO


class TickingClock(FrozenClock):
    """A frozen clock that moves a millisecond each time it is read, as a real one would between steps."""

    def now(self) -> datetime:
        return self.advance(milliseconds=1)


@pytest.fixture
def clock() -> TickingClock:
    return TickingClock(datetime(2026, 12, 1, 9, 30, tzinfo=CHICAGO))


def _replay(*texts: str) -> ReplayModel:
    return ReplayModel([ScriptedStep(text=t) for t in texts])


def test_each_turn_holds_the_leads_messages_its_steps_and_the_bubbles_it_sent(make_assistant, say, store):
    assistant = make_assistant()
    say(assistant, "hi there, saw ur ad")
    state = say(assistant, "yes i own it")

    record = conversation_record(store, state.conversation_id)
    first, second = record.turns
    assert [m.text for m in first.lead] == ["hi there, saw ur ad"]
    assert first.replies[0].text.startswith("Hi Lead! This is Ava with Lone Star Sun Solar")
    assert [m.text for m in second.lead] == ["yes i own it"]
    assert [(s.kind, s.name) for s in second.steps][:2] == [("model", "playbook:playbook"),
                                                          ("tool", "record_qualification")]
    assert second.steps[1].args == {"field": "homeowner", "value": "yes"}
    assert second.steps[1].result["data"]["verdict"] == "pass"
    assert record.unanswered == []


def test_two_messages_sent_before_ava_answered_belong_to_the_one_turn_that_answered_both(make_assistant, say, clock,
                                                                                      store):
    assistant = make_assistant()
    clock.advance(minutes=1)
    assistant.receive(InboundMessage(channel="whatsapp", message_id="wamid.early", sender="+15125550142",
                                     sender_name="Lead One", phone="+15125550142", text="hola",
                                     received_at=clock.now()))
    state = say(assistant, "quiero info de paneles solares")

    (turn,) = conversation_record(store, state.conversation_id).turns
    assert [m.text for m in turn.lead] == ["hola", "quiero info de paneles solares"]


def test_a_refused_reply_is_kept_as_a_guard_step_of_its_turn(make_assistant, say, store):
    model = _replay("¡Listo! Quedaste agendada. Te envié el enlace por aquí.",
                    "¡Con gusto le ayudo a agendar! Primero, ¿es usted dueño de su casa?")
    state = say(make_assistant(model=model), "quiero una cita el jueves")

    (turn,) = conversation_record(store, state.conversation_id).turns
    guard = next(s for s in turn.steps if s.kind == "guard")
    assert (guard.name, guard.ok, guard.args["claims"]) == ("unbacked_claim", False, ["booked", "link_sent"])
    assert guard.result == "¡Listo! Quedaste agendada. Te envié el enlace por aquí."
    assert [s.kind for s in turn.steps] == ["model", "guard", "model"]
    assert [m.text for m in turn.replies] == ["¡Con gusto le ayudo a agendar! Primero, ¿es usted dueño de su casa?"]


def test_trace_events_are_sealed_at_rest_and_read_back_with_the_key(make_assistant, say, settings):
    store = Store(settings.db_path, sealer=Sealer(Fernet.generate_key().decode()))
    model = _replay("Done, you're booked for Thursday!", "Happy to help you book. Do you own your home?")
    state = say(make_assistant(model=model, store=store), "book me thursday pls")

    with store._unit() as conn:
        raw = conn.execute("SELECT args, result FROM trace_events").fetchone()
    assert "Thursday" not in raw["result"] and "booked" not in raw["args"]
    guard = next(s for s in conversation_record(store, state.conversation_id).turns[0].steps if s.kind == "guard")
    assert guard.result == "Done, you're booked for Thursday!"
    summary = conversation_summaries(store, state_time(store, state) - timedelta(days=1),
                                     state_time(store, state) + timedelta(days=1))[0]
    assert (summary.name, summary.phone) == ("Lead One", "+15125550142")


def test_an_opt_out_turn_has_its_confirmation_and_no_model_step(make_assistant, say, store):
    assistant = make_assistant()
    say(assistant, "hi")
    state = say(assistant, "STOP")

    last = conversation_record(store, state.conversation_id).turns[-1]
    assert [m.text for m in last.lead] == ["STOP"]
    assert last.steps == [] and len(last.replies) == 1


def test_summaries_list_the_windows_conversations_most_recently_active_first(make_assistant, say, clock, store):
    assistant = make_assistant()
    say(assistant, "hi", sender="+15125550101", name="Ana")
    say(assistant, "hello", sender="+15125550202", name="Beto")
    say(assistant, "yes I own my home", sender="+15125550101", name="Ana")

    summaries = conversation_summaries(store, clock.now() - timedelta(hours=1), clock.now() + timedelta(hours=1))
    assert [s.name for s in summaries] == ["Ana", "Beto"]
    assert summaries[0].messages == 5  # two lead messages, three bubbles
    assert conversation_summaries(store, clock.now() + timedelta(hours=1), clock.now() + timedelta(hours=2)) == []


def test_a_conversation_with_trace_events_is_archived_and_deleted_whole(make_assistant, say, store):
    state = say(make_assistant(model=_replay("You're booked!", "Do you own your home?")), "book me")
    exported = store.export_conversation(state.conversation_id)

    assert exported["trace_events"][0]["kind"] == "guard"
    assert store.delete_conversation(state.conversation_id, updated_at=exported["conversation"]["updated_at"])


def state_time(store, state):
    return store.conversation(state.conversation_id).created_at
