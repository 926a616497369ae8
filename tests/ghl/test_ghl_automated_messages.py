"""A message the business's automation sent in the GoHighLevel conversation (a workflow or a
campaign, no person on it) is the business's: kept as it happens, shown to the model as
automated, never AVA's words nor the lead's, and it answers nothing the lead asked."""

from __future__ import annotations

import sqlite3

from ghl_recorded import CONTACT

from ava_core.agent.history import to_chat
from ava_core.agent.prompt import context_prompt
from ava_core.agent.snapshot import build_state
from ava_core.channels import InboundMessage, InProcessChannel
from ava_core.ghl.history import stored_lines
from ava_core.models.base import ModelResponse
from ava_core.models.replay import ReplayModel, ScriptedStep
from ava_core.store import BUSINESS, TEAM, Store
from ava_core.store.migrations import MIGRATIONS

AUTORESPONDER = ("Thanks for reaching out to Lone Star Sun! One of our solar advisors will text you shortly. "
                 "Reply STOP to opt out.")
REMINDER = "Reminder from Lone Star Sun: your free solar consultation is booked for Thursday at 2 PM. See you then!"


def _conversation(store, clock):
    contact = store.upsert_contact("ghl", CONTACT, name="Jane Doe", phone=None, at=clock.now())
    return store.open_conversation(contact.id, "ghl", clock.now()).id


def _automation(store, clock, cid, text, message_id="auto-1"):
    clock.advance(seconds=2)
    return store.add_message(cid, BUSINESS, text, at=clock.now(), channel="ghl", channel_message_id=message_id,
                             status="sent")


def test_the_model_reads_an_automated_message_as_the_businesss_not_avas_nor_the_leads(store, clock):
    cid = _conversation(store, clock)
    store.add_message(cid, "user", "hi is this solar thing legit", at=clock.now())
    _automation(store, clock, cid, AUTORESPONDER)
    chat = to_chat(store.messages(cid))
    assert [(m.role, m.name, m.text) for m in chat] == [
        ("user", None, "hi is this solar thing legit"), ("user", BUSINESS, f"[automated] {AUTORESPONDER}")]


def test_the_context_prompt_says_what_the_automated_mark_means(store, profile, clock):
    cid = _conversation(store, clock)
    store.add_message(cid, "user", "hola, cuanto cuesta?", at=clock.now())
    _automation(store, clock, cid, AUTORESPONDER)
    conversation = store.conversation(cid)
    state = build_state(store, profile, conversation, store.contact(conversation.contact_id), clock.now())
    assert state.business_wrote and not state.team_wrote
    prompt = context_prompt(state)
    assert "[automated]" in prompt and "automation" in prompt


def test_an_autoresponder_after_the_leads_message_does_not_answer_it(make_assistant, store, clock):
    """The workflow thanks the lead at once; AVA still answers what they asked, and the STOP in the
    business's own footer is not the lead opting out."""
    ghl = InProcessChannel("ghl")
    assistant = make_assistant(channels={"ghl": ghl})
    first = assistant.receive(InboundMessage(channel="ghl", message_id="in-1", sender=CONTACT, sender_name="Jane Doe",
                                             text="hi! saw ur ad, do u guys do solar in austin??",
                                             received_at=clock.now()))
    _automation(store, clock, first.conversation_id, AUTORESPONDER)
    assert not store.answered_after(first.conversation_id, first.message_id)  # the sweeper still sees it waiting
    state = assistant.engine.run(first.conversation_id)
    assert state.read_text == "hi! saw ur ad, do u guys do solar in austin??"
    assert state.outcome != "opted_out" and not store.contact(first.contact_id).opted_out
    assert state.bubbles  # AVA answers the lead


def test_an_autoresponder_is_no_conversation_with_the_team_to_follow_up_on(make_assistant, store, clock):
    ghl = InProcessChannel("ghl")
    assistant = make_assistant(channels={"ghl": ghl})
    first = assistant.receive(InboundMessage(channel="ghl", message_id="in-1", sender=CONTACT, sender_name="Jane Doe",
                                             text="hi", received_at=clock.now()))
    _automation(store, clock, first.conversation_id, AUTORESPONDER)
    state = assistant.engine.run(first.conversation_id)
    assert state.bubbles[0].startswith("Hi Jane! This is Ava with Lone Star Sun")
    assert "following up" not in state.bubbles[0]


