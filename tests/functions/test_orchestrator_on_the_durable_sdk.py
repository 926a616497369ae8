"""The orchestrator run by the real Durable Functions SDK executor on hand-written histories.

These pin what the durable extension receives (the actions of each episode) and that a
replay of the same history gives the same actions.
"""

from __future__ import annotations

import json

import pytest

from ava_core.profile import load_profile
from orchestrators import conversation
from orchestrators.contracts import ConversationStart

# The SDK decodes a with-retry activity's result through its inner task, which does not carry
# the expected_type the orchestrator passes: a warning about the SDK, not about this code.
pytestmark = pytest.mark.filterwarnings("ignore:azure.functions df_loads was called without expected_type")
HANDLE = conversation.conversation.build().get_user_function()
T0, T6, T7 = "2026-12-01T15:30:00.000Z", "2026-12-01T15:30:06.000Z", "2026-12-01T15:30:07.000Z"
CREATE_TIMER, WAIT_FOR_EVENT, CALL_ACTIVITY, CALL_WITH_RETRY, CONTINUE_AS_NEW, WHEN_ANY = 5, 6, 0, 1, 4, 11
PACED = "2026-12-01T15:30:07.977Z"  # 6 s of quiet, then the 12-character bubble's delay (seeded by message 1)


@pytest.fixture
def start(profile) -> dict:
    return ConversationStart(conversation_id=7, pacing=profile.pacing, message_id=1).model_dump(mode="json")


def _event(at: str, kind: int, **fields) -> dict:
    return {"EventId": -1, "IsPlayed": False, "Timestamp": at, "EventType": kind, **fields}


def _episode(start: dict, history: list[dict]) -> dict:
    context = {"history": history, "instanceId": "conv-whatsapp-7", "isReplaying": False,
               "parentInstanceId": None, "input": start, "upperSchemaVersion": 2}
    return json.loads(HANDLE(json.dumps(context)))


@pytest.fixture
def histories(start):
    """Episode by episode: started, quiet window over, turn thought, typing shown, lead wrote again."""
    reply = {"turn_id": "t1", "last_message_id": 1, "outcome": "reply", "bubble_chars": [12], "read_chars": 2}
    started = [_event(T0, 12), _event(T0, 0, Name="conversation", Input=json.dumps(start), Version="")]
    quiet = started + [_event(T0, 10, EventId=0, FireAt=T6), _event(T0, 13), _event(T6, 12),
                       _event(T6, 11, TimerId=0, FireAt=T6)]
    thought = quiet + [_event(T6, 4, EventId=1, Name="llm_step"), _event(T6, 13), _event(T6, 12),
                       _event(T6, 5, TaskScheduledId=1, Result=json.dumps(reply))]
    typing = thought + [_event(T6, 4, EventId=2, Name="send_typing"), _event(T6, 13), _event(T6, 12),
                        _event(T6, 5, TaskScheduledId=2, Result=json.dumps({"ok": True}))]
    wrote = typing + [_event(T6, 10, EventId=3, FireAt=PACED), _event(T6, 13), _event(T7, 12),
                      _event(T7, 15, Name="lead_message", Input=json.dumps({"message_id": 2}))]
    return {"started": started, "quiet": quiet, "thought": thought, "typing": typing, "wrote": wrote}


def test_the_first_episode_races_the_debounce_timer_against_the_lead_message_event(start, histories):
    [[race]] = _episode(start, histories["started"])["actions"]
    assert race["actionType"] == WHEN_ANY
    timer, wait = race["compoundActions"]
    assert (timer["actionType"], timer["fireAt"]) == (CREATE_TIMER, "2026-12-01T15:30:06.000000Z")
    assert (wait["actionType"], wait["externalEventName"]) == (WAIT_FOR_EVENT, "lead_message")


def test_after_the_quiet_window_the_turn_begins_with_a_retried_llm_step(start, histories):
    episode = _episode(start, histories["quiet"])
    [step] = episode["actions"][0][-1]["compoundActions"]
    assert step["actionType"] == CALL_WITH_RETRY and step["functionName"] == "llm_step"
    assert step["retryOptions"] == {"firstRetryIntervalInMilliseconds": 5000, "maxNumberOfAttempts": 3}
    assert json.loads(step["input"]) == {"conversation_id": 7, "turn_id": None}
    assert episode["customStatus"]["phase"] == "thinking"


def test_pacing_shows_typing_then_waits_on_the_same_pending_event(start, histories):
    typing = _episode(start, histories["thought"])["actions"][0][-1]
    assert (typing["actionType"], typing["functionName"]) == (CALL_ACTIVITY, "send_typing")
    wait = _episode(start, histories["typing"])["actions"][0][-1]
    # The lead_message wait from the gather is still pending, so only the timer is new.
    assert [a["actionType"] for a in wait["compoundActions"]] == [CREATE_TIMER]


def test_a_message_during_pacing_cancels_the_timer_and_gathers_again(start, histories):
    episode = _episode(start, histories["wrote"])
    paced, regather = episode["actions"][0][-2:]
    assert paced["compoundActions"][0]["isCanceled"] is True
    timer, wait = regather["compoundActions"]
    assert timer["fireAt"] == "2026-12-01T15:30:13.000000Z"  # 6 s of quiet after the new message
    assert wait["externalEventName"] == "lead_message"
    assert episode["customStatus"]["regenerations"] == 1


def test_replaying_a_history_gives_identical_actions(start, histories):
    for history in histories.values():
        assert _episode(start, history) == _episode(start, history)


def test_the_demo_profile_is_what_these_histories_assume(profile):
    assert profile == load_profile("examples/profile.yaml")
    assert (profile.pacing.debounce_seconds, profile.pacing.max_debounce_seconds) == (6, 30)


def test_a_message_that_arrived_during_the_last_send_continues_the_instance_as_new(start, histories):
    fire, t9 = PACED, "2026-12-01T15:30:09.000Z"
    paced = histories["typing"] + [_event(T6, 10, EventId=3, FireAt=fire), _event(T6, 13), _event(fire, 12),
                                   _event(fire, 11, TimerId=3, FireAt=fire)]
    # send_reply's last look at the store came before the lead wrote, so it reports nothing stale.
    sent = paced + [_event(fire, 4, EventId=4, Name="send_reply"), _event(fire, 13), _event(t9, 12),
                    _event(t9, 15, Name="lead_message", Input=json.dumps({"message_id": 2})),
                    _event(t9, 5, TaskScheduledId=4, Result=json.dumps({"sent": 1}))]
    episode = _episode(start, sent)
    assert episode["isDone"] is True and "output" not in episode  # not completed with a summary
    [continued] = [a for a in episode["actions"][-1] if a["actionType"] == CONTINUE_AS_NEW]
    assert json.loads(continued["input"])["message_id"] == 2
