"""The ``ChatModel`` seam: messages and tool schemas in, text and/or tool calls out."""

from __future__ import annotations

from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from ava_core.state import ConversationState


class ToolCall(BaseModel):
    """One tool call the model asked for. ``raw_args`` keeps unparseable JSON for the error reply."""

    id: str
    name: str
    args: dict[str, Any] = Field(default_factory=dict)
    raw_args: str | None = None


class ChatMessage(BaseModel):
    """A provider-neutral message; the wire modules translate it to each API's format."""

    role: Literal["system", "user", "assistant", "tool"]
    text: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_call_id: str | None = None
    name: str | None = None  # the tool's name, on role="tool"; "team" / "business" on the business's messages


class ToolSchema(BaseModel):
    name: str
    description: str
    parameters: dict[str, Any]


class Usage(BaseModel):
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cached_tokens=self.cached_tokens + other.cached_tokens,
        )


class ProviderSearch(BaseModel):
    """The profile lets a provider with its own web search tool (Claude) search instead of AVA's
    ``web_search`` tool; providers without one ignore it and keep the tool."""

    max_uses: int = 3
    allowed_domains: list[str] = Field(default_factory=list)
    blocked_domains: list[str] = Field(default_factory=list)


class ModelRequest(BaseModel):
    """What one model step sees. ``state`` is the structured snapshot the prompt was rendered
    from; language models read it through ``system``, the offline playbook reads it directly."""

    system: str = Field(description="the stable part of the system prompt: cacheable across turns")
    context: str = Field("", description="the part that changes every step: state, time, guidance")
    messages: list[ChatMessage]
    tools: list[ToolSchema] = Field(default_factory=list)
    state: ConversationState | None = None
    conversation_id: str | None = None
    provider_search: ProviderSearch | None = None


class ModelResponse(BaseModel):
    text: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    model: str = ""
    provider: str = ""
    finish_reason: str | None = None


class ChatModel(Protocol):
    """Anything that can take one step of a conversation."""

    name: str

    def complete(self, request: ModelRequest) -> ModelResponse:
        """Answer one step: a reply to the lead, tool calls, or both."""
        ...