def test_a_booking_the_automation_announced_is_not_avas_to_claim(make_assistant, store, clock):
    """A reminder the CRM sent says "booked"; nothing in AVA's store is. A reply of AVA's repeating
    it is still refused by the claim guard, which reads only what AVA's own tools did."""
    claim = ModelResponse(text="You're all set: your consultation is booked for Thursday at 2 PM!")
    plain = ModelResponse(text="Thanks Jane! Do you own your home?")
    model = ReplayModel([ScriptedStep(text=claim.text), ScriptedStep(text=plain.text)])
    assistant = make_assistant(model=model, channels={"ghl": InProcessChannel("ghl")})
    first = assistant.receive(InboundMessage(channel="ghl", message_id="in-1", sender=CONTACT, sender_name="Jane Doe",
                                             text="ok so am i booked or not", received_at=clock.now()))
    _automation(store, clock, first.conversation_id, REMINDER)
    state = assistant.engine.run(first.conversation_id)
    assert state.bubbles == ["Thanks Jane! Do you own your home?"]
    assert store.active_appointment(first.conversation_id) is None


def test_an_automated_message_alone_gets_no_reply(make_assistant, store, clock):
    assistant = make_assistant(channels={"ghl": InProcessChannel("ghl")})
    first = assistant.receive(InboundMessage(channel="ghl", message_id="in-1", sender=CONTACT, sender_name="Jane Doe",
                                             text="hey", received_at=clock.now()))
    assistant.deliver(assistant.engine.run(first.conversation_id))
    _automation(store, clock, first.conversation_id, "Reply YES to get our summer newsletter!")
    state = assistant.engine.run(first.conversation_id)
    assert (state.outcome, state.bubbles) == ("silent", [])
    assert "homeowner" not in store.answers(first.conversation_id)


def test_the_automations_reply_yes_is_not_the_leads_answer(make_assistant, store, clock):
    assistant = make_assistant(channels={"ghl": InProcessChannel("ghl")})
    first = assistant.receive(InboundMessage(channel="ghl", message_id="in-1", sender=CONTACT, sender_name="Jane Doe",
                                             text="hey", received_at=clock.now()))
    asked = assistant.engine.run(first.conversation_id)
    assert "own" in asked.bubbles[-1]  # the homeowner question
    assistant.deliver(asked)
    _automation(store, clock, first.conversation_id, "Reply YES to get our summer newsletter!")
    clock.advance(minutes=1)
    assistant.receive(InboundMessage(channel="ghl", message_id="in-2", sender=CONTACT, sender_name="Jane Doe",
                                     text="wait what?", received_at=clock.now()))
    state = assistant.engine.run(first.conversation_id)
    assert state.read_text == "wait what?"
    assert "homeowner" not in store.answers(first.conversation_id)


def test_an_automated_message_folded_out_of_the_window_stays_the_businesss(store, clock):
    cid = _conversation(store, clock)
    store.add_message(cid, "user", "do you do batteries too?", at=clock.now())
    _automation(store, clock, cid, AUTORESPONDER)
    store.add_message(cid, TEAM, "Maria here, yes we do!", at=clock.now(), channel="ghl", channel_message_id="t-1")
    lines, raised = stored_lines(store.messages(cid))
    assert [line.who for line in lines] == ["lead", "business", "team"]
    assert raised == ["do you do batteries too?"]


def test_a_store_from_before_automated_messages_keeps_every_message_and_takes_them(tmp_path, clock):
    path = tmp_path / "v8.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript("".join(MIGRATIONS[:8]) + "PRAGMA user_version = 8;")  # as the release before this one
    conn.execute("INSERT INTO contacts (channel, external_key, address, created_at) VALUES ('ghl','c1','c1','t')")
    conn.execute("INSERT INTO conversations (contact_id, channel, created_at, updated_at) VALUES (1,'ghl','t','t')")
    rows = [(1, "user", "yes we own it", "in-1", None), (1, "assistant", "Great!", "out-1", "turn-1:0"),
            (1, "team", "Maria here", "team-1", None)]
    conn.executemany("INSERT INTO messages (conversation_id, role, text, channel, channel_message_id, delivery_key, "
                     "created_at) VALUES (?,?,?,'ghl',?,?,'2026-12-01T15:00:00+00:00')", rows)
    conn.execute("INSERT INTO crm_contacts (contact_id, crm_contact_id, tags, updated_at) "
                 "VALUES (1, 'c1', '[\"ava-booked\"]', 't')")
    conn.commit()
    conn.close()
    store = Store(path)
    assert store.schema_version() == len(MIGRATIONS)
    assert [(m.id, m.role, m.text, m.channel_message_id, m.delivery_key) for m in store.messages(1)] == [
        (1, "user", "yes we own it", "in-1", None), (2, "assistant", "Great!", "out-1", "turn-1:0"),
        (3, "team", "Maria here", "team-1", None)]
    assert store.add_message(1, BUSINESS, AUTORESPONDER, at=clock.now(), channel="ghl",
                             channel_message_id="auto-1") == 4
    # The indexes came along: a channel message id is stored once, a bubble claimed once.
    assert store.add_message(1, BUSINESS, AUTORESPONDER, at=clock.now(), channel="ghl",
                             channel_message_id="auto-1") is None
    assert store.claim_delivery(1, "turn-1:0", "Great!", at=clock.now(), channel="ghl") is None
