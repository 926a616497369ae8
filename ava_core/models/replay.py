"""The ``replay`` model: returns a scenario's scripted answers, one per model step.

It is a real ``ChatModel`` used by tests, evals and the R&D app to reproduce a conversation
exactly, including the model's mistakes (unknown tools, bad arguments, un-offered slots).
"""

from __future__ import annotations

import itertools
from typing import Any

from pydantic import BaseModel, Field

from ava_core.errors import ProviderError
from ava_core.models.base import ModelRequest, ModelResponse, ToolCall, Usage


class ScriptedCall(BaseModel):
    name: str
    args: dict[str, Any] = Field(default_factory=dict)
    raw_args: str | None = Field(None, description="arguments as broken JSON text, to test recovery")


class ScriptedStep(BaseModel):
    text: str = ""
    tool_calls: list[ScriptedCall] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)


class ReplayModel:
    name = "replay"

    def __init__(self, steps: list[ScriptedStep]):
        self._steps = list(steps)
        self._position = 0
        self._ids = itertools.count(1)

    @property
    def remaining(self) -> int:
        return len(self._steps) - self._position

    def complete(self, request: ModelRequest) -> ModelResponse:
        if self._position >= len(self._steps):
            raise ProviderError(
                f"replay script exhausted after {len(self._steps)} steps: add more `replay:` entries",
                provider="replay",
            )
        step = self._steps[self._position]
        self._position += 1
        calls = [
            ToolCall(id=f"replay-{next(self._ids)}", name=c.name, args=c.args, raw_args=c.raw_args)
            for c in step.tool_calls
        ]
        return ModelResponse(text=step.text, tool_calls=calls, usage=step.usage, model="replay", provider="replay")
