"""Several lead messages at once, on the real Durable Functions SDK executor.

The SDK keeps only one undelivered ``lead_message`` event (the last to find no open wait) and
hands that same event to every later wait. A lead who writes "hi" then "are you there?" while
an activity runs is normal; the orchestration must take it in its stride.
"""

from __future__ import annotations

import pytest
from durable_sdk import World

pytestmark = pytest.mark.filterwarnings(
    "ignore:azure.functions df_loads was called without expected_type",
    "ignore:Potential duplicate Task completion",
)


@pytest.fixture
def world(profile) -> World:
    return World(profile.pacing)


def _burst_during(world: World, target: str, count: int, *, batched: bool) -> None:
    """The lead writes once, then ``count`` times during the first ``target`` (an activity's name,
    or the "gathering" or "pacing" timer); then everything runs out."""
    world.write()
    for _ in range(200):
        if not world.running:
            break
        task = world.instance.outstanding()
        phase = (world.instance.custom_statuses[-1] or {}).get("phase")
        if task.name == target or (task.kind == "timer" and phase == target):
            for _ in range(count):
                world.write(0.1)
                if not batched and world.running:
                    world.instance.run_episode()
            world.quiesce()
            return
        world.settle(1.0)
    raise AssertionError(f"the orchestration never reached {target}")


@pytest.mark.parametrize("batched", [True, False], ids=["one-batch", "one-episode-each"])
@pytest.mark.parametrize("count", [2, 3, 10])
@pytest.mark.parametrize("target", ["llm_step", "run_tool", "send_typing", "send_reply", "gathering", "pacing"])
def test_a_burst_of_messages_is_answered_once_without_failing_the_orchestration(world, target, count, batched):
    _burst_during(world, target, count, batched=batched)
    world.check()
    assert world.unanswered() == []
