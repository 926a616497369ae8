"""A booking always reaches the lead: the confirmation goes out even when the link, the model
or the rest of the turn fails, and the team is alerted."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from loguru import logger

from ava_core.errors import ProviderError
from ava_core.models.replay import ScriptedCall, ScriptedStep
from ava_core.scenario import Scenario, load_scenario, run_scenario
from tests.scripted import qualify

BOOKED_LABEL = "Wednesday, Dec 2 at 9:00 AM"
HANDOFF = "I'll have one of our solar advisors reach out to you personally, usually within the hour during business hours."

OFFER = [ScriptedStep(tool_calls=[ScriptedCall(name="get_free_slots")]),
         ScriptedStep(text="You qualify! I have Tuesday 1 PM, Wednesday 9 AM or Thursday 9 AM. Which works?")]
BOOK = ScriptedStep(tool_calls=[ScriptedCall(name="book_appointment", args={"slot_id": "2026-12-02T09:00:00-06:00"})])
LINK = ScriptedStep(tool_calls=[ScriptedCall(name="send_meeting_link")])


@pytest.fixture
def alerts():
    """The alerts logged while the test runs, as (alert, message)."""
    seen: list[tuple[str, str]] = []
    sink = logger.add(lambda m: seen.append((m.record["extra"]["alert"], m.record["message"])),
                      filter=lambda r: "alert" in r["extra"], level="WARNING")
    yield seen
    logger.remove(sink)


def _profile_with_link(tmp_path: Path, template: str) -> Path:
    data = yaml.safe_load(Path("examples/profile.yaml").read_text(encoding="utf-8"))
    data["booking"]["link_template"] = template
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _replay(profile: Path | None, *steps: ScriptedStep) -> Scenario:
    return Scenario(
        name="replay", profile=profile, now="2026-12-01T09:30:00-06:00", channel="whatsapp",
        lead={"name": "Lead Two", "phone": "+15125550143"}, model="replay",
        turns=[{"user": "hi, I own my home in 78704, $300 bill, 3 year old roof, full sun"},
               {"user": "Wednesday 9am please"}],
        replay=list(steps),
    )


def _last_turn(result) -> list[str]:
    texts = [t["text"] for t in result.transcript]
    last_lead = max(i for i, t in enumerate(result.transcript) if t["role"] == "user")
    return texts[last_lead + 1:]


def test_a_link_template_that_cannot_be_filled_still_tells_the_playbook_lead_they_are_booked(
        tmp_path, settings, alerts):
    scenario = load_scenario("examples/scenarios/qualified-and-booked.yaml")
    scenario.profile = _profile_with_link(tmp_path, "https://meet.example/{meeting_id}")
    result = run_scenario(scenario, settings)
    assert result.outcome.booked
    reply = "\n".join(_last_turn(result))
    assert BOOKED_LABEL in reply
    assert "send you the meeting link" in reply
    assert "https://" not in reply
    assert any(alert == "booking" and "meeting_id" in message for alert, message in alerts)


def test_a_link_failure_then_a_silent_replay_model_still_confirms_the_booking(tmp_path, settings, alerts):
    profile = _profile_with_link(tmp_path, "https://meet.example/{meeting_id}")
    result = run_scenario(_replay(profile, qualify(), *OFFER, BOOK, LINK), settings)  # then the script runs out
    assert result.outcome.booked and result.outcome.handoff
    first, second = _last_turn(result)
    assert BOOKED_LABEL in first and "send you the meeting link" in first
    assert second == HANDOFF
    assert {"booking", "model"} <= {alert for alert, _ in alerts}


def test_a_model_failure_right_after_booking_still_confirms_the_booking(settings, alerts):
    result = run_scenario(_replay(None, qualify(), *OFFER, BOOK), settings)  # the script runs out after booking
    assert result.outcome.booked and result.outcome.handoff
    first, second = _last_turn(result)
    assert first == f"You're booked for {BOOKED_LABEL}: a 30-minute solar consultation. " \
        "Someone from our team will send you the meeting link shortly."
    assert second == HANDOFF
    assert any(alert == "booking" and BOOKED_LABEL in message for alert, message in alerts)


def test_a_model_failure_after_the_link_was_made_still_gives_the_lead_the_link(settings):
    result = run_scenario(_replay(None, qualify(), *OFFER, BOOK, LINK), settings)
    first, second = _last_turn(result)
    assert BOOKED_LABEL in first and "https://meet.lonestarsun.example/consult/1" in first
    assert second == HANDOFF


def test_the_step_cap_after_booking_still_confirms_the_booking(make_assistant, say, channel, settings):
    from ava_core.models.replay import ReplayModel

    loop = [ScriptedStep(tool_calls=[ScriptedCall(name="check_service_area", args={"address_or_zip": "78704"})])]
    assistant = make_assistant(model=ReplayModel([qualify(), *OFFER, BOOK, *loop * 10]))
    say(assistant, "hi, I own my home in 78704")
    assistant.engine.max_steps = 3
    state = say(assistant, "Wednesday 9am please")
    assert "handoff_to_human" in state.acted
    assert BOOKED_LABEL in state.bubbles[0] and state.bubbles[-1] == HANDOFF


def test_every_provider_failing_after_booking_still_confirms_the_booking(make_assistant, say):
    """A language-model chain ends in its own polite hand-off; the lead still hears of the booking."""
    from ava_core.models.failover import FailoverModel
    from ava_core.models.replay import ReplayModel

    assistant = make_assistant(model=FailoverModel([ReplayModel([qualify(), *OFFER, BOOK])]))
    say(assistant, "hi, I own my home in 78704")
    state = say(assistant, "Wednesday 9am please")  # books, then every model fails
    assert "handoff_to_human" in state.acted
    assert BOOKED_LABEL in state.bubbles[0] and state.bubbles[-1] == HANDOFF


def test_a_model_that_hands_off_after_booking_is_given_the_confirmation_to_say(make_assistant, say):
    from ava_core.models.replay import ReplayModel

    handoff = ScriptedStep(tool_calls=[ScriptedCall(name="handoff_to_human", args={"reason": "wants a call"})])
    assistant = make_assistant(model=ReplayModel([qualify(), *OFFER, BOOK, handoff, ScriptedStep(text="ok")]))
    say(assistant, "hi, I own my home in 78704")
    state = say(assistant, "Wednesday 9am please, and can someone call me?")
    [result] = [e.result for e in state.trace if e.kind == "tool" and e.name == "handoff_to_human"]
    assert result["data"]["say"].startswith(f"You're booked for {BOOKED_LABEL}")
    assert result["data"]["say"].endswith(HANDOFF)


def test_a_hand_off_without_a_booking_adds_no_confirmation(make_assistant, say, channel):
    class Down:
        name = "down"

        def complete(self, request):
            raise ProviderError("azure: 503 after 4 tries", provider="azure")

    state = say(make_assistant(model=Down()), "hi")
    assert state.bubbles == [HANDOFF]


def test_a_durable_hand_off_after_booking_still_confirms_the_booking(make_assistant, say, clock):
    """The orchestrator's hand-off (a step kept failing) goes through the same confirmation."""
    from ava_core.channels import InboundMessage
    from ava_core.models.replay import ReplayModel

    assistant = make_assistant(model=ReplayModel([qualify(), *OFFER, BOOK]))
    say(assistant, "hi, I own my home in 78704")
    clock.advance(minutes=1)
    received = assistant.receive(InboundMessage(
        channel="whatsapp", message_id="wamid.book", sender="+15125550142", sender_name="Lead One",
        phone="+15125550142", text="Wednesday 9am please", received_at=clock.now()))
    engine = assistant.engine
    state = engine.think(engine.begin(received.conversation_id))
    state = state.absorb([engine.act(state, call) for call in state.pending])
    state = engine.hand_off(state, "the reply could not be delivered")
    assert BOOKED_LABEL in state.bubbles[0] and state.bubbles[-1] == HANDOFF


