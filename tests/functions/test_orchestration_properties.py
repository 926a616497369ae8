"""Generated histories on the real Durable Functions SDK executor: any interleaving of the
lead's messages, activity completions and timers firing is answered, once, without failing."""

from __future__ import annotations

from pathlib import Path

import pytest
from durable_sdk import World
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ava_core.profile import load_profile

pytestmark = pytest.mark.filterwarnings(
    "ignore:azure.functions df_loads was called without expected_type",
    "ignore:Potential duplicate Task completion",
)
PACING = load_profile(Path(__file__).resolve().parents[2] / "examples" / "profile.yaml").pacing

# What happens next in the world: the lead writes (after a pause), the awaited activity finishes
# (after it ran that long) or the timer fires, or the events raised so far reach the instance.
WRITE = st.tuples(st.just("write"), st.sampled_from([0.0, 0.1, 0.5, 2.0, 5.0, 9.0]))
SETTLE = st.tuples(st.just("settle"), st.sampled_from([0.1, 1.0, 4.0]))
DELIVER = st.tuples(st.just("deliver"), st.just(0.0))
HISTORIES = st.lists(st.one_of(WRITE, SETTLE, DELIVER), min_size=1, max_size=30)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(HISTORIES)
def test_any_interleaving_answers_every_message_once_and_never_fails(steps):
    world = World(PACING)
    world.write()
    for kind, seconds in steps:
        if kind == "write":
            world.write(seconds)
        elif kind == "settle" and world.running:
            world.settle(seconds)
        elif kind == "deliver" and world.running and world.instance.batch:
            world.instance.run_episode()
    world.quiesce()
    world.check()
    assert world.unanswered() == []
