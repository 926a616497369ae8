"""Typed tools: a pydantic argument model, a function, and a generated JSON schema.

A tool never raises into the model loop. Unknown names, bad JSON, invalid arguments and
failures all come back as a result the model can read and act on.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from loguru import logger
from pydantic import BaseModel, ValidationError

from ava_core.calendar.base import Calendar
from ava_core.clock import Clock
from ava_core.errors import AvaError
from ava_core.geo.base import Geo
from ava_core.knowledge.base import Knowledge
from ava_core.language.detection import lead_language
from ava_core.language.phrases import SaidLines, said
from ava_core.models.base import ToolCall, ToolSchema
from ava_core.profile.models import Profile
from ava_core.store import Store
from ava_core.web.base import WebSearch
from ava_core.web.off import NoWebSearch


@dataclass
class ToolContext:
    """What a tool may touch: this conversation, and the backends chosen at composition."""

    conversation_id: int
    contact_id: int
    turn_id: str
    profile: Profile
    store: Store
    clock: Clock
    calendar: Calendar
    geo: Geo
    knowledge: Knowledge
    web: WebSearch = field(default_factory=NoWebSearch)

    @cached_property
    def language(self) -> str:
        """The language the lead writes in (read once per tool call, from the conversation)."""
        return lead_language(self.store, self.profile, self.conversation_id)

    @property
    def speaking(self) -> str:
        """The language a tool's words for the lead are in: the lead's, when AVA speaks it."""
        return self.profile.speaking(self.language)

    @property
    def local(self) -> Profile:
        """The profile with its lead-facing texts in the lead's language."""
        return self.profile.localized(self.speaking)

    @property
    def said(self) -> SaidLines:
        """AVA's own lines (confirmations, questions about a place) in the lead's language."""
        return said(self.speaking)


class ToolResult(BaseModel):
    ok: bool
    data: dict[str, Any] = {}
    error: str | None = None

    @classmethod
    def success(cls, **data: Any) -> ToolResult:
        return cls(ok=True, data=data)

    @classmethod
    def failure(cls, error: str, **data: Any) -> ToolResult:
        return cls(ok=False, error=error, data=data)

    def for_model(self) -> str:
        """The JSON text the model reads as the tool's answer."""
        body = {"ok": self.ok, **self.data}
        if self.error:
            body["error"] = self.error
        return json.dumps(body, ensure_ascii=False, default=str)


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    args: type[BaseModel]
    run: Callable[[ToolContext, Any], ToolResult]

    def schema(self) -> ToolSchema:
        parameters = self.args.model_json_schema()
        parameters.pop("title", None)
        for prop in parameters.get("properties", {}).values():
            prop.pop("title", None)
        parameters.setdefault("properties", {})
        parameters["additionalProperties"] = False
        return ToolSchema(name=self.name, description=self.description, parameters=parameters)


def tool(name: str, args: type[BaseModel]) -> Callable[[Callable[[ToolContext, Any], ToolResult]], Tool]:
    """Declare a tool; its description is the function's docstring."""

    def wrap(fn: Callable[[ToolContext, Any], ToolResult]) -> Tool:
        description = " ".join((fn.__doc__ or name).split())
        return Tool(name=name, description=description, args=args, run=fn)

    return wrap


class Toolbox:
    """The tools one conversation may call, and the one place they are executed."""

    def __init__(self, tools: list[Tool]):
        self._tools = {t.name: t for t in tools}
        # Generating JSON schemas costs ~1 ms a tool; they never change, so once per toolbox.
        self._schemas = [t.schema() for t in tools]

    @property
    def names(self) -> list[str]:
        return list(self._tools)

    def schemas(self) -> list[ToolSchema]:
        return list(self._schemas)

    def execute(self, ctx: ToolContext, call: ToolCall) -> ToolResult:
        """Validate and run one call; every failure becomes a readable error result."""
        tool_ = self._tools.get(call.name)
        if tool_ is None:
            return ToolResult.failure(
                f"there is no tool named {call.name!r}; available tools: {', '.join(self._tools)}"
            )
        if call.raw_args is not None:
            return ToolResult.failure(
                f"the arguments for {call.name} were not valid JSON ({call.raw_args[:200]!r}); "
                "send a JSON object matching the tool's schema"
            )
        try:
            args = tool_.args.model_validate(call.args)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg']}" for e in exc.errors()
            )
            return ToolResult.failure(f"invalid arguments for {call.name}: {problems}")
        try:
            return tool_.run(ctx, args)
        except AvaError as exc:
            return ToolResult.failure(f"{call.name} failed: {exc}")
        except Exception as exc:  # a tool bug must not silence the lead's conversation
            logger.exception("tool {} crashed", call.name)
            return ToolResult.failure(f"{call.name} failed unexpectedly ({type(exc).__name__}); try another way")