def test_a_model_that_books_and_then_chats_still_tells_the_lead_they_are_booked(make_assistant, say):
    from ava_core.models.replay import ReplayModel

    chat = ScriptedStep(text="Great choice! Anything else I can help with?")
    assistant = make_assistant(model=ReplayModel([qualify(), *OFFER, BOOK, chat]))
    say(assistant, "hi, I own my home in 78704")
    state = say(assistant, "Wednesday 9am please")
    assert state.outcome == "reply" and "handoff_to_human" not in state.acted
    assert state.bubbles[0].startswith(f"You're booked for {BOOKED_LABEL}")
    assert "send you the meeting link" in state.bubbles[0]
    assert state.bubbles[-1] == "Great choice! Anything else I can help with?"


def test_a_reply_that_names_the_booked_time_is_sent_as_written(make_assistant, say):
    from ava_core.models.replay import ReplayModel

    said = "Done! See you Wednesday at 9:00 AM. The link: https://meet.lonestarsun.example/consult/1"
    assistant = make_assistant(model=ReplayModel([qualify(), *OFFER, BOOK, LINK, ScriptedStep(text=said)]))
    say(assistant, "hi, I own my home in 78704")
    state = say(assistant, "Wednesday 9am please")
    assert " ".join(state.bubbles) == said
