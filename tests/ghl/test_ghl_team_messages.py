"""A person on the business's team wrote in the GoHighLevel conversation: their message is the
team's, neither the lead's nor AVA's, for the model, the playbook and the engine's rules."""

from __future__ import annotations

from ghl_recorded import CONTACT

from ava_core.agent.history import to_chat
from ava_core.channels import InboundMessage, InProcessChannel
from ava_core.store import TEAM
from ava_core.store.crm import CrmRecords

MARIA = "Hi Jane, Maria here from Lone Star Sun! Happy to help: the roof question is a good one, I'll explain."


def _lead(assistant, clock, number: int, text: str):
    clock.advance(minutes=2)
    return assistant.handle(InboundMessage(channel="ghl", message_id=f"lead-{number}", sender=CONTACT,
                                           sender_name="Jane Doe", text=text, received_at=clock.now()))


def _team_takes_over(store, clock, conversation_id: int) -> None:
    """What ``/api/ghl`` does with an OutboundMessage a GHL user wrote, and the pause ending."""
    clock.advance(minutes=5)
    store.add_message(conversation_id, TEAM, MARIA, at=clock.now(), channel="ghl",
                      channel_message_id="Hk2Lm3No4Pq5Rs6Tu7Vw", status="sent")
    clock.advance(hours=13)
    CrmRecords(store).resume(conversation_id, clock.now())


def test_the_lead_answers_after_the_team_and_only_that_is_read_as_their_new_message(make_assistant, clock, store):
    ghl = InProcessChannel("ghl")
    assistant = make_assistant(channels={"ghl": ghl})
    first = _lead(assistant, clock, 1, "can a real person call me?? i have questions about my roof first")
    assert "handoff_to_human" in first.acted and store.conversation(first.conversation_id).status == "paused"
    _team_takes_over(store, clock, first.conversation_id)

    after = _lead(assistant, clock, 2, "thanks maria that helped! and yes we own the house")
    # The request for a person was the team's to answer, and they did: AVA does not hand off again.
    assert after.read_text == "thanks maria that helped! and yes we own the house"
    assert "handoff_to_human" not in after.acted
    assert store.answers(after.conversation_id)["homeowner"].value == "yes"
    assert "electric bill" in ghl.sent[-1][1].text  # on to the next question


def test_the_model_reads_the_teams_message_as_the_teams(store, clock):
    contact = store.upsert_contact("ghl", CONTACT, name="Jane Doe", phone=None, at=clock.now())
    cid = store.open_conversation(contact.id, "ghl", clock.now()).id
    store.add_message(cid, "user", "can someone call me", at=clock.now())
    store.add_message(cid, TEAM, MARIA, at=clock.now(), channel="ghl", channel_message_id="t-1")
    store.add_message(cid, "user", "ok thanks", at=clock.now())
    chat = to_chat(store.messages(cid))
    assert [(m.role, m.name, m.text) for m in chat] == [
        ("user", None, "can someone call me"), ("user", TEAM, f"[team] {MARIA}"), ("user", None, "ok thanks")]
