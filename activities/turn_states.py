"""A turn's state between activities, kept sealed in the store under its turn id.

The durable task hub keeps every activity's input and output, in plain text, for as long as
the instance's history lives. So the turn (the lead's words, the bubbles, tool arguments and
results) stays in the store, sealed with the data key like the messages, and only a
``TurnView`` (ids, counts and lengths) crosses the durable boundary.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from ava_core.agent.turn import Engine, TraceEvent, TurnState
from ava_core.errors import StoreError
from ava_core.store import Store
from orchestrators.contracts import TurnView


class SavedTurn(BaseModel):
    state: TurnState
    tool_results: dict[int, TraceEvent] = Field(
        default_factory=dict, description="results of the pending tool calls by index, folded in by the next step")

    def absorbed(self) -> TurnState:
        """The state ready for its next model step: every pending call's result folded in."""
        missing = [i for i in range(len(self.state.pending)) if i not in self.tool_results]
        if missing:
            raise StoreError(f"turn {self.state.turn_id}: tool calls {missing} have no result; run them first")
        if not self.state.pending:
            return self.state
        return self.state.absorb([self.tool_results[i] for i in range(len(self.state.pending))])


def save(engine: Engine, state: TurnState, tool_results: dict[int, TraceEvent] | None = None) -> TurnView:
    """Keep the turn in the store; returns what the orchestrator may see of it."""
    saved = SavedTurn(state=state, tool_results=tool_results or {})
    engine.store.save_turn_state(state.conversation_id, state.turn_id, saved.model_dump_json(),
                                 at=engine.clock.now())
    return view(state)


def load(store: Store, conversation_id: int, turn_id: str) -> SavedTurn:
    return SavedTurn.model_validate_json(store.turn_state(conversation_id, turn_id))


def view(state: TurnState) -> TurnView:
    return TurnView(
        turn_id=state.turn_id, last_message_id=state.last_message_id, outcome=state.outcome,
        pending=len(state.pending), bubble_chars=[len(b) for b in state.bubbles], read_chars=len(state.read_text),
    )
