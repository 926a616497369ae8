"""Activities for the engine's steps: begin/think (``llm_step``), tools (``run_tool``), hand-off.

Thin on purpose: validate the payload, call one ``Engine`` step, return plain JSON.
"""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df
from loguru import logger

from activities.runtime import runtime
from activities.voice_notes import transcribe_voice_notes
from ava_core.channels.voice import TYPE_IT_PLEASE, untranscribed_only
from ava_core.tools.base import ToolResult
from orchestrators.contracts import HandOffInput, StepInput, ToolInput

bp = df.Blueprint()


@bp.activity_trigger(input_name="payload")
def llm_step(payload: dict[str, Any]) -> dict[str, Any]:
    """Begin the turn (voice notes transcribed first) and think once, or think once more."""
    step = StepInput.model_validate(payload)
    services = runtime.services()
    engine = services.assistant.engine
    if step.state is not None:
        return engine.think(step.state).model_dump(mode="json")
    transcribe_voice_notes(services, step.conversation_id)
    state = engine.begin(step.conversation_id)
    if state.done:
        return state.model_dump(mode="json")
    if untranscribed_only(state.read_text):
        # Nothing AVA can read: ask for text rather than let the model guess at a voice note.
        return state.model_copy(update={"bubbles": [TYPE_IT_PLEASE], "outcome": "reply"}).model_dump(mode="json")
    return engine.think(state).model_dump(mode="json")


@bp.activity_trigger(input_name="payload")
def run_tool(payload: dict[str, Any]) -> dict[str, Any]:
    """Run one tool call. Safe to retry: booking is idempotent per conversation and slot."""
    tool = ToolInput.model_validate(payload)
    return runtime.services().assistant.engine.act(tool.state, tool.call).model_dump(mode="json")


@bp.activity_trigger(input_name="payload")
def hand_off(payload: dict[str, Any]) -> dict[str, Any]:
    """A step kept failing: pause AVA, alert the team, and give the lead the hand-off message."""
    request = HandOffInput.model_validate(payload)
    engine = runtime.services().assistant.engine
    state = request.state or engine.begin(request.conversation_id)
    if state.outcome in ("opted_out", "paused", "silent"):
        return state.model_dump(mode="json")  # nothing to hand off: the lead is not waiting on AVA
    logger.bind(conversation_id=request.conversation_id, alert="handoff").error(
        "turn failed, handing off: {}", request.reason)
    _close_unrun_calls(engine, state)
    return engine.hand_off(state, request.reason).model_dump(mode="json")


def _close_unrun_calls(engine, state) -> None:
    """Give each tool call the model made but no tool answered a failure result, so the stored
    history stays well-formed (providers reject a tool call without its result)."""
    answered = {m.tool_call_id for m in engine.store.messages_after(state.conversation_id, state.last_message_id)
                if m.role == "tool"}
    for call in state.pending:
        if call.id not in answered:
            engine.store.add_message(
                state.conversation_id, "tool", ToolResult.failure("not run: the turn was handed off").for_model(),
                at=engine.clock.now(), tool_call_id=call.id, tool_name=call.name,
            )
