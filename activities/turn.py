"""Activities for the engine's steps: begin/think (``llm_step``), tools (``run_tool``), hand-off.

Thin on purpose: validate the payload, call one ``Engine`` step, return plain JSON. The turn
itself stays in the store (``activities.turn_states``); only its ids and lengths are returned.
"""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df
from loguru import logger

from activities import turn_states
from activities.runtime import runtime
from activities.voice_notes import transcribe_voice_notes
from ava_core.channels.voice import type_it_please, untranscribed_only
from ava_core.language.detection import lead_language
from ava_core.observability.context import in_turn_context
from ava_core.tools.base import ToolResult
from orchestrators.contracts import HandOffInput, StepInput, ToolInput

bp = df.Blueprint()


@bp.activity_trigger(input_name="payload")
@in_turn_context
def llm_step(payload: dict[str, Any]) -> dict[str, Any]:
    """Begin the turn (voice notes transcribed and a CRM's earlier messages read first) and think once, or think once more after
    the turn's tool calls ran."""
    step = StepInput.model_validate(payload)
    services = runtime.services()
    engine = services.assistant.engine
    if step.turn_id is not None:
        state = turn_states.load(engine.store, step.conversation_id, step.turn_id).absorbed()
        return _saved(engine, engine.think(state))
    transcribe_voice_notes(services, step.conversation_id)
    # A CRM conversation's first turn reads what the CRM held before AVA (never raises).
    services.assistant.catch_up(step.conversation_id)
    state = engine.begin(step.conversation_id)
    if state.done:
        return _saved(engine, state)
    if untranscribed_only(state.read_text):
        # Nothing AVA can read: ask for text rather than let the model guess at a voice note.
        language = engine.profile.speaking(lead_language(engine.store, engine.profile, step.conversation_id))
        return _saved(engine, state.model_copy(update={"bubbles": [type_it_please(language)], "outcome": "reply"}))
    return _saved(engine, engine.think(state))


@bp.activity_trigger(input_name="payload")
@in_turn_context
def run_tool(payload: dict[str, Any]) -> dict[str, Any]:
    """Run one of the turn's pending tool calls; its result waits in the store for the next step.
    Safe to retry: booking is idempotent per conversation and slot, and a retried cancel or move
    of a booking changes nothing."""
    tool = ToolInput.model_validate(payload)
    engine = runtime.services().assistant.engine
    saved = turn_states.load(engine.store, tool.conversation_id, tool.turn_id)
    event = engine.act(saved.state, saved.state.pending[tool.index])
    turn_states.save(engine, saved.state, {**saved.tool_results, tool.index: event})
    return {"ok": event.ok}


@bp.activity_trigger(input_name="payload")
@in_turn_context
def hand_off(payload: dict[str, Any]) -> dict[str, Any]:
    """A step kept failing: pause AVA, alert the team, and give the lead the hand-off message."""
    request = HandOffInput.model_validate(payload)
    engine = runtime.services().assistant.engine
    if request.turn_id is not None:
        state = turn_states.load(engine.store, request.conversation_id, request.turn_id).state
    else:
        state = engine.begin(request.conversation_id)
    if state.outcome in ("opted_out", "paused", "silent"):
        return _saved(engine, state)  # nothing to hand off: the lead is not waiting on AVA
    logger.bind(conversation_id=request.conversation_id, alert="handoff").error(
        "turn failed, handing off: {}", request.reason)
    _close_unrun_calls(engine, state)
    return _saved(engine, engine.hand_off(state, request.reason))


def _saved(engine, state) -> dict[str, Any]:
    return turn_states.save(engine, state).model_dump(mode="json")


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
