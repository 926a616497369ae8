"""The business events come from the places they happen, with the conversation and turn on them."""

from __future__ import annotations

from loguru import logger

from ava_core.logging import configure_logging
from ava_core.observability.context import in_turn_context
from ava_core.observability.ecs import flatten

BOOKED = ["Hi! I saw your ad about solar panels", "yes I own the house", "about $180 a month",
          "it's like 8 years old", "full sun pretty much all day", "78704", "the second one works"]


def _actions(seen: list[dict]) -> list[str]:
    """The business events, in order (alerts, such as the empty test knowledge base's, left out)."""
    return [d["event"]["action"] for d in seen if "event" in d and d["event"]["action"] != "alert"]


def test_a_lead_who_books_leaves_the_funnel_events_in_order(make_assistant, say, capture):
    configure_logging("DEBUG")
    seen = capture()
    assistant = make_assistant()
    for text in BOOKED:
        say(assistant, text)
    actions = _actions(seen)
    assert actions[0] == "conversation_started" and actions.count("conversation_started") == 1
    funnel = [a for a in actions if a in ("conversation_started", "qualified", "slots_offered", "booked")]
    assert funnel[0] == "conversation_started" and funnel[-1] == "booked"
    assert funnel.index("qualified") < funnel.index("slots_offered") < funnel.index("booked")
    assert actions.count("message_received") == len(BOOKED)
    assert {"qualification_answer", "model_call", "tool_call", "message_sent"} <= set(actions)
    for doc in seen:
        if doc.get("event", {}).get("action") in ("tool_call", "model_call", "booked"):
            assert doc["labels"]["conversation_id"] == "1" and doc["trace"]["id"]


def test_renter_opt_out_and_hand_off_each_have_their_event(make_assistant, say, capture):
    configure_logging("DEBUG")
    seen = capture()
    assistant = make_assistant()
    say(assistant, "hello, how does the free solar thing work?", sender="+15125550102")
    say(assistant, "no, we rent an apartment", sender="+15125550102")
    say(assistant, "what is this?", sender="+15125550103")
    say(assistant, "STOP", sender="+15125550103")
    for text in ("hey", "banana", "lol idk 🤷", "whatever"):  # the third miss hands off
        say(assistant, text, sender="+15125550104")
    by_action = {d["event"]["action"]: flatten(d) for d in seen if "event" in d}
    assert by_action["disqualified"]["ava.reason"] == "homeowner"
    assert by_action["opted_out"]["labels.conversation_id"] == "2"
    assert by_action["handoff"]["labels.conversation_id"] == "3"


def test_a_line_logged_during_a_turn_carries_the_conversation_and_turn(make_assistant, say, capture, settings,
                                                                       profile):
    from ava_core.models.registry import build_model

    class Chatty:
        def __init__(self, inner):
            self.inner, self.name = inner, inner.name

        def complete(self, request):
            logger.warning("the provider's SDK says it is slow today")
            return self.inner.complete(request)

    configure_logging("INFO")
    seen = capture()
    state = say(make_assistant(model=Chatty(build_model("playbook", settings, profile))), "hi there")
    line = flatten(next(d for d in seen if d["message"] == "the provider's SDK says it is slow today"))
    assert line["labels.conversation_id"] == str(state.conversation_id)
    assert line["trace.id"] == state.turn_id


def test_an_activity_logs_in_the_context_of_its_payload(capture):
    configure_logging("INFO")
    seen = capture()

    @in_turn_context
    def activity(payload):
        logger.info("step ran")
        return payload["turn_id"]

    assert activity({"conversation_id": 12, "turn_id": "abc123"}) == "abc123"
    line = flatten(seen[-1])
    assert (line["labels.conversation_id"], line["trace.id"]) == ("12", "abc123")
    logger.info("after the step")
    assert "labels.conversation_id" not in flatten(seen[-1])
