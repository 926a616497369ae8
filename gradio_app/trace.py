"""A turn's trace as the R&D site shows it: model calls, tool calls, knowledge hits, the
qualification answers with their verdicts, and where the conversation stands."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from ava_core.agent.turn import TraceEvent, TurnState
from ava_core.scenario import Outcome, conversation_outcome


class Step(BaseModel):
    kind: str
    name: str
    detail: str
    ok: bool
    latency_ms: float
    tokens: str = ""
    cost_usd: float | None = None


class TurnTrace(BaseModel):
    steps: list[Step]
    answers: list[dict[str, str]]
    outcome: Outcome
    result: str  # the turn's own end: reply, opted_out, paused, silent
    input_tokens: int
    output_tokens: int
    cost_usd: float

    def summary(self) -> str:
        """The outcome in one line."""
        o = self.outcome
        if o.opted_out:
            return "opted out"
        if o.handoff:
            return "handed off to a person"
        if o.booked and o.appointment:
            link = f" · {o.appointment['link']}" if o.appointment.get("link") else ""
            return f"booked {o.appointment['start']}{link}"
        return {True: "qualified", False: "disqualified"}.get(o.qualified, "qualifying")


def step_of(event: TraceEvent) -> Step:
    tokens = ""
    if event.usage is not None:
        tokens = f"{event.usage.input_tokens} in / {event.usage.output_tokens} out"
    if event.kind == "tool":
        detail = f"{_short(event.args)} → {_short(_result(event.result))}"
    elif event.kind == "model":
        detail = _short(event.result) if event.result else ""
    else:  # knowledge hits, guards and fallbacks carry their facts in args or result
        detail = _short(event.result if event.result is not None else event.args)
    return Step(kind=event.kind, name=event.name, detail=detail, ok=event.ok, latency_ms=event.latency_ms,
                tokens=tokens, cost_usd=event.cost_usd)


def trace_of(assistant, state: TurnState, profile) -> TurnTrace:
    answers = [
        {"field": a.field, "answer": a.value, "verdict": a.verdict}
        for a in assistant.store.answers(state.conversation_id).values()
    ]
    return TurnTrace(
        steps=[step_of(e) for e in state.trace], answers=answers,
        outcome=conversation_outcome(assistant, state.conversation_id, profile), result=state.outcome,
        input_tokens=state.usage.input_tokens, output_tokens=state.usage.output_tokens, cost_usd=state.cost_usd,
    )


def _result(result: Any) -> Any:
    # Tools answer {"ok", "data"} or {"ok", "error"}: the part worth reading.
    if isinstance(result, dict) and ("data" in result or "error" in result):
        return result.get("data") if result.get("data") is not None else result.get("error")
    return result


def _short(value: Any, limit: int = 300) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"
